import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildMetered, DEVNET_RULES, signEntry, toHex, type SignedEntry } from '../ledger/index.ts'
import { memoryNodeStore } from './node-store.ts'
import { createSeededRandom } from './sim/random.ts'
import { createVirtualClock } from './sim/virtual-clock.ts'
import { createEd25519Signer } from '../identity/ed25519.ts'
import { createSwarmNode, type SwarmNode } from './swarm-node.ts'
import { ENVELOPE_KINDS, sealEnvelope } from './envelope.ts'
import { LedgerDoc } from './ledger-doc.ts'
import { createSimulatedSwarm, type SimulatedSwarm } from './sim/swarm-scenario.ts'
import { SYNC_DROP_RETRY_MS } from './constants.ts'
import { TOPICS, type Transport, type TransportHandlers } from './transport.ts'

/** Every entry any node authored that counts must be counted by every node. */
function assertConverged(swarm: SimulatedSwarm, nodes = swarm.nodes): void {
  const roots = new Set(nodes.map((node) => node.stateRootHex()))
  assert.equal(roots.size, 1, `state roots differ: ${[...roots].map((root) => root.slice(0, 12)).join(', ')}`)
}

/** The change a node would gossip for `entry`, built on a document that holds the author's chain. */
function changeFor(chain: readonly SignedEntry[], entry: SignedEntry): Uint8Array {
  const doc = new LedgerDoc({ actorHex: 'ee'.repeat(16) })
  for (const previous of chain) doc.add(previous)
  const added = doc.add(entry)
  doc.free()
  assert.ok(added !== undefined)
  return added.change
}

/**
 * A ring 0-1-2-3-0 with anti-entropy rounds a minute apart, where node 0, cut off from everyone,
 * wrote an entry 10 s ago that nobody gossiped; node 0 is still cut off.
 */
async function lonerWithUnseenEntry(): Promise<{ swarm: SimulatedSwarm; loner: SwarmNode; first: SwarmNode; second: SwarmNode; third: SwarmNode; unseen: SignedEntry }> {
  const swarm = createSimulatedSwarm({ seed: 12, nodeCount: 4, chords: 0, syncIntervalMs: 60_000 })
  await swarm.start()
  swarm.clock.advance(2_000)
  const [loner, first, second, third] = swarm.nodes as [SwarmNode, SwarmNode, SwarmNode, SwarmNode]
  swarm.connections.disconnect(loner.nodeId, first.nodeId)
  swarm.connections.disconnect(loner.nodeId, third.nodeId)
  const unseen = loner.appendMetered({ type: 'llm_inference', model: 'm', tokens: 3 })
  swarm.clock.advance(10_000)
  return { swarm, loner, first, second, third, unseen }
}

describe('swarm node core on the simulated network', () => {
  it('replays: the same seed gives the same event log and state roots, byte for byte', async () => {
    const run = async () => {
      const swarm = createSimulatedSwarm({ seed: 42, nodeCount: 6, dropProbability: 0.05 })
      await swarm.start()
      swarm.scheduleAppends(swarm.nodes, 4, 2_000)
      swarm.clock.advance(3_000)
      swarm.connections.partition(swarm.nodes.slice(0, 3).map((node) => node.nodeId), swarm.nodes.slice(3).map((node) => node.nodeId))
      swarm.scheduleAppends(swarm.nodes, 2, 1_000)
      swarm.clock.advance(2_000)
      swarm.connections.heal()
      swarm.clock.advance(10_000)
      await swarm.stop()
      return { log: swarm.eventLog(), roots: swarm.stateRootsHex() }
    }
    const first = await run()
    const second = await run()
    assert.ok(first.log.length > 10_000, 'the log records the run')
    assert.equal(first.log, second.log)
    assert.deepEqual(first.roots, second.roots)
    assert.equal(new Set(first.roots).size, 1)
  })

  it('5 nodes with 10 % message loss exchange metered entries and reach one state root', async () => {
    const swarm = createSimulatedSwarm({ seed: 5, nodeCount: 5, dropProbability: 0.1 })
    await swarm.start()
    swarm.scheduleAppends(swarm.nodes, 10, 3_000)
    swarm.clock.advance(20_000)
    assertConverged(swarm)
    for (const node of swarm.nodes) assert.equal(node.status().entries.counted, swarm.authored.size)
    for (const node of swarm.nodes) assert.equal(node.bans().length, 0, 'nobody is banned')
    await swarm.stop()
  })

  it('10 nodes split 5/5 append on both sides, heal, and converge with no entry lost; a double spend across the split is a fork', async () => {
    const swarm = createSimulatedSwarm({ seed: 10, nodeCount: 10 })
    await swarm.start()
    swarm.clock.advance(2_000)
    const sideA = swarm.nodes.slice(0, 5)
    const sideB = swarm.nodes.slice(5)
    swarm.connections.partition(sideA.map((node) => node.nodeId), sideB.map((node) => node.nodeId))
    swarm.clock.advance(100)
    swarm.scheduleAppends(swarm.nodes, 5, 1_000)
    // The double spend: node A0's key signs two different entries at the same seq, one per side.
    const forker = sideA[0]!
    const forkerSigner = swarm.signers[0]!
    const chain = [...forker.store.ledger.entries()].filter((entry) => entry.authorHex === forker.nodeId)
    const honest = forker.appendMetered({ type: 'llm_inference', model: 'm', tokens: 100 })
    const twin = signEntry({ ...honest.body, action: { type: 'llm_inference', model: 'm', tokens: 999 }, legs: buildMetered(forker.store.ledger, forkerSigner, { type: 'llm_inference', model: 'm', tokens: 999 }).body.legs, seq: honest.body.seq, prev: honest.body.prev }, forkerSigner)
    const [b0, b1] = [sideB[0]!, sideB[1]!]
    swarm.connections.injectGossip(b0.nodeId, b1.nodeId, TOPICS.entries, sealEnvelope(ENVELOPE_KINDS.entryChange, changeFor(chain, twin), forkerSigner))
    swarm.clock.advance(3_000)
    assert.ok(b1.store.ledger.standing(twin.idHex) !== undefined, 'side B took the twin')
    assert.equal(new Set(sideA.map((node) => node.stateRootHex())).size, 1)
    assert.equal(new Set(sideB.map((node) => node.stateRootHex())).size, 1)
    assert.notEqual(sideA[1]!.stateRootHex(), sideB[1]!.stateRootHex(), 'the sides diverged while split')
    swarm.connections.heal()
    swarm.clock.advance(10_000)
    // The forker is cut off by everyone once the fork is proven; every other node agrees.
    const others = swarm.nodes.filter((node) => node !== forker)
    assertConverged(swarm, others)
    for (const node of others) {
      for (const [idHex, entry] of swarm.authored)
        if (entry.authorHex !== forker.nodeId) assert.equal(node.store.ledger.standing(idHex)?.status, 'counted', `node ${node.nodeId.slice(0, 8)} lost ${idHex.slice(0, 8)}`)
      assert.equal(node.store.ledger.forkProofs().length, 1, 'every node holds the fork proof')
      assert.ok(node.isBanned(forker.nodeId), 'the forker is banned by every other node')
      for (const other of others) assert.ok(!node.isBanned(other.nodeId), 'no honest node is banned')
    }
    await swarm.stop()
  })

  it('a byzantine node sending entries with bad signatures is banned by every honest node through a warrant', async () => {
    const swarm = createSimulatedSwarm({ seed: 3, nodeCount: 8 })
    await swarm.start()
    swarm.scheduleAppends(swarm.nodes, 3, 1_000)
    swarm.clock.advance(3_000)
    // The byzantine node is node 0's keyholder gone bad: it publishes its next entry with a broken signature.
    const byzantine = swarm.nodes[0]!
    const signer = swarm.signers[0]!
    const chain = [...byzantine.store.ledger.entries()].filter((entry) => entry.authorHex === byzantine.nodeId)
    const good = buildMetered(byzantine.store.ledger, signer, { type: 'llm_inference', model: 'm', tokens: 5 })
    const badSig = good.sig.slice()
    badSig[0]! ^= 1
    const forged: SignedEntry = { ...good, sig: badSig }
    const neighbour = swarm.connections.connectedPeers(byzantine.nodeId)[0]!
    swarm.connections.injectGossip(byzantine.nodeId, neighbour, TOPICS.entries, sealEnvelope(ENVELOPE_KINDS.entryChange, changeFor(chain, forged), signer))
    swarm.clock.advance(5_000)
    for (const node of swarm.nodes.slice(1)) {
      assert.ok(node.isBanned(byzantine.nodeId), `${node.nodeId.slice(0, 8)} banned the byzantine node`)
      const ban = node.bans().find((row) => row.nodeId === byzantine.nodeId)!
      assert.equal(ban.reason, 'warrant:signed-garbage')
      assert.ok(ban.warrant !== undefined && ban.warrant.length > 100, 'the ban carries its warrant')
      for (const other of swarm.nodes.slice(1)) assert.ok(!node.isBanned(other.nodeId), 'no honest node is banned')
      assert.equal(node.store.ledger.standing(forged.idHex), undefined, 'the forged entry never counts')
    }
    assertConverged(swarm, swarm.nodes.slice(1))
    await swarm.stop()
  })

  it('a node that was away catches up through the sync protocol', async () => {
    const swarm = createSimulatedSwarm({ seed: 8, nodeCount: 4, chords: 0 })
    await swarm.start()
    const [away, ...others] = swarm.nodes
    const awayId = away!.nodeId
    for (const other of others) swarm.connections.disconnect(awayId, other.nodeId)
    swarm.scheduleAppends(others, 30, 2_000)
    swarm.clock.advance(4_000)
    assert.notEqual(away!.stateRootHex(), others[0]!.stateRootHex())
    swarm.connections.connect(awayId, others[0]!.nodeId)
    swarm.clock.advance(5_000)
    assertConverged(swarm)
    assert.equal(away!.status().entries.counted, swarm.authored.size)
    await swarm.stop()
  })

  it('passes an old entry learned by sync on to every peer at once, not at the next anti-entropy round', async () => {
    const { swarm, loner, first, second, third, unseen } = await lonerWithUnseenEntry()
    assert.equal(second.store.ledger.standing(unseen.idHex), undefined)
    swarm.connections.connect(loner.nodeId, first.nodeId)
    swarm.clock.advance(2_000)
    for (const node of [first, second, third]) assert.equal(node.store.ledger.standing(unseen.idHex)?.status, 'counted', `node ${node.nodeId.slice(0, 8)} has the entry`)
    assertConverged(swarm)
    await swarm.stop()
  })

  it('passes nothing learned by sync on while gossip itself runs late (it is gossip\'s backlog)', async () => {
    const { swarm, loner, first, second, third, unseen } = await lonerWithUnseenEntry()
    // Gossip brings node 1 an entry written 6 s ago: gossip is running late there.
    const signer = swarm.signers[3]!
    const chain = [...third.store.ledger.entries()].filter((entry) => entry.authorHex === third.nodeId)
    const late = buildMetered(third.store.ledger, signer, { type: 'llm_inference', model: 'm', tokens: 4 }, { timestamp: swarm.clock.now() - 6_000 })
    swarm.connections.injectGossip(second.nodeId, first.nodeId, TOPICS.entries, sealEnvelope(ENVELOPE_KINDS.entryChange, changeFor(chain, late), signer))
    swarm.clock.advance(100)
    assert.equal(first.store.ledger.standing(late.idHex)?.status, 'counted')
    swarm.connections.connect(loner.nodeId, first.nodeId)
    swarm.clock.advance(2_000)
    assert.equal(first.store.ledger.standing(unseen.idHex)?.status, 'counted', 'node 1 synced with the loner')
    assert.equal(second.store.ledger.standing(unseen.idHex), undefined, 'node 1 did not pass it on at once')
    // Anti-entropy still brings it everywhere.
    swarm.clock.advance(130_000)
    assertConverged(swarm)
    await swarm.stop()
  })

  it('sends again at once when the transport reports its sync messages lost, at most once a second per peer', async () => {
    const signer = createEd25519Signer(new Uint8Array(32).fill(21))
    const peer = toHex(createEd25519Signer(new Uint8Array(32).fill(22)).publicKey)
    const sent: string[] = []
    let handlers: TransportHandlers | undefined
    const transport: Transport = {
      nodeId: toHex(signer.publicKey),
      async start(given) {
        handlers = given
      },
      publish() {},
      sendDirect: (to) => void sent.push(to),
      connectedPeers: () => [peer],
      ban() {},
      async stop() {},
    }
    const clock = createVirtualClock()
    const node = createSwarmNode({ clock, random: createSeededRandom(3), transport, store: memoryNodeStore(DEVNET_RULES) }, { signer, syncIntervalMs: 60_000 })
    await node.start()
    assert.ok(handlers?.directDropped !== undefined)
    handlers.peerConnected(peer)
    assert.deepEqual(sent, [peer], 'the first sync message')
    // Unanswered, nothing more is sent: Automerge waits for the answer.
    node.syncNow()
    assert.deepEqual(sent, [peer])
    handlers.directDropped(peer)
    assert.deepEqual(sent, [peer, peer], 'sent again once the transport said it was lost')
    handlers.directDropped(peer)
    assert.equal(sent.length, 2, 'not again within the retry interval')
    clock.advance(SYNC_DROP_RETRY_MS)
    handlers.directDropped(peer)
    assert.equal(sent.length, 3)
    // A peer the node holds no sync state for (never connected, or gone) is left alone.
    handlers.peerDisconnected(peer)
    clock.advance(SYNC_DROP_RETRY_MS)
    handlers.directDropped(peer)
    assert.equal(sent.length, 3)
    await node.stop()
  })

  it('refuses a transport that belongs to another node', () => {
    const swarm = createSimulatedSwarm({ seed: 1, nodeCount: 2 })
    const stranger = swarm.connections.transportFor('ab'.repeat(32))
    assert.throws(() => createSwarmNode({ clock: swarm.clock, random: createSeededRandom(1), transport: stranger, store: memoryNodeStore(DEVNET_RULES) }, { signer: swarm.signers[0]! }), /belongs to abab/)
    assert.equal(toHex(swarm.signers[0]!.publicKey), swarm.nodes[0]!.nodeId)
  })
})

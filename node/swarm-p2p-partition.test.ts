/**
 * A 10-node swarm over real sockets split 5/5 by the connection gater (`transport.block`), with a
 * double spend made across the split: one key signs two entries at one seq, one per side. After
 * the heal every other node converges with no entry lost, holds the fork proof and bans the forker
 * by warrant. The same scenario runs on the simulated network in swarm-node.test.ts.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createEd25519Signer } from '../identity/index.ts'
import { buildMetered, signEntry, type SignedEntry } from '../ledger/index.ts'
import { ENVELOPE_KINDS, sealEnvelope } from './envelope.ts'
import type { RunningNode } from './run-node.ts'
import { changeFor, chainOf, describeNodes, distinctRoots, startP2pSwarm, waitFor, waitForConvergence, type P2pSwarm } from './test-support/p2p-swarm.ts'
import { TOPICS } from './transport.ts'
import { checkWarrant } from './warrant.ts'

const SWARM_SIZE = 10
const SIDE_SIZE = 5
/** How long one side-B node gets to spread the twin before the next one publishes it. */
const TWIN_REPUBLISH_INTERVAL_MS = 1_000

describe('swarm nodes over real sockets: a 5/5 partition with a double spend across it', () => {
  let swarm: P2pSwarm | undefined

  before(async () => {
    // Each node bootstraps from every node before it: both sides stay connected inside, and every
    // side-B node redials side A by itself once the block is lifted.
    swarm = await startP2pSwarm({ size: SWARM_SIZE, topology: 'mesh', seedBase: 21 })
  })
  after(async () => {
    await swarm?.stop()
  })

  it('split nodes diverge; after the heal all but the forker converge with no entry lost, and the forker is banned by warrant', async () => {
    assert.ok(swarm !== undefined, 'the swarm started')
    const nodes = swarm.runningNodes()
    const sideA = nodes.slice(0, SIDE_SIZE)
    const sideB = nodes.slice(SIDE_SIZE)
    const idsOf = (side: readonly RunningNode[]): string[] => side.map((running) => running.node.nodeId)
    const authored = new Map<string, string>()
    const noteAuthored = (entry: SignedEntry): void => void authored.set(entry.idHex, entry.authorHex)
    for (const running of nodes) for (const entry of chainOf(running, running.node.nodeId)) noteAuthored(entry)
    // Side B must know the forker's chain up to the fork, or it could not check the twin.
    await waitForConvergence(nodes, { what: 'the genesis entries to reach every node', entryIds: authored.keys() })

    for (const running of sideA) running.transport.block(idsOf(sideB))
    for (const running of sideB) running.transport.block(idsOf(sideA))
    const crossPeers = (): number[] => nodes.map((running, index) => running.transport.connectedPeers().filter((peer) => idsOf(index < SIDE_SIZE ? sideB : sideA).includes(peer)).length)
    await waitFor(() => crossPeers().every((count) => count === 0), { what: 'every connection across the split to close', observe: crossPeers })

    // Both sides append; the forker X (on side A) appends once, honestly, at seq n.
    const forker = sideA[0]!
    const forkerSigner = createEd25519Signer(swarm.members[0]!.seed)
    const chainBeforeFork = chainOf(forker, forker.node.nodeId)
    for (const running of nodes.slice(1)) for (const tokens of [200, 210]) noteAuthored(running.node.appendMetered({ type: 'llm_inference', model: 'm', tokens }))
    const honest = forker.node.appendMetered({ type: 'llm_inference', model: 'm', tokens: 100 })
    noteAuthored(honest)

    // The twin: X's key signs another entry at the same seq, published on side B by a side-B node.
    const twinAction = { type: 'llm_inference', model: 'm', tokens: 999 } as const
    const twin = signEntry({ ...honest.body, action: twinAction, legs: buildMetered(forker.ledger.ledger, forkerSigner, twinAction).body.legs }, forkerSigner)
    assert.equal(twin.body.seq, honest.body.seq)
    assert.notEqual(twin.idHex, honest.idHex)
    const twinEnvelope = sealEnvelope(ENVELOPE_KINDS.entryChange, changeFor(chainBeforeFork, twin), forkerSigner)
    let publishedBy = 0
    let publishedAtMs = 0
    await waitFor(
      () => {
        if (sideB.every((running) => running.ledger.ledger.standing(twin.idHex)?.status === 'counted')) return true
        // A node never validates its own publication, so one that published may still lack the twin; the next one tries.
        if (Date.now() - publishedAtMs > TWIN_REPUBLISH_INTERVAL_MS && publishedBy < sideB.length) {
          sideB[publishedBy++]!.transport.publish(TOPICS.entries, twinEnvelope)
          publishedAtMs = Date.now()
        }
        return false
      },
      { what: 'every side-B node to count the twin', observe: () => ({ publishedBy, standings: sideB.map((running) => running.ledger.ledger.standing(twin.idHex)?.status ?? 'unknown') }) },
    )

    const sideEntryIds = (side: readonly RunningNode[]): string[] => [...authored].filter(([, author]) => idsOf(side).includes(author)).map(([idHex]) => idHex)
    await waitForConvergence(sideA, { what: 'side A to converge while split', entryIds: sideEntryIds(sideA) })
    await waitForConvergence(sideB, { what: 'side B to converge while split', entryIds: [...sideEntryIds(sideB), twin.idHex] })
    assert.notEqual(sideA[1]!.node.stateRootHex(), sideB[1]!.node.stateRootHex(), 'the sides diverged while split')
    for (const running of sideA) assert.equal(running.ledger.ledger.standing(twin.idHex), undefined, 'side A never saw the twin')
    for (const running of sideB) assert.equal(running.ledger.ledger.standing(honest.idHex), undefined, 'side B never saw the honest entry')
    for (const running of nodes) assert.equal(running.ledger.ledger.forkProofs().length, 0, 'no fork is visible while split')

    for (const running of nodes) running.transport.unblock(idsOf(sideA.includes(running) ? sideB : sideA))

    const others = nodes.filter((running) => running !== forker)
    const honestIds = idsOf(others)
    const nonForkerEntryIds = [...authored].filter(([, author]) => author !== forker.node.nodeId).map(([idHex]) => idHex)
    await waitForConvergence(others, { what: 'every node but the forker to converge after the heal', entryIds: nonForkerEntryIds, timeoutMs: 30_000 })
    await waitFor(() => others.every((running) => running.ledger.ledger.forkProofs().length === 1 && running.node.isBanned(forker.node.nodeId)), {
      what: 'every node but the forker to hold the fork proof and ban the forker',
      observe: () => others.map((running) => ({ forks: running.ledger.ledger.forkProofs().length, bans: running.node.bans().map((row) => `${row.nodeId.slice(0, 8)}:${row.reason}`) })),
    })
    await waitFor(() => distinctRoots(others).size === 1, { what: 'one state root once the fork is settled', observe: () => describeNodes(others) })

    for (const running of others) {
      const label = running.node.nodeId.slice(0, 8)
      for (const idHex of nonForkerEntryIds) assert.equal(running.ledger.ledger.standing(idHex)?.status, 'counted', `${label} lost ${idHex.slice(0, 8)}`)
      const bans = running.node.bans()
      assert.deepEqual(bans.map((row) => row.nodeId), [forker.node.nodeId], `${label} banned the forker and no one else`)
      assert.equal(bans[0]!.reason, 'warrant:fork')
      const checked = checkWarrant(new Uint8Array(Buffer.from(bans[0]!.warrant ?? '', 'base64url')))
      assert.ok(checked.ok && checked.warrant.kind === 'fork' && checked.warrant.accusedHex === forker.node.nodeId, `${label}'s fork warrant checks`)
      for (const honestId of honestIds) assert.ok(!running.node.isBanned(honestId), 'no honest node is banned')
    }
  })
})

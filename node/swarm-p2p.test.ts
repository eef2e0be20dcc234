/**
 * The swarm node on real parts (issue 4): nodes booted with `startNode` (identity on disk, DuckDB
 * ledger, libp2p over TCP on 127.0.0.1, HTTP API) replicate, catch up after a restart, ban a
 * byzantine peer by warrant, and serve their API. The same scenarios run on the simulated network
 * in swarm-node.test.ts; the partition and the socket fuzz have files of their own.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createEd25519Signer } from '../identity/index.ts'
import { buildMint, decodeSignedEntry, devnetGenesisGrant, DEVNET_RULES, Ledger, toHex, verifyEntrySignature, type SignedEntry } from '../ledger/index.ts'
import { ENVELOPE_KINDS, sealEnvelope } from './envelope.ts'
import type { BalanceJson, BanJson, EntryJson, NodeStatusJson, PeerJson } from './node-view.ts'
import { changeFor, chainOf, describeNodes, startP2pSwarm, waitFor, waitForConvergence, type P2pSwarm } from './test-support/p2p-swarm.ts'
import { TOPICS } from './transport.ts'
import { checkWarrant } from './warrant.ts'

const SWARM_SIZE = 5
/** The member stopped and started again; a leaf of the star, so the others' bootstrap lists still hold. */
const RESTARTED_MEMBER = 3

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url)
  assert.equal(response.status, 200, `GET ${url}`)
  return (await response.json()) as T
}

describe('swarm nodes over real sockets: 5 nodes in a star', () => {
  let swarm: P2pSwarm | undefined
  /** Every entry an honest node authored (id → author), genesis mints included. */
  const authored = new Map<string, string>()
  const noteAuthored = (entry: SignedEntry): void => void authored.set(entry.idHex, entry.authorHex)
  const live = (): P2pSwarm => {
    assert.ok(swarm !== undefined, 'the swarm started')
    return swarm
  }

  before(async () => {
    swarm = await startP2pSwarm({ size: SWARM_SIZE, topology: 'star', seedBase: 1 })
    for (const running of swarm.runningNodes()) for (const entry of chainOf(running, running.node.nodeId)) noteAuthored(entry)
  })
  after(async () => {
    await swarm?.stop()
  })

  it('exchange metered entries and reach one state root, every authored entry counted at every node', async () => {
    const nodes = live().runningNodes()
    assert.equal(authored.size, SWARM_SIZE, 'each node minted its genesis')
    for (let round = 0; round < 4; round++)
      for (const running of nodes) noteAuthored(running.node.appendMetered({ type: 'llm_inference', model: 'm', tokens: 100 + 10 * round }))
    await waitForConvergence(nodes, { what: 'the star to converge', entryIds: authored.keys() })
    for (const running of nodes) {
      assert.equal(running.node.status().entries.counted, authored.size, `${running.node.nodeId.slice(0, 8)} counts exactly the authored entries`)
      assert.deepEqual(running.node.bans(), [], 'nobody is banned')
    }
  })

  it('serves its HTTP API: status, peers with trust, balances, verifiable entries, bans, metrics', async () => {
    const nodes = live().runningNodes()
    const hub = live().node(0)
    const url = hub.http.url
    const status = await getJson<NodeStatusJson>(`${url}/status`)
    assert.equal(status.nodeId, hub.node.nodeId)
    assert.equal(status.peerId, hub.transport.peerId)
    assert.equal(status.stateRoot, hub.node.stateRootHex())
    assert.equal(status.peers, SWARM_SIZE - 1, 'the hub of the star is connected to every leaf')
    assert.equal(status.entries.counted, authored.size)
    assert.ok(status.listen.some((address) => address.startsWith('/ip4/127.0.0.1/tcp/')), `listen addresses: ${status.listen.join(', ')}`)

    const peers = await getJson<PeerJson[]>(`${url}/peers`)
    assert.deepEqual(peers.map((peer) => peer.nodeId), nodes.slice(1).map((running) => running.node.nodeId).sort())
    for (const peer of peers) {
      assert.ok(peer.connected && !peer.banned)
      assert.ok(peer.trust > 0.5 && peer.trust <= 1, `trust ${peer.trust} of a peer whose entries counted`)
      assert.ok((peer.evidence['valid-entry'] ?? 0) > 0)
    }

    const balances = await getJson<BalanceJson[]>(`${url}/balances`)
    const byAccount = new Map(balances.map((row) => [row.account, row.balances]))
    for (const running of nodes) assert.ok(BigInt(byAccount.get(running.node.nodeId)?.IPPC ?? '0') > 0n, `${running.node.nodeId.slice(0, 8)} has an IPPC balance`)
    assert.ok(BigInt(byAccount.get('swarm:compute')?.IPPC ?? '0') > 0n, 'the metered entries paid swarm:compute')

    const entries = await getJson<EntryJson[]>(`${url}/entries?limit=5`)
    assert.equal(entries.length, 5)
    for (const row of entries) {
      const entry = decodeSignedEntry(new Uint8Array(Buffer.from(row.raw, 'base64url')), new Uint8Array(Buffer.from(row.sig, 'base64url')))
      assert.ok(verifyEntrySignature(entry), `entry ${row.id.slice(0, 12)} verifies`)
      assert.equal(entry.idHex, row.id)
      assert.equal(entry.authorHex, row.author)
      assert.equal(entry.body.seq, row.seq)
      assert.equal(row.standing, 'counted')
      assert.ok(authored.has(row.id))
    }

    assert.deepEqual(await getJson<BanJson[]>(`${url}/bans`), [])

    const metrics = await (await fetch(`${url}/metrics`)).text()
    assert.match(metrics, new RegExp(`^ippoc_peers ${SWARM_SIZE - 1}$`, 'm'))
    assert.match(metrics, new RegExp(`^ippoc_ledger_entries_counted ${authored.size}$`, 'm'))
    for (const name of ['ippoc_entries_applied_total', 'ippoc_gossip_messages_total', 'ippoc_sync_messages_total', 'ippoc_bans_total', 'ippoc_banned_peers', 'ippoc_state_root_age_seconds'])
      assert.match(metrics, new RegExp(`^${name}[ {]`, 'm'), `/metrics has ${name}`)
  })

  it('a node restarted from disk rejoins and catches up, its earlier entries read back from DuckDB', async () => {
    const current = live()
    const restarted = current.members[RESTARTED_MEMBER]!
    const beforeStop = current.node(RESTARTED_MEMBER)
    const ownBefore = chainOf(beforeStop, restarted.nodeId)
    const storedBefore = beforeStop.ledger.storedCount
    assert.ok(ownBefore.length >= 5, 'the node authored its genesis and metered entries')
    await current.stopMember(RESTARTED_MEMBER)

    const others = current.runningNodes()
    for (const running of others) noteAuthored(running.node.appendMetered({ type: 'llm_inference', model: 'm', tokens: 300 }))
    for (const running of others) noteAuthored(running.node.appendMetered({ type: 'llm_inference', model: 'm', tokens: 310 }))
    const missedIds = [...authored.keys()]
    await waitForConvergence(others, { what: 'the 4 nodes left to converge', entryIds: missedIds })

    const restartedNode = await current.restartMember(RESTARTED_MEMBER)
    // Before any sync: what the node holds came from its own DuckDB file.
    assert.equal(restartedNode.ledger.openReport.entries, storedBefore, 'every stored entry was read back on open')
    for (const entry of ownBefore) assert.equal(restartedNode.ledger.ledger.standing(entry.idHex)?.status, 'counted', `own entry seq ${entry.body.seq} is still there`)

    await waitForConvergence(current.runningNodes(), { what: 'the restarted node to catch up', entryIds: authored.keys() })
    const status = await getJson<NodeStatusJson>(`${restartedNode.http.url}/status`)
    assert.equal(status.nodeId, restarted.nodeId)
    assert.equal(status.stateRoot, current.node(0).node.stateRootHex())
    assert.equal(status.entries.counted, authored.size)
  })

  it('a byzantine peer sending entries with bad signatures is banned by every honest node with a checkable warrant', async () => {
    const current = live()
    const nodes = current.runningNodes()
    const honestIds = nodes.map((running) => running.node.nodeId)
    const byzantineSeed = new Uint8Array(32).fill(200)
    const signer = createEd25519Signer(byzantineSeed)
    const byzantineId = toHex(signer.publicKey)
    // It joins at a leaf; only that leaf hears it directly, the others learn of it by warrant.
    const entryPoint = current.node(1)
    const byzantine = await current.bareTransport(byzantineSeed, entryPoint.multiaddrs())
    await waitFor(() => entryPoint.transport.connectedPeers().includes(byzantineId), { what: 'the byzantine peer to connect to node 1' })

    // Its genesis entry with a broken signature, sealed in a valid envelope: garbage on its face.
    // Each attempt forges fresh bytes, so gossipsub's seen-cache never drops a retry.
    const forged: SignedEntry[] = []
    const forgeAndPublish = (): void => {
      const good = buildMint(new Ledger({ rules: DEVNET_RULES }), signer, { grant: devnetGenesisGrant(signer.publicKey, 1_000_000n), timestamp: Date.now() + forged.length })
      const sig = good.sig.slice()
      sig[0]! ^= 1
      const bad: SignedEntry = { ...good, sig }
      forged.push(bad)
      byzantine.transport.publish(TOPICS.entries, sealEnvelope(ENVELOPE_KINDS.entryChange, changeFor([], bad), signer))
    }
    await waitFor(
      () => {
        if (entryPoint.node.isBanned(byzantineId)) return true
        forgeAndPublish()
        return false
      },
      { what: 'node 1 to ban the byzantine peer (one forged entry per poll until its subscriptions are known)', observe: () => ({ published: forged.length }) },
    )
    await waitFor(() => nodes.every((running) => running.node.isBanned(byzantineId)), { what: 'every honest node to ban the byzantine peer', observe: () => describeNodes(nodes) })

    for (const running of nodes) {
      const bans = running.node.bans()
      assert.deepEqual(bans.map((row) => row.nodeId), [byzantineId], `${running.node.nodeId.slice(0, 8)} banned the byzantine peer and no one else`)
      const ban = bans[0]!
      assert.equal(ban.reason, 'warrant:signed-garbage')
      assert.ok(ban.warrant !== undefined, 'the ban carries its warrant')
      const checked = checkWarrant(new Uint8Array(Buffer.from(ban.warrant, 'base64url')))
      assert.ok(checked.ok, `the warrant checks: ${checked.ok ? '' : checked.reason}`)
      assert.equal(checked.warrant.kind, 'signed-garbage')
      assert.equal(checked.warrant.accusedHex, byzantineId)
      for (const entry of forged) assert.equal(running.ledger.ledger.standing(entry.idHex), undefined, 'a forged entry never counts')
      for (const honest of honestIds) assert.ok(!running.node.isBanned(honest), 'no honest node is banned')
    }
    await waitFor(() => byzantine.transport.connectedPeers().length === 0, { what: 'the byzantine peer to be cut off', observe: () => byzantine.transport.connectedPeers() })
    await waitForConvergence(nodes, { what: 'the honest nodes to still agree', entryIds: authored.keys() })
  })
})

/**
 * Gossip keeps flooding through a node that learned an entry by sync first: the first gossip copy
 * of that entry is still forwarded (accepted), a replay of it is not. Before this, such a node
 * dropped the copy and every node behind it waited for sync rounds (measured with 100 nodes).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createEd25519Signer } from '../identity/ed25519.ts'
import { DEVNET_RULES, toHex } from '../ledger/index.ts'
import { LedgerDoc } from './ledger-doc.ts'
import { memoryNodeStore } from './node-store.ts'
import { createSeededRandom } from './sim/random.ts'
import { createVirtualClock } from './sim/virtual-clock.ts'
import { createSwarmNode } from './swarm-node.ts'
import { fuzzMaterial } from './test-support/fuzz-material.ts'
import { stubTransport } from './test-support/stub-transport.ts'
import { TOPICS } from './transport.ts'

describe('gossip forwarding', () => {
  it('forwards the first gossip copy of an entry learned by sync, and ignores replays', async () => {
    const random = createSeededRandom(7)
    const target = createEd25519Signer(new Uint8Array(32).fill(1))
    const transport = stubTransport(toHex(target.publicKey))
    const node = createSwarmNode({ clock: createVirtualClock({ startMs: 1_000 }), random: random.fork(), transport, store: memoryNodeStore(DEVNET_RULES) }, { signer: target })
    await node.start()
    const { author, entries, envelopes } = fuzzMaterial({ authorSeed: 2, forkerSeed: 3, random })
    const handlers = transport.handlers()
    const peer = toHex(author.publicKey)

    // The author's replica syncs with the node until neither has anything to say.
    const replica = new LedgerDoc({ actorHex: 'cc'.repeat(16) })
    for (const entry of entries) replica.add(entry)
    const state = LedgerDoc.initSyncState()
    for (let round = 0; round < 10; round++) {
      const message = replica.generateSyncMessage(state)
      if (message !== null) handlers.direct(peer, message)
      for (const reply of transport.sent.splice(0)) replica.receiveSyncMessage(state, reply.bytes)
    }
    for (const entry of entries) assert.equal(node.store.ledger.standing(entry.idHex)?.status, 'counted', 'the sync brought every entry')

    for (const envelope of envelopes) assert.equal(handlers.validate(TOPICS.entries, envelope, peer), 'accept', 'the first gossip copy goes on')
    for (const envelope of envelopes) assert.equal(handlers.validate(TOPICS.entries, envelope, peer), 'ignore', 'a replay goes no further')
    assert.equal(node.doc.size, entries.length)
    replica.free()
    await node.stop()
  })
})

/**
 * Fuzzes every wire path of a node core (gossip on each topic, direct sync messages) with
 * mutated copies of valid messages and with random bytes: nothing may throw, nothing mutated may
 * be accepted, and the ledger must not change. The transport here is a stub that hands the test
 * the core's handlers: this test is about the core's handling of bytes, not about sockets.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createEd25519Signer } from '../identity/ed25519.ts'
import { DEVNET_RULES, toHex } from '../ledger/index.ts'
import { ENVELOPE_KINDS, sealEnvelope } from './envelope.ts'
import { memoryNodeStore } from './node-store.ts'
import { createSeededRandom } from './sim/random.ts'
import { createVirtualClock } from './sim/virtual-clock.ts'
import { createSwarmNode } from './swarm-node.ts'
import { TOPICS, type Topic } from './transport.ts'
import { stubTransport } from './test-support/stub-transport.ts'
import { fuzzMaterial } from './test-support/fuzz-material.ts'
import { mutate } from './test-support/mutate.ts'

describe('wire fuzz', () => {
  it('throws ≥ 10,000 mutated messages at a node: no crash, no mutated payload accepted, no state change', async () => {
    const random = createSeededRandom(Number(process.env.IPPOC_FUZZ_SEED ?? 2026))
    const clock = createVirtualClock({ startMs: 1_000 })
    const target = createEd25519Signer(new Uint8Array(32).fill(1))
    const transport = stubTransport(toHex(target.publicKey))
    const node = createSwarmNode({ clock, random: random.fork(), transport, store: memoryNodeStore(DEVNET_RULES) }, { signer: target })
    await node.start()
    node.mintGenesis(1_000n)

    // Valid material from another author: a chain of entries, their gossip envelopes, a fork warrant, a sync message.
    const { author, forker, entries, envelopes, warrant, syncMessage, probe } = fuzzMaterial({ authorSeed: 2, forkerSeed: 3, random })

    const originals = new Set([...envelopes, warrant, syncMessage, probe].map((bytes) => Buffer.from(bytes).toString('hex')))
    const sources: { topic: Topic | 'direct'; bytes: Uint8Array }[] = [
      ...envelopes.map((bytes) => ({ topic: TOPICS.entries, bytes })),
      { topic: TOPICS.warrants, bytes: warrant },
      { topic: TOPICS.probes, bytes: probe },
      { topic: 'direct', bytes: syncMessage },
    ]
    const handlers = transport.handlers()
    const rootBefore = node.stateRootHex()
    const docSizeBefore = node.doc.size
    let sent = 0
    let accepted = 0
    for (let round = 0; round < 12_000; round++) {
      const source = sources[random.nextInt(sources.length)]!
      const bytes = mutate(source.bytes, random)
      if (originals.has(Buffer.from(bytes).toString('hex'))) continue
      // A fresh sender each time, so local bans of earlier senders do not hide the deeper paths.
      const from = toHex(random.nextBytes(32))
      sent++
      if (source.topic === 'direct') handlers.direct(from, bytes)
      else if (handlers.validate(source.topic, bytes, from) === 'accept') accepted++
    }
    // Valid signatures over garbage: rejected, and their signer (only) is banned with a warrant.
    const garbageSigner = createEd25519Signer(new Uint8Array(32).fill(9))
    for (let index = 0; index < 200; index++) {
      sent++
      const verdict = handlers.validate(TOPICS.entries, sealEnvelope(ENVELOPE_KINDS.entryChange, random.nextBytes(1 + random.nextInt(500)), garbageSigner), toHex(random.nextBytes(32)))
      assert.equal(verdict === 'reject' || verdict === 'ignore', true)
    }
    assert.ok(sent >= 10_000, `sent ${sent}`)
    assert.equal(accepted, 0, 'no mutated payload is accepted')
    assert.equal(node.stateRootHex(), rootBefore, 'the ledger did not change')
    assert.equal(node.doc.size, docSizeBefore, 'the document did not change')
    assert.ok(node.isBanned(toHex(garbageSigner.publicKey)), 'the signer of garbage is banned')
    assert.ok(!node.isBanned(toHex(author.publicKey)), 'the author whose messages were mutated is not banned')

    // The node still works: the originals are accepted and counted.
    for (const bytes of envelopes) assert.equal(handlers.validate(TOPICS.entries, bytes, toHex(author.publicKey)), 'accept')
    assert.equal(handlers.validate(TOPICS.entries, envelopes[0]!, toHex(author.publicKey)), 'ignore', 'a replay changes nothing')
    assert.equal(handlers.validate(TOPICS.warrants, warrant, toHex(author.publicKey)), 'accept')
    assert.equal(handlers.validate(TOPICS.warrants, warrant, toHex(author.publicKey)), 'ignore', 'a replayed warrant changes nothing')
    for (const entry of entries) assert.equal(node.store.ledger.standing(entry.idHex)?.status, 'counted')
    assert.ok(node.isBanned(toHex(forker.publicKey)))
    await node.stop()
  })
})

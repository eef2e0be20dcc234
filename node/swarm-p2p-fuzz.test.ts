/**
 * A real-socket fuzz of one swarm node: bare libp2p transports connected to it publish mutated
 * copies of valid messages and random bytes on every topic, and send garbage sync frames. The node
 * must not crash, must accept none of it, must keep its state, and must still replicate afterwards.
 *
 * The node bans a peer after a few pieces of first-hand garbage (TRUST_BAN_THRESHOLD), after which
 * the gater drops what that peer still sends; so each topic has several fuzzers, and on the entries
 * topic half of the messages are garbage bodies in envelopes validly signed by throwaway keys (each
 * throwaway key is banned by warrant, and the fuzzer that forwarded it collects evidence too). The
 * 10k-message fuzz of the core's byte handling is wire-fuzz.test.ts.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createEd25519Signer } from '../identity/index.ts'
import { toHex } from '../ledger/index.ts'
import { ENVELOPE_KINDS, sealEnvelope } from './envelope.ts'
import type { NodeStatusJson } from './node-view.ts'
import { createSeededRandom } from './sim/random.ts'
import { describeNodes, startP2pSwarm, waitFor, waitForConvergence, type BareTransport, type P2pSwarm } from './test-support/p2p-swarm.ts'
import { TOPICS, type Topic } from './transport.ts'
import { fuzzMaterial } from './test-support/fuzz-material.ts'
import { mutate } from './test-support/mutate.ts'

const FUZZERS_PER_TOPIC = 4
const GOSSIP_MESSAGES_PER_TOPIC = 1_000
const DIRECT_FRAMES = 200
/** Seeds of the fuzzers' keys start here (clear of the swarm's seeds). */
const FUZZER_SEED_BASE = 100


describe('swarm node over real sockets: fuzzed by bare libp2p peers', () => {
  let swarm: P2pSwarm | undefined

  before(async () => {
    // Member 0 is the target; member 1 is an honest peer whose entry must still arrive afterwards.
    swarm = await startP2pSwarm({ size: 2, topology: 'star', seedBase: 41 })
  })
  after(async () => {
    await swarm?.stop()
  })

  it(`survives ≥ ${GOSSIP_MESSAGES_PER_TOPIC} mutated messages per topic and ≥ ${DIRECT_FRAMES} garbage sync frames, accepts none, and still replicates`, async (t) => {
    assert.ok(swarm !== undefined, 'the swarm started')
    const current = swarm
    const target = current.node(0)
    const honest = current.node(1)
    const random = createSeededRandom(Number(process.env.IPPOC_FUZZ_SEED ?? 4242))
    const material = fuzzMaterial({ authorSeed: 150, forkerSeed: 151, random: random.fork() })
    await waitForConvergence([target, honest], { what: 'the two nodes to agree before the fuzz', entryIds: [] })
    const baseline = { ...snapshot(target), root: target.node.stateRootHex(), docSize: target.node.doc.size }

    let nextFuzzerSeed = FUZZER_SEED_BASE
    const fuzzers: BareTransport[] = []
    /** The local ban each fuzzer must earn: the first-hand evidence its kind of garbage is. */
    const expectedBanReason = new Map<string, RegExp>()
    const startFuzzer = async (banReason: RegExp): Promise<BareTransport> => {
      const fuzzer = await current.bareTransport(new Uint8Array(32).fill(nextFuzzerSeed++), target.multiaddrs())
      fuzzers.push(fuzzer)
      expectedBanReason.set(fuzzer.transport.nodeId, banReason)
      await waitFor(() => target.transport.connectedPeers().includes(fuzzer.transport.nodeId), { what: `fuzzer ${fuzzers.length} to connect to the target` })
      return fuzzer
    }
    /** Garbage in an envelope validly signed by a fresh throwaway key: the key is banned by warrant, the forwarder collects evidence. */
    const sealedGarbage = (): { bytes: Uint8Array; publisherHex: string } => {
      const throwaway = createEd25519Signer(random.nextBytes(32))
      const body = random.nextInt(2) === 0 ? mutate(material.changes[random.nextInt(material.changes.length)]!, random) : random.nextBytes(1 + random.nextInt(600))
      return { bytes: sealEnvelope(ENVELOPE_KINDS.entryChange, body, throwaway), publisherHex: toHex(throwaway.publicKey) }
    }
    /** Publishes sealed garbage until the target has seen one (its subscriptions reached the fuzzer); counts what it sent. */
    const awaitGossipReady = async (fuzzer: BareTransport): Promise<number> => {
      let sent = 0
      let canary: string | undefined
      await waitFor(
        () => {
          if (canary !== undefined && target.node.isBanned(canary)) return true
          const garbage = sealedGarbage()
          fuzzer.transport.publish(TOPICS.entries, garbage.bytes)
          canary = garbage.publisherHex
          sent++
          return false
        },
        { what: 'the target to receive a fuzzer gossip message', observe: () => ({ sent }) },
      )
      return sent
    }

    const sentPerTopic: Record<Topic, number> = { [TOPICS.entries]: 0, [TOPICS.warrants]: 0, [TOPICS.probes]: 0 }
    const originals = new Set([...material.envelopes, material.warrant, material.probe, material.syncMessage].map((bytes) => Buffer.from(bytes).toString('hex')))
    const mutated = (source: Uint8Array): Uint8Array => {
      for (;;) {
        const bytes = mutate(source, random)
        if (!originals.has(Buffer.from(bytes).toString('hex'))) return bytes
      }
    }
    const sources: Readonly<Record<Topic, readonly Uint8Array[]>> = {
      [TOPICS.entries]: material.envelopes,
      [TOPICS.warrants]: [material.warrant],
      [TOPICS.probes]: [material.probe],
    }
    const perFuzzer = Math.ceil(GOSSIP_MESSAGES_PER_TOPIC / FUZZERS_PER_TOPIC)
    for (const topic of Object.values(TOPICS)) {
      for (let index = 0; index < FUZZERS_PER_TOPIC; index++) {
        // The readiness canary is sealed garbage on the entries topic, which already counts against
        // the fuzzer that forwards it; the topic's own garbage then adds its kind of evidence.
        const fuzzer = await startFuzzer(topic === TOPICS.warrants ? /^local:(false-warrant|non-canonical-change)$/ : /^local:(invalid-envelope|non-canonical-change)$/)
        sentPerTopic[TOPICS.entries] += await awaitGossipReady(fuzzer)
        // On the entries topic, sealed garbage (signed by throwaway keys) first, then raw mutations.
        const sealedCount = topic === TOPICS.entries ? perFuzzer / 2 : 0
        for (let sent = 0; sent < perFuzzer; sent++) {
          const list = sources[topic]
          const bytes = sent < sealedCount ? sealedGarbage().bytes : mutated(list[random.nextInt(list.length)]!)
          fuzzer.transport.publish(topic, bytes)
          sentPerTopic[topic]++
        }
      }
    }
    let directFramesSent = 0
    const framesPerFuzzer = Math.ceil(DIRECT_FRAMES / FUZZERS_PER_TOPIC)
    for (let index = 0; index < FUZZERS_PER_TOPIC; index++) {
      const fuzzer = await startFuzzer(/^local:invalid-sync$/)
      for (let sent = 0; sent < framesPerFuzzer; sent++) {
        fuzzer.transport.sendDirect(target.node.nodeId, random.nextInt(2) === 0 ? mutated(material.syncMessage) : random.nextBytes(1 + random.nextInt(2_000)))
        directFramesSent++
      }
    }
    for (const topic of Object.values(TOPICS)) assert.ok(sentPerTopic[topic] >= GOSSIP_MESSAGES_PER_TOPIC, `${sentPerTopic[topic]} messages published on ${topic}`)
    assert.ok(directFramesSent >= DIRECT_FRAMES)

    // Every fuzzer sent enough first-hand garbage to be banned locally, and is cut off.
    const fuzzerIds = fuzzers.map((fuzzer) => fuzzer.transport.nodeId)
    await waitFor(() => fuzzerIds.every((id) => target.node.isBanned(id)), {
      what: 'the target to ban every fuzzer',
      observe: () => ({ unbanned: fuzzerIds.filter((id) => !target.node.isBanned(id)).map((id) => id.slice(0, 8)), ...snapshot(target) }),
    })
    const banReasons = new Map(target.node.bans().map((row) => [row.nodeId, row.reason]))
    // A local ban takes several pieces of first-hand garbage judged by the core (5 envelopes, 2 warrants or 2 sync frames).
    for (const id of fuzzerIds) assert.match(banReasons.get(id) ?? 'not banned', expectedBanReason.get(id)!, `fuzzer ${id.slice(0, 8)} is banned on first-hand evidence`)
    const afterFuzz = snapshot(target)
    t.diagnostic(`the target's core judged ${afterFuzz.gossipRejected - baseline.gossipRejected} gossip messages rejected, ${afterFuzz.gossipIgnored - baseline.gossipIgnored} ignored, ${afterFuzz.syncMessagesRejected - baseline.syncMessagesRejected} sync frames rejected; published ${JSON.stringify(sentPerTopic)}, ${directFramesSent} frames; it now holds ${target.node.bans().length} bans`)

    assert.equal(afterFuzz.gossipAccepted, baseline.gossipAccepted, 'no fuzzed message was accepted')
    assert.equal(target.node.stateRootHex(), baseline.root, 'the ledger did not change')
    assert.equal(target.node.doc.size, baseline.docSize, 'the document did not change')
    assert.ok(afterFuzz.gossipRejected - baseline.gossipRejected >= 3 * FUZZERS_PER_TOPIC, 'fuzzed gossip reached the core and was rejected there')
    assert.ok(afterFuzz.syncMessagesRejected - baseline.syncMessagesRejected >= 2 * FUZZERS_PER_TOPIC, 'garbage sync frames reached the core and were rejected there')
    assert.ok(!target.node.isBanned(honest.node.nodeId) && !honest.node.isBanned(target.node.nodeId), 'the honest pair did not ban each other')

    // Still healthy: an honest entry arrives and counts, and the API answers.
    const entry = honest.node.appendMetered({ type: 'llm_inference', model: 'm', tokens: 77 })
    await waitForConvergence([target, honest], { what: 'an honest entry to reach the fuzzed node', entryIds: [entry.idHex] })
    const status = (await (await fetch(`${target.http.url}/status`)).json()) as NodeStatusJson
    assert.equal(status.stateRoot, honest.node.stateRootHex())
    assert.ok(status.peers >= 1, `the target is still connected: ${JSON.stringify(describeNodes([target]))}`)
  })
})

function snapshot(running: { node: { metrics: { gossipAccepted: number; gossipRejected: number; gossipIgnored: number; syncMessagesRejected: number } } }) {
  const { gossipAccepted, gossipRejected, gossipIgnored, syncMessagesRejected } = running.node.metrics
  return { gossipAccepted, gossipRejected, gossipIgnored, syncMessagesRejected }
}

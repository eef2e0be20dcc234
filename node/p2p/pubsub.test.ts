import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, describe, it } from 'node:test'
import type { Topic, TransportHandlers, Verdict } from '../transport.ts'
import { TOPICS } from '../transport.ts'
import { createLibp2pTransport } from './libp2p-transport.ts'
import type { Libp2pTransport, Libp2pTransportOptions } from './libp2p-transport.ts'
import { gossipMessageId } from './pubsub.ts'

type Validation = { readonly topic: Topic; readonly from: string; readonly text: string }

type GossipNode = {
  readonly transport: Libp2pTransport
  readonly validations: Validation[]
  /** What the validator answers; a function may throw, as a buggy core would. */
  verdict: Verdict | (() => Verdict)
}

const running: Libp2pTransport[] = []
after(async () => {
  await Promise.all(running.map((transport) => transport.stop()))
})

async function startNode(index: number, options: Partial<Libp2pTransportOptions> = {}): Promise<GossipNode> {
  const transport = await createLibp2pTransport({ seed: new Uint8Array(32).fill(index), ...options })
  running.push(transport)
  const node: GossipNode = { transport, validations: [], verdict: 'accept' }
  const handlers: TransportHandlers = {
    validate: (topic, bytes, from) => {
      node.validations.push({ topic, from, text: Buffer.from(bytes).toString() })
      return typeof node.verdict === 'function' ? node.verdict() : node.verdict
    },
    direct: () => {},
    peerConnected: () => {},
    peerDisconnected: () => {},
  }
  await transport.start(handlers)
  return node
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(20)
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function connect(from: GossipNode, to: GossipNode): Promise<void> {
  await from.transport.dial(to.transport.multiaddrs()[0]!)
}

function received(node: GossipNode, text: string): Validation[] {
  return node.validations.filter((validation) => validation.text === text)
}

let warmUpCounter = 0

/**
 * Publishes fresh probes from `publisher` until every node in `receivers` has validated one: the
 * subscriptions have been exchanged and the meshes grafted (gossipsub grafts on its 1 s heartbeat).
 */
async function warmUp(publisher: GossipNode, receivers: readonly GossipNode[]): Promise<void> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    const text = `warm-up ${warmUpCounter++}`
    publisher.transport.publish(TOPICS.probes, Buffer.from(text))
    await sleep(250)
    if (receivers.every((receiver) => received(receiver, text).length > 0)) return
  }
  throw new Error('the mesh did not form within 15 s')
}

describe('gossipMessageId', () => {
  it('is the SHA-256 of the data, whatever the topic', () => {
    const data = Buffer.from('entry')
    const expected = new Uint8Array(createHash('sha256').update(data).digest())
    assert.deepEqual(gossipMessageId({ type: 'unsigned', topic: TOPICS.entries, data }), expected)
    assert.deepEqual(gossipMessageId({ type: 'unsigned', topic: TOPICS.probes, data }), expected)
  })
})

describe('gossip over libp2p', { timeout: 45_000 }, () => {
  it('reaches every node once, with the propagation source as `from`, and drops a replay unvalidated', async () => {
    // A star: the hub relays between the leaves, so a leaf sees the hub as the source.
    const hub = await startNode(71)
    const leaves = await Promise.all([72, 73, 74].map((index) => startNode(index)))
    await Promise.all(leaves.map((leaf) => connect(leaf, hub)))
    const [publisher, ...others] = leaves as [GossipNode, GossipNode, GossipNode]
    await warmUp(publisher, [hub, ...others])

    publisher.transport.publish(TOPICS.entries, Buffer.from('entry 1'))
    await waitFor('every node to validate entry 1', () => [hub, ...others].every((node) => received(node, 'entry 1').length > 0))
    assert.deepEqual(received(hub, 'entry 1'), [{ topic: TOPICS.entries, from: publisher.transport.nodeId, text: 'entry 1' }])
    for (const leaf of others) assert.deepEqual(received(leaf, 'entry 1'), [{ topic: TOPICS.entries, from: hub.transport.nodeId, text: 'entry 1' }])
    assert.deepEqual(received(publisher, 'entry 1'), [], 'no emitSelf: a publisher does not validate its own message')

    // A newcomer that never saw entry 1 publishes the same bytes, then a fresh message. The hub
    // reads both in order from the newcomer's stream; when the fresh one has arrived everywhere,
    // the replay has been dropped as a duplicate without reaching any validator.
    const newcomer = await startNode(75)
    await connect(newcomer, hub)
    await warmUp(newcomer, [hub, ...leaves])
    newcomer.transport.publish(TOPICS.entries, Buffer.from('entry 1'))
    newcomer.transport.publish(TOPICS.entries, Buffer.from('entry 2'))
    await waitFor('every node to validate entry 2', () => [hub, ...leaves].every((node) => received(node, 'entry 2').length > 0))
    assert.deepEqual(received(hub, 'entry 2').map(({ from }) => from), [newcomer.transport.nodeId])
    for (const node of [hub, ...others]) assert.equal(received(node, 'entry 1').length, 1)
    assert.equal(received(publisher, 'entry 1').length, 0)
    // The same bytes republished by their author are not an error, and not sent again.
    publisher.transport.publish(TOPICS.entries, Buffer.from('entry 1'))
    await sleep(300)
    for (const node of [hub, ...others]) assert.equal(received(node, 'entry 1').length, 1)
    await Promise.all([hub, ...leaves, newcomer].map((node) => node.transport.stop()))
  })

  it('forwards along a line only what the middle node accepts', async () => {
    const [a, b, c] = await Promise.all([startNode(81), startNode(82), startNode(83)])
    await connect(a, b)
    await connect(c, b)
    await warmUp(a, [b, c])

    a.transport.publish(TOPICS.warrants, Buffer.from('accepted'))
    await waitFor('C to get what B accepted', () => received(c, 'accepted').length === 1)
    assert.deepEqual(received(c, 'accepted'), [{ topic: TOPICS.warrants, from: b.transport.nodeId, text: 'accepted' }])

    b.verdict = 'reject'
    a.transport.publish(TOPICS.warrants, Buffer.from('rejected'))
    await waitFor('B to validate', () => received(b, 'rejected').length === 1)

    b.verdict = 'ignore'
    a.transport.publish(TOPICS.warrants, Buffer.from('ignored'))
    await waitFor('B to validate', () => received(b, 'ignored').length === 1)

    // A validator that throws counts as ignore; the transport keeps running and reports it once.
    b.verdict = () => {
      throw new Error('core bug')
    }
    const originalError = console.error
    const errors: unknown[] = []
    console.error = (...parts: unknown[]) => errors.push(parts)
    try {
      a.transport.publish(TOPICS.warrants, Buffer.from('thrown 1'))
      a.transport.publish(TOPICS.warrants, Buffer.from('thrown 2'))
      await waitFor('B to validate', () => received(b, 'thrown 2').length === 1)
    } finally {
      console.error = originalError
    }
    assert.equal(errors.length, 1)

    // Past two heartbeats (gossip via IHAVE/IWANT would have had its chance), C got none of them.
    await sleep(2_200)
    assert.deepEqual(c.validations.filter(({ text }) => !text.startsWith('warm-up')).map(({ text }) => text), ['accepted'])
    // Gossipsub penalizes but never disconnects: banning is the app's job.
    assert.deepEqual(b.transport.connectedPeers(), [a.transport.nodeId, c.transport.nodeId].sort())

    b.verdict = 'accept'
    a.transport.publish(TOPICS.warrants, Buffer.from('accepted again'))
    await waitFor('C to get what B accepts again', () => received(c, 'accepted again').length === 1)
    await Promise.all([a, b, c].map((node) => node.transport.stop()))
  })

  it('a lone node publishes to nobody without an error', async () => {
    const node = await startNode(91)
    const originalError = console.error
    const errors: unknown[] = []
    console.error = (...parts: unknown[]) => errors.push(parts)
    try {
      node.transport.publish(TOPICS.entries, Buffer.from('alone'))
      await sleep(100)
    } finally {
      console.error = originalError
    }
    assert.deepEqual(errors, [])
    await node.transport.stop()
  })
})

import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { createEd25519Signer } from '../../identity/ed25519.ts'
import { SYNC_MESSAGE_BYTES_MAX } from '../constants.ts'
import type { TransportHandlers, Verdict } from '../transport.ts'
import { TOPICS } from '../transport.ts'
import { createLibp2pTransport, nodeIdFromPeerId, peerIdFromNodeId } from './libp2p-transport.ts'
import type { Libp2pTransport, Libp2pTransportOptions } from './libp2p-transport.ts'
import { encodeSyncFrame, SYNC_PROTOCOL } from './sync-stream.ts'

type Recorded = {
  readonly transport: Libp2pTransport
  readonly directs: { from: string; bytes: Uint8Array }[]
  readonly gossip: { topic: string; from: string; bytes: Uint8Array }[]
  readonly events: string[]
}

const running: Libp2pTransport[] = []
after(async () => {
  await Promise.all(running.map((transport) => transport.stop()))
})

function seedOf(index: number): Uint8Array {
  return new Uint8Array(32).fill(index)
}

async function startNode(index: number, options: Partial<Libp2pTransportOptions> = {}, verdict: Verdict = 'accept'): Promise<Recorded> {
  const transport = await createLibp2pTransport({ seed: seedOf(index), ...options })
  running.push(transport)
  const recorded: Recorded = { transport, directs: [], gossip: [], events: [] }
  const handlers: TransportHandlers = {
    validate: (topic, bytes, from) => {
      recorded.gossip.push({ topic, from, bytes })
      return verdict
    },
    direct: (from, bytes) => recorded.directs.push({ from, bytes }),
    peerConnected: (peer) => recorded.events.push(`+${peer}`),
    peerDisconnected: (peer) => recorded.events.push(`-${peer}`),
  }
  await transport.start(handlers)
  return recorded
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

function addressOf(node: Recorded): string {
  const [address] = node.transport.multiaddrs()
  assert.ok(address !== undefined)
  return address
}

async function connect(from: Recorded, to: Recorded): Promise<void> {
  await from.transport.dial(addressOf(to))
  await waitFor('both ends to see the connection', () =>
    from.transport.connectedPeers().includes(to.transport.nodeId) && to.transport.connectedPeers().includes(from.transport.nodeId))
}

/** A bare libp2p node (no gossipsub, no identify) that speaks raw bytes on the sync protocol. */
async function startRawPeer(index: number) {
  const node = await createLibp2p({
    privateKey: await generateKeyPairFromSeed('Ed25519', seedOf(index)),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { allow: ['/ip4/127.0.0.1/ipcidr/8'] },
  })
  return node
}

/** Resolves to whether the stream was reset or aborted (true) or closed cleanly (false). */
function closedWithError(stream: Stream, timeoutMs = 5_000): Promise<boolean> {
  return new Promise((resolve, reject) => {
    if (stream.status === 'reset' || stream.status === 'aborted') return resolve(true)
    const timer = setTimeout(() => reject(new Error(`stream still ${stream.status} after ${timeoutMs} ms`)), timeoutMs)
    stream.addEventListener('close', (event) => {
      clearTimeout(timer)
      resolve(event.error !== undefined)
    }, { once: true })
  })
}

describe('createLibp2pTransport: identity', { timeout: 30_000 }, () => {
  it('makes the PeerId from the node seed: its public key is the Ed25519 identity key', async () => {
    const transport = await createLibp2pTransport({ seed: seedOf(1) })
    const publicKey = createEd25519Signer(seedOf(1)).publicKey
    assert.equal(transport.nodeId, Buffer.from(publicKey).toString('hex'))
    assert.match(transport.nodeId, /^[0-9a-f]{64}$/)
    const peerId = peerIdFromString(transport.peerId)
    assert.equal(peerId.type, 'Ed25519')
    assert.deepEqual(new Uint8Array(peerId.publicKey!.raw), publicKey)
    assert.equal(nodeIdFromPeerId(peerId), transport.nodeId)
    assert.equal(peerIdFromNodeId(transport.nodeId).toString(), transport.peerId)
    assert.equal(transport.peerId, '12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5')
    await transport.stop()
    await transport.stop()
  })

  it('checks its options and arguments', async () => {
    await assert.rejects(createLibp2pTransport({ seed: new Uint8Array(31) }), { name: 'TransportInvalidArgumentError' })
    await assert.rejects(createLibp2pTransport({ seed: seedOf(1), listen: [] }), { name: 'TransportInvalidArgumentError' })
    await assert.rejects(createLibp2pTransport({ seed: seedOf(1), bootstrap: ['/ip4/127.0.0.1/tcp/1'] }), { name: 'TransportInvalidArgumentError', argument: 'bootstrap[0]' })
    await assert.rejects(createLibp2pTransport({ seed: seedOf(1), maxConnections: 0 }), { name: 'TransportInvalidArgumentError' })
    const transport = await createLibp2pTransport({ seed: seedOf(1) })
    assert.throws(() => transport.ban('XYZ'), { name: 'TransportInvalidArgumentError' })
    assert.throws(() => transport.block(['ab']), { name: 'TransportInvalidArgumentError' })
    assert.throws(() => peerIdFromNodeId('00'), { name: 'TransportInvalidArgumentError' })
    await assert.rejects(transport.dial('/ip4/127.0.0.1/tcp/1'), { name: 'TransportStateError' })
    await assert.rejects(transport.dial('not a multiaddr'), { name: 'TransportInvalidArgumentError' })
    // Before start, sending and publishing do nothing and never throw.
    transport.publish(TOPICS.entries, new Uint8Array([1]))
    transport.sendDirect(transport.nodeId, new Uint8Array([1]))
    assert.deepEqual(transport.connectedPeers(), [])
    assert.deepEqual(transport.multiaddrs(), [])
    await transport.stop()
    await assert.rejects(transport.start({ validate: () => 'accept', direct: () => {}, peerConnected: () => {}, peerDisconnected: () => {} }), { name: 'TransportStateError' })
  })

  it('listens on 127.0.0.1 only by default', async () => {
    const node = await startNode(2)
    assert.ok(node.transport.multiaddrs().length > 0)
    for (const address of node.transport.multiaddrs()) assert.match(address, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW/)
    await node.transport.stop()
  })
})

describe('createLibp2pTransport: peers and direct messages', { timeout: 30_000 }, () => {
  it('reports peerConnected and peerDisconnected with node ids, and sorted connectedPeers', async () => {
    const [a, b, c] = await Promise.all([startNode(11), startNode(12), startNode(13)])
    await connect(b, a)
    await connect(c, a)
    assert.deepEqual(a.transport.connectedPeers(), [b.transport.nodeId, c.transport.nodeId].sort())
    assert.deepEqual(a.events.sort(), [`+${b.transport.nodeId}`, `+${c.transport.nodeId}`].sort())
    assert.deepEqual(b.events, [`+${a.transport.nodeId}`])
    await b.transport.stop()
    await waitFor('A to see B leave', () => a.events.includes(`-${b.transport.nodeId}`))
    assert.deepEqual(a.transport.connectedPeers(), [c.transport.nodeId])
    await Promise.all([a.transport.stop(), c.transport.stop()])
  })

  it('delivers many direct frames in order, a frame of exactly the limit, and refuses one byte more', async () => {
    const [a, b] = await Promise.all([startNode(21), startNode(22)])
    await connect(a, b)
    const count = 500
    for (let index = 0; index < count; index++) a.transport.sendDirect(b.transport.nodeId, new Uint8Array([index & 0xff, index >> 8, 7]))
    await waitFor('all frames', () => b.directs.length === count)
    assert.deepEqual(b.directs.map(({ bytes }) => bytes[0]! | (bytes[1]! << 8)), Array.from({ length: count }, (_, index) => index))
    assert.ok(b.directs.every(({ from }) => from === a.transport.nodeId))

    const exact = new Uint8Array(SYNC_MESSAGE_BYTES_MAX).fill(5)
    exact[SYNC_MESSAGE_BYTES_MAX - 1] = 6
    a.transport.sendDirect(b.transport.nodeId, exact)
    a.transport.sendDirect(b.transport.nodeId, new Uint8Array(SYNC_MESSAGE_BYTES_MAX + 1))
    a.transport.sendDirect(b.transport.nodeId, new Uint8Array([42]))
    await waitFor('the frame after the refused one', () => b.directs.at(-1)?.bytes[0] === 42)
    assert.equal(b.directs.length, count + 2)
    assert.ok(Buffer.from(b.directs[count]!.bytes).equals(Buffer.from(exact)))
    // Unconnected or unknown peers: dropped, no throw.
    a.transport.sendDirect('ab'.repeat(32), new Uint8Array([1]))
    a.transport.sendDirect('not a node id', new Uint8Array([1]))
    await Promise.all([a.transport.stop(), b.transport.stop()])
  })

  it('resets a raw stream that announces one byte over the limit, or sends garbage, and keeps working', async () => {
    const b = await startNode(31)
    const raw = await startRawPeer(32)
    const rawNodeId = nodeIdFromPeerId(raw.peerId)!
    try {
      const overLimit = await raw.dialProtocol(multiaddr(addressOf(b)), SYNC_PROTOCOL)
      const overClosed = closedWithError(overLimit)
      overLimit.send(encodeSyncFrame(new Uint8Array([1, 2, 3]), 10))
      overLimit.send(encodeSyncFrame(new Uint8Array(SYNC_MESSAGE_BYTES_MAX + 1), SYNC_MESSAGE_BYTES_MAX + 1))
      assert.equal(await overClosed, true)
      await waitFor('the frame before the bad one', () => b.directs.length === 1)

      // Random bytes behind a length prefix longer than any allowed length, and a non-minimal prefix.
      const random = new Uint8Array(4_096).map((_, index) => (index * 7919 + 13) & 0xff)
      for (const garbage of [Buffer.concat([new Uint8Array(8).fill(0xff), random]), new Uint8Array([0x81, 0x00, 1])]) {
        const stream = await raw.dialProtocol(multiaddr(addressOf(b)), SYNC_PROTOCOL)
        const closed = closedWithError(stream)
        stream.send(garbage)
        assert.equal(await closed, true)
      }
      // Text that reads as the start of a 71-byte frame, and a truncated frame, then a clean close:
      // nothing is delivered.
      for (const partial of [Buffer.from('GET / HTTP/1.1\r\n\r\n'), encodeSyncFrame(new Uint8Array(100), 100).subarray(0, 50)]) {
        const stream = await raw.dialProtocol(multiaddr(addressOf(b)), SYNC_PROTOCOL)
        stream.send(partial)
        await stream.close()
      }

      const good = await raw.dialProtocol(multiaddr(addressOf(b)), SYNC_PROTOCOL)
      good.send(encodeSyncFrame(new Uint8Array([9]), 10))
      await waitFor('a good frame after the bad streams', () => b.directs.length === 2)
      assert.deepEqual(b.directs.map(({ from, bytes }) => [from, [...bytes]]), [[rawNodeId, [1, 2, 3]], [rawNodeId, [9]]])
      assert.deepEqual(b.transport.connectedPeers(), [rawNodeId])
    } finally {
      await raw.stop()
      await b.transport.stop()
    }
  })

  it('reports direct messages lost to a connected peer whose sync stream does not open', async () => {
    const dropped: string[] = []
    const transport = await createLibp2pTransport({ seed: seedOf(33) })
    running.push(transport)
    await transport.start({ validate: () => 'ignore', direct() {}, peerConnected() {}, peerDisconnected() {}, directDropped: (peer) => void dropped.push(peer) })
    // A peer that does not speak the sync protocol: the stream is refused, the frames are lost.
    const raw = await startRawPeer(34)
    const rawNodeId = nodeIdFromPeerId(raw.peerId)!
    try {
      await raw.dial(multiaddr(transport.multiaddrs()[0]!))
      await waitFor('the connection', () => transport.connectedPeers().includes(rawNodeId))
      transport.sendDirect(rawNodeId, new Uint8Array([1]))
      transport.sendDirect(rawNodeId, new Uint8Array([2]))
      await waitFor('the loss to be reported', () => dropped.length > 0)
      assert.deepEqual(dropped, [rawNodeId], 'one report for the frames queued on the stream')
    } finally {
      await raw.stop()
      await transport.stop()
    }
  })

  it('keeps to maxConnections for inbound loopback connections, which libp2p allow-lists', async () => {
    const a = await startNode(43, { maxConnections: 1 })
    const [b, c] = await Promise.all([startNode(44), startNode(45)])
    await connect(b, a)
    await c.transport.dial(addressOf(a)).catch(() => {})
    await waitFor('the refused connection to close', () => c.transport.connectedPeers().length === 0)
    assert.deepEqual(a.transport.connectedPeers(), [b.transport.nodeId])
    assert.deepEqual(a.events, [`+${b.transport.nodeId}`])
    await Promise.all([a, b, c].map((node) => node.transport.stop()))
  })

  it('survives handlers that throw', async () => {
    const transport = await createLibp2pTransport({ seed: seedOf(41) })
    running.push(transport)
    const throwing = () => {
      throw new Error('core bug')
    }
    await transport.start({ validate: throwing, direct: throwing, peerConnected: throwing, peerDisconnected: throwing })
    const peer = await startNode(42)
    const originalError = console.error
    const errors: unknown[] = []
    console.error = (...parts: unknown[]) => errors.push(parts)
    try {
      await peer.transport.dial(transport.multiaddrs()[0]!)
      await waitFor('the connection', () => transport.connectedPeers().length === 1)
      peer.transport.sendDirect(transport.nodeId, new Uint8Array([1]))
      peer.transport.sendDirect(transport.nodeId, new Uint8Array([2]))
      await sleep(300)
      assert.deepEqual(transport.connectedPeers(), [peer.transport.nodeId])
      await peer.transport.stop()
      await waitFor('the disconnect', () => transport.connectedPeers().length === 0)
    } finally {
      console.error = originalError
    }
    // Each kind of failure is reported once, not per call.
    assert.equal(errors.length, 3)
    await transport.stop()
  })
})

describe('createLibp2pTransport: ban and block', { timeout: 30_000 }, () => {
  it('ban closes the connection, refuses redials, and stops gossip and direct frames', async () => {
    const a = await startNode(51)
    const b = await startNode(52, { bootstrap: [addressOf(a)], bootstrapRedialIntervalMs: 100 })
    await waitFor('bootstrap connection', () => a.transport.connectedPeers().includes(b.transport.nodeId))
    b.transport.sendDirect(a.transport.nodeId, new Uint8Array([1]))
    await waitFor('a direct frame before the ban', () => a.directs.length === 1)

    a.transport.ban(b.transport.nodeId)
    await waitFor('B to see the connection close', () => b.events.includes(`-${a.transport.nodeId}`))
    assert.deepEqual(a.transport.connectedPeers(), [])
    const eventsAfterBan = a.events.length
    const gossipAfterBan = a.gossip.length
    // B keeps redialling (every 100 ms), dials explicitly, publishes and sends: nothing reaches A.
    await b.transport.dial(addressOf(a)).catch(() => {})
    for (let round = 0; round < 10; round++) {
      b.transport.publish(TOPICS.entries, new Uint8Array([round]))
      b.transport.sendDirect(a.transport.nodeId, new Uint8Array([round]))
      await sleep(100)
    }
    assert.deepEqual(a.transport.connectedPeers(), [])
    assert.equal(a.events.length, eventsAfterBan)
    assert.equal(a.gossip.length, gossipAfterBan)
    assert.equal(a.directs.length, 1)
    // A dialling B is refused by its own gater.
    await assert.rejects(a.transport.dial(addressOf(b)), { name: 'TransportDialError' })
    await Promise.all([a.transport.stop(), b.transport.stop()])
  })

  it('block disconnects until unblock; bootstrap peers reconnect after unblock', async () => {
    const a = await startNode(61)
    // A long interval: the reconnection after unblock must come from the immediate redial.
    const b = await startNode(62, { bootstrap: [addressOf(a)], bootstrapRedialIntervalMs: 60_000 })
    await waitFor('bootstrap connection', () => b.transport.connectedPeers().includes(a.transport.nodeId))

    b.transport.block([a.transport.nodeId])
    await waitFor('A to see B leave', () => a.transport.connectedPeers().length === 0)
    assert.deepEqual(b.transport.connectedPeers(), [])
    // B (blocking) dialling A is refused by B's own gater before any socket opens.
    await assert.rejects(b.transport.dial(addressOf(a)), { name: 'TransportDialError' })
    // A dialling B: B's gater refuses once Noise has told it who A is. A's dial may resolve first
    // (libp2p finishes its side of the upgrade optimistically), but the connection does not last.
    await a.transport.dial(addressOf(b)).catch(() => {})
    await waitFor('the refused connection to close', () => a.transport.connectedPeers().length === 0)
    await sleep(200)
    assert.deepEqual(b.transport.connectedPeers(), [])
    assert.deepEqual(b.events, [`+${a.transport.nodeId}`, `-${a.transport.nodeId}`])

    b.transport.unblock([a.transport.nodeId])
    await waitFor('reconnection after unblock', () => b.transport.connectedPeers().includes(a.transport.nodeId), 5_000)
    b.transport.sendDirect(a.transport.nodeId, new Uint8Array([3]))
    await waitFor('a direct frame after unblock', () => a.directs.length === 1)
    assert.deepEqual(b.events, [`+${a.transport.nodeId}`, `-${a.transport.nodeId}`, `+${a.transport.nodeId}`])
    await Promise.all([a.transport.stop(), b.transport.stop()])
  })
})

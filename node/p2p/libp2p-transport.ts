/**
 * The node's network over libp2p: TCP + Noise + Yamux, gossipsub for the topics, and one
 * length-prefixed stream per peer for direct (sync) messages. Peers are named by node id, the hex
 * of the Ed25519 public key their PeerId carries. A connection gater keeps banned peers out for the
 * run and blocked peers out until unblocked; gossipsub itself never disconnects anyone.
 *
 * The core's handlers run inside libp2p's event handlers, so every call into them is guarded: a
 * throwing handler counts as `ignore` (for validation) or as nothing, and is reported once.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { publicKeyFromRaw, generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Identify } from '@libp2p/identify'
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { BaseError, InvalidArgumentError } from '../../common/base-error.ts'
import { describeValue } from '../../common/describe-value.ts'
import { SYNC_MESSAGE_BYTES_MAX } from '../constants.ts'
import { TOPICS } from '../transport.ts'
import type { Topic, Transport, TransportHandlers, Verdict } from '../transport.ts'
import { createPubsub, GOSSIP_MESSAGE_BYTES_MAX } from './pubsub.ts'
import { createSyncFrameDecoder, encodeSyncFrame, SYNC_PROTOCOL } from './sync-stream.ts'
import { halveYamuxWindowUpdates } from './yamux-window-updates.ts'
import { noiseCrypto } from './noise-crypto.ts'

/** Where a node listens unless told otherwise: loopback only, any free port. */
export const DEFAULT_LISTEN_ADDRESSES: readonly string[] = ['/ip4/127.0.0.1/tcp/0']
/** How often bootstrap peers that are not connected are dialled again. */
export const BOOTSTRAP_REDIAL_INTERVAL_MS = 2_000
/** Dials libp2p runs at once; more does not help on loopback and 128 made dials fail (TOOLCHAIN). */
export const DIALS_PARALLEL_MAX = 8
/** Sync streams one connection may open to us at once (we open one per peer). */
export const SYNC_INBOUND_STREAMS_MAX = 4
/**
 * Frame bytes queued for one peer (waiting for the stream to open or for the muxer to drain); a frame
 * that does not fit is dropped. Two full messages: the sync protocol never has more in flight.
 */
export const SYNC_OUTBOUND_QUEUE_BYTES_MAX = 2 * SYNC_MESSAGE_BYTES_MAX + 64 * 1024
/** How long opening a sync stream may take before the frames queued for it are dropped. */
export const SYNC_STREAM_OPEN_TIMEOUT_MS = 10_000

/** The libp2p transport: a {@link Transport} plus the controls a runner and the chaos tests need. */
export type Libp2pTransport = Transport & {
  /** The libp2p PeerId (base58btc), derived from the same key as `nodeId`. */
  readonly peerId: string
  /** Addresses this node listens on, each ending in `/p2p/<peerId>`; empty until started. */
  multiaddrs(): string[]
  /** Connects to a peer; rejects with {@link TransportDialError} if it cannot (or the peer is refused). */
  dial(multiaddr: string): Promise<void>
  /** Refuses connections with these peers and closes the open ones, until {@link Libp2pTransport.unblock}. */
  block(nodeIds: readonly string[]): void
  /** Lifts a block; bootstrap peers among them are dialled again right away. Bans stay. */
  unblock(nodeIds: readonly string[]): void
}

/** Parameters of {@link createLibp2pTransport}. */
export type Libp2pTransportOptions = {
  /** The node's 32-byte Ed25519 seed: the libp2p key is made from it, so the PeerId carries the node id. */
  readonly seed: Uint8Array
  /** Multiaddrs to listen on; {@link DEFAULT_LISTEN_ADDRESSES} by default. */
  readonly listen?: readonly string[]
  /** Multiaddrs with `/p2p/<peerId>` dialled at start and again while not connected. */
  readonly bootstrap?: readonly string[]
  /** Most connections this node keeps; libp2p's default (300) if absent. */
  readonly maxConnections?: number
  /** {@link BOOTSTRAP_REDIAL_INTERVAL_MS} by default. */
  readonly bootstrapRedialIntervalMs?: number
}

/** A transport function got an argument of the wrong type or shape. */
export class TransportInvalidArgumentError extends InvalidArgumentError {
  override name = 'TransportInvalidArgumentError'
}

/** `start` was called on a transport that was already started or stopped. */
export class TransportStateError extends BaseError {
  override name = 'TransportStateError'
  readonly state: string
  constructor(action: string, state: string) {
    super(`Cannot ${action} a transport that is ${state}.`, { hints: ['Create a new transport for each run.'] })
    this.state = state
  }
}

/** A dial failed: the address was unreachable, the peer refused, or the gater refused the peer. */
export class TransportDialError extends BaseError {
  override name = 'TransportDialError'
  readonly multiaddr: string
  constructor(address: string, cause: unknown) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)
    super(`Could not connect to ${address}.`, { details: reason, cause })
    this.multiaddr = address
  }
}

const NODE_ID_PATTERN = /^[0-9a-f]{64}$/

/**
 * The node id a PeerId stands for: the hex of its Ed25519 public key, or undefined for a peer whose
 * key is of another type (such a peer is not a swarm node and is refused).
 *
 * @example
 * nodeIdFromPeerId(peerIdFromString('12D3KooW...')) // '3b6a27bc...'
 */
export function nodeIdFromPeerId(peerId: PeerId): string | undefined {
  if (peerId.type !== 'Ed25519') return undefined
  return Buffer.from(peerId.publicKey.raw).toString('hex')
}

/**
 * The PeerId of a node id. Throws {@link TransportInvalidArgumentError} if `nodeId` is not 64
 * lowercase hex characters.
 *
 * @example
 * peerIdFromNodeId(signer.publicKeyHex).toString() // '12D3KooW...'
 */
export function peerIdFromNodeId(nodeId: string): PeerId {
  assertNodeId('nodeId', nodeId)
  return peerIdFromPublicKey(publicKeyFromRaw(Buffer.from(nodeId, 'hex')))
}

function assertNodeId(argument: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !NODE_ID_PATTERN.test(value))
    throw new TransportInvalidArgumentError({ argument, expected: '64 lowercase hex characters (an Ed25519 public key)', received: describeValue(value) })
}

type BootstrapTarget = { readonly address: Multiaddr; readonly nodeId: string }

function parseBootstrapTarget(address: unknown, index: number): BootstrapTarget {
  const argument = `bootstrap[${index}]`
  const expected = 'a multiaddr ending in /p2p/<Ed25519 PeerId>'
  if (typeof address !== 'string') throw new TransportInvalidArgumentError({ argument, expected, received: describeValue(address) })
  let parsed: Multiaddr
  let nodeId: string | undefined
  try {
    parsed = multiaddr(address)
    const peerIdText = parsed.getComponents().findLast((component) => component.name === 'p2p')?.value
    nodeId = peerIdText === undefined ? undefined : nodeIdFromPeerId(peerIdFromString(peerIdText))
  } catch {
    throw new TransportInvalidArgumentError({ argument, expected, received: describeValue(address) })
  }
  if (nodeId === undefined) throw new TransportInvalidArgumentError({ argument, expected, received: describeValue(address) })
  return { address: parsed, nodeId }
}

function parseOptions(options: Libp2pTransportOptions): { listen: string[]; bootstrap: BootstrapTarget[]; redialIntervalMs: number } {
  if (typeof options !== 'object' || options === null)
    throw new TransportInvalidArgumentError({ argument: 'options', expected: 'an object', received: describeValue(options) })
  const { seed, listen = DEFAULT_LISTEN_ADDRESSES, bootstrap = [], maxConnections, bootstrapRedialIntervalMs = BOOTSTRAP_REDIAL_INTERVAL_MS } = options
  if (!(seed instanceof Uint8Array) || seed.length !== 32)
    throw new TransportInvalidArgumentError({ argument: 'seed', expected: 'Uint8Array(32)', received: seed instanceof Uint8Array ? describeValue(seed) : typeof seed })
  if (!Array.isArray(listen) || listen.length === 0 || !listen.every((address) => typeof address === 'string'))
    throw new TransportInvalidArgumentError({ argument: 'listen', expected: 'a non-empty array of multiaddr strings', received: describeValue(listen) })
  if (!Array.isArray(bootstrap))
    throw new TransportInvalidArgumentError({ argument: 'bootstrap', expected: 'an array of multiaddr strings', received: describeValue(bootstrap) })
  if (maxConnections !== undefined && (!Number.isSafeInteger(maxConnections) || maxConnections < 1))
    throw new TransportInvalidArgumentError({ argument: 'maxConnections', expected: 'a positive integer', received: describeValue(maxConnections) })
  if (!Number.isSafeInteger(bootstrapRedialIntervalMs) || bootstrapRedialIntervalMs < 10)
    throw new TransportInvalidArgumentError({ argument: 'bootstrapRedialIntervalMs', expected: 'an integer of at least 10', received: describeValue(bootstrapRedialIntervalMs) })
  return { listen: [...listen], bootstrap: bootstrap.map(parseBootstrapTarget), redialIntervalMs: bootstrapRedialIntervalMs }
}

const VERDICT_RESULTS: Readonly<Record<Verdict, TopicValidatorResult>> = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore,
}

/** The frames for one peer: queued until its stream opens, then written in order. */
type OutboundChannel = {
  stream: Stream | undefined
  pending: Uint8Array[]
  pendingBytes: number
}

type Services = { identify: Identify; pubsub: GossipSub }

/**
 * Creates a libp2p transport (not yet started) whose key is made from `seed`.
 * Throws {@link TransportInvalidArgumentError} on a malformed option.
 *
 * @example
 * const transport = await createLibp2pTransport({ seed, bootstrap: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...'] })
 * await transport.start(handlers)
 * transport.publish(TOPICS.entries, envelope)
 */
export async function createLibp2pTransport(options: Libp2pTransportOptions): Promise<Libp2pTransport> {
  const { listen, bootstrap, redialIntervalMs } = parseOptions(options)
  const { maxConnections } = options
  const privateKey = await generateKeyPairFromSeed('Ed25519', options.seed)
  const nodeId = Buffer.from(privateKey.publicKey.raw).toString('hex')

  let state: 'created' | 'starting' | 'started' | 'stopped' = 'created'
  let handlers: TransportHandlers | undefined
  let redialTimer: ReturnType<typeof setInterval> | undefined
  let startPromise: Promise<void> | undefined
  let stopPromise: Promise<void> | undefined
  const banned = new Set<string>()
  const blocked = new Set<string>()
  /** Peers the core was told are connected, so it hears of each disconnect exactly once. */
  const reportedConnected = new Set<string>()
  const outbound = new Map<string, OutboundChannel>()
  const bootstrapDialsInFlight = new Set<string>()
  const reportedFailures = new Set<string>()

  function reportOnce(what: string, error: unknown): void {
    if (reportedFailures.has(what)) return
    reportedFailures.add(what)
    console.error(`ippoc p2p: ${what} (reported once per transport)`, error)
  }

  function isRefused(peer: string | undefined): boolean {
    return peer === undefined || banned.has(peer) || blocked.has(peer)
  }

  function isPeerIdRefused(peerId: PeerId): boolean {
    return isRefused(nodeIdFromPeerId(peerId))
  }

  halveYamuxWindowUpdates()
  const libp2p: Libp2p<Services> = await createLibp2p({
    start: false,
    privateKey,
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise({ crypto: noiseCrypto })],
    streamMuxers: [yamux()],
    services: { identify: identify(), pubsub: createPubsub() },
    connectionManager: {
      // Every local node shares 127.0.0.1, so the per-host inbound rate limit would refuse them.
      // Allow-listed addresses also skip libp2p's own connection limit; the gater applies ours.
      allow: ['/ip4/127.0.0.1/ipcidr/8', '/ip6/::1/ipcidr/128'],
      maxParallelDials: DIALS_PARALLEL_MAX,
      ...(maxConnections === undefined ? {} : { maxConnections }),
    },
    // libp2p pings every connection every 10 s and, by default, aborts one whose ping takes longer
    // than ~5 s. On a loaded host that is the host being slow, not the link being dead: with 100
    // nodes in a process, gossip lagged 8–25 s under load, and aborting live connections there
    // thins the mesh and adds load (redials, handshakes). A dead connection still ends with its socket.
    connectionMonitor: { abortConnectionOnPingFailure: false },
    connectionGater: {
      denyDialPeer: isPeerIdRefused,
      denyOutboundEncryptedConnection: isPeerIdRefused,
      denyInboundEncryptedConnection: (peerId) =>
        isPeerIdRefused(peerId) || (maxConnections !== undefined && libp2p.getConnections().length >= maxConnections),
    },
  })

  function callHandler(name: keyof TransportHandlers, call: (current: TransportHandlers) => void): void {
    if (handlers === undefined || state !== 'started') return
    try {
      call(handlers)
    } catch (error) {
      reportOnce(`handler ${name} threw; its result is ignored`, error)
    }
  }

  function validateGossip(topic: Topic, propagationSource: PeerId, data: Uint8Array): TopicValidatorResult {
    const from = nodeIdFromPeerId(propagationSource)
    if (isRefused(from) || from === undefined) return TopicValidatorResult.Reject
    if (data.length > GOSSIP_MESSAGE_BYTES_MAX) return TopicValidatorResult.Reject
    if (handlers === undefined || state !== 'started') return TopicValidatorResult.Ignore
    try {
      const verdict = handlers.validate(topic, data, from)
      const result = Object.hasOwn(VERDICT_RESULTS, verdict) ? VERDICT_RESULTS[verdict] : undefined
      if (result !== undefined) return result
      reportOnce('handler validate returned no verdict; treated as ignore', verdict)
    } catch (error) {
      reportOnce('handler validate threw; treated as ignore', error)
    }
    return TopicValidatorResult.Ignore
  }

  function openConnectionTo(peer: string): Connection | undefined {
    return libp2p.getConnections(peerIdFromNodeId(peer)).find((connection) => connection.status === 'open')
  }

  function closeChannel(peer: string): void {
    const channel = outbound.get(peer)
    if (channel === undefined) return
    outbound.delete(peer)
    channel.stream?.abort(new Error('sync channel closed'))
  }

  /** Tells the core that frames for a peer it is still connected to were lost (a disconnect says so itself). */
  function reportDropped(peer: string): void {
    if (openConnectionTo(peer) !== undefined) callHandler('directDropped', (current) => current.directDropped?.(peer))
  }

  function writeFrame(peer: string, channel: OutboundChannel, stream: Stream, frame: Uint8Array): void {
    if (stream.writeStatus !== 'writable') {
      if (outbound.get(peer) === channel) outbound.delete(peer)
      reportDropped(peer)
      return
    }
    if (stream.writeBufferLength + frame.length > SYNC_OUTBOUND_QUEUE_BYTES_MAX) {
      reportOnce('a sync frame was dropped: the peer reads slower than we send', peer)
      return
    }
    try {
      stream.send(frame)
    } catch (error) {
      if (outbound.get(peer) === channel) outbound.delete(peer)
      stream.abort(error instanceof Error ? error : new Error(String(error)))
      reportDropped(peer)
    }
  }

  function openChannel(peer: string, connection: Connection): OutboundChannel {
    const channel: OutboundChannel = { stream: undefined, pending: [], pendingBytes: 0 }
    outbound.set(peer, channel)
    connection.newStream(SYNC_PROTOCOL, { signal: AbortSignal.timeout(SYNC_STREAM_OPEN_TIMEOUT_MS) }).then(
      (stream) => {
        if (outbound.get(peer) !== channel || state !== 'started') {
          stream.abort(new Error('sync channel closed while opening'))
          return
        }
        channel.stream = stream
        stream.addEventListener('close', () => {
          if (outbound.get(peer) === channel) outbound.delete(peer)
        }, { once: true })
        const pending = channel.pending
        channel.pending = []
        channel.pendingBytes = 0
        for (const frame of pending) writeFrame(peer, channel, stream, frame)
      },
      () => {
        // The peer went away, does not speak the protocol, or did not answer in time: its queued
        // frames are dropped.
        if (outbound.get(peer) === channel) outbound.delete(peer)
        if (channel.pending.length > 0) reportDropped(peer)
      },
    )
    return channel
  }

  function handleSyncStream(stream: Stream, connection: Connection): void {
    const from = nodeIdFromPeerId(connection.remotePeer)
    if (from === undefined || isRefused(from) || state !== 'started') {
      stream.abort(new Error('sync stream refused'))
      return
    }
    // Data that arrives before the listener below is attached waits in this buffer.
    stream.maxReadBufferLength = SYNC_MESSAGE_BYTES_MAX + 64 * 1024
    const decoder = createSyncFrameDecoder(SYNC_MESSAGE_BYTES_MAX)
    stream.addEventListener('message', (event) => {
      let frames: Uint8Array[]
      try {
        frames = decoder.push(event.data)
      } catch (error) {
        // Too large or malformed: reset the stream; nothing of the bad frame is delivered.
        stream.abort(error instanceof Error ? error : new Error(String(error)))
        return
      }
      for (const frame of frames) {
        if (isRefused(from) || state !== 'started') {
          stream.abort(new Error('sync stream refused'))
          return
        }
        callHandler('direct', (current) => current.direct(from, frame))
      }
    })
  }

  function redialBootstrap(): void {
    if (state !== 'started') return
    for (const target of bootstrap) {
      if (target.nodeId === nodeId || isRefused(target.nodeId) || bootstrapDialsInFlight.has(target.nodeId)) continue
      if (openConnectionTo(target.nodeId) !== undefined) continue
      bootstrapDialsInFlight.add(target.nodeId)
      libp2p.dial(target.address).then(
        () => bootstrapDialsInFlight.delete(target.nodeId),
        () => bootstrapDialsInFlight.delete(target.nodeId),
      )
    }
  }

  function hangUp(peer: string): void {
    closeChannel(peer)
    if (state !== 'started' && state !== 'starting') return
    libp2p.hangUp(peerIdFromNodeId(peer)).catch((error: unknown) => reportOnce('hanging up on a refused peer failed', error))
  }

  libp2p.addEventListener('peer:connect', (event) => {
    const peer = nodeIdFromPeerId(event.detail)
    if (peer === undefined || isRefused(peer)) {
      // The gater should have refused it; a ban that raced the handshake ends here.
      libp2p.hangUp(event.detail).catch(() => {})
      return
    }
    if (state !== 'started' || reportedConnected.has(peer)) return
    reportedConnected.add(peer)
    callHandler('peerConnected', (current) => current.peerConnected(peer))
  })

  libp2p.addEventListener('peer:disconnect', (event) => {
    const peer = nodeIdFromPeerId(event.detail)
    if (peer === undefined) return
    closeChannel(peer)
    if (!reportedConnected.delete(peer)) return
    callHandler('peerDisconnected', (current) => current.peerDisconnected(peer))
  })

  const transport: Libp2pTransport = {
    nodeId,
    peerId: libp2p.peerId.toString(),

    async start(newHandlers) {
      if (state !== 'created') throw new TransportStateError('start', state)
      handlers = newHandlers
      state = 'starting'
      for (const topic of Object.values(TOPICS)) {
        libp2p.services.pubsub.topicValidators.set(topic, (peer, message) => validateGossip(topic, peer, message.data))
      }
      startPromise = (async () => {
        await libp2p.handle(SYNC_PROTOCOL, handleSyncStream, { maxInboundStreams: SYNC_INBOUND_STREAMS_MAX, maxOutboundStreams: SYNC_INBOUND_STREAMS_MAX })
        await libp2p.start()
      })()
      await startPromise
      // stop() may have been called while libp2p was starting.
      if ((state as string) !== 'starting') return
      state = 'started'
      for (const topic of Object.values(TOPICS)) libp2p.services.pubsub.subscribe(topic)
      // Peers that connected while libp2p was starting were not reported yet.
      for (const peer of transport.connectedPeers()) {
        if (reportedConnected.has(peer)) continue
        reportedConnected.add(peer)
        callHandler('peerConnected', (current) => current.peerConnected(peer))
      }
      redialBootstrap()
      redialTimer = setInterval(redialBootstrap, redialIntervalMs)
      redialTimer.unref()
    },

    publish(topic, bytes) {
      if (state !== 'started') return
      if (!(bytes instanceof Uint8Array) || bytes.length > GOSSIP_MESSAGE_BYTES_MAX) {
        reportOnce(`a gossip message that is not a Uint8Array of at most ${GOSSIP_MESSAGE_BYTES_MAX} bytes was not published`, describeValue(bytes))
        return
      }
      // A copy: gossipsub encodes after an await, and the caller may reuse its buffer.
      libp2p.services.pubsub.publish(topic, bytes.slice()).catch((error: unknown) => reportOnce('publishing failed', error))
    },

    sendDirect(to, bytes) {
      if (state !== 'started' || typeof to !== 'string' || !NODE_ID_PATTERN.test(to) || isRefused(to)) return
      if (!(bytes instanceof Uint8Array) || bytes.length > SYNC_MESSAGE_BYTES_MAX) {
        reportOnce(`a direct message that is not a Uint8Array of at most ${SYNC_MESSAGE_BYTES_MAX} bytes was not sent`, describeValue(bytes))
        return
      }
      const connection = openConnectionTo(to)
      if (connection === undefined) return
      const channel = outbound.get(to) ?? openChannel(to, connection)
      const frame = encodeSyncFrame(bytes, SYNC_MESSAGE_BYTES_MAX)
      if (channel.stream !== undefined) {
        writeFrame(to, channel, channel.stream, frame)
        return
      }
      if (channel.pendingBytes + frame.length > SYNC_OUTBOUND_QUEUE_BYTES_MAX) {
        reportOnce('a sync frame was dropped: too many bytes queued while its stream opens', to)
        return
      }
      channel.pending.push(frame)
      channel.pendingBytes += frame.length
    },

    connectedPeers() {
      if (state !== 'started') return []
      const peers = new Set<string>()
      for (const connection of libp2p.getConnections()) {
        const peer = nodeIdFromPeerId(connection.remotePeer)
        if (connection.status === 'open' && peer !== undefined && !isRefused(peer)) peers.add(peer)
      }
      return [...peers].sort()
    },

    ban(peer) {
      assertNodeId('peer', peer)
      if (peer === nodeId) return
      banned.add(peer)
      hangUp(peer)
    },

    block(nodeIds) {
      if (!Array.isArray(nodeIds)) throw new TransportInvalidArgumentError({ argument: 'nodeIds', expected: 'an array of node ids', received: describeValue(nodeIds) })
      nodeIds.forEach((peer, index) => assertNodeId(`nodeIds[${index}]`, peer))
      for (const peer of nodeIds) {
        if (peer === nodeId) continue
        blocked.add(peer)
        hangUp(peer)
      }
    },

    unblock(nodeIds) {
      if (!Array.isArray(nodeIds)) throw new TransportInvalidArgumentError({ argument: 'nodeIds', expected: 'an array of node ids', received: describeValue(nodeIds) })
      nodeIds.forEach((peer, index) => assertNodeId(`nodeIds[${index}]`, peer))
      for (const peer of nodeIds) blocked.delete(peer)
      redialBootstrap()
    },

    multiaddrs() {
      if (state !== 'started') return []
      return libp2p.getMultiaddrs().map((address) => address.toString())
    },

    async dial(address) {
      if (typeof address !== 'string')
        throw new TransportInvalidArgumentError({ argument: 'multiaddr', expected: 'a multiaddr string', received: describeValue(address) })
      let target: Multiaddr
      let targetPeerId: PeerId | undefined
      try {
        target = multiaddr(address)
        const peerIdText = target.getComponents().findLast((component) => component.name === 'p2p')?.value
        targetPeerId = peerIdText === undefined ? undefined : peerIdFromString(peerIdText)
      } catch {
        throw new TransportInvalidArgumentError({ argument: 'multiaddr', expected: 'a multiaddr string', received: describeValue(address) })
      }
      if (state !== 'started') throw new TransportStateError('dial from', state)
      // Checked here too: libp2p hands back a connection that is still closing without asking the gater.
      if (targetPeerId !== undefined && isPeerIdRefused(targetPeerId))
        throw new TransportDialError(address, new Error('the peer is banned, blocked or not an Ed25519 node'))
      try {
        await libp2p.dial(target)
      } catch (error) {
        throw new TransportDialError(address, error)
      }
    },

    stop() {
      if (stopPromise !== undefined) return stopPromise
      state = 'stopped'
      if (redialTimer !== undefined) clearInterval(redialTimer)
      for (const peer of [...outbound.keys()]) closeChannel(peer)
      reportedConnected.clear()
      // Stopping while starting waits for the start, so libp2p is never left half started.
      stopPromise = startPromise === undefined ? Promise.resolve() : startPromise.catch(() => {}).then(() => libp2p.stop())
      return stopPromise
    },
  }
  return transport
}

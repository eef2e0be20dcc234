/**
 * An in-process network for deterministic simulation: messages arrive after a seeded delay, may be
 * dropped with a seeded probability, and never cross a partition. Everything runs on the virtual
 * clock, so the same seed gives the same event log.
 */
import { InvalidArgumentError } from '../../common/base-error.ts'
import { describeValue } from '../../common/describe-value.ts'
import { NETWORK_EVENT_LOG_MAX, NETWORK_IN_FLIGHT_MAX, NETWORK_MESSAGE_BYTES_MAX, NETWORK_NODES_MAX } from '../constants.ts'
import { NetworkRegistrationError } from '../errors.ts'
import type { Random } from './random.ts'
import type { Clock } from './virtual-clock.ts'

/** Receives a message for one node. */
export type MessageHandler = (from: string, bytes: Uint8Array) => void

/** Why a message did not arrive. */
export type DropReason = 'loss' | 'partition' | 'queue-full' | 'too-large' | 'unknown-node'

/** One thing that happened on the network, in the order it happened. */
export type NetworkEvent =
  | { readonly kind: 'send'; readonly atMs: number; readonly from: string; readonly to: string; readonly bytes: number; readonly deliverAtMs: number }
  | { readonly kind: 'deliver'; readonly atMs: number; readonly from: string; readonly to: string; readonly bytes: number }
  | { readonly kind: 'drop'; readonly atMs: number; readonly from: string; readonly to: string; readonly bytes: number; readonly reason: DropReason }

/** The network a node component receives. */
export type Network = {
  /** Routes messages for `nodeId` to `handler`; returns a function that unregisters it. */
  register(nodeId: string, handler: MessageHandler): () => void
  /** Sends a copy of `bytes`; it may arrive later, or never. */
  send(from: string, to: string, bytes: Uint8Array): void
}

/** What the simulated network needs. */
export type SimulatedNetworkComponents = { readonly clock: Clock; readonly random: Random }

/** How the simulated network behaves. */
export type SimulatedNetworkOptions = {
  /** Smallest delivery delay. 1 by default. */
  readonly latencyMinMs?: number
  /** Largest delivery delay. 50 by default. */
  readonly latencyMaxMs?: number
  /** Probability that a message is lost, in [0, 1]. 0 by default. */
  readonly dropProbability?: number
}

/** The simulated network, with the simulator's controls. */
export type SimulatedNetwork = Network & {
  /** Cuts every link between a node of `groupA` and a node of `groupB`, both ways, until {@link SimulatedNetwork.heal}. */
  partition(groupA: readonly string[], groupB: readonly string[]): void
  /** Removes every partition. Messages already dropped stay dropped. */
  heal(): void
  setDropProbability(probability: number): void
  /** Everything that happened, oldest first (the newest {@link NETWORK_EVENT_LOG_MAX}). */
  readonly events: readonly NetworkEvent[]
  readonly inFlight: number
}

/**
 * Creates a simulated network on the given clock and randomness.
 *
 * @example
 * const network = createSimulatedNetwork({ clock, random }, { latencyMaxMs: 20, dropProbability: 0.1 })
 * network.register('a', (from, bytes) => console.log(from, bytes))
 * network.send('b', 'a', new Uint8Array([1]))
 * clock.runUntilIdle()
 */
export function createSimulatedNetwork(components: SimulatedNetworkComponents, options: SimulatedNetworkOptions = {}): SimulatedNetwork {
  const { clock, random } = components
  const { latencyMinMs = 1, latencyMaxMs = 50 } = options
  if (!Number.isSafeInteger(latencyMinMs) || !Number.isSafeInteger(latencyMaxMs) || latencyMinMs < 0 || latencyMaxMs < latencyMinMs)
    throw new InvalidArgumentError({ argument: 'latency', expected: 'integers 0 ≤ latencyMinMs ≤ latencyMaxMs', received: `${describeValue(latencyMinMs)}..${describeValue(latencyMaxMs)}` })
  let dropProbability = checkedProbability(options.dropProbability ?? 0)
  const handlers = new Map<string, MessageHandler>()
  // Each cut link is stored once, as "a\u0000b" with a < b.
  const cutLinks = new Set<string>()
  const events: NetworkEvent[] = []
  let inFlight = 0

  const log = (event: NetworkEvent): void => {
    if (events.length >= NETWORK_EVENT_LOG_MAX) events.shift()
    events.push(event)
  }
  const drop = (from: string, to: string, bytes: number, reason: DropReason): void => log({ kind: 'drop', atMs: clock.now(), from, to, bytes, reason })
  const isCut = (from: string, to: string): boolean => cutLinks.has(linkKey(from, to))

  return {
    register(nodeId, handler) {
      if (handlers.has(nodeId)) throw new NetworkRegistrationError(nodeId, 'it is registered already')
      if (handlers.size >= NETWORK_NODES_MAX) throw new NetworkRegistrationError(nodeId, `the network holds ${NETWORK_NODES_MAX} nodes already`)
      handlers.set(nodeId, handler)
      return () => {
        if (handlers.get(nodeId) === handler) handlers.delete(nodeId)
      }
    },
    send(from, to, bytes) {
      const size = bytes.length
      if (size > NETWORK_MESSAGE_BYTES_MAX) return drop(from, to, size, 'too-large')
      if (inFlight >= NETWORK_IN_FLIGHT_MAX) return drop(from, to, size, 'queue-full')
      if (isCut(from, to)) return drop(from, to, size, 'partition')
      // Both draws happen for every message, so a change of drop probability does not shift the delays.
      const lost = random.nextFloat() < dropProbability
      const delayMs = latencyMinMs + random.nextInt(latencyMaxMs - latencyMinMs + 1)
      if (lost) return drop(from, to, size, 'loss')
      const copy = bytes.slice()
      inFlight++
      log({ kind: 'send', atMs: clock.now(), from, to, bytes: size, deliverAtMs: clock.now() + delayMs })
      clock.setTimer(delayMs, () => {
        inFlight--
        // A partition cuts messages already on the wire too, as a real cable cut would.
        if (isCut(from, to)) return drop(from, to, size, 'partition')
        const handler = handlers.get(to)
        if (handler === undefined) return drop(from, to, size, 'unknown-node')
        log({ kind: 'deliver', atMs: clock.now(), from, to, bytes: size })
        handler(from, copy)
      })
    },
    partition(groupA, groupB) {
      for (const a of groupA) for (const b of groupB) if (a !== b) cutLinks.add(linkKey(a, b))
    },
    heal() {
      cutLinks.clear()
    },
    setDropProbability(probability) {
      dropProbability = checkedProbability(probability)
    },
    get events() {
      return events
    },
    get inFlight() {
      return inFlight
    },
  }
}

function linkKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`
}

function checkedProbability(probability: number): number {
  if (!(probability >= 0 && probability <= 1))
    throw new InvalidArgumentError({ argument: 'dropProbability', expected: 'a number in [0, 1]', received: describeValue(probability) })
  return probability
}

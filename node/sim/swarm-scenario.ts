/**
 * A deterministic swarm: N node cores on the simulated network, each with an in-memory ledger,
 * connected in a seeded topology (a ring plus random chords), driven by the virtual clock. The
 * same seed gives the same network event log, node events and state roots, byte for byte. Tests
 * use it now; the 100-node chaos simulator builds on it.
 */
import { createEd25519Signer, type Ed25519Signer } from '../../identity/ed25519.ts'
import { DEVNET_RULES, type SignedEntry } from '../../ledger/index.ts'
import { memoryNodeStore } from '../node-store.ts'
import { createSwarmNode, type NodeEvent, type SwarmNode } from '../swarm-node.ts'
import { createSeededRandom, type Random } from './random.ts'
import { createSimulatedNetwork, type SimulatedNetwork } from './simulated-network.ts'
import { createSimulatedSwarmNetwork, type SimulatedSwarmNetwork } from './simulated-transport.ts'
import { createVirtualClock, type VirtualClock } from './virtual-clock.ts'

/** Virtual time at which simulations start: 2026-01-01T00:00:00Z. */
export const SIMULATION_START_MS = 1_767_225_600_000

/** Parameters of {@link createSimulatedSwarm}. */
export type SimulatedSwarmParameters = {
  readonly seed: number
  readonly nodeCount: number
  /** Random extra connections per node besides the ring. Default 2. */
  readonly chords?: number
  readonly dropProbability?: number
  readonly latencyMaxMs?: number
  readonly syncIntervalMs?: number
  /** Genesis allocation per node, in IPPC. Default 1,000,000. */
  readonly genesisCoins?: bigint
}

/** A node event stamped with the node and the virtual time. */
export type RecordedEvent = { readonly atMs: number; readonly node: string } & NodeEvent

/** A swarm under the simulator's control. */
export type SimulatedSwarm = {
  readonly clock: VirtualClock
  readonly network: SimulatedNetwork
  readonly connections: SimulatedSwarmNetwork
  readonly nodes: readonly SwarmNode[]
  readonly signers: readonly Ed25519Signer[]
  readonly events: readonly RecordedEvent[]
  /** Every entry any node authored, by id hex. */
  readonly authored: Map<string, SignedEntry>
  /** Starts every node and mints its genesis allocation. */
  start(): Promise<void>
  /** Schedules `count` metered entries for each of `nodes`, at seeded times within the next `windowMs`. */
  scheduleAppends(nodes: readonly SwarmNode[], count: number, windowMs: number): void
  stop(): Promise<void>
  stateRootsHex(): string[]
  /** The run as text: network events then node events, one JSON line each. */
  eventLog(): string
}

/**
 * Builds a swarm (not started).
 *
 * @example
 * const swarm = createSimulatedSwarm({ seed: 7, nodeCount: 5, dropProbability: 0.1 })
 * await swarm.start()
 * swarm.scheduleAppends(swarm.nodes, 4, 1_000)
 * swarm.clock.advance(10_000)
 */
export function createSimulatedSwarm(parameters: SimulatedSwarmParameters): SimulatedSwarm {
  const random = createSeededRandom(parameters.seed)
  const clock = createVirtualClock({ startMs: SIMULATION_START_MS })
  const network = createSimulatedNetwork({ clock, random: random.fork() }, { latencyMinMs: 1, latencyMaxMs: parameters.latencyMaxMs ?? 40, dropProbability: parameters.dropProbability ?? 0 })
  const connections = createSimulatedSwarmNetwork({ clock, network })
  const signers = Array.from({ length: parameters.nodeCount }, () => createEd25519Signer(random.nextBytes(32)))
  const events: RecordedEvent[] = []
  const authored = new Map<string, SignedEntry>()
  const record = (entry: SignedEntry): void => void authored.set(entry.idHex, entry)
  const nodes = signers.map((signer) => {
    const transport = connections.transportFor(Buffer.from(signer.publicKey).toString('hex'))
    const node: SwarmNode = createSwarmNode(
      {
        clock,
        random: random.fork(),
        transport,
        store: memoryNodeStore(DEVNET_RULES),
        onEvent: (event) => events.push({ atMs: clock.now(), node: node.nodeId, ...event }),
      },
      { signer, syncIntervalMs: parameters.syncIntervalMs ?? 500 },
    )
    return node
  })
  connectTopology(nodes.map((node) => node.nodeId), parameters.chords ?? 2, random.fork(), connections)
  const appendRandom = random.fork()
  return {
    clock,
    network,
    connections,
    nodes,
    signers,
    events,
    authored,
    async start() {
      for (const node of nodes) await node.start()
      for (const node of nodes) record(node.mintGenesis(parameters.genesisCoins ?? 1_000_000n))
    },
    scheduleAppends(chosen, count, windowMs) {
      for (const node of chosen)
        for (let index = 0; index < count; index++)
          clock.setTimer(appendRandom.nextInt(windowMs), () => record(node.appendMetered({ type: 'llm_inference', model: 'sim-model', tokens: 1 + appendRandom.nextInt(4_000) })))
    },
    async stop() {
      for (const node of nodes) await node.stop()
      clock.runUntilIdle()
    },
    stateRootsHex: () => nodes.map((node) => node.stateRootHex()),
    eventLog() {
      const lines = network.events.map((event) => JSON.stringify(event))
      for (const event of events) lines.push(JSON.stringify(event, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value)))
      return lines.join('\n')
    },
  }
}

/** A ring (so the graph is connected) plus `chords` random links per node. */
function connectTopology(ids: readonly string[], chords: number, random: Random, connections: SimulatedSwarmNetwork): void {
  if (ids.length < 2) return
  for (let index = 0; index < ids.length; index++) connections.connect(ids[index]!, ids[(index + 1) % ids.length]!)
  for (const id of ids)
    for (let chord = 0; chord < chords; chord++) {
      const other = ids[random.nextInt(ids.length)]!
      if (other !== id) connections.connect(id, other)
    }
}

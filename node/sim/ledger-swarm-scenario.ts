/**
 * A deterministic swarm of ledger replicas on the simulated network: every node mints its devnet
 * genesis allocation, then appends metered entries at seeded moments while syncing over a lossy,
 * delayed, optionally partitioned network. Same seed ⇒ same event log and same state roots.
 */
import { createEd25519Signer } from '../../identity/ed25519.ts'
import { BASE_UNITS_PER_COIN, DEVNET_RULES, toHex, type SignedEntry } from '../../ledger/index.ts'
import { createLedgerGenesis } from '../ledger-doc.ts'
import { createLedgerReplica, type LedgerReplica } from '../ledger-replica.ts'
import { createSeededRandom } from './random.ts'
import { createSimulatedNetwork, type NetworkEvent, type SimulatedNetwork } from './simulated-network.ts'
import { createVirtualClock, type VirtualClock } from './virtual-clock.ts'

/** Parameters of {@link createLedgerSwarm}. */
export type LedgerSwarmParameters = {
  readonly seed: number
  readonly nodeCount: number
  readonly dropProbability?: number
  readonly latencyMaxMs?: number
  readonly syncIntervalMs?: number
}

/** A swarm under the simulator's control. */
export type LedgerSwarm = {
  readonly clock: VirtualClock
  readonly network: SimulatedNetwork
  readonly replicas: readonly LedgerReplica[]
  /** Every entry any node authored, by id hex. */
  readonly authored: Map<string, SignedEntry>
  /** Schedules `count` metered entries per node among `replicas`, at seeded times within `windowMs`. */
  scheduleAppends(replicas: readonly LedgerReplica[], count: number, windowMs: number): void
  /** Stops every replica and drains the network. */
  stopAndDrain(): void
  stateRootsHex(): string[]
}

/** Virtual time at which simulations start: 2026-01-01T00:00:00Z. */
export const SIMULATION_START_MS = 1_767_225_600_000

/**
 * Builds and starts a swarm, each node with its genesis mint.
 *
 * @example
 * const swarm = createLedgerSwarm({ seed: 7, nodeCount: 5, dropProbability: 0.1 })
 * swarm.scheduleAppends(swarm.replicas, 4, 1_000)
 * swarm.clock.advance(5_000)
 */
export function createLedgerSwarm(parameters: LedgerSwarmParameters): LedgerSwarm {
  const random = createSeededRandom(parameters.seed)
  const clock = createVirtualClock({ startMs: SIMULATION_START_MS })
  const network = createSimulatedNetwork({ clock, random: random.fork() }, { latencyMinMs: 1, latencyMaxMs: parameters.latencyMaxMs ?? 40, dropProbability: parameters.dropProbability ?? 0 })
  const signers = Array.from({ length: parameters.nodeCount }, () => createEd25519Signer(random.nextBytes(32)))
  const genesis = createLedgerGenesis()
  const ids = signers.map((signer) => toHex(signer.publicKey))
  const authored = new Map<string, SignedEntry>()
  const record = (entry: SignedEntry): void => void authored.set(entry.idHex, entry)
  const replicas = signers.map((signer) =>
    createLedgerReplica(
      { clock, random: random.fork(), network },
      { signer, rules: DEVNET_RULES, genesis, peers: ids, syncIntervalMs: parameters.syncIntervalMs ?? 200 },
    ),
  )
  for (const replica of replicas) {
    replica.start()
    record(replica.mintGenesis(1_000_000n * BASE_UNITS_PER_COIN))
  }
  const appendRandom = random.fork()
  return {
    clock,
    network,
    replicas,
    authored,
    scheduleAppends(chosen, count, windowMs) {
      for (const replica of chosen)
        for (let index = 0; index < count; index++)
          clock.setTimer(appendRandom.nextInt(windowMs), () =>
            record(replica.appendMetered({ type: 'llm_inference', model: 'sim-model', tokens: 1 + appendRandom.nextInt(4_000) })),
          )
    },
    stopAndDrain() {
      for (const replica of replicas) replica.stop()
      clock.runUntilIdle()
    },
    stateRootsHex: () => replicas.map((replica) => replica.stateRootHex()),
  }
}

/** One line per network event, for comparing runs byte for byte. */
export function formatEventLog(events: readonly NetworkEvent[]): string {
  return events.map((event) => JSON.stringify(event)).join('\n')
}

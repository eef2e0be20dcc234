/**
 * One node's replicated ledger: its own entries go into its Automerge document and its ledger;
 * other nodes' entries arrive over the Automerge sync protocol and are fed to the ledger, which
 * alone decides what counts. Components (clock, randomness, network) are passed in, so the same
 * code runs in the deterministic simulation and, later, over libp2p.
 */
import { buildMetered, buildMint, devnetGenesisGrant, Ledger, toHex, type EntrySigner, type LedgerRules, type MeteredAction, type SignedEntry } from '../ledger/index.ts'
import { getHeads } from '@automerge/automerge'
import { REPLICA_PEERS_MAX } from './constants.ts'
import {
  appendDocEntry,
  createLedgerFeed,
  generateLedgerSyncMessage,
  initLedgerSyncState,
  openLedgerDoc,
  receiveLedgerSyncMessage,
  resetInFlight,
  type FeedReport,
  type LedgerDoc,
  type LedgerSyncState,
} from './ledger-doc.ts'
import type { Network } from './sim/simulated-network.ts'
import type { Random } from './sim/random.ts'
import type { Clock } from './sim/virtual-clock.ts'

/** What a replica takes from its environment. */
export type LedgerReplicaComponents = { readonly clock: Clock; readonly random: Random; readonly network: Network }

/** Parameters of {@link createLedgerReplica}. */
export type LedgerReplicaParameters = {
  readonly signer: EntrySigner
  readonly rules: LedgerRules
  /** The swarm's genesis document (`createLedgerGenesis()`), the same for every node. */
  readonly genesis: LedgerDoc
  /** Node ids (author hex) this replica syncs with. */
  readonly peers: readonly string[]
  /** How often sync is retried with every peer, so lost messages are sent again. */
  readonly syncIntervalMs: number
}

/** Counters of what arrived, for trust and for reports. */
export type ReplicaCounters = { syncAccepted: number; syncRejected: number; fromUnknownPeer: number; malformedItems: number; rejectedEntries: number; forks: number }

/** A running replica. */
export type LedgerReplica = {
  readonly nodeId: string
  readonly ledger: Ledger
  readonly doc: LedgerDoc
  readonly counters: Readonly<ReplicaCounters>
  start(): void
  stop(): void
  /** Mints this node's devnet genesis allocation (a devnet grant) as its first entry. */
  mintGenesis(amount: bigint): SignedEntry
  /** Records a metered action of this node, paid from its balance, and offers it to every peer. */
  appendMetered(action: MeteredAction): SignedEntry
  /** Handles bytes from a peer (the network calls this; tests may too). */
  receive(from: string, bytes: Uint8Array): void
  stateRootHex(): string
}

/**
 * Creates a replica; call `start()` to join the network.
 *
 * @example
 * const replica = createLedgerReplica({ clock, random, network }, { signer, rules: DEVNET_RULES, genesis, peers, syncIntervalMs: 200 })
 * replica.start()
 * replica.mintGenesis(1_000n * 1_000_000n)
 */
export function createLedgerReplica(components: LedgerReplicaComponents, parameters: LedgerReplicaParameters): LedgerReplica {
  const { clock, random, network } = components
  const { signer, rules, peers, syncIntervalMs } = parameters
  const nodeId = toHex(signer.publicKey)
  if (peers.length > REPLICA_PEERS_MAX) throw new RangeError(`expected at most ${REPLICA_PEERS_MAX} peers, got ${peers.length}`)
  const ledger = new Ledger({ rules })
  const feed = createLedgerFeed(ledger)
  const syncStates = new Map<string, LedgerSyncState>(peers.filter((peer) => peer !== nodeId).map((peer) => [peer, initLedgerSyncState()]))
  const counters: ReplicaCounters = { syncAccepted: 0, syncRejected: 0, fromUnknownPeer: 0, malformedItems: 0, rejectedEntries: 0, forks: 0 }
  let doc = openLedgerDoc(parameters.genesis, nodeId)
  let unregister: (() => void) | undefined
  let timerId: number | undefined

  const syncWith = (peer: string): void => {
    const state = syncStates.get(peer)
    if (state === undefined || unregister === undefined) return
    const [nextState, message] = generateLedgerSyncMessage(doc, state)
    syncStates.set(peer, nextState)
    if (message !== null) network.send(nodeId, peer, message)
  }
  const syncAll = (): void => {
    for (const peer of syncStates.keys()) syncWith(peer)
  }
  const countFeed = (report: FeedReport): void => {
    counters.malformedItems += report.malformed.length
    counters.rejectedEntries += report.verdicts.rejected
    counters.forks += report.verdicts.fork
  }
  const tick = (): void => {
    for (const [peer, state] of syncStates) syncStates.set(peer, resetInFlight(state))
    syncAll()
    timerId = clock.setTimer(syncIntervalMs, tick)
  }
  const appendOwn = (entry: SignedEntry): SignedEntry => {
    ledger.append(entry, { signatureVerified: true })
    doc = appendDocEntry(doc, entry, { timeMs: clock.now() })
    // The ledger has it already; rereading the whole document to learn that would cost O(size).
    feed.markFed(entry)
    syncAll()
    return entry
  }

  return {
    nodeId,
    ledger,
    get doc() {
      return doc
    },
    counters,
    start() {
      if (unregister !== undefined) return
      unregister = network.register(nodeId, (from, bytes) => this.receive(from, bytes))
      // A random phase keeps the nodes' sync rounds from running in lockstep.
      timerId = clock.setTimer(random.nextInt(syncIntervalMs) + 1, tick)
      syncAll()
    },
    stop() {
      unregister?.()
      unregister = undefined
      if (timerId !== undefined) clock.cancelTimer(timerId)
      timerId = undefined
    },
    mintGenesis(amount) {
      return appendOwn(buildMint(ledger, signer, { grant: devnetGenesisGrant(signer.publicKey, amount), timestamp: clock.now() }))
    },
    appendMetered(action) {
      return appendOwn(buildMetered(ledger, signer, action, { timestamp: clock.now() }))
    },
    receive(from, bytes) {
      const state = syncStates.get(from)
      if (state === undefined) {
        counters.fromUnknownPeer++
        return
      }
      const verdict = receiveLedgerSyncMessage(doc, state, bytes)
      if (verdict.status === 'reject') {
        counters.syncRejected++
        return
      }
      counters.syncAccepted++
      const changed = verdict.doc !== doc && getHeads(verdict.doc).join() !== getHeads(doc).join()
      doc = verdict.doc
      syncStates.set(from, verdict.syncState)
      // Only new changes are worth offering to everyone; otherwise just answer the sender.
      if (!changed) return syncWith(from)
      countFeed(feed.feed(doc))
      syncAll()
    },
    stateRootHex: () => toHex(ledger.stateRoot()),
  }
}

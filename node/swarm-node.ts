/**
 * The swarm node's deterministic core (§3–4): it replicates the ledger document, validates every
 * gossip payload, answers the Automerge sync protocol, scores peers from evidence, and turns proofs
 * into warrants and bans. Time, randomness, network and storage are passed in (`components`), so
 * the same core runs over libp2p and over the seeded in-process network, where a seed replays
 * exactly.
 */
import {
  BASE_UNITS_PER_COIN,
  buildMetered,
  buildMint,
  devnetGenesisGrant,
  toHex,
  type AddVerdict,
  type EntrySigner,
  type MeteredAction,
  type SignedEntry,
} from '../ledger/index.ts'
import { BANS_MAX, COMMIT_DELAY_MS, DOC_FLUSH_INTERVAL_MS, FLUSH_INTERVAL_MS_DEFAULT, OFF_THREAD_VERIFY_MIN, RECENT_ENTRIES_MAX, REPLICA_PEERS_MAX, SYNC_DROP_RETRY_MS, SYNC_INTERVAL_MS_DEFAULT, SYNC_WAVE_ENTRY_AGE_MS, SYNC_WAVE_INTERVAL_MS, SYNC_WAVE_MIN_ENTRIES, SYNCED_BEFORE_GOSSIP_MAX } from './constants.ts'
import { ENVELOPE_KINDS, openEnvelope, sealEnvelope, verifyEnvelope, type Envelope } from './envelope.ts'
import { LedgerDoc, rememberBounded, type LedgerSyncState, type PreparedSync, type SignatureBatchVerifier } from './ledger-doc.ts'
import type { NodeLedgerStore } from './node-store.ts'
import type { BalanceJson, BanJson, EntryJson, NodeMetrics, NodeStatusJson, NodeView, PeerJson } from './node-view.ts'
import type { Random } from './sim/random.ts'
import type { Clock } from './sim/virtual-clock.ts'
import { TOPICS, type Topic, type Transport, type Verdict } from './transport.ts'
import { createTrustManager, type EvidenceKind } from './trust.ts'
import { checkWarrant, envelopeGarbageReason, forkWarrant, signedGarbageWarrant, type Warrant } from './warrant.ts'

/** What the core takes from its environment. */
export type SwarmNodeComponents = {
  readonly clock: Clock
  readonly random: Random
  readonly transport: Transport
  readonly store: NodeLedgerStore
  /** Where warrants this node acted on are kept across restarts (absent: not kept). */
  readonly warrantLog?: WarrantLog | undefined
  /** Structured events (the real node logs them; the simulator records them). */
  readonly onEvent?: ((event: NodeEvent) => void) | undefined
  /**
   * Checks the signatures of a big sync message off this thread (worker threads in production).
   * Absent: everything is checked on this thread, in order (the simulator's deterministic mode).
   */
  readonly verifyBatch?: SignatureBatchVerifier | undefined
}

/** Persisted warrants. */
export type WarrantLog = { load(): Uint8Array[]; append(warrant: Uint8Array): void }

/** Something worth a log line or a simulation record. */
export type NodeEvent =
  | { readonly kind: 'ban'; readonly peer: string; readonly reason: string }
  | { readonly kind: 'warrant-issued'; readonly accused: string; readonly warrantKind: string }
  | { readonly kind: 'fork'; readonly author: string; readonly seq: number }
  | { readonly kind: 'sync-rejected'; readonly peer: string; readonly reason: string }
  | { readonly kind: 'gossip-rejected'; readonly peer: string; readonly reason: string }
  | { readonly kind: 'probe'; readonly publisher: string; readonly body: Uint8Array; readonly atMs: number }
  /** Entries from other nodes that counted here and are now durable (emitted after each store flush). */
  | { readonly kind: 'durable'; readonly entryIds: readonly string[]; readonly atMs: number }

/** Parameters of {@link createSwarmNode}. */
export type SwarmNodeParameters = {
  readonly signer: EntrySigner
  /** How often the node syncs with one random connected peer (anti-entropy; gossip carries the news). Default {@link SYNC_INTERVAL_MS_DEFAULT}. */
  readonly syncIntervalMs?: number | undefined
  /** How often the node checks whether staged changes are due for the Automerge document, and updates the state root's age. Default {@link FLUSH_INTERVAL_MS_DEFAULT}. */
  readonly flushIntervalMs?: number | undefined
  /** Listen addresses to report in status (read when asked: they are known once the network is up). */
  readonly listen?: (() => readonly string[]) | undefined
  readonly peerId?: string | undefined
}

/** A running swarm node core. */
export type SwarmNode = NodeView & {
  readonly nodeId: string
  readonly doc: LedgerDoc
  readonly store: NodeLedgerStore
  start(): Promise<void>
  stop(): Promise<void>
  /** Mints this node's devnet genesis allocation as its first entry (devnet only). */
  mintGenesis(amountCoins: bigint): SignedEntry
  /** Records one metered action of this node, paid from its balance, and gossips it. */
  appendMetered(action: MeteredAction): SignedEntry
  /** Appends an entry this node signed by other means (tests: a byzantine or cloned signer). */
  publishOwn(entry: SignedEntry): void
  /** Publishes an app-signed probe (the benchmark's gossip baseline). */
  publishProbe(body: Uint8Array): void
  stateRootHex(): string
  isBanned(peer: string): boolean
  /** Syncs with every connected peer now. */
  syncNow(): void
  /** Resolves once staged entries are durable. */
  flush(): Promise<void>
}

type Counters = {
  entriesApplied: number
  entriesRejected: number
  gossipAccepted: number
  gossipRejected: number
  gossipIgnored: number
  syncMessagesIn: number
  syncMessagesRejected: number
  warrantsIssued: number
  warrantsAccepted: number
  bans: number
  forks: number
}

/**
 * Creates a node core; `start()` joins the network.
 *
 * @example
 * const node = createSwarmNode({ clock, random, transport, store }, { signer: identity })
 * await node.start()
 * node.appendMetered({ type: 'llm_inference', model: 'local', tokens: 1200 })
 */
export function createSwarmNode(components: SwarmNodeComponents, parameters: SwarmNodeParameters): SwarmNode {
  const { clock, random, transport, store, warrantLog, onEvent } = components
  const { signer, syncIntervalMs = SYNC_INTERVAL_MS_DEFAULT, flushIntervalMs = FLUSH_INTERVAL_MS_DEFAULT } = parameters
  const nodeId = toHex(signer.publicKey)
  if (nodeId !== transport.nodeId) throw new RangeError(`the transport belongs to ${transport.nodeId}, not to ${nodeId}`)
  const ledger = store.ledger
  const doc = new LedgerDoc({ actorHex: nodeId.slice(0, 32) })
  const { verifyBatch } = components
  const trust = createTrustManager()
  const syncStates = new Map<string, LedgerSyncState>()
  const connected = new Set<string>()
  const bans = new Map<string, BanJson>()
  const recent: SignedEntry[] = []
  let latencySamples: number[] = []
  // The counters are the node's metrics: `/metrics` reads them live.
  const counters: Counters & NodeMetrics = {
    get entriesPending() {
      return ledger.pendingCount
    },
    drainGossipLatencyMs() {
      const samples = latencySamples
      latencySamples = []
      return samples
    },
    entriesApplied: 0,
    entriesRejected: 0,
    gossipAccepted: 0,
    gossipRejected: 0,
    gossipIgnored: 0,
    syncMessagesIn: 0,
    syncMessagesRejected: 0,
    warrantsIssued: 0,
    warrantsAccepted: 0,
    bans: 0,
    forks: 0,
  }
  const startedAtMs = clock.now()
  let rootRevision = ledger.revision
  let stateRootChangedAtMs = startedAtMs
  let running = false
  let syncTimer: number | undefined
  let flushTimer: number | undefined
  let flushing: Promise<void> = Promise.resolve()
  // Ids of received entries applied since the last flush, for the `durable` event (only when someone listens).
  let appliedSinceFlush: string[] = []
  let lastDocFlushMs = startedAtMs
  let storeDirty = false
  let flushInFlight = false
  let commitTimer: number | undefined

  // Rebuild the document from what the store holds (a restart): prev before next, seq by seq.
  for (const entry of [...store.entries()].sort((a, b) => a.body.seq - b.body.seq)) if (doc.canAdd(entry)) doc.add(entry)
  doc.flush()

  const emit = (event: NodeEvent): void => onEvent?.(event)
  const remember = (entry: SignedEntry): void => {
    if (recent.length >= RECENT_ENTRIES_MAX) recent.shift()
    recent.push(entry)
  }
  // The state root is a Merkle root over every counted entry, computed only when read (status,
  // comparison): its age comes from the ledger's revision, which costs nothing to read.
  const noteRoot = (): void => {
    const revision = ledger.revision
    if (revision !== rootRevision) {
      rootRevision = revision
      stateRootChangedAtMs = clock.now()
    }
  }

  const ban = (peer: string, reason: string, warrant?: Warrant): boolean => {
    if (peer === nodeId || bans.has(peer)) return false
    // Past the cap the peer is still cut off, but no longer listed (each row holds a warrant).
    if (bans.size >= BANS_MAX) {
      transport.ban(peer)
      return false
    }
    bans.set(peer, { nodeId: peer, atMs: clock.now(), reason, warrant: warrant === undefined ? undefined : Buffer.from(warrant.bytes).toString('base64url') })
    counters.bans++
    syncStates.get(peer)?.free()
    syncStates.delete(peer)
    connected.delete(peer)
    transport.ban(peer)
    emit({ kind: 'ban', peer, reason })
    return true
  }
  const evidence = (peer: string, kind: EvidenceKind): void => {
    if (trust.record(peer, kind)) ban(peer, `local:${kind}`)
  }
  /** Acts on a checked warrant; true when it banned someone new. */
  const actOnWarrant = (warrant: Warrant, persist: boolean): boolean => {
    if (bans.has(warrant.accusedHex) || warrant.accusedHex === nodeId) return false
    if (persist) warrantLog?.append(warrant.bytes)
    return ban(warrant.accusedHex, `warrant:${warrant.kind}`, warrant)
  }
  const issueWarrant = (bytes: Uint8Array): void => {
    const checked = checkWarrant(bytes)
    // A warrant this node builds always checks; if it does not, it must not ban anyone.
    if (!checked.ok) return
    if (actOnWarrant(checked.warrant, true)) {
      counters.warrantsIssued++
      emit({ kind: 'warrant-issued', accused: checked.warrant.accusedHex, warrantKind: checked.warrant.kind })
      transport.publish(TOPICS.warrants, bytes)
    }
  }

  /** Gives entries the document took to the ledger; acts on what the ledger says. */
  const feed = (entries: readonly SignedEntry[]): void => {
    if (entries.length === 0) return
    markDirty()
    for (const entry of entries) {
      remember(entry)
      const verdict: AddVerdict = store.admit(entry)
      switch (verdict.status) {
        case 'applied':
          counters.entriesApplied += verdict.applied.length
          if (onEvent !== undefined) for (const applied of verdict.applied) appliedSinceFlush.push(applied.idHex)
          trust.record(entry.authorHex, 'valid-entry')
          break
        case 'rejected':
          counters.entriesRejected++
          trust.record(entry.authorHex, 'rejected-entry')
          break
        case 'fork':
          counters.forks++
          emit({ kind: 'fork', author: entry.authorHex, seq: entry.body.seq })
          issueWarrant(forkWarrant(verdict.proof))
          break
        case 'pending':
        case 'duplicate':
          break
      }
    }
  }

  const syncWith = (peer: string): void => {
    const state = syncStates.get(peer)
    if (state === undefined || !running) return
    const message = doc.generateSyncMessage(state)
    if (message !== null) transport.sendDirect(peer, message)
  }
  const syncAll = (): void => {
    for (const peer of [...syncStates.keys()].sort()) syncWith(peer)
  }

  const validateEntryChange = (envelope: Envelope, from: string): Verdict => {
    if (bans.has(envelope.publisherHex)) return 'ignore'
    // Without a valid envelope the payload proves nothing about its publisher, only that the
    // peer that forwarded it does not validate (honest peers check before they forward).
    if (!verifyEnvelope(envelope)) {
      evidence(from, 'invalid-envelope')
      return 'reject'
    }
    const check = doc.checkChange(envelope.body)
    // A node that learned the entry by sync still forwards the first gossip copy of its author's
    // canonical change: gossip must keep flooding through it, or the nodes behind it wait for sync
    // rounds. Replays and anything else already known go no further.
    if (check.status === 'known')
      return check.canonical && check.entry.authorHex === envelope.publisherHex && syncedBeforeGossip.delete(check.entry.idHex) ? 'accept' : 'ignore'
    if (check.status === 'waiting' && check.entry.authorHex === envelope.publisherHex) {
      // Its prev is on the way or was lost: the sender has it, ask.
      syncWith(from)
      return 'ignore'
    }
    if (check.status === 'valid' && check.entry.authorHex === envelope.publisherHex) {
      const delayMs = clock.now() - check.entry.body.timestamp
      latencySamples.push(Math.max(0, delayMs))
      if (delayMs > SYNC_WAVE_ENTRY_AGE_MS) lastLateGossipMs = clock.now()
      if (latencySamples.length > 10_000) latencySamples = latencySamples.slice(-5_000)
      feed([check.entry, ...doc.stageChecked(check)])
      return 'accept'
    }
    // The publisher signed garbage: a warrant if it is garbage on its face, else local evidence.
    const garbage = envelopeGarbageReason(envelope)
    if (garbage !== undefined) issueWarrant(signedGarbageWarrant(envelope.bytes))
    // Honest peers reject garbage before forwarding it: a peer that forwards another's garbage is not
    // honest (else one connection could make every node ban and log one fresh key per message).
    if (garbage === undefined || from !== envelope.publisherHex) evidence(from, 'non-canonical-change')
    emit({ kind: 'gossip-rejected', peer: from, reason: check.status === 'invalid' ? check.reason : `${check.status} change of another author` })
    return 'reject'
  }

  const validate = (topic: Topic, bytes: Uint8Array, from: string): Verdict => {
    if (bans.has(from)) return 'reject'
    if (topic === TOPICS.warrants) {
      const checked = checkWarrant(bytes)
      if (!checked.ok) {
        evidence(from, 'false-warrant')
        return 'reject'
      }
      const banned = actOnWarrant(checked.warrant, true)
      // The proof's entries join the document, so nodes that never saw one side of a fork learn it.
      admitForkEntries(checked.warrant.entries)
      if (!banned) return 'ignore'
      counters.warrantsAccepted++
      return 'accept'
    }
    const opened = openEnvelope(bytes)
    if (!opened.ok) {
      evidence(from, 'invalid-envelope')
      return 'reject'
    }
    const { envelope } = opened
    if (topic === TOPICS.entries && envelope.kind === ENVELOPE_KINDS.entryChange) return validateEntryChange(envelope, from)
    if (topic === TOPICS.probes && envelope.kind === ENVELOPE_KINDS.probe) {
      if (!verifyEnvelope(envelope)) {
        evidence(from, 'invalid-envelope')
        return 'reject'
      }
      emit({ kind: 'probe', publisher: envelope.publisherHex, body: envelope.body, atMs: clock.now() })
      return 'accept'
    }
    evidence(from, 'invalid-envelope')
    return 'reject'
  }

  /** Both entries of a fork warrant go into the document and the ledger, so every node holds the proof's entries. */
  const admitForkEntries = (entries: readonly SignedEntry[]): void => {
    const taken: SignedEntry[] = []
    for (const entry of entries) {
      if (doc.has(entry.idHex) || !doc.canAdd(entry)) continue
      const added = doc.add(entry)
      if (added !== undefined) taken.push(entry, ...added.released)
    }
    feed(taken)
  }

  const countVerdict = (verdict: Verdict): Verdict => {
    if (verdict === 'accept') counters.gossipAccepted++
    else if (verdict === 'reject') counters.gossipRejected++
    else counters.gossipIgnored++
    return verdict
  }

  /** Sync messages of each peer are handled in order; big ones wait for their signatures off-thread. */
  const peerQueues = new Map<string, Promise<void>>()
  /** Ids of entries that arrived by sync and whose gossip copy has not been seen (oldest first). */
  const syncedBeforeGossip = new Set<string>()
  let lastWaveMs = Number.NEGATIVE_INFINITY
  /** When gossip last brought an entry older than SYNC_WAVE_ENTRY_AGE_MS (gossip running late). */
  let lastLateGossipMs = Number.NEGATIVE_INFINITY
  const lastHeardMs = new Map<string, number>()
  const onDirect = (from: string, bytes: Uint8Array): void => {
    if (bans.has(from) || !running) return
    if (!syncStates.has(from)) {
      if (syncStates.size >= REPLICA_PEERS_MAX) return
      syncStates.set(from, LedgerDoc.initSyncState())
    }
    counters.syncMessagesIn++
    lastHeardMs.set(from, clock.now())
    const prepared = doc.prepareSyncMessage(bytes, verifyBatch === undefined ? undefined : { verify: verifyBatch, minEntries: OFF_THREAD_VERIFY_MIN })
    if (prepared.status === 'reject') return rejectSync(from, prepared.reason)
    // A whole document (a catch-up) is checked for canonical form while the workers check signatures.
    LedgerDoc.precheck(prepared)
    const queued = peerQueues.get(from)
    if (queued === undefined && prepared.verdicts === undefined) return applySync(from, prepared, undefined)
    const next = (queued ?? Promise.resolve())
      .then(() => prepared.verdicts)
      .then(
        (verdicts) => applySync(from, prepared, verdicts),
        () => {
          doc.discard(prepared)
          rejectSync(from, 'the signature check failed')
        },
      )
      .finally(() => {
        if (peerQueues.get(from) === next) peerQueues.delete(from)
      })
    peerQueues.set(from, next)
  }
  const rejectSync = (from: string, reason: string): void => {
    counters.syncMessagesRejected++
    emit({ kind: 'sync-rejected', peer: from, reason })
    evidence(from, 'invalid-sync')
  }
  const applySync = (from: string, prepared: PreparedSync, verdicts: ReadonlyMap<string, boolean> | undefined): void => {
    const state = syncStates.get(from)
    // The peer left (or was banned) while its message waited.
    if (state === undefined || !running) return doc.discard(prepared)
    const receipt = doc.receiveSyncMessage(state, prepared, verdicts)
    if (receipt.status === 'reject') return rejectSync(from, receipt.reason)
    for (const entry of receipt.entries) rememberBounded(syncedBeforeGossip, entry.idHex, SYNCED_BEFORE_GOSSIP_MAX)
    feed(receipt.entries)
    // Entries gossip will not bring to this node's peers either go to every peer (a wave). Many at
    // once (a healed partition, a node back from away): a wave, at most one per
    // SYNC_WAVE_INTERVAL_MS, none if the last is more recent. Old ones while gossip runs on time
    // (written by a node cut off from everyone): a wave, put off if the last is more recent, never
    // dropped; a few such entries, not waved, waited for anti-entropy rounds: the 20–25 s tail of a
    // healed 100-node partition. While gossip runs late, old entries are its backlog, on its way, and
    // waves would only add load. A wave for every message with a few young entries (the everyday
    // overlap with gossip) took a fifth to a third of the main thread (profiled with 100 nodes). The
    // sender gets its answer now either way.
    const now = clock.now()
    if (receipt.entries.length >= SYNC_WAVE_MIN_ENTRIES && now - lastWaveMs >= SYNC_WAVE_INTERVAL_MS) wave()
    else if (now - lastLateGossipMs > SYNC_WAVE_ENTRY_AGE_MS && receipt.entries.some((entry) => now - entry.body.timestamp > SYNC_WAVE_ENTRY_AGE_MS)) requestWave(from)
    else syncWith(from)
  }
  let waveTimer: number | undefined
  /** Syncs with every peer now if the last wave is older than the interval, else once it is (one wave pending at most). */
  const requestWave = (from: string): void => {
    if (waveTimer !== undefined) return syncWith(from)
    const wait = lastWaveMs + SYNC_WAVE_INTERVAL_MS - clock.now()
    if (wait <= 0) return wave()
    syncWith(from)
    waveTimer = clock.setTimer(wait, () => {
      waveTimer = undefined
      if (running) wave()
    })
  }
  const wave = (): void => {
    lastWaveMs = clock.now()
    syncAll()
  }

  const tick = (): void => {
    if (!running) return
    const peers = [...syncStates.keys()].sort()
    if (peers.length > 0) {
      const peer = peers[random.nextInt(peers.length)]!
      // Forget what was sent but never acknowledged when the peer has gone quiet: a lost message
      // must not stall the pair. A peer still busy with a big message is left alone, or it would
      // be sent everything again.
      if (clock.now() - (lastHeardMs.get(peer) ?? 0) >= 2 * syncIntervalMs && !peerQueues.has(peer)) resendUnanswered(peer)
      syncWith(peer)
    }
    syncTimer = clock.setTimer(syncIntervalMs, tick)
  }
  /** Forgets what was sent to a peer and not acknowledged, so the next message sends it again. */
  const resendUnanswered = (peer: string): void => {
    const state = syncStates.get(peer)
    if (state === undefined) return
    syncStates.set(peer, LedgerDoc.resetInFlight(state))
    state.free()
  }
  /** When a retry after a lost message was last made, by peer. */
  const lastRetryMs = new Map<string, number>()
  // The transport lost what was sent (under load a new sync stream can take over 10 s to open):
  // send it again now instead of waiting for an answer that cannot come, or for an anti-entropy
  // round. At most once per SYNC_DROP_RETRY_MS per peer, so a peer that never takes the stream
  // does not make this a loop.
  const directDropped = (peer: string): void => {
    if (!running || !syncStates.has(peer) || clock.now() - (lastRetryMs.get(peer) ?? Number.NEGATIVE_INFINITY) < SYNC_DROP_RETRY_MS) return
    lastRetryMs.set(peer, clock.now())
    resendUnanswered(peer)
    syncWith(peer)
  }
  const flushTick = (): void => {
    if (!running) return
    // Automerge pays a cost per apply that grows with the document, so gossiped changes reach it in
    // batches (sync flushes first anyway); the ledger and the store have them already.
    if (clock.now() - lastDocFlushMs >= DOC_FLUSH_INTERVAL_MS) {
      doc.flush()
      lastDocFlushMs = clock.now()
    }
    noteRoot()
    // Entries staged before the node ran, or after a failed commit.
    if (storeDirty) scheduleCommit()
    flushTimer = clock.setTimer(flushIntervalMs, flushTick)
  }
  // An idle node does not call its store (with 100 nodes in a process that is 2,000 calls a second),
  // and a busy one commits again only once its last commit is durable: under load each commit takes
  // everything that arrived meanwhile (group commit) instead of queueing one each. A commit starts
  // {@link COMMIT_DELAY_MS} after the first new entry, not on the next flush tick: it is on the path
  // of every entry's durability.
  const markDirty = (): void => {
    storeDirty = true
    scheduleCommit()
  }
  const scheduleCommit = (): void => {
    if (commitTimer !== undefined || flushInFlight || !running) return
    commitTimer = clock.setTimer(COMMIT_DELAY_MS, commit)
  }
  const commit = (): void => {
    commitTimer = undefined
    if (!storeDirty || flushInFlight) return
    storeDirty = false
    flushInFlight = true
    const entryIds = appliedSinceFlush
    appliedSinceFlush = []
    flushing = store.flush()
    flushing.then(
      () => {
        flushInFlight = false
        if (entryIds.length > 0) emit({ kind: 'durable', entryIds, atMs: clock.now() })
        if (storeDirty) scheduleCommit()
      },
      () => {
        flushInFlight = false
      },
    )
  }

  const appendOwn = (entry: SignedEntry): SignedEntry => {
    store.appendOwn(entry)
    markDirty()
    remember(entry)
    const added = doc.add(entry)
    if (added !== undefined) transport.publish(TOPICS.entries, sealEnvelope(ENVELOPE_KINDS.entryChange, added.change, signer))
    return entry
  }



  return {
    nodeId,
    doc,
    store,
    metrics: counters,
    async start() {
      if (running) return
      running = true
      for (const bytes of warrantLog?.load() ?? []) {
        const checked = checkWarrant(bytes)
        if (checked.ok) actOnWarrant(checked.warrant, false)
      }
      await transport.start({
        validate: (topic, bytes, from) => countVerdict(validate(topic, bytes, from)),
        direct: onDirect,
        peerConnected(peer) {
          if (bans.has(peer)) return transport.ban(peer)
          connected.add(peer)
          if (!syncStates.has(peer) && syncStates.size < REPLICA_PEERS_MAX) syncStates.set(peer, LedgerDoc.initSyncState())
          syncWith(peer)
        },
        peerDisconnected(peer) {
          connected.delete(peer)
          syncStates.get(peer)?.free()
          syncStates.delete(peer)
          lastRetryMs.delete(peer)
        },
        directDropped,
      })
      // A random phase keeps the nodes' sync rounds from running in lockstep.
      syncTimer = clock.setTimer(random.nextInt(syncIntervalMs) + 1, tick)
      flushTimer = clock.setTimer(flushIntervalMs, flushTick)
    },
    async stop() {
      if (!running) return
      running = false
      if (syncTimer !== undefined) clock.cancelTimer(syncTimer)
      if (flushTimer !== undefined) clock.cancelTimer(flushTimer)
      if (commitTimer !== undefined) clock.cancelTimer(commitTimer)
      if (waveTimer !== undefined) clock.cancelTimer(waveTimer)
      await transport.stop()
      for (const state of syncStates.values()) state.free()
      syncStates.clear()
      doc.flush()
      await flushing.catch(() => {})
      await store.flush()
    },
    mintGenesis(amountCoins) {
      return appendOwn(buildMint(ledger, signer, { grant: devnetGenesisGrant(signer.publicKey, amountCoins * BASE_UNITS_PER_COIN), timestamp: clock.now() }))
    },
    appendMetered(action) {
      return appendOwn(buildMetered(ledger, signer, action, { timestamp: clock.now() }))
    },
    publishOwn(entry) {
      // Not through the ledger's strict append: a test's byzantine signer may fork or cheat.
      remember(entry)
      feed([entry])
      const added = doc.canAdd(entry) ? doc.add(entry) : undefined
      const change = added?.change
      if (change !== undefined) transport.publish(TOPICS.entries, sealEnvelope(ENVELOPE_KINDS.entryChange, change, signer))
    },
    publishProbe(body) {
      transport.publish(TOPICS.probes, sealEnvelope(ENVELOPE_KINDS.probe, body, signer))
    },
    stateRootHex: () => toHex(ledger.stateRoot()),
    isBanned: (peer) => bans.has(peer),
    syncNow: syncAll,
    flush() {
      doc.flush()
      return store.flush()
    },
    status(): NodeStatusJson {
      let counted = 0
      for (const _ of ledger.entries()) counted++
      const ippc = ledger.balance(nodeId, 'IPPC')
      return {
        nodeId,
        peerId: parameters.peerId,
        listen: parameters.listen?.() ?? [],
        startedAtMs,
        nowMs: clock.now(),
        mode: ippc >= ledger.rules.cost.llm_inference.baseCost ? 'full' : 'worker',
        stateRoot: toHex(ledger.stateRoot()),
        stateRootChangedAtMs,
        entries: { counted, pending: ledger.pendingCount, applied: counters.entriesApplied, rejected: counters.entriesRejected, forks: counters.forks },
        peers: connected.size,
        banned: bans.size,
      }
    },
    peers(): PeerJson[] {
      const ids = new Set([...connected, ...trust.peers(), ...bans.keys()])
      return [...ids]
        .filter((peer) => peer !== nodeId)
        .sort()
        .map((peer) => ({ nodeId: peer, connected: connected.has(peer), trust: trust.trust(peer), banned: bans.has(peer), evidence: trust.evidence(peer) }))
    },
    balances(): BalanceJson[] {
      const byAccount = new Map<string, Record<string, string>>()
      for (const line of ledger.balances()) {
        const row = byAccount.get(line.account) ?? {}
        row[line.currency] = line.amount.toString()
        byAccount.set(line.account, row)
      }
      return [...byAccount].map(([account, balances]) => ({ account, balances }))
    },
    entries(limit): EntryJson[] {
      return recent
        .slice(-limit)
        .reverse()
        .map((entry) => ({
          id: entry.idHex,
          author: entry.authorHex,
          seq: entry.body.seq,
          timestamp: entry.body.timestamp,
          action: entry.body.action.type,
          standing: ledger.standing(entry.idHex)?.status ?? 'unknown',
          legs: entry.body.legs.map((leg) => ({ account: leg.account, currency: leg.currency, amount: leg.amount.toString() })),
          raw: Buffer.from(entry.raw).toString('base64url'),
          sig: Buffer.from(entry.sig).toString('base64url'),
        }))
    },
    bans: () => [...bans.values()].sort((a, b) => a.atMs - b.atMs || (a.nodeId < b.nodeId ? -1 : 1)),
  }
}

/**
 * Every limit of the node's replication core and of the deterministic simulation. Each decoded or
 * queued collection is bounded by one of these, and a test goes one past each.
 */

/** Timers the virtual clock holds at once; one more is refused. */
export const CLOCK_TIMERS_MAX = 100_000
/** Timers one `runUntilIdle` may fire before it decides the run never goes idle. */
export const CLOCK_RUN_TIMERS_MAX = 1_000_000

/** Nodes registered on one simulated network. */
export const NETWORK_NODES_MAX = 1_000
/** Messages in flight on the simulated network at once; one more is dropped (`queue-full`). */
export const NETWORK_IN_FLIGHT_MAX = 50_000
/** Largest message the simulated network carries; a larger one is dropped (`too-large`). */
export const NETWORK_MESSAGE_BYTES_MAX = 4 * 1024 * 1024
/** Events the simulated network keeps in its log; older ones are not kept past this. */
export const NETWORK_EVENT_LOG_MAX = 1_000_000

/**
 * Largest Automerge sync message a replica decodes; a larger one is rejected unread. A fresh node
 * catching up 10k entries receives them in one message of ~3 MB (Automerge compresses), so 16 MiB
 * leaves room for ~50k entries per round.
 */
export const SYNC_MESSAGE_BYTES_MAX = 16 * 1024 * 1024
/**
 * Largest column of a whole-document chunk once inflated. Entries' values deflate to ~24 %
 * (2,000 entries: 897,510 bytes in 217,727), so a sync message's 16 MiB holds ~150k entries and
 * ~70 MB of values; without a bound, 16 MiB of DEFLATE could inflate to 16 GB.
 */
export const DOCUMENT_COLUMN_BYTES_MAX = 128 * 1024 * 1024
/** Largest single Automerge change (one entry) accepted from the wire. */
export const LEDGER_DOC_CHANGE_BYTES_MAX = 16 * 1024
/** Entries kept while they wait for their prev; more are dropped (sync brings them again). */
export const LEDGER_DOC_WAITING_MAX = 10_000
/** Entries per author chunk of the ledger document (per TOOLCHAIN: ~1k keeps appends fast). */
export const LEDGER_DOC_CHUNK_ENTRIES = 1_000
/** Chunks the ledger document may hold, all authors together; extraction reads no more. */
export const LEDGER_DOC_CHUNKS_MAX = 100_000
/** Entries extracted from one ledger document; extraction reads no more. */
export const LEDGER_DOC_ENTRIES_MAX = 1_000_000
/** Longest encoded entry (base64url raw, a dot, base64url sig) the document may hold. */
export const LEDGER_DOC_ENCODED_ENTRY_CHARS_MAX = 8_192
/** Peers one node keeps a sync state for. */
export const REPLICA_PEERS_MAX = 256
/** Largest gossip envelope (a ledger entry's change is ~1 kB; probes are 400 B). */
export const ENVELOPE_BYTES_MAX = 64 * 1024
/** Largest warrant (a fork proof is two entries; a signed-garbage warrant is one envelope). */
export const WARRANT_BYTES_MAX = 2 * ENVELOPE_BYTES_MAX
/** First-hand strikes (sum of ban-able evidence weights) at which a peer is banned locally. */
export const TRUST_BAN_THRESHOLD = -50
/** Peers the trust manager keeps records for. */
export const TRUST_PEERS_MAX = 10_000
/** Entries remembered as learned by sync, so the first gossip copy of each is still forwarded. */
export const SYNCED_BEFORE_GOSSIP_MAX = 10_000
/** Entries kept for `GET /entries`. */
export const RECENT_ENTRIES_MAX = 1_000
/** Bans a node lists (with their warrants); past this, peers are still cut off but not listed. */
export const BANS_MAX = 10_000
/** Sync messages carrying at least this many new entries have their signatures checked off-thread. */
export const OFF_THREAD_VERIFY_MIN = 256
/** A sync message bringing at least this many new entries is passed on to every peer at once. */
export const SYNC_WAVE_MIN_ENTRIES = 8
/**
 * A sync message bringing an entry older than this is passed on to every peer too, however few it
 * brings: its peers will not get it by gossip either (written by a node cut off from everyone).
 * Not while gossip runs late (brought an entry this late in the last as many ms): old entries are
 * then gossip's backlog, on its way.
 */
export const SYNC_WAVE_ENTRY_AGE_MS = 5_000
/** A node starts at most one wave per this interval: a wave for many entries due sooner is not started; one for old entries is put off until then. */
export const SYNC_WAVE_INTERVAL_MS = 500
/**
 * How often a node runs anti-entropy with one random peer. Gossip carries the news and gossipsub
 * repairs its own losses; this round only catches what both missed, so it can be slow: with 100
 * nodes in a process, rounds every 3 s took a fifth of the main thread under load.
 */
export const SYNC_INTERVAL_MS_DEFAULT = 10_000
/** A node sends again at most this often to a peer whose transport reported its sync messages lost. */
export const SYNC_DROP_RETRY_MS = 1_000
/** A node commits new entries to its store this long after the first of them arrives (a burst shares one commit). */
export const COMMIT_DELAY_MS = 5
/**
 * How often a node's housekeeping tick runs (document flush check, state root age, a commit left
 * over). Commits have their own timer, so this is off every entry's path. 250 ms, with gossiped
 * changes reaching the document every 10 s instead of 1 s, measured no better under load (100
 * nodes, three runs of `npm run bench -- swarm`), so both stay as they were.
 */
export const FLUSH_INTERVAL_MS_DEFAULT = 50
/** Gossiped changes are applied to the Automerge document at most this often (sync applies them first). */
export const DOC_FLUSH_INTERVAL_MS = 1_000

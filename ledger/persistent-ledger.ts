/**
 * A node's ledger on disk: the in-memory {@link Ledger} rebuilt from the node's DuckDB store, with
 * the whole chain verified on open, and every change stored durably before it is acknowledged.
 *
 * Open replays the stored entries in arrival order. Each must decode to its canonical bytes with
 * its id (the store checks that), carry its author's valid signature (checked in worker threads),
 * and get from the ledger the same verdict it got when it arrived (signatures, chain links and
 * every rule). The first entry that fails stops the open with a typed error naming it; nothing is
 * dropped or repaired silently.
 */
import type { EntrySigner, SignedEntry } from './entry.ts'
import { Ledger, type AddVerdict, type ApplyOptions } from './ledger.ts'
import { createMeter, type Meter } from './meter.ts'
import { verifyEntrySignature } from './validate.ts'
import type { LedgerRules } from './rules.ts'
import {
  openLedgerStore,
  STORE_BATCH_ENTRIES_MAX,
  type LedgerStore,
  type StoredReadChunk,
  type StoredRecord,
  type StoredVerdict,
  type StoreRecord,
} from './store-duckdb.ts'
import {
  LedgerAppendRefusedError,
  LedgerStoreClosedError,
  LedgerStoredEntryInvalidError,
  LedgerStoreInvalidArgumentError,
} from './store-errors.ts'
import { createSignatureVerifierPool, defaultVerifyWorkers, VERIFY_WORKERS_MAX, VERIFY_WORKERS_MIN_ENTRIES, type SignatureVerifierPool } from './verify-workers.ts'

/** Store chunks (about 2,048 entries each) in flight between the reader, the workers and the ledger. */
const OPEN_PIPELINE_CHUNKS = 4

/** Parameters of {@link openLedger}. */
export type OpenLedgerParameters = {
  /** The node's ledger file, `identity.paths.ledgerDb`. */
  path: string
  /** The network's rules; the same rules the entries were accepted under. */
  rules: LedgerRules
  /** Create an empty ledger when the file is missing. Default true. */
  create?: boolean | undefined
  /**
   * Worker threads that check signatures on open; 0 checks them on the main thread. Default: one per
   * core (see `defaultVerifyWorkers`).
   */
  verifyWorkers?: number | undefined
  /** Passed to the store: WAL size that triggers a checkpoint (tests lower it). */
  checkpointThreshold?: string | undefined
  /** Called as open verifies, after each chunk of entries. */
  onProgress?: ((progress: OpenProgress) => void) | undefined
}

/** How far a full-chain verify on open has come. */
export type OpenProgress = { readonly verified: number; readonly total: number }

/** What open did. */
export type LedgerOpenReport = {
  /** Stored entries verified and replayed. */
  readonly entries: number
  /** Wall time of the open, verification included. */
  readonly elapsedMs: number
  /** Worker threads used for signatures (0: the main thread). */
  readonly verifyWorkers: number
}

/** The first entry of a batch the ledger would refuse, and why; or ok. */
export type AddCheck = { readonly ok: true } | { readonly ok: false; readonly index: number; readonly problem: string; readonly cause?: unknown }

/** Options of {@link PersistentLedger.checkAdd}. */
export type CheckAddOptions = ApplyOptions & {
  /**
   * Also refuse an entry that still waits for a missing entry (prev or receive source) once all
   * are in. Default true; false when more entries may follow.
   */
  readonly requireSettled?: boolean | undefined
}

/** A node's ledger, verified from disk and stored durably. */
export type PersistentLedger = {
  /** Absolute path of the ledger file. */
  readonly path: string
  /**
   * The verified in-memory ledger: balances, state root, heads, and the argument the entry
   * builders take (`buildMint(persistent.ledger, identity, …)`). Never call its `append` or `add`:
   * that would change memory without storing. Write through `append`, `stage` or `add` here.
   */
  readonly ledger: Ledger
  /** What the verify on open found. */
  readonly openReport: LedgerOpenReport
  /** Entries stored, queued or staged, in arrival order. */
  readonly storedCount: number
  /**
   * Applies this node's own entries with `Ledger.append` and stores them (with anything staged) as
   * one transaction; resolves once it is durable. The entries are in the ledger as soon as `append`
   * returns, so the next batch can be signed while this one commits. On a refused entry, rejects
   * with {@link LedgerAppendRefusedError} after storing the entries before it.
   */
  append(entries: readonly SignedEntry[], options?: ApplyOptions): Promise<void>
  /**
   * Applies one entry with `Ledger.append` now (throwing its typed error, the ledger unchanged) and
   * keeps it for the next `flush`: not durable, nor acknowledged, until then.
   */
  stage(entry: SignedEntry, options?: ApplyOptions): void
  /**
   * Adds one entry from anywhere with `Ledger.add` now and keeps it, if the ledger keeps it, for the
   * next `flush`: the replication path, which needs the verdict at once and batches durability.
   */
  admit(entry: SignedEntry, options?: ApplyOptions): AddVerdict
  /** Adds entries from anywhere with `Ledger.add`; stores every entry the ledger keeps; resolves with the verdicts once durable. */
  add(entries: readonly SignedEntry[], options?: ApplyOptions): Promise<AddVerdict[]>
  /** Says, without changing anything, whether `add` would take every entry as valid (see {@link checkEntries}). */
  checkAdd(entries: readonly SignedEntry[], options?: CheckAddOptions): AddCheck
  /**
   * A meter for `signer` whose settled entries are staged here: an action the author cannot pay
   * for is refused before it runs; `flush()` makes the settled entries durable.
   */
  createMeter(signer: EntrySigner, options?: { now?: (() => number) | undefined }): Meter
  /** Every stored (or staged) entry with its arrival verdict, in arrival order. */
  stored(): Iterable<StoredRecord>
  /** Stores everything staged as one transaction and resolves once every write so far is durable. */
  flush(): Promise<void>
  /** Folds the store's WAL into its file. */
  checkpoint(): Promise<void>
  /** Flushes, then releases the file. */
  close(): Promise<void>
}

/**
 * Opens a node's ledger: loads and verifies every stored entry, then accepts new ones.
 *
 * @example
 * const persistent = await openLedger({ path: identity.paths.ledgerDb, rules: DEVNET_RULES })
 * await persistent.append([signEntry(body, identity)], { signatureVerified: true })
 * persistent.ledger.balance(identity.nodeId, 'IPPC')
 * await persistent.close()
 */
export async function openLedger(parameters: OpenLedgerParameters): Promise<PersistentLedger> {
  const { path, rules, create, verifyWorkers = defaultVerifyWorkers(), checkpointThreshold, onProgress } = parameters
  if (!Number.isSafeInteger(verifyWorkers) || verifyWorkers < 0 || verifyWorkers > VERIFY_WORKERS_MAX)
    throw new LedgerStoreInvalidArgumentError({ argument: 'verifyWorkers', expected: `an integer from 0 to ${VERIFY_WORKERS_MAX}`, received: String(verifyWorkers) })
  const startedMs = performance.now()
  const ledger = new Ledger({ rules })
  const store = await openLedgerStore({ path, create, checkpointThreshold })
  const workers = store.entryCount >= VERIFY_WORKERS_MIN_ENTRIES ? verifyWorkers : 0
  const pool = workers > 0 ? createSignatureVerifierPool({ workers }) : undefined
  try {
    const records = await replayStore({ store, ledger, pool, onProgress })
    const report = { entries: records.length, elapsedMs: performance.now() - startedMs, verifyWorkers: workers }
    return new StoredLedger(store, ledger, records, report)
  } catch (error) {
    await store.close().catch(() => {})
    throw error
  } finally {
    await pool?.close()
  }
}

type ChunkInFlight = StoredReadChunk & { readonly signatures: Promise<Uint8Array> | undefined }

/** Reads, verifies and applies every stored entry; workers check chunk k+1 while the ledger applies chunk k. */
async function replayStore({ store, ledger, pool, onProgress }: { store: LedgerStore; ledger: Ledger; pool: SignatureVerifierPool | undefined; onProgress: OpenLedgerParameters['onProgress'] }): Promise<StoredRecord[]> {
  const total = store.entryCount
  const records: StoredRecord[] = []
  const inFlight: ChunkInFlight[] = []
  const applyOldest = async () => {
    const chunk = inFlight.shift()!
    const valid = chunk.signatures === undefined ? undefined : await chunk.signatures
    chunk.records.forEach((record, index) => {
      // Without workers the same check runs here, so both paths name a bad signature alike.
      const signatureValid = valid === undefined ? verifyEntrySignature(record.entry) : valid[index] === 1
      if (!signatureValid) throw storedEntryInvalid(store.path, record, 'its signature does not verify')
      replayRecord(store.path, ledger, record)
      records.push(record)
    })
    if (chunk.failure !== undefined) throw chunk.failure
    onProgress?.({ verified: records.length, total })
  }
  try {
    for await (const chunk of store.read()) {
      const signatures = pool === undefined || chunk.records.length === 0 ? undefined : pool.verify(chunk.records.map(({ entry }) => ({ raw: entry.raw, sig: entry.sig, author: entry.body.author })))
      // An error below abandons chunks in flight; their results must not become unhandled rejections.
      signatures?.catch(() => {})
      inFlight.push({ ...chunk, signatures })
      while (inFlight.length > OPEN_PIPELINE_CHUNKS) await applyOldest()
    }
    while (inFlight.length > 0) await applyOldest()
  } finally {
    inFlight.length = 0
  }
  if (!store.verified) throw new LedgerStoreInvalidArgumentError({ argument: 'store', expected: 'a store read to the end', received: 'a read that stopped early' })
  return records
}

/** Replays one stored entry; it must get the verdict it got when it arrived. */
function replayRecord(path: string, ledger: Ledger, record: StoredRecord): void {
  const verdict = ledger.add(record.entry, { signatureVerified: true })
  if (verdict.status === record.verdict && (verdict.status !== 'rejected' || ledger.standing(record.entry.idHex) !== undefined)) return
  const reason = verdict.status === 'rejected' ? `: ${verdict.error.shortMessage}` : ''
  throw storedEntryInvalid(path, record, `it arrived as ${record.verdict} but replays as ${verdict.status}${reason}`, verdict.status === 'rejected' ? verdict.error : undefined)
}

function storedEntryInvalid(path: string, record: StoredRecord, problem: string, cause?: unknown): LedgerStoredEntryInvalidError {
  const { entry, position } = record
  return new LedgerStoredEntryInvalidError({ path, location: { position, authorHex: entry.authorHex, seq: entry.body.seq, idHex: entry.idHex }, problem, cause })
}

class StoredLedger implements PersistentLedger {
  readonly openReport: LedgerOpenReport
  readonly ledger: Ledger
  readonly #store: LedgerStore
  readonly #records: StoredRecord[]
  /** Entries in the ledger that the next flush stores. */
  #staged: StoreRecord[] = []
  /** Set when a write failed: memory may be ahead of the disk, so nothing more is accepted. */
  #failure: unknown = undefined
  #closed = false

  constructor(store: LedgerStore, ledger: Ledger, records: StoredRecord[], openReport: LedgerOpenReport) {
    this.#store = store
    this.ledger = ledger
    this.#records = records
    this.openReport = openReport
  }

  get path(): string {
    return this.#store.path
  }

  get storedCount(): number {
    return this.#records.length
  }

  append(entries: readonly SignedEntry[], options: ApplyOptions = {}): Promise<void> {
    try {
      this.#assertWritable(entries)
    } catch (error) {
      return Promise.reject(error)
    }
    const stagedBefore = this.#staged.length
    let refusal: { index: number; error: unknown } | undefined
    for (let index = 0; index < entries.length; index++) {
      try {
        this.stage(entries[index]!, options)
      } catch (error) {
        refusal = { index, error }
        break
      }
    }
    const storedCount = this.#staged.length - stagedBefore
    const durable = this.flush()
    if (refusal === undefined) return durable
    const { index, error } = refusal
    return durable.then(() => {
      throw new LedgerAppendRefusedError({ index, storedCount, cause: error })
    })
  }

  stage(entry: SignedEntry, options: ApplyOptions = {}): void {
    this.#assertUsable()
    if (this.#staged.length >= STORE_BATCH_ENTRIES_MAX)
      throw new LedgerStoreInvalidArgumentError({ argument: 'stage()', expected: `at most ${STORE_BATCH_ENTRIES_MAX} staged entries`, received: 'one more: flush() first' })
    this.ledger.append(entry, options)
    this.#keep(entry, 'applied')
  }

  admit(entry: SignedEntry, options: ApplyOptions = {}): AddVerdict {
    // A full batch goes to the store now; its failure, if any, surfaces on the next flush.
    if (this.#staged.length >= STORE_BATCH_ENTRIES_MAX) this.flush().catch(() => {})
    this.#assertWritable([entry])
    const verdict = this.ledger.add(entry, options)
    // The ledger keeps some refused entries as evidence; the store keeps exactly what the ledger keeps.
    if (verdict.status !== 'duplicate' && this.ledger.standing(entry.idHex) !== undefined) this.#keep(entry, verdict.status)
    return verdict
  }

  async add(entries: readonly SignedEntry[], options: ApplyOptions = {}): Promise<AddVerdict[]> {
    this.#assertWritable(entries)
    const verdicts = entries.map((entry) => this.admit(entry, options))
    await this.flush()
    return verdicts
  }

  checkAdd(entries: readonly SignedEntry[], options: CheckAddOptions = {}): AddCheck {
    this.#assertUsable()
    return checkEntries({ rules: this.ledger.rules, stored: this.#records, entries, ...options })
  }

  createMeter(signer: EntrySigner, options: { now?: (() => number) | undefined } = {}): Meter {
    return createMeter({ ledger: this.ledger, signer, append: (entry) => this.stage(entry, { signatureVerified: true }), now: options.now })
  }

  stored(): Iterable<StoredRecord> {
    return this.#records.values()
  }

  flush(): Promise<void> {
    if (this.#failure !== undefined || this.#closed) return this.#store.flush()
    const records = this.#staged
    if (records.length === 0) return this.#store.flush()
    this.#staged = []
    const written = this.#store.appendBatch(records)
    written.catch((error: unknown) => {
      this.#failure ??= error
    })
    return written
  }

  checkpoint(): Promise<void> {
    return this.#store.checkpoint()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    try {
      if (this.#failure === undefined) await this.flush()
    } finally {
      this.#closed = true
      await this.#store.close()
    }
  }

  /** Records an entry the ledger now holds; its position is fixed here, its write happens at the next flush. */
  #keep(entry: SignedEntry, verdict: StoredVerdict): void {
    const record: StoredRecord = { entry, verdict, position: this.#records.length }
    this.#staged.push(record)
    this.#records.push(record)
  }

  #assertUsable(): void {
    if (this.#closed) throw new LedgerStoreClosedError({ path: this.path, reason: 'closed' })
    if (this.#failure !== undefined) throw new LedgerStoreClosedError({ path: this.path, reason: 'failed', cause: this.#failure })
  }

  #assertWritable(entries: readonly SignedEntry[]): void {
    this.#assertUsable()
    if (!Array.isArray(entries) || this.#staged.length + entries.length > STORE_BATCH_ENTRIES_MAX)
      throw new LedgerStoreInvalidArgumentError({
        argument: 'entries',
        expected: `at most ${STORE_BATCH_ENTRIES_MAX} entries per transaction (staged ones included)`,
        received: Array.isArray(entries) ? `${entries.length} entries with ${this.#staged.length} staged` : typeof entries,
      })
  }
}

/**
 * Says, without changing anything, whether `Ledger.add` would take `entries` as valid after the
 * `stored` ones: none refused by a rule (signature, chain, balance, grant, …), and, when
 * `requireSettled`, none still waiting for an entry that is neither stored nor given. Entries
 * already stored are duplicates, not errors. Import uses this to take a file whole or not at all.
 *
 * @example
 * const check = checkEntries({ rules: DEVNET_RULES, stored: [], entries })
 * if (!check.ok) console.log(`entry ${check.index}: ${check.problem}`)
 */
export function checkEntries(parameters: { rules: LedgerRules; stored: Iterable<StoreRecord>; entries: readonly SignedEntry[] } & CheckAddOptions): AddCheck {
  const { rules, stored, entries, requireSettled = true, ...options } = parameters
  const scratch = new Ledger({ rules })
  for (const { entry } of stored) scratch.add(entry, { signatureVerified: true })
  const waiting: number[] = []
  for (let index = 0; index < entries.length; index++) {
    const verdict = scratch.add(entries[index]!, options)
    if (verdict.status === 'rejected') return { ok: false, index, problem: verdict.error.shortMessage, cause: verdict.error }
    if (verdict.status === 'pending') waiting.push(index)
  }
  if (requireSettled) {
    for (const index of waiting) {
      const standing = scratch.standing(entries[index]!.idHex)
      if (standing?.status === 'pending' || standing?.status === 'held')
        return { ok: false, index, problem: `it still waits for ${standing.waitingFor ?? 'an entry'}, which is neither stored nor given` }
    }
  }
  return { ok: true }
}

export type { StoredRecord, StoredVerdict }

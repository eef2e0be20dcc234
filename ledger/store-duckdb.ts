/**
 * The ledger's storage: one DuckDB file per node (`economy/ledger.duckdb`) holding every entry the
 * node keeps, in arrival order, written in batches that are durable once their COMMIT returns.
 *
 * DuckDB runs in a storage worker thread, so encoding rows, appending them and committing never
 * take the main thread from signing and validating: batch k commits there while batch k+1 is signed
 * here. An append is acknowledged only after the worker's COMMIT returned. The stores of a process
 * share a small pool of such threads (see `STORAGE_WORKERS_MAX`), each store with its own DuckDB
 * database, connection and queue of requests there; the databases of a thread are attached to one
 * DuckDB instance (see `hostInstance`).
 *
 * Invariants are asserted on both sides of the disk. Before writing, the worker checks every record
 * against the bytes it is about to write: id = SHA-256(raw), well-formed accounts and currencies,
 * non-zero legs that balance per currency, positions and batch numbers that follow on. After
 * reading: every row decodes to exactly its canonical bytes, its id, author, seq and legs columns
 * agree with those bytes, positions are dense, no id repeats, and every batch is whole (its count
 * and its chained digest). Signatures and ledger rules are checked one level up, in
 * `persistent-ledger.ts`. (Decoding again before writing would cost the writer a third of its time;
 * the entries come from the ledger, which holds them decoded, and every open decodes them anyway.)
 *
 * This file is both the store (imported in the main thread) and the storage worker's script.
 */
import { createHash } from 'node:crypto'
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, writeFileSync, writeSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import type { DuckDBAppender, DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement, DuckDBResult, DuckDBValue } from '@duckdb/node-api'
import { ENTRY_BYTES_MAX, ENTRY_VERSION, LEG_AMOUNT_ABS_MAX, LEGS_MAX } from './constants.ts'
import { CURRENCIES, decodeSignedEntry, equalBytes, isAccount, sha256Digest, toHex, type Leg, type SignedEntry } from './entry.ts'
import {
  LedgerStoreClosedError,
  LedgerStoreCorruptError,
  LedgerStoreFormatError,
  LedgerStoreInvalidArgumentError,
  LedgerStoreLockedError,
  LedgerStoreNotFoundError,
  LedgerStoreWriteError,
  type StoredEntryLocation,
} from './store-errors.ts'
import { workerExecArgv } from './verify-workers.ts'

/** Value of `meta.format`: marks a DuckDB file as an IPPOC ledger. */
export const STORE_FORMAT_NAME = 'ippoc-ledger'
/** Version of the table layout below; a build refuses files of any other version. */
export const STORE_FORMAT_VERSION = 1
/** Most entries one batch (one transaction) may hold: an import is one batch, so it is all or nothing. */
export const STORE_BATCH_ENTRIES_MAX = 1_000_000
/** Most batches a store may hold; positions and batch numbers stay exact JavaScript integers far below it. */
export const STORE_BATCHES_MAX = 2 ** 40
/** Digest a store's first batch chains from. */
const GENESIS_BATCH_DIGEST = new Uint8Array(32)
const WORKER_ROLE = 'ippoc-ledger-store'
/**
 * The commit log, `ledger.duckdb.commits`: after each COMMIT returns, the writer appends the batch
 * (number, first position, count, digest) there, before acknowledging it. Written after DuckDB's
 * fsync, it never runs ahead of the database, so the database must hold every batch it lists.
 */
const COMMIT_LOG_SUFFIX = '.commits'
const COMMIT_LOG_HEADER = new TextEncoder().encode('ippoc-commits-v1')
/** A record: batch u64 · first position u64 · count u64 · digest (32) · first 8 bytes of SHA-256 of the 56 before. */
const COMMIT_RECORD_BYTES = 64

/**
 * How the ledger took an entry in when it arrived (the status of its `add` verdict); replaying the
 * store in order must give it again. `rejected` rows are validly signed entries the ledger keeps as
 * evidence although they never count (for example an author's entries after a fork).
 */
export const STORED_VERDICTS = ['applied', 'pending', 'fork', 'rejected'] as const
export type StoredVerdict = (typeof STORED_VERDICTS)[number]

/** One entry to store and how the ledger took it in. */
export type StoreRecord = { readonly entry: SignedEntry; readonly verdict: StoredVerdict }

/** One stored entry, decoded and checked against its row. */
export type StoredRecord = StoreRecord & {
  /** Arrival position: 0, 1, 2, … with no gaps. */
  readonly position: number
}

/**
 * One chunk of a store read: the checked records in position order and, if a row failed a check,
 * the error for the row right after the last record (the read stops there).
 */
export type StoredReadChunk = { readonly records: readonly StoredRecord[]; readonly failure?: LedgerStoreCorruptError | undefined }

/** Parameters of {@link openLedgerStore}. */
export type OpenLedgerStoreParameters = {
  /** Path of the DuckDB file, usually `<node>/economy/ledger.duckdb`. */
  path: string
  /** Create the file (and its folder, mode 0700) when missing. Default true. */
  create?: boolean | undefined
  /**
   * WAL size that triggers an automatic checkpoint, e.g. '16MiB' (DuckDB's default). Tests lower it
   * so that crashes land in checkpoints too.
   */
  checkpointThreshold?: string | undefined
}

/** The open store of one node's ledger. */
export type LedgerStore = {
  /** Absolute path of the DuckDB file. */
  readonly path: string
  /** Entries stored or queued for storage. */
  readonly entryCount: number
  /** True once every stored row has been read and checked (or the store was empty): only then can it be written. */
  readonly verified: boolean
  /** Reads and checks every stored row, in position order. */
  read(): AsyncGenerator<StoredReadChunk, void, undefined>
  /** Stores records as one transaction; resolves once COMMIT has returned (durable), rejects if it failed. */
  appendBatch(records: readonly StoreRecord[]): Promise<void>
  /** Waits for every queued batch; rejects if any failed. */
  flush(): Promise<void>
  /** Folds the WAL into the database file. */
  checkpoint(): Promise<void>
  /** Waits for queued batches, then closes the file and releases the lock. */
  close(): Promise<void>
}

const SCHEMA_SQL = `
CREATE TABLE meta (
  key VARCHAR PRIMARY KEY,
  value VARCHAR NOT NULL
);
-- One row per committed transaction. The digest chains every id of the store, so a torn, missing
-- or reordered batch is caught on read even where each row looks fine on its own.
CREATE TABLE batches (
  batch BIGINT PRIMARY KEY CHECK (batch >= 0),
  first_position BIGINT NOT NULL CHECK (first_position >= 0),
  entry_count INTEGER NOT NULL CHECK (entry_count > 0),
  digest BLOB NOT NULL CHECK (octet_length(digest) = 32),
  committed_at_ms BIGINT NOT NULL
);
-- No index on entries or legs: the in-memory ledger answers lookups, and an index costs a third
-- of the append rate. Uniqueness and density of positions and ids are checked on every read.
CREATE TABLE entries (
  position BIGINT NOT NULL CHECK (position >= 0),
  batch BIGINT NOT NULL,
  author BLOB NOT NULL CHECK (octet_length(author) = 32),
  seq BIGINT NOT NULL CHECK (seq >= 0),
  id BLOB NOT NULL CHECK (octet_length(id) = 32),
  raw BLOB NOT NULL,
  sig BLOB NOT NULL CHECK (octet_length(sig) = 64),
  verdict VARCHAR NOT NULL CHECK (verdict IN ('applied', 'pending', 'fork', 'rejected'))
);
-- A readable, queryable copy of each entry's legs; raw stays the source of truth and every read
-- checks that the two agree. HUGEINT keeps amounts exact (DECIMAL comes back as a float).
CREATE TABLE legs (
  position BIGINT NOT NULL,
  leg_index UTINYINT NOT NULL,
  account VARCHAR NOT NULL,
  currency VARCHAR NOT NULL,
  amount HUGEINT NOT NULL CHECK (amount <> 0)
);
`

const SELECT_ROWS_SQL = `
SELECT e.position, e.batch, e.seq, e.verdict, e.author, e.id, e.raw, e.sig, coalesce(l.legs, '') AS legs
FROM entries e
LEFT JOIN (
  SELECT position, string_agg(concat(leg_index, ' ', account, ' ', currency, ' ', amount), ';' ORDER BY leg_index) AS legs
  FROM legs GROUP BY position
) l ON l.position = e.position
ORDER BY e.position
`

const SUMMARY_SQL = `
SELECT
  (SELECT count(*) FROM entries) AS entries,
  (SELECT count(*) FROM legs) AS legs,
  (SELECT count(*) FROM legs WHERE position NOT IN (SELECT position FROM entries)) AS orphan_legs
`

/** Files open in this process: DuckDB's file lock is per process, so a second open here must be refused by us. */
const openInThisProcess = new Set<string>()

type Batch = { batch: number; firstPosition: number; entryCount: number; digest: Uint8Array }

// ---------------------------------------------------------------------------------------------
// Messages between the store (main thread) and its worker.

/** What the worker found on open: the raw facts; the main thread judges them. */
type OpenReply = {
  tables: string[]
  meta: [string, string][]
  batches: [unknown, unknown, unknown, Uint8Array | undefined][]
  empty: boolean
  created: boolean
  /** The last batch the commit log says was acknowledged. */
  acknowledged: Batch | undefined
}
/** A chunk of rows, packed (see {@link packRows}), or the end of the read with the table counts. */
type ReadReply = { buffer: ArrayBuffer; count: number } | { done: true; entries: number; legs: number; orphanLegs: number }
type StoreRequest =
  | { type: 'open'; path: string; checkpointThreshold: string | undefined }
  | { type: 'readStart' }
  | { type: 'readNext' }
  | { type: 'append'; batch: number; firstPosition: number; count: number; buffer: ArrayBuffer }
  | { type: 'checkpoint' }
  | { type: 'close'; checkpoint: boolean }
/** A failure in the worker: a DuckDB error (mapped to a typed error here) or a broken write invariant. */
type WorkerFailure = { kind: 'duckdb' | 'invariant'; message: string }

const VERDICT_CODES: Record<StoredVerdict, number> = { applied: 0, pending: 1, fork: 2, rejected: 3 }
const NULL_LENGTH = 0xffff_ffff

/**
 * Opens (or creates) a node's ledger store and takes the file lock.
 *
 * @example
 * const store = await openLedgerStore({ path: identity.paths.ledgerDb })
 * for await (const { records, failure } of store.read()) { … }
 * await store.appendBatch([{ entry, verdict: 'applied' }])
 * await store.close()
 */
export async function openLedgerStore(parameters: OpenLedgerStoreParameters): Promise<LedgerStore> {
  const { path: givenPath, create = true, checkpointThreshold } = parameters
  if (typeof givenPath !== 'string' || givenPath.length === 0 || givenPath.includes('\0'))
    throw new LedgerStoreInvalidArgumentError({ argument: 'path', expected: 'a non-empty file path', received: describe(givenPath) })
  if (checkpointThreshold !== undefined && !/^\d+(\.\d+)?\s*[KMG]i?B$/.test(checkpointThreshold))
    throw new LedgerStoreInvalidArgumentError({ argument: 'checkpointThreshold', expected: "a size such as '16MiB'", received: describe(checkpointThreshold) })
  const path = resolve(givenPath)
  if (!existsSync(path)) {
    if (!create) throw new LedgerStoreNotFoundError({ path })
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  }
  const lockKey = join(realpathSync(dirname(path)), basename(path))
  if (openInThisProcess.has(lockKey)) throw new LedgerStoreLockedError({ path, holder: `this process (PID ${process.pid}), which already has it open` })
  openInThisProcess.add(lockKey)
  const worker = new StoreChannel(path)
  try {
    const reply = (await worker.request({ type: 'open', path, checkpointThreshold })) as OpenReply
    checkFormat(path, reply)
    const batches = checkBatches(path, reply.batches)
    checkAcknowledged(path, batches, reply.acknowledged)
    return new WorkerLedgerStore(path, lockKey, worker, batches, reply.empty)
  } catch (error) {
    await worker.closeDatabaseAndRelease({ checkpoint: false })
    openInThisProcess.delete(lockKey)
    throw error
  }
}

function checkFormat(path: string, { tables, meta: metaRows }: OpenReply): void {
  for (const table of ['meta', 'batches', 'entries', 'legs'])
    if (!tables.includes(table)) throw new LedgerStoreFormatError({ path, problem: `table "${table}" is missing (tables: ${tables.join(', ')})` })
  const meta = new Map(metaRows)
  if (meta.get('format') !== STORE_FORMAT_NAME) throw new LedgerStoreFormatError({ path, problem: `meta.format is ${JSON.stringify(meta.get('format'))}, expected "${STORE_FORMAT_NAME}"` })
  if (meta.get('format_version') !== String(STORE_FORMAT_VERSION))
    throw new LedgerStoreFormatError({ path, problem: `format version ${meta.get('format_version')}; this build reads ${STORE_FORMAT_VERSION}` })
  if (meta.get('entry_version') !== String(ENTRY_VERSION))
    throw new LedgerStoreFormatError({ path, problem: `entry version ${meta.get('entry_version')}; this build reads ${ENTRY_VERSION}` })
}

function checkBatches(path: string, rows: OpenReply['batches']): Batch[] {
  let nextPosition = 0
  return rows.map((row, index) => {
    const [batch, firstPosition, entryCount] = row.slice(0, 3).map(toSafeInteger)
    const digest = row[3]
    if (batch !== index || firstPosition !== nextPosition || entryCount === undefined || entryCount < 1 || digest?.length !== 32 || batch > STORE_BATCHES_MAX)
      throw new LedgerStoreCorruptError({
        path,
        problem: `batch table row ${index} is [${row.map((value) => (value instanceof Uint8Array ? `blob(${value.length})` : String(value))).join(', ')}]; batches must be numbered 0, 1, 2, …, each starting where the one before ended, with a count and a 32-byte digest`,
      })
    nextPosition = firstPosition + entryCount
    return { batch, firstPosition, entryCount, digest }
  })
}

/**
 * The database must hold every batch the commit log says was acknowledged. DuckDB treats a cut
 * or damaged end of its WAL as a torn write and opens without it; this is what notices that
 * acknowledged entries went with it.
 */
function checkAcknowledged(path: string, batches: readonly Batch[], acknowledged: Batch | undefined): void {
  if (acknowledged === undefined) return
  const stored = batches[acknowledged.batch]
  if (stored !== undefined && stored.firstPosition === acknowledged.firstPosition && stored.entryCount === acknowledged.entryCount && equalBytes(stored.digest, acknowledged.digest)) return
  const lastPosition = acknowledged.firstPosition + acknowledged.entryCount - 1
  const storedCount = batches.length === 0 ? 0 : batches.at(-1)!.firstPosition + batches.at(-1)!.entryCount
  throw new LedgerStoreCorruptError({
    path,
    location: { position: Math.min(storedCount, acknowledged.firstPosition) },
    problem:
      stored === undefined
        ? `batch ${acknowledged.batch} (positions up to ${lastPosition}) was acknowledged as durable, but the database ends at batch ${batches.length - 1} (${storedCount} entries): committed entries are missing (a cut or damaged ${basename(path)}.wal? If you removed the ledger on purpose, remove ${basename(commitLogPath(path))} with it)`
        : `batch ${acknowledged.batch} differs from the one acknowledged as durable (${commitLogPath(path)})`,
  })
}

/** The commit log beside a ledger file. */
function commitLogPath(path: string): string {
  return `${path}${COMMIT_LOG_SUFFIX}`
}

/** Turns DuckDB's errors about the file into typed ones. */
function mapDuckDBError(message: string, path: string, cause: unknown): Error {
  if (message.includes('Could not set lock on file')) {
    const holder = /Conflicting lock is held in (.+?) \(PID (\d+)\)/.exec(message)
    return new LedgerStoreLockedError({ path, holder: holder ? `PID ${holder[2]} (${holder[1]})` : undefined, cause })
  }
  if (/corrupt|checksum|not a valid DuckDB database|INTERNAL Error|Serialization Error/i.test(message))
    return new LedgerStoreCorruptError({ path, problem: `DuckDB cannot read the file: ${message.split('\n')[0]}`, cause })
  return Object.assign(new Error(message), { cause })
}

/**
 * Most storage worker threads in one process. Each hosts many stores, attached to one DuckDB
 * instance: a thread with the code it loads costs ~20 MB, and one process may run a hundred nodes
 * (the swarm benchmark), so threads are shared rather than one per store.
 */
export const STORAGE_WORKERS_MAX = 1
/**
 * How long a worker left without stores waits for the next open before it stops: starting one,
 * DuckDB included, takes a few hundred ms. Neither it nor its timer holds the process open.
 */
const STORAGE_WORKER_LINGER_MS = 1_000

/** The storage workers running in this process, each hosting zero or more open stores. */
const storageWorkers: StorageWorker[] = []
let nextStoreId = 0

/**
 * Storage worker threads running in this process (at most {@link STORAGE_WORKERS_MAX}).
 *
 * @example
 * const stores = await Promise.all(paths.map((path) => openLedgerStore({ path })))
 * storageWorkerCount() // 1
 */
export function storageWorkerCount(): number {
  return storageWorkers.length
}

/** The least loaded worker, or a new one while the pool is below its size and every worker hosts a store. */
function storageWorkerForNewStore(): StorageWorker {
  let chosen: StorageWorker | undefined
  for (const worker of storageWorkers) if (chosen === undefined || worker.storeCount < chosen.storeCount) chosen = worker
  if (chosen === undefined || (chosen.storeCount > 0 && storageWorkers.length < STORAGE_WORKERS_MAX)) {
    chosen = new StorageWorker()
    storageWorkers.push(chosen)
  }
  return chosen
}

/** A request to a worker: the store it is for and the request itself. */
type StoreMessage = { id: number; store: number; message: StoreRequest }
type PendingRequest = { path: string; resolve: (reply: unknown) => void; reject: (error: unknown) => void }

/** The main thread's end of one storage worker thread, shared by the stores it hosts. */
class StorageWorker {
  readonly #worker: Worker
  readonly #pending = new Map<number, PendingRequest>()
  readonly #stores = new Set<number>()
  #nextRequest = 0
  #failure: Error | undefined
  #linger: ReturnType<typeof setTimeout> | undefined

  constructor() {
    this.#worker = new Worker(new URL(import.meta.url), { workerData: { role: WORKER_ROLE }, execArgv: workerExecArgv() })
    this.#worker.on('message', ({ id, reply, failure }: { id: number; reply?: unknown; failure?: WorkerFailure }) => {
      const pending = this.#pending.get(id)
      if (pending === undefined) return
      this.#pending.delete(id)
      if (this.#pending.size === 0) this.#worker.unref()
      if (failure === undefined) pending.resolve(reply)
      else if (failure.kind === 'duckdb') pending.reject(mapDuckDBError(failure.message, pending.path, new Error(failure.message)))
      else pending.reject(new LedgerStoreInvalidArgumentError({ argument: 'records', expected: 'entries whose id is SHA-256(raw) and whose legs balance', received: failure.message }))
    })
    this.#worker.on('error', (error) => this.#fail(error))
    this.#worker.on('exit', (code) => this.#fail(new Error(`the ledger storage worker exited with code ${code}`)))
    // An idle worker must not keep the process alive; one with requests in flight is ref'd again.
    this.#worker.unref()
  }

  get storeCount(): number {
    return this.#stores.size
  }

  attach(store: number): void {
    this.#stores.add(store)
    clearTimeout(this.#linger)
    this.#linger = undefined
  }

  /** Forgets a closed store; a worker left with none stops unless an open comes soon. */
  detach(store: number): void {
    this.#stores.delete(store)
    if (this.#stores.size > 0 || this.#failure !== undefined) return
    this.#linger = setTimeout(() => this.#stop(), STORAGE_WORKER_LINGER_MS)
    this.#linger.unref()
  }

  request(store: number, path: string, message: StoreRequest, transfer: ArrayBuffer[]): Promise<unknown> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    const id = this.#nextRequest++
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref()
      this.#pending.set(id, { path, resolve, reject })
      this.#worker.postMessage({ id, store, message } satisfies StoreMessage, transfer)
    })
  }

  /** A crashed worker fails every pending call of every store it hosts, and takes no more. */
  #fail(error: Error): void {
    this.#failure ??= error
    this.#leavePool()
    for (const pending of this.#pending.values()) pending.reject(error)
    this.#pending.clear()
  }

  #stop(): void {
    this.#failure ??= new Error('the ledger storage worker stopped: it had no store left')
    this.#leavePool()
    void this.#worker.terminate()
  }

  #leavePool(): void {
    const index = storageWorkers.indexOf(this)
    if (index >= 0) storageWorkers.splice(index, 1)
  }
}

/** One store's end of the worker hosting it: every request carries the store's id. */
class StoreChannel {
  readonly #store = nextStoreId++
  readonly #path: string
  readonly #worker: StorageWorker

  constructor(path: string) {
    this.#path = path
    this.#worker = storageWorkerForNewStore()
    this.#worker.attach(this.#store)
  }

  request(message: StoreRequest, transfer: ArrayBuffer[] = []): Promise<unknown> {
    return this.#worker.request(this.#store, this.#path, message, transfer)
  }

  /**
   * Closes the store's database (the worker closes it even when the checkpoint fails) and lets the
   * worker forget the store. Without `checkpoint` the files are left exactly as they were found (a
   * refused open changes nothing).
   */
  async closeDatabaseAndRelease({ checkpoint }: { checkpoint: boolean }): Promise<void> {
    await this.request({ type: 'close', checkpoint }).catch(() => {})
    this.#worker.detach(this.#store)
  }
}

class WorkerLedgerStore implements LedgerStore {
  readonly path: string
  readonly #lockKey: string
  readonly #worker: StoreChannel
  readonly #batches: Batch[]
  #verified: boolean
  /** Ids of every stored or queued entry (filled by the first full read). */
  readonly #ids = new Set<string>()
  #nextPosition = 0
  /** The chain of queued writes: each batch commits after the one before it. */
  #tail: Promise<void> = Promise.resolve()
  #failure: unknown = undefined
  #closed = false
  #reading = false

  constructor(path: string, lockKey: string, worker: StoreChannel, batches: Batch[], empty: boolean) {
    this.path = path
    this.#lockKey = lockKey
    this.#worker = worker
    this.#batches = batches
    this.#verified = empty
    const last = batches.at(-1)
    if (last !== undefined) this.#nextPosition = last.firstPosition + last.entryCount
  }

  get entryCount(): number {
    return this.#nextPosition
  }

  get verified(): boolean {
    return this.#verified
  }

  async *read(): AsyncGenerator<StoredReadChunk, void, undefined> {
    this.#assertUsable()
    if (this.#reading) throw new LedgerStoreInvalidArgumentError({ argument: 'read()', expected: 'one read at a time', received: 'a second read' })
    this.#reading = true
    try {
      await this.#tail
      const checker = new StoredRowChecker(this.path, this.#batches)
      await this.#worker.request({ type: 'readStart' })
      // One chunk ahead: the worker reads and packs chunk k+1 while this thread checks chunk k.
      const requestNext = () => {
        const reply = this.#worker.request({ type: 'readNext' }) as Promise<ReadReply>
        // A reader that stops early leaves the prefetch unanswered; it must not become an unhandled rejection.
        reply.catch(() => {})
        return reply
      }
      let next = requestNext()
      for (;;) {
        const reply = await next
        if ('done' in reply) {
          const failure = checker.finish(reply)
          if (failure !== undefined) yield { records: [], failure }
          else if (!this.#verified) {
            // The batch table, trusted for positions since open, has now been checked row by row.
            for (const id of checker.ids) this.#ids.add(id)
            this.#verified = true
          }
          return
        }
        next = requestNext()
        const chunk = checker.checkRows(unpackRows(reply.buffer, reply.count))
        yield chunk
        if (chunk.failure !== undefined) return
      }
    } finally {
      this.#reading = false
    }
  }

  appendBatch(records: readonly StoreRecord[]): Promise<void> {
    let prepared: { batch: number; firstPosition: number; buffer: ArrayBuffer; count: number }
    try {
      this.#assertUsable()
      if (!this.#verified)
        throw new LedgerStoreInvalidArgumentError({ argument: 'store', expected: 'a store whose rows were all read and checked (read() to the end)', received: 'an unverified store' })
      if (this.#reading) throw new LedgerStoreInvalidArgumentError({ argument: 'appendBatch()', expected: 'no read in progress', received: 'a write during read()' })
      if (!Array.isArray(records) || records.length === 0 || records.length > STORE_BATCH_ENTRIES_MAX)
        throw new LedgerStoreInvalidArgumentError({ argument: 'records', expected: `an array of 1 to ${STORE_BATCH_ENTRIES_MAX} records`, received: describe(records) })
      prepared = this.#prepare(records)
    } catch (error) {
      return Promise.reject(error)
    }
    // Posted at once: the worker takes requests strictly in order, so batch k+1 waits there (not
    // here) for batch k's COMMIT, and this thread goes on signing.
    const write = this.#worker.request({ type: 'append', ...prepared }, [prepared.buffer]).then(
      (reply) => {
        this.#batches[prepared.batch]!.digest = (reply as { digest: Uint8Array }).digest
      },
      (error: unknown) => {
        const first = this.#failure === undefined
        this.#failure ??= error
        if (!first) throw new LedgerStoreClosedError({ path: this.path, reason: 'failed', cause: this.#failure })
        throw error instanceof LedgerStoreInvalidArgumentError ? error : new LedgerStoreWriteError({ path: this.path, cause: error })
      },
    )
    this.#tail = Promise.all([this.#tail, write]).then(
      () => {},
      () => {},
    )
    return write
  }

  /** Checks the records and assigns positions and the batch number, synchronously, in call order. */
  #prepare(records: readonly StoreRecord[]): { batch: number; firstPosition: number; buffer: ArrayBuffer; count: number } {
    const idsInBatch = new Set<string>()
    records.forEach((record, index) => {
      assertRecordWritable(record, index)
      if (this.#ids.has(record.entry.idHex) || idsInBatch.has(record.entry.idHex))
        throw new LedgerStoreInvalidArgumentError({ argument: `records[${index}]`, expected: 'an entry not stored yet', received: `entry ${record.entry.idHex}, which is already stored` })
      idsInBatch.add(record.entry.idHex)
    })
    const batch = this.#batches.length
    const firstPosition = this.#nextPosition
    for (const id of idsInBatch) this.#ids.add(id)
    this.#nextPosition += records.length
    // The digest is the worker's to compute (it chains batches in commit order); filled in on commit.
    this.#batches.push({ batch, firstPosition, entryCount: records.length, digest: GENESIS_BATCH_DIGEST })
    return { batch, firstPosition, buffer: packRecords(records), count: records.length }
  }

  flush(): Promise<void> {
    return this.#tail.then(() => {
      if (this.#failure !== undefined) throw new LedgerStoreClosedError({ path: this.path, reason: 'failed', cause: this.#failure })
    })
  }

  checkpoint(): Promise<void> {
    try {
      this.#assertUsable()
    } catch (error) {
      return Promise.reject(error)
    }
    // Queued behind the batches already posted: the worker takes requests in order.
    const run = this.#worker.request({ type: 'checkpoint' }).then(
      () => {},
      (error: unknown) => {
        throw this.#failure === undefined ? error : new LedgerStoreClosedError({ path: this.path, reason: 'failed', cause: this.#failure })
      },
    )
    this.#tail = Promise.all([this.#tail, run]).then(
      () => {},
      () => {},
    )
    return run
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#tail
    try {
      // Only a store that was read and checked whole folds its WAL into the file on the way out.
      await this.#worker.closeDatabaseAndRelease({ checkpoint: this.#verified && this.#failure === undefined })
    } finally {
      openInThisProcess.delete(this.#lockKey)
    }
  }

  #assertUsable(): void {
    if (this.#closed) throw new LedgerStoreClosedError({ path: this.path, reason: 'closed' })
    if (this.#failure !== undefined) throw new LedgerStoreClosedError({ path: this.path, reason: 'failed', cause: this.#failure })
  }
}

/** The checks of a record the main thread makes before handing it to the worker (which checks its bytes). */
function assertRecordWritable({ entry, verdict }: StoreRecord, index: number): void {
  const fail = (expected: string, received: string): never => {
    throw new LedgerStoreInvalidArgumentError({ argument: `records[${index}]`, expected, received })
  }
  if (!(STORED_VERDICTS as readonly string[]).includes(verdict)) fail(`a verdict of ${STORED_VERDICTS.join(', ')}`, describe(verdict))
  if (!(entry?.raw instanceof Uint8Array) || entry.raw.length === 0 || entry.raw.length > ENTRY_BYTES_MAX) fail(`raw of 1 to ${ENTRY_BYTES_MAX} bytes`, describe(entry?.raw))
  if (!(entry.sig instanceof Uint8Array) || entry.sig.length !== 64) fail('a 64-byte signature', describe(entry.sig))
  if (!(entry.id instanceof Uint8Array) || entry.id.length !== 32) fail('a 32-byte id', describe(entry.id))
  if (!(entry.body?.author instanceof Uint8Array) || entry.body.author.length !== 32) fail('a 32-byte author', describe(entry.body?.author))
  if (!Array.isArray(entry.body.legs) || entry.body.legs.length > LEGS_MAX) fail(`at most ${LEGS_MAX} legs`, describe(entry.body.legs))
  // What packing needs; the worker checks the rest of each leg (account, currency, amount range).
  for (const leg of entry.body.legs)
    if (typeof leg.account !== 'string' || leg.account.length > ACCOUNT_CHARS_MAX || typeof leg.amount !== 'bigint' || !(CURRENCIES as readonly string[]).includes(leg.currency))
      fail(`legs of an account of at most ${ACCOUNT_CHARS_MAX} characters, a known currency and a bigint amount`, `${String(leg.account)} ${String(leg.currency)} ${String(leg.amount)}`)
}

/** Longest account name a leg may carry (a node account is 64 hex characters). */
const ACCOUNT_CHARS_MAX = 64

/** The string the legs query builds for an entry; equal strings mean the legs table matches raw. */
export function legsFingerprint(entry: SignedEntry): string {
  return entry.body.legs.map((leg, index) => `${index} ${leg.account} ${leg.currency} ${leg.amount}`).join(';')
}

// ---------------------------------------------------------------------------------------------
// Packing: records go to the worker, rows come back, each batch as one transferable buffer.

/** A record as the worker writes it. */
type PackedRecord = { verdict: StoredVerdict; id: Uint8Array; sig: Uint8Array; author: Uint8Array; seq: number; raw: Uint8Array; legs: Leg[] }

const RECORD_HEADER_BYTES = 1 + 32 + 64 + 32 + 8 + 2

/**
 * Packs records as `u8 verdict · id(32) · sig(64) · author(32) · f64 seq · u16 rawLength · raw ·
 * u8 legCount · legCount × (u8 accountLength · account (ASCII) · u8 currency · i64 amount)`.
 */
function packRecords(records: readonly StoreRecord[]): ArrayBuffer {
  let total = 0
  for (const { entry } of records) {
    total += RECORD_HEADER_BYTES + entry.raw.length + 1
    for (const leg of entry.body.legs) total += 1 + leg.account.length + 1 + 8
  }
  const buffer = new ArrayBuffer(total)
  const bytes = Buffer.from(buffer)
  const view = new DataView(buffer)
  let offset = 0
  for (const { entry, verdict } of records) {
    bytes[offset] = VERDICT_CODES[verdict]
    bytes.set(entry.id, offset + 1)
    bytes.set(entry.sig, offset + 33)
    bytes.set(entry.body.author, offset + 97)
    view.setFloat64(offset + 129, entry.body.seq)
    view.setUint16(offset + 137, entry.raw.length)
    bytes.set(entry.raw, offset + RECORD_HEADER_BYTES)
    offset += RECORD_HEADER_BYTES + entry.raw.length
    bytes[offset++] = entry.body.legs.length
    for (const leg of entry.body.legs) {
      bytes[offset++] = leg.account.length
      offset += bytes.write(leg.account, offset, 'latin1')
      bytes[offset++] = CURRENCIES.indexOf(leg.currency)
      view.setBigInt64(offset, leg.amount)
      offset += 8
    }
  }
  return buffer
}

function unpackRecords(buffer: ArrayBuffer, count: number): PackedRecord[] {
  const bytes = Buffer.from(buffer)
  const view = new DataView(buffer)
  const records: PackedRecord[] = []
  let offset = 0
  for (let index = 0; index < count; index++) {
    const rawLength = view.getUint16(offset + 137)
    const record = {
      verdict: STORED_VERDICTS[bytes[offset]!]!,
      id: new Uint8Array(buffer, offset + 1, 32),
      sig: new Uint8Array(buffer, offset + 33, 64),
      author: new Uint8Array(buffer, offset + 97, 32),
      seq: view.getFloat64(offset + 129),
      raw: new Uint8Array(buffer, offset + RECORD_HEADER_BYTES, rawLength),
      legs: [] as Leg[],
    }
    offset += RECORD_HEADER_BYTES + rawLength
    const legCount = bytes[offset++]!
    for (let leg = 0; leg < legCount; leg++) {
      const accountLength = bytes[offset++]!
      const account = bytes.toString('latin1', offset, offset + accountLength)
      offset += accountLength
      const currency = CURRENCIES[bytes[offset++]!]!
      record.legs.push({ account, currency, amount: view.getBigInt64(offset) })
      offset += 8
    }
    records.push(record)
  }
  return records
}

/** A stored row as the checker sees it; `undefined` where the column was NULL or of the wrong type. */
type RowValues = {
  position: number | undefined
  batch: number | undefined
  seq: number | undefined
  verdict: string | undefined
  author: Uint8Array | undefined
  id: Uint8Array | undefined
  raw: Uint8Array | undefined
  sig: Uint8Array | undefined
  legs: string | undefined
}

const NUMBER_COLUMNS = 3
const UNKNOWN_VERDICT = 255

/** Packs DuckDB columns (SELECT_ROWS_SQL) as `f64 position, batch, seq · u8 verdict · 5 × (u32 length · bytes)` per row. */
function packRows(columns: readonly DuckDBValue[][]): { buffer: ArrayBuffer; count: number } {
  const count = columns[0]?.length ?? 0
  const encoder = new TextEncoder()
  const fields: (Uint8Array | undefined)[][] = []
  let total = 0
  for (let row = 0; row < count; row++) {
    const legs = columns[8]![row]
    const rowFields = [4, 5, 6, 7].map((column) => blobBytes(columns[column]![row])).concat(typeof legs === 'string' ? encoder.encode(legs) : undefined)
    fields.push(rowFields)
    total += NUMBER_COLUMNS * 8 + 1 + rowFields.reduce((sum, field) => sum + 4 + (field?.length ?? 0), 0)
  }
  const buffer = new ArrayBuffer(total)
  const view = new DataView(buffer)
  const bytes = new Uint8Array(buffer)
  let offset = 0
  for (let row = 0; row < count; row++) {
    for (let column = 0; column < NUMBER_COLUMNS; column++) {
      view.setFloat64(offset, toSafeInteger(columns[column]![row]) ?? Number.NaN)
      offset += 8
    }
    const verdict = columns[3]![row]
    view.setUint8(offset++, typeof verdict === 'string' && verdict in VERDICT_CODES ? VERDICT_CODES[verdict as StoredVerdict] : UNKNOWN_VERDICT)
    for (const field of fields[row]!) {
      view.setUint32(offset, field === undefined ? NULL_LENGTH : field.length)
      offset += 4
      if (field !== undefined) {
        bytes.set(field, offset)
        offset += field.length
      }
    }
  }
  return { buffer, count }
}

function unpackRows(buffer: ArrayBuffer, count: number): RowValues[] {
  const view = new DataView(buffer)
  const bytes = new Uint8Array(buffer)
  const decoder = new TextDecoder()
  const rows: RowValues[] = []
  let offset = 0
  const number = () => {
    const value = view.getFloat64(offset)
    offset += 8
    return Number.isNaN(value) ? undefined : value
  }
  const field = () => {
    const length = view.getUint32(offset)
    offset += 4
    if (length === NULL_LENGTH) return undefined
    offset += length
    return bytes.subarray(offset - length, offset)
  }
  for (let index = 0; index < count; index++) {
    const position = number(), batch = number(), seq = number()
    const verdictCode = view.getUint8(offset++)
    const author = field(), id = field(), raw = field(), sig = field(), legs = field()
    rows.push({ position, batch, seq, verdict: STORED_VERDICTS[verdictCode], author, id, raw, sig, legs: legs === undefined ? undefined : decoder.decode(legs) })
  }
  return rows
}

// ---------------------------------------------------------------------------------------------
// Checks after reading.

/** Checks rows in position order against their bytes, their batch and the rows before them. */
class StoredRowChecker {
  readonly ids = new Set<string>()
  entryCount = 0
  legCount = 0
  readonly #path: string
  readonly #batches: readonly Batch[]
  #batchIndex = 0
  #digest = createHash('sha256').update(GENESIS_BATCH_DIGEST)

  constructor(path: string, batches: readonly Batch[]) {
    this.#path = path
    this.#batches = batches
  }

  /** Checks rows in order; stops at the first bad one. */
  checkRows(rows: readonly RowValues[]): StoredReadChunk {
    const records: StoredRecord[] = []
    for (const row of rows) {
      const result = this.#checkRow(row)
      if (result instanceof LedgerStoreCorruptError) return { records, failure: result }
      records.push(result)
    }
    return { records }
  }

  #checkRow(row: RowValues): StoredRecord | LedgerStoreCorruptError {
    const position = this.entryCount
    const corrupt = (problem: string, cause?: unknown): LedgerStoreCorruptError => {
      const location: StoredEntryLocation = { position, seq: row.seq }
      if (row.author?.length === 32) location.authorHex = toHex(row.author)
      if (row.id?.length === 32) location.idHex = toHex(row.id)
      return new LedgerStoreCorruptError({ path: this.#path, location, problem, cause })
    }
    if (row.position !== position) return corrupt(`expected the row at position ${position}, found position ${String(row.position)} (a row is missing, repeated or out of place)`)
    const { author, id, raw, sig } = row
    if (author === undefined || id === undefined || raw === undefined || sig === undefined) return corrupt('a blob column is NULL')
    const batch = this.#batches[this.#batchIndex]
    if (batch === undefined || row.batch !== batch.batch || position < batch.firstPosition)
      return corrupt(`the row says batch ${String(row.batch)}, the batch table expects batch ${batch?.batch ?? 'none'} at this position`)
    let entry: SignedEntry
    try {
      entry = decodeSignedEntry(raw, sig)
    } catch (error) {
      return corrupt(`raw does not decode: ${(error as Error).message.split('\n')[0]}`, error)
    }
    if (!equalBytes(entry.id, id)) return corrupt(`id is not SHA-256(raw), which is ${entry.idHex}`)
    if (!equalBytes(entry.body.author, author)) return corrupt(`the author column differs from raw's author ${entry.authorHex}`)
    if (row.seq !== entry.body.seq) return corrupt(`the seq column is ${String(row.seq)}, raw says ${entry.body.seq}`)
    if (row.verdict === undefined) return corrupt('the verdict column holds an unknown verdict')
    const legs = legsFingerprint(entry)
    if (row.legs !== legs) return corrupt(`the legs table (${String(row.legs)}) differs from raw's legs (${legs})`)
    if (this.ids.has(entry.idHex)) return corrupt('the entry is stored twice')
    this.ids.add(entry.idHex)
    this.legCount += entry.body.legs.length
    this.entryCount++
    this.#digest.update(id)
    if (position === batch.firstPosition + batch.entryCount - 1) {
      const digest = this.#digest.digest()
      if (!equalBytes(digest, batch.digest)) return corrupt(`batch ${batch.batch} (positions ${batch.firstPosition}–${position}) does not match its digest: it is torn or altered`)
      this.#digest = createHash('sha256').update(digest)
      this.#batchIndex++
    }
    return { entry, verdict: row.verdict as StoredVerdict, position }
  }

  /** Checks what only the whole read can tell: the last batch is whole, and no rows hide outside the scan. */
  finish(summary: { entries: number; legs: number; orphanLegs: number }): LedgerStoreCorruptError | undefined {
    const corrupt = (problem: string): LedgerStoreCorruptError => new LedgerStoreCorruptError({ path: this.#path, location: { position: this.entryCount }, problem })
    const batch = this.#batches[this.#batchIndex]
    if (batch !== undefined) return corrupt(`batch ${batch.batch} should hold positions ${batch.firstPosition}–${batch.firstPosition + batch.entryCount - 1}; rows from position ${this.entryCount} are missing`)
    if (summary.entries !== this.entryCount) return corrupt(`the entries table holds ${summary.entries} rows, the scan checked ${this.entryCount}`)
    if (summary.orphanLegs !== 0) return corrupt(`${summary.orphanLegs} legs belong to no stored entry`)
    if (summary.legs !== this.legCount) return corrupt(`the legs table holds ${summary.legs} rows, the entries carry ${this.legCount}`)
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------
// The storage worker thread hosts many stores; each store's database and its requests are
// handled by one StoreWorker, one request at a time, in order.

/**
 * The DuckDB instance a storage thread attaches its stores' files to, one per checkpoint threshold
 * (an instance-wide setting). An instance costs ~2.8 MB before any data, an attached file ~0.3 MB:
 * for the hundred stores of the swarm benchmark, 27 MB instead of 277 MB (measured). Each file keeps
 * its own WAL, lock and transactions; the instance holds none open between them.
 */
const hostInstances = new Map<string, Promise<DuckDBInstance>>()

function hostInstance(checkpointThreshold: string | undefined): Promise<DuckDBInstance> {
  const key = checkpointThreshold ?? ''
  let instance = hostInstances.get(key)
  if (instance === undefined) {
    instance = (async () => {
      const { DuckDBInstance } = await import('@duckdb/node-api')
      // One DuckDB thread: a process hosts many stores, and for one small transaction at a time
      // DuckDB's own parallelism costs three times the CPU of doing the work (measured). Detaching
      // must not fold a WAL into its file unless asked: a refused open leaves both as found.
      const created = await DuckDBInstance.create(':memory:', { threads: '1', ...(checkpointThreshold === undefined ? {} : { checkpoint_threshold: checkpointThreshold }) })
      const setup = await created.connect()
      await setup.run('PRAGMA disable_checkpoint_on_shutdown')
      setup.closeSync()
      return created
    })()
    // A failed start is not kept: the next open tries again.
    instance.catch(() => hostInstances.delete(key))
    hostInstances.set(key, instance)
  }
  return instance
}

class StoreWorker {
  /** The store's database in its thread's DuckDB instance, as SQL (a quoted name unique in the thread). */
  readonly #database: string
  #connection: DuckDBConnection | undefined
  #attached = false
  #result: DuckDBResult | undefined
  #nextBatch = 0
  #nextPosition = 0
  #lastDigest: Uint8Array = GENESIS_BATCH_DIGEST
  #lastFirstPosition = 0
  #failed = false
  #commitLog = ''
  #commitLogFile: number | undefined
  #wroteCommits = false
  #prepared: PreparedInserts | undefined

  constructor(store: number) {
    this.#database = `"store_${store}"`
  }

  async handle(message: StoreRequest): Promise<{ reply: unknown; transfer?: ArrayBuffer[] }> {
    if (this.#failed && message.type !== 'close' && message.type !== 'open') throw Object.assign(new Error('the store stopped after a failed write'), { kind: 'duckdb' as const })
    switch (message.type) {
      case 'open':
        return { reply: await this.#open(message.path, message.checkpointThreshold) }
      case 'readStart':
        this.#result = await this.#db().stream(SELECT_ROWS_SQL)
        return { reply: null }
      case 'readNext':
        return this.#readNext()
      case 'append':
        return { reply: await this.#append(message) }
      case 'checkpoint':
        await this.#db().run(`CHECKPOINT ${this.#database}`)
        return { reply: null }
      case 'close':
        // The database is closed even when the checkpoint fails: the thread lives on, hosting other stores.
        try {
          if (message.checkpoint && this.#connection !== undefined && !this.#failed) await this.#connection.run(`CHECKPOINT ${this.#database}`)
        } finally {
          await this.#closeDatabase()
        }
        return { reply: null }
    }
  }

  async #closeDatabase(): Promise<void> {
    try {
      if (this.#commitLogFile !== undefined) closeSync(this.#commitLogFile)
      this.#commitLogFile = undefined
      // A log that grew this session shrinks to its last record (written aside, then renamed over it).
      if (this.#wroteCommits && this.#nextBatch > 0) {
        const temporary = `${this.#commitLog}.tmp`
        writeFileSync(temporary, Buffer.concat([COMMIT_LOG_HEADER, commitRecord({ batch: this.#nextBatch - 1, firstPosition: this.#lastFirstPosition, entryCount: this.#nextPosition - this.#lastFirstPosition, digest: this.#lastDigest })]))
        renameSync(temporary, this.#commitLog)
        this.#wroteCommits = false
      }
    } finally {
      this.#result = undefined
      if (this.#prepared !== undefined) for (const statement of [this.#prepared.entries, this.#prepared.batches, ...this.#prepared.legsByCount.values()]) statement.destroySync()
      this.#prepared = undefined
      try {
        // DuckDB detaches no connection's current database: back to the instance's own first.
        if (this.#attached) await this.#connection?.run(`USE memory; DETACH ${this.#database}`)
      } finally {
        this.#attached = false
        this.#connection?.closeSync()
        this.#connection = undefined
      }
    }
  }

  /** The prepared INSERTs of this connection (made on first use, dropped with the connection). */
  async #inserts(): Promise<PreparedInserts> {
    if (this.#prepared !== undefined) return this.#prepared
    const connection = this.#db()
    this.#prepared = {
      connection,
      entries: await connection.prepare('INSERT INTO entries VALUES ($1, $2, $3, $4, $5, $6, $7, $8)'),
      batches: await connection.prepare('INSERT INTO batches VALUES ($1, $2, $3, $4, $5)'),
      legsByCount: new Map(),
    }
    return this.#prepared
  }

  #db(): DuckDBConnection {
    if (this.#connection === undefined) throw invariant('the store is not open')
    return this.#connection
  }

  async #open(path: string, checkpointThreshold: string | undefined): Promise<OpenReply> {
    await this.#closeDatabase()
    this.#nextBatch = 0
    this.#nextPosition = 0
    this.#lastDigest = GENESIS_BATCH_DIGEST
    this.#failed = false
    const { quotedString } = await import('@duckdb/node-api')
    const connection = (this.#connection = await (await hostInstance(checkpointThreshold)).connect())
    // The path as SQL text: DuckDB's ATTACH takes no parameters.
    await connection.run(`ATTACH ${quotedString(path)} AS ${this.#database}`)
    this.#attached = true
    // Unqualified names (the schema, the queries, the appenders) are the store's own tables.
    await connection.run(`USE ${this.#database}`)
    let tables = (await connection.runAndReadAll("SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = 'main'")).getRows().map((row) => String(row[0]))
    const created = tables.length === 0
    if (created) {
      // A crash before this transaction commits leaves an empty file, which the next open initializes.
      await this.#transaction(async () => {
        await connection.run(SCHEMA_SQL)
        await connection.run('INSERT INTO meta VALUES ($1, $2), ($3, $4), ($5, $6), ($7, $8)', [
          'format', STORE_FORMAT_NAME,
          'format_version', String(STORE_FORMAT_VERSION),
          'entry_version', String(ENTRY_VERSION),
          'created_at_ms', String(Date.now()),
        ])
      })
      tables = ['meta', 'batches', 'entries', 'legs']
    }
    if (!['meta', 'batches', 'entries', 'legs'].every((table) => tables.includes(table))) return { tables, meta: [], batches: [], empty: false, created, acknowledged: undefined }
    const meta = (await connection.runAndReadAll('SELECT key, value FROM meta')).getRows().map((row) => [String(row[0]), String(row[1])] as [string, string])
    const batchRows = (await connection.runAndReadAll('SELECT batch, first_position, entry_count, digest FROM batches ORDER BY batch')).getRows()
    const batches = batchRows.map((row) => [row[0], row[1], row[2], blobBytes(row[3])] as [unknown, unknown, unknown, Uint8Array | undefined])
    const last = batches.at(-1)
    if (last !== undefined) {
      this.#nextBatch = batches.length
      this.#lastFirstPosition = toSafeInteger(last[1]) ?? 0
      this.#nextPosition = this.#lastFirstPosition + (toSafeInteger(last[2]) ?? 0)
      this.#lastDigest = last[3] ?? GENESIS_BATCH_DIGEST
    }
    const counts = (await connection.runAndReadAll('SELECT (SELECT count(*) FROM entries) + (SELECT count(*) FROM legs) + (SELECT count(*) FROM batches)')).getRows()[0]
    this.#commitLog = commitLogPath(path)
    this.#wroteCommits = false
    return { tables, meta, batches, empty: counts?.[0] === 0n, created, acknowledged: readCommitLog(this.#commitLog) }
  }

  async #readNext(): Promise<{ reply: ReadReply; transfer?: ArrayBuffer[] }> {
    const chunk = await this.#result?.fetchChunk()
    if (chunk === undefined || chunk === null || chunk.rowCount === 0) {
      this.#result = undefined
      const summary = (await this.#db().runAndReadAll(SUMMARY_SQL)).getRows()[0] ?? []
      const [entries, legs, orphanLegs] = [0, 1, 2].map((index) => toSafeInteger(summary[index]) ?? -1) as [number, number, number]
      return { reply: { done: true, entries, legs, orphanLegs } }
    }
    const packed = packRows(chunk.getColumns())
    return { reply: packed, transfer: [packed.buffer] }
  }

  /** Decodes every record again from the bytes about to be written, then writes the batch as one transaction. */
  async #append({ batch, firstPosition, count, buffer }: { batch: number; firstPosition: number; count: number; buffer: ArrayBuffer }): Promise<{ digest: Uint8Array }> {
    // Whatever fails from here on, this batch's positions are spent: the store takes no more writes.
    this.#failed = true
    if (batch !== this.#nextBatch || firstPosition !== this.#nextPosition)
      throw invariant(`batch ${batch} at position ${firstPosition} does not follow batch ${this.#nextBatch - 1}, which ended before position ${this.#nextPosition}`)
    const records = unpackRecords(buffer, count)
    const digest = createHash('sha256').update(this.#lastDigest)
    records.forEach(({ id, raw, legs }, index) => {
      // One-shot hashing: a Hash object per entry costs more than the digest of its ~300 bytes.
      if (!equalBytes(sha256Digest(raw), id)) throw invariant(`entry ${index} of batch ${batch}: its id is not SHA-256(raw)`)
      const sums = new Map<string, bigint>()
      for (const leg of legs) {
        if (!isAccount(leg.account) || leg.currency === undefined || leg.amount === 0n || leg.amount < -LEG_AMOUNT_ABS_MAX)
          throw invariant(`entry ${index} of batch ${batch}: leg ${JSON.stringify(leg.account)} ${String(leg.currency)} ${leg.amount} is not a non-zero amount of a known currency on a valid account`)
        sums.set(leg.currency, (sums.get(leg.currency) ?? 0n) + leg.amount)
      }
      for (const [currency, sum] of sums) if (sum !== 0n) throw invariant(`entry ${index} of batch ${batch}: its ${currency} legs sum to ${sum}, not 0`)
      digest.update(id)
    })
    const batchDigest = new Uint8Array(digest.digest())
    const connection = this.#db()
    await this.#transaction(async () => {
      const inserts = await this.#inserts()
      if (records.length <= PREPARED_INSERT_ENTRIES_MAX) await insertRows(inserts, batch, firstPosition, records)
      else appendRows(await connection.createAppender('entries'), await connection.createAppender('legs'), batch, firstPosition, records)
      const insert = inserts.batches
      insert.bindBigInt(1, BigInt(batch))
      insert.bindBigInt(2, BigInt(firstPosition))
      insert.bindInteger(3, count)
      insert.bindBlob(4, batchDigest)
      insert.bindBigInt(5, BigInt(Date.now()))
      await insert.run()
    })
    this.#failed = false
    this.#nextBatch++
    this.#lastFirstPosition = firstPosition
    this.#nextPosition += count
    this.#lastDigest = batchDigest
    // Logged before the reply that acknowledges the batch; no fsync: see COMMIT_LOG_SUFFIX.
    if (this.#commitLogFile === undefined) {
      this.#commitLogFile = openSync(this.#commitLog, 'a')
      if (fstatSync(this.#commitLogFile).size === 0) writeSync(this.#commitLogFile, COMMIT_LOG_HEADER)
    }
    writeSync(this.#commitLogFile, commitRecord({ batch, firstPosition, entryCount: count, digest: batchDigest }))
    this.#wroteCommits = true
    return { digest: batchDigest }
  }

  async #transaction(body: () => Promise<void>): Promise<void> {
    const connection = this.#db()
    await connection.run('BEGIN TRANSACTION')
    try {
      await body()
      await connection.run('COMMIT')
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => {})
      throw error
    }
  }
}

/** Most entries a batch writes through prepared INSERTs; bigger batches use appenders, which cost more to set up and less per row. */
const PREPARED_INSERT_ENTRIES_MAX = 32

type PreparedInserts = {
  readonly connection: DuckDBConnection
  readonly entries: DuckDBPreparedStatement
  readonly batches: DuckDBPreparedStatement
  /** The INSERT of an entry's legs in one statement, by leg count (made on first use). */
  readonly legsByCount: Map<number, DuckDBPreparedStatement>
}

async function legsInsert(inserts: PreparedInserts, count: number): Promise<DuckDBPreparedStatement> {
  const cached = inserts.legsByCount.get(count)
  if (cached !== undefined) return cached
  const rows = Array.from({ length: count }, (_, row) => `(${Array.from({ length: 5 }, (_, column) => `$${row * 5 + column + 1}`).join(', ')})`)
  const statement = await inserts.connection.prepare(`INSERT INTO legs VALUES ${rows.join(', ')}`)
  inserts.legsByCount.set(count, statement)
  return statement
}

/** Writes a small batch's rows through prepared INSERTs: for one or a few entries, ~2.5× less CPU than three appenders (measured). */
async function insertRows(inserts: PreparedInserts, batch: number, firstPosition: number, records: readonly PackedRecord[]): Promise<void> {
  const batchValue = BigInt(batch)
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!
    const position = BigInt(firstPosition + index)
    const entry = inserts.entries
    entry.bindBigInt(1, position)
    entry.bindBigInt(2, batchValue)
    entry.bindBlob(3, record.author)
    entry.bindBigInt(4, BigInt(record.seq))
    entry.bindBlob(5, record.id)
    entry.bindBlob(6, record.raw)
    entry.bindBlob(7, record.sig)
    entry.bindVarchar(8, record.verdict)
    await entry.run()
    if (record.legs.length === 0) continue
    // All of an entry's legs in one statement: a statement per leg cost a fifth more (measured).
    const legs = await legsInsert(inserts, record.legs.length)
    for (let legIndex = 0; legIndex < record.legs.length; legIndex++) {
      const leg = record.legs[legIndex]!
      const column = legIndex * 5
      legs.bindBigInt(column + 1, position)
      legs.bindUTinyInt(column + 2, legIndex)
      legs.bindVarchar(column + 3, leg.account)
      legs.bindVarchar(column + 4, leg.currency)
      legs.bindHugeInt(column + 5, leg.amount)
    }
    await legs.run()
  }
}

function appendRows(entries: DuckDBAppender, legs: DuckDBAppender, batch: number, firstPosition: number, records: readonly PackedRecord[]): void {
  const batchValue = BigInt(batch)
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!
    const position = BigInt(firstPosition + index)
    entries.appendBigInt(position)
    entries.appendBigInt(batchValue)
    entries.appendBlob(record.author)
    entries.appendBigInt(BigInt(record.seq))
    entries.appendBlob(record.id)
    entries.appendBlob(record.raw)
    entries.appendBlob(record.sig)
    entries.appendVarchar(record.verdict)
    entries.endRow()
    for (let legIndex = 0; legIndex < record.legs.length; legIndex++) {
      const leg = record.legs[legIndex]!
      legs.appendBigInt(position)
      legs.appendUTinyInt(legIndex)
      legs.appendVarchar(leg.account)
      legs.appendVarchar(leg.currency)
      legs.appendHugeInt(leg.amount)
      legs.endRow()
    }
  }
  entries.closeSync()
  legs.closeSync()
}

function commitRecord({ batch, firstPosition, entryCount, digest }: Batch): Uint8Array {
  const record = new Uint8Array(COMMIT_RECORD_BYTES)
  const view = new DataView(record.buffer)
  view.setBigUint64(0, BigInt(batch))
  view.setBigUint64(8, BigInt(firstPosition))
  view.setBigUint64(16, BigInt(entryCount))
  record.set(digest, 24)
  record.set(createHash('sha256').update(record.subarray(0, 56)).digest().subarray(0, 8), 56)
  return record
}

/** The last whole, intact record of a commit log; a torn or damaged tail (a crash mid-append) is ignored. */
function readCommitLog(path: string): Batch | undefined {
  if (!existsSync(path)) return undefined
  const bytes = readFileSync(path)
  if (!equalBytes(bytes.subarray(0, COMMIT_LOG_HEADER.length), COMMIT_LOG_HEADER)) return undefined
  let last: Batch | undefined
  for (let offset = COMMIT_LOG_HEADER.length; offset + COMMIT_RECORD_BYTES <= bytes.length; offset += COMMIT_RECORD_BYTES) {
    const record = bytes.subarray(offset, offset + COMMIT_RECORD_BYTES)
    if (!equalBytes(createHash('sha256').update(record.subarray(0, 56)).digest().subarray(0, 8), record.subarray(56))) break
    const view = new DataView(record.buffer, record.byteOffset, COMMIT_RECORD_BYTES)
    last = { batch: Number(view.getBigUint64(0)), firstPosition: Number(view.getBigUint64(8)), entryCount: Number(view.getBigUint64(16)), digest: new Uint8Array(record.subarray(24, 56)) }
  }
  return last
}

function invariant(message: string): WorkerFailure & Error {
  return Object.assign(new Error(message), { kind: 'invariant' as const })
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === WORKER_ROLE) {
  /**
   * The stores this thread hosts, from their 'open' to their 'close'. A store's requests are handled
   * strictly one after another (its DuckDB connection runs one statement at a time); stores do not
   * wait for each other, and one store's failure is reported to its own calls only.
   */
  const stores = new Map<number, { worker: StoreWorker; queue: Promise<void> }>()
  const replyFailure = (id: number, error: unknown) => {
    const kind = (error as Partial<WorkerFailure>).kind === 'invariant' ? 'invariant' : 'duckdb'
    parentPort!.postMessage({ id, failure: { kind, message: error instanceof Error ? error.message : String(error) } satisfies WorkerFailure })
  }
  parentPort!.on('message', ({ id, store, message }: StoreMessage) => {
    if (!stores.has(store) && message.type === 'open') stores.set(store, { worker: new StoreWorker(store), queue: Promise.resolve() })
    const hosted = stores.get(store)
    if (hosted === undefined) return replyFailure(id, invariant(`store ${store} is not open in this worker`))
    hosted.queue = hosted.queue.then(async () => {
      try {
        const { reply, transfer = [] } = await hosted.worker.handle(message)
        parentPort!.postMessage({ id, reply }, transfer)
      } catch (error) {
        replyFailure(id, error)
      } finally {
        if (message.type === 'close') stores.delete(store)
      }
    })
  })
}

// ---------------------------------------------------------------------------------------------

function toSafeInteger(value: unknown): number | undefined {
  if (typeof value === 'bigint' && value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value)
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  return undefined
}

/** A blob's bytes as a plain Uint8Array view (DuckDB hands out Buffers; entries hold Uint8Arrays everywhere else). */
function blobBytes(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'object' || value === null || !('bytes' in value) || !(value.bytes instanceof Uint8Array)) return undefined
  const bytes = value.bytes
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === 'string') return value.length > 80 ? `a ${value.length}-character string` : JSON.stringify(value)
  if (value === null || value === undefined) return String(value)
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`
}

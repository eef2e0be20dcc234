/**
 * Signature checks for a full-chain verify, spread over worker threads. Each worker recomputes
 * `id = SHA-256(raw)` itself and verifies `sig` over it with the author's key (node:crypto,
 * RFC 8032 via `identity/ed25519.ts`, the same function the ledger uses), so a worker's "valid"
 * never rests on an id the main thread computed.
 *
 * This file is both the pool (imported in the main thread) and the worker's script.
 */
import { hash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { verifyEd25519 } from '../identity/ed25519.ts'
import { ENTRY_BYTES_MAX } from './constants.ts'
import { LedgerStoreInvalidArgumentError } from './store-errors.ts'

/** Below this many entries, signatures are checked on the calling thread: starting workers costs more than it saves. */
export const VERIFY_WORKERS_MIN_ENTRIES = 2_000
/** Most worker threads a pool starts. */
export const VERIFY_WORKERS_MAX = 8
/** Most entries in one job posted to a worker: big enough to amortize the message, small enough to balance. */
export const VERIFY_JOB_ENTRIES_MAX = 4096

const WORKER_ROLE = 'ippoc-signature-verifier'

/** What a worker checks for one entry: `sig` is the author's signature over SHA-256(`raw`). */
export type SignatureCheck = { readonly raw: Uint8Array; readonly sig: Uint8Array; readonly author: Uint8Array }

/** Worker threads that check signatures; results come back in the order given. */
export type SignatureVerifierPool = {
  /** Number of worker threads. */
  readonly workers: number
  /** Resolves to one byte per check: 1 when the signature is valid over SHA-256(raw), else 0. */
  verify(checks: readonly SignatureCheck[]): Promise<Uint8Array>
  /** Stops the workers; pending checks reject. */
  close(): Promise<void>
}

/**
 * How many verify workers to start by default: one per core. Verifying is ~80 % of a full-chain
 * open and the main thread's share (reading, decoding, applying) is small, so a worker on every
 * core, sharing one with the main thread, beats leaving a core to the main thread alone.
 *
 * @example
 * defaultVerifyWorkers() // 2 on a 2-core machine
 */
export function defaultVerifyWorkers(): number {
  return Math.max(1, Math.min(VERIFY_WORKERS_MAX, availableParallelism()))
}

/**
 * Starts `workers` verifier threads.
 *
 * @example
 * const pool = createSignatureVerifierPool({ workers: 2 })
 * const valid = await pool.verify(entries.map(({ raw, sig, body }) => ({ raw, sig, author: body.author })))
 * await pool.close()
 */
export function createSignatureVerifierPool({ workers }: { workers: number }): SignatureVerifierPool {
  if (!Number.isSafeInteger(workers) || workers < 1 || workers > VERIFY_WORKERS_MAX)
    throw new LedgerStoreInvalidArgumentError({ argument: 'workers', expected: `an integer from 1 to ${VERIFY_WORKERS_MAX}`, received: String(workers) })
  return new WorkerPool(workers)
}

type PendingJob = { resolve: (results: Uint8Array) => void; reject: (error: unknown) => void; worker: number }

class WorkerPool implements SignatureVerifierPool {
  readonly workers: number
  readonly #threads: Worker[] = []
  readonly #inFlight: number[] = []
  readonly #pending = new Map<number, PendingJob>()
  #nextJob = 0
  #failure: unknown = undefined

  constructor(workers: number) {
    this.workers = workers
    for (let index = 0; index < workers; index++) {
      const thread = new Worker(new URL(import.meta.url), { workerData: { role: WORKER_ROLE }, execArgv: workerExecArgv() })
      thread.on('message', (message: { job: number; results: Uint8Array }) => this.#settle(message.job, message.results))
      thread.on('error', (error) => this.#fail(error))
      thread.on('exit', (code) => {
        if (code !== 0) this.#fail(new Error(`signature verifier worker exited with code ${code}`))
      })
      // Idle workers must not keep the process alive; a worker with jobs in flight is ref'd again.
      thread.unref()
      this.#threads.push(thread)
      this.#inFlight.push(0)
    }
  }

  async verify(checks: readonly SignatureCheck[]): Promise<Uint8Array> {
    if (this.#failure !== undefined) throw this.#failure
    const results = new Uint8Array(checks.length)
    const jobs: Promise<void>[] = []
    // Equal jobs, a multiple of the worker count: 10,000 checks as 4096 + 4096 + 1808 left one
    // worker with 5,904 and the other idle for a third of the time (measured).
    const jobCount = this.workers * Math.ceil(checks.length / (VERIFY_JOB_ENTRIES_MAX * this.workers))
    const jobEntries = Math.max(1, Math.ceil(checks.length / jobCount))
    for (let start = 0; start < checks.length; start += jobEntries) {
      const slice = checks.slice(start, start + jobEntries)
      jobs.push(this.#post(slice).then((part) => results.set(part, start)))
    }
    await Promise.all(jobs)
    return results
  }

  #post(checks: readonly SignatureCheck[]): Promise<Uint8Array> {
    const worker = this.#inFlight.indexOf(Math.min(...this.#inFlight))
    const job = this.#nextJob++
    const buffer = packChecks(checks)
    return new Promise((resolve, reject) => {
      this.#pending.set(job, { resolve, reject, worker })
      if (this.#inFlight[worker]!++ === 0) this.#threads[worker]!.ref()
      this.#threads[worker]!.postMessage({ job, count: checks.length, buffer }, [buffer])
    })
  }

  #settle(job: number, results: Uint8Array): void {
    const pending = this.#pending.get(job)
    if (pending === undefined) return
    this.#pending.delete(job)
    if (--this.#inFlight[pending.worker]! === 0) this.#threads[pending.worker]!.unref()
    pending.resolve(results)
  }

  #fail(error: unknown): void {
    this.#failure ??= error
    for (const pending of this.#pending.values()) pending.reject(error)
    this.#pending.clear()
  }

  async close(): Promise<void> {
    this.#fail(new LedgerStoreInvalidArgumentError({ argument: 'pool', expected: 'an open verifier pool', received: 'a closed one' }))
    await Promise.all(this.#threads.map((thread) => thread.terminate()))
  }
}

/**
 * The parent's Node flags minus `--input-type`, which only applies to `--eval` input and makes a
 * worker started from a file fail (as when the ledger runs under `node --input-type=module -e`).
 */
export function workerExecArgv(): string[] {
  return process.execArgv.filter((flag) => !flag.startsWith('--input-type'))
}

/** Packs checks as `u16 rawLength · raw · sig(64) · author(32)` each, into one transferable buffer. */
function packChecks(checks: readonly SignatureCheck[]): ArrayBuffer {
  let total = 0
  for (const { raw, sig, author } of checks) {
    if (raw.length > ENTRY_BYTES_MAX || sig.length !== 64 || author.length !== 32)
      throw new LedgerStoreInvalidArgumentError({ argument: 'checks', expected: `raw of at most ${ENTRY_BYTES_MAX} bytes, a 64-byte sig and a 32-byte author`, received: `${raw.length}/${sig.length}/${author.length} bytes` })
    total += 2 + raw.length + 96
  }
  const buffer = new ArrayBuffer(total)
  const bytes = new Uint8Array(buffer)
  let offset = 0
  for (const { raw, sig, author } of checks) {
    bytes[offset] = raw.length >> 8
    bytes[offset + 1] = raw.length & 0xff
    bytes.set(raw, offset + 2)
    bytes.set(sig, offset + 2 + raw.length)
    bytes.set(author, offset + 2 + raw.length + 64)
    offset += 2 + raw.length + 96
  }
  return buffer
}

/** The worker side: unpack, hash, verify, answer with one byte per check. */
function verifyPacked(buffer: ArrayBuffer, count: number): Uint8Array {
  const bytes = new Uint8Array(buffer)
  const results = new Uint8Array(count)
  let offset = 0
  for (let index = 0; index < count; index++) {
    const rawLength = (bytes[offset]! << 8) | bytes[offset + 1]!
    const raw = bytes.subarray(offset + 2, offset + 2 + rawLength)
    const sig = bytes.subarray(offset + 2 + rawLength, offset + 2 + rawLength + 64)
    const author = bytes.subarray(offset + 2 + rawLength + 64, offset + 2 + rawLength + 96)
    // One-shot: no Hash object per check.
    const id = hash('sha256', raw, 'buffer') as unknown as Uint8Array
    results[index] = verifyEd25519(sig, id, author) ? 1 : 0
    offset += 2 + rawLength + 96
  }
  return results
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === WORKER_ROLE) {
  parentPort!.on('message', ({ job, count, buffer }: { job: number; count: number; buffer: ArrayBuffer }) => {
    const results = verifyPacked(buffer, count)
    parentPort!.postMessage({ job, results }, [results.buffer as ArrayBuffer])
  })
}

/**
 * Checks the signatures of decoded entries: in worker threads from `VERIFY_WORKERS_MIN_ENTRIES`
 * entries on (when `workers` > 0), on this thread below. One byte per entry, 1 when valid.
 *
 * @example
 * const valid = await verifyEntrySignatures(entries, { workers: defaultVerifyWorkers() })
 * const firstBad = valid.indexOf(0)
 */
export async function verifyEntrySignatures(entries: readonly { raw: Uint8Array; sig: Uint8Array; id: Uint8Array; body: { author: Uint8Array } }[], { workers }: { workers: number }): Promise<Uint8Array> {
  if (workers > 0 && entries.length >= VERIFY_WORKERS_MIN_ENTRIES) {
    const pool = createSignatureVerifierPool({ workers })
    try {
      return await pool.verify(entries.map(({ raw, sig, body }) => ({ raw, sig, author: body.author })))
    } finally {
      await pool.close()
    }
  }
  return Uint8Array.from(entries, ({ sig, id, body }) => (verifyEd25519(sig, id, body.author) ? 1 : 0))
}

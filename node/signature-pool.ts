/**
 * One pool of signature-checking worker threads for the whole process, shared by every node in it
 * (a devnet or the benchmark runs many), started on first use and stopped after a quiet spell so
 * idle processes hold no threads.
 */
import type { SignedEntry } from '../ledger/index.ts'
import { createSignatureVerifierPool, defaultVerifyWorkers, type SignatureVerifierPool } from '../ledger/verify-workers.ts'

const IDLE_CLOSE_MS = 5_000

let pool: SignatureVerifierPool | undefined
let busy = 0
let idleTimer: NodeJS.Timeout | undefined

/**
 * Checks entry signatures in worker threads; resolves with one verdict per entry.
 *
 * @example
 * createSwarmNode({ …, verifyBatch: verifyEntriesOffThread }, { signer })
 */
export async function verifyEntriesOffThread(entries: readonly SignedEntry[]): Promise<boolean[]> {
  const current = openPool()
  busy++
  try {
    const flags = await current.verify(entries.map((entry) => ({ raw: entry.raw, sig: entry.sig, author: entry.body.author })))
    return Array.from(flags, (flag) => flag === 1)
  } finally {
    busy--
    if (busy === 0) closeWhenIdle(current)
  }
}

/**
 * Starts the pool's threads now, ahead of need: a node calls it as it starts, because a node that
 * starts usually catches up at once, and starting workers (~0.4 s, measured) would otherwise delay
 * its first big signature check. An unused pool stops after the usual quiet spell.
 *
 * @example
 * warmSignaturePool()
 * await node.start()
 */
export function warmSignaturePool(): void {
  const current = openPool()
  if (busy === 0) closeWhenIdle(current)
}

function openPool(): SignatureVerifierPool {
  if (idleTimer !== undefined) clearTimeout(idleTimer)
  pool ??= createSignatureVerifierPool({ workers: defaultVerifyWorkers() })
  return pool
}

function closeWhenIdle(current: SignatureVerifierPool): void {
  idleTimer = setTimeout(() => {
    if (busy > 0 || pool !== current) return
    pool = undefined
    void current.close()
  }, IDLE_CLOSE_MS)
  idleTimer.unref()
}

/** Stops the pool now (tests, and processes that want to exit at once). */
export async function closeSignaturePool(): Promise<void> {
  if (idleTimer !== undefined) clearTimeout(idleTimer)
  const current = pool
  pool = undefined
  await current?.close()
}

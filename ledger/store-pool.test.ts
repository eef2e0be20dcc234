/**
 * The storage worker pool: every store of a process is hosted by one of a few shared worker threads,
 * each store with its own DuckDB instance, and a process exits on its own once its stores are closed.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { openLedgerStore, STORAGE_WORKERS_MAX, storageWorkerCount } from './store-duckdb.ts'

const SCENARIO = new URL('./fixtures/store-pool-scenario.ts', import.meta.url).pathname
/** The scenario takes a few seconds; a process held open by a forgotten worker would run until killed. */
const SCENARIO_TIMEOUT_MS = 60_000
/** A worker left without stores stops within this time (its linger, with a margin). */
const WORKER_STOP_MS_MAX = 5_000

const temporaryRoot = mkdtempSync(join(tmpdir(), 'ippoc-pool-test-'))
after(() => rmSync(temporaryRoot, { recursive: true, force: true }))

function runScenario(directory: string, stores: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; elapsedMs: number }> {
  const started = performance.now()
  const child = spawn(process.execPath, [SCENARIO, directory, String(stores)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), SCENARIO_TIMEOUT_MS)
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, elapsedMs: performance.now() - started })
    }),
  )
}

test('20 stores in one process share the pool, fail and close independently, and the process exits once they are closed', async () => {
  const { code, signal, stdout } = await runScenario(join(temporaryRoot, 'scenario'), 20)
  assert.equal(signal, null, `the scenario was killed after ${SCENARIO_TIMEOUT_MS} ms: did a worker keep it alive?`)
  assert.equal(code, 0)
  const facts = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>
  assert.deepEqual(facts, {
    storesOpen: 20,
    workersWithAllOpen: STORAGE_WORKERS_MAX,
    workersAtEnd: STORAGE_WORKERS_MAX,
    workersMax: STORAGE_WORKERS_MAX,
    failedWrite: 'LedgerStoreInvalidArgumentError',
    failedOpen: 'LedgerStoreCorruptError',
    lockedAgain: 'LedgerStoreLockedError',
    reopenedEntries: 10,
  })
})

test('a worker left without stores stops', async () => {
  const store = await openLedgerStore({ path: join(temporaryRoot, 'alone', 'ledger.duckdb') })
  assert.equal(storageWorkerCount(), 1)
  await store.close()
  const started = performance.now()
  while (storageWorkerCount() > 0 && performance.now() - started < WORKER_STOP_MS_MAX) await new Promise((resolve) => setTimeout(resolve, 50))
  assert.equal(storageWorkerCount(), 0)
})

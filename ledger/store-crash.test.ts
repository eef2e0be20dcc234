/**
 * Crash safety: a writer process is SIGKILLed at many random moments (while opening and replaying
 * the WAL, mid-transaction, mid-checkpoint, between batches). After each kill the ledger must open
 * with the whole chain verified, hold every acknowledged entry, hold no torn entry, and let the
 * writer continue. Set IPPOC_CRASH_SEED to replay a run; IPPOC_CRASH_KILLS to change the count.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, test } from 'node:test'
import { crashWriterSigner, seededRandom } from './fixtures/crash-writer.ts'
import { openLedger } from './persistent-ledger.ts'
import { DEVNET_RULES } from './rules.ts'

const KILLS = Number(process.env.IPPOC_CRASH_KILLS ?? 55)
const SEED = Number(process.env.IPPOC_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31))
const WRITER = new URL('./fixtures/crash-writer.ts', import.meta.url).pathname
/** Share of kills aimed at the writer's start (open, WAL replay) rather than its writing. */
const KILL_DURING_OPEN_SHARE = 0.2
/** Ledgers crashed in parallel. */
const CRASH_LANES = 2
/** Longest wait after `ready` before the kill. */
const KILL_AFTER_READY_MS_MAX = 200

const temporaryRoot = mkdtempSync(join(tmpdir(), 'ippoc-crash-test-'))
after(() => rmSync(temporaryRoot, { recursive: true, force: true }))

type WriterRun = {
  acked: { count: number; headIdHex: string } | undefined
  /** Entries handed to the ledger, acknowledged or not. */
  issued: number
  ready: boolean
  lastLine: string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts the writer and follows what it says. */
function startWriter(path: string, seed: number, batches?: number): WriterRun & { kill(): void } {
  const child = spawn(process.execPath, [WRITER, path, String(seed), ...(batches === undefined ? [] : [String(batches)])], { stdio: ['ignore', 'pipe', 'inherit'] })
  const run: WriterRun & { kill(): void } = {
    acked: undefined,
    issued: 0,
    ready: false,
    lastLine: '',
    exit: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
    kill: () => child.kill('SIGKILL'),
  }
  const lines = createInterface({ input: child.stdout })
  lines.on('line', (line) => {
    const [word, count, headIdHex] = line.split(' ')
    if (word === 'ack') run.acked = { count: Number(count), headIdHex: headIdHex! }
    if (word === 'batch') run.issued = Number(count)
    if (word === 'ready') run.ready = true
    run.lastLine = word ?? ''
  })
  // Every line is read before the exit is reported, so no acknowledgement is missed.
  run.exit = Promise.all([run.exit, new Promise((resolve) => lines.on('close', resolve))]).then(([exit]) => exit)
  return run
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Opens the ledger with full verification and checks it holds everything acknowledged so far. */
async function checkAfterCrash(path: string, acked: { count: number; headIdHex: string } | undefined): Promise<{ stored: number }> {
  const persistent = await openLedger({ path, rules: DEVNET_RULES })
  try {
    const authorHex = Buffer.from(crashWriterSigner.publicKey).toString('hex')
    const head = persistent.ledger.head(authorHex)
    const stored = [...persistent.stored()]
    // One author, nothing pending: every stored row is a counted entry of the chain, in order.
    assert.equal(stored.length, head === undefined ? 0 : head.seq + 1)
    assert.ok(stored.every((record, index) => record.verdict === 'applied' && record.entry.body.seq === index))
    if (acked !== undefined) {
      assert.ok(stored.length >= acked.count, `acknowledged ${acked.count} entries, found ${stored.length}`)
      assert.equal(stored[acked.count - 1]!.entry.idHex, acked.headIdHex, 'the acknowledged head is the stored entry at its seq')
    }
    return { stored: stored.length }
  } finally {
    await persistent.close()
  }
}

type CrashStats = { duringOpen: number; batchInFlight: number; duringCheckpoint: number; betweenBatches: number; durableBeyondAck: number; finalChain: number }

/** One ledger file, `kills` writer lives: start, kill at a random moment, reopen and check; then a clean run. */
async function crashLane(lane: number, kills: number, random: () => number): Promise<CrashStats> {
  const path = join(temporaryRoot, 'nodes', `lane-${lane}`, 'economy', 'ledger.duckdb')
  const stats = { duringOpen: 0, batchInFlight: 0, duringCheckpoint: 0, betweenBatches: 0, durableBeyondAck: 0, finalChain: 0 }
  let acked: { count: number; headIdHex: string } | undefined
  for (let kill = 0; kill < kills; kill++) {
    const aimAtOpen = random() < KILL_DURING_OPEN_SHARE
    const run = startWriter(path, Math.floor(random() * 2 ** 31))
    if (aimAtOpen) {
      await sleep(random() * 600)
    } else {
      while (!run.ready && (await Promise.race([run.exit.then(() => true), sleep(5).then(() => false)])) === false);
      await sleep(random() * KILL_AFTER_READY_MS_MAX)
    }
    const wasReady = run.ready
    run.kill()
    const exit = await run.exit
    assert.equal(exit.signal, 'SIGKILL', `lane ${lane}, writer ${kill} should have been killed, but exited with code ${exit.code}`)
    if (!wasReady) stats.duringOpen++
    else if (run.lastLine === 'checkpointing') stats.duringCheckpoint++
    else if (run.lastLine === 'idle') stats.betweenBatches++
    else if (run.issued > (run.acked?.count ?? acked?.count ?? 0)) stats.batchInFlight++
    else stats.betweenBatches++
    acked = run.acked ?? acked
    const { stored } = await checkAfterCrash(path, acked)
    if (stored > (acked?.count ?? 0)) stats.durableBeyondAck++
  }
  // After all the kills, the writer still continues and finishes cleanly.
  const final = startWriter(path, 1, 5)
  const exit = await final.exit
  assert.equal(exit.code, 0)
  assert.ok(final.acked !== undefined && final.acked.count > (acked?.count ?? 0))
  const { stored } = await checkAfterCrash(path, final.acked)
  assert.equal(stored, final.acked.count)
  stats.finalChain = stored
  return stats
}

test(`ledger survives ${KILLS} SIGKILLs of its writer at random moments`, { timeout: 180_000 }, async (t) => {
  t.diagnostic(`seed ${SEED} (replay with IPPOC_CRASH_SEED=${SEED})`)
  console.log(`# crash test seed ${SEED}`)
  const startedMs = performance.now()
  // Two independent ledgers at once: a writer spends most of its life starting up, so two lanes
  // keep both cores busy. Each lane has its own generator, so a seed replays the same kills.
  const lanes = await Promise.all(
    Array.from({ length: CRASH_LANES }, (_, lane) => crashLane(lane, Math.floor(KILLS / CRASH_LANES) + (lane < KILLS % CRASH_LANES ? 1 : 0), seededRandom(SEED + lane))),
  )
  const total = (key: keyof CrashStats) => lanes.reduce((sum, stats) => sum + stats[key], 0)
  const elapsedS = ((performance.now() - startedMs) / 1000).toFixed(1)
  const summary =
    `${KILLS} kills in ${elapsedS} s over ${CRASH_LANES} ledgers: ${total('duringOpen')} while opening, ${total('batchInFlight')} with a batch in flight, ` +
    `${total('duringCheckpoint')} in an explicit checkpoint, ${total('betweenBatches')} between batches; ` +
    `${total('durableBeyondAck')} left a committed but unacknowledged batch; final chains ${lanes.map((stats) => stats.finalChain).join(' and ')} entries`
  t.diagnostic(summary)
  console.log(`# ${summary}`)
})

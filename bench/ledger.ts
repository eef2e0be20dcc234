/**
 * Ledger throughput against raw node:crypto, measured in one run on this machine:
 *
 * - `raw_sign_per_s` / `raw_verify_per_s`: bare node:crypto Ed25519 sign and verify of 32-byte
 *   messages (an entry id) on one core, measured in three windows spread over the run (before,
 *   between and after the ledger phases; these machines are shared and noisy) and averaged.
 * - `append_per_s`: metered entries built, signed, hashed, validated by `Ledger.append` and stored
 *   durably, 1,000 per transaction; the next batch is signed while the last one commits, and the
 *   clock stops when the last COMMIT has returned.
 * - `verify_per_s`: opening the ledger from disk with the full-chain verify (bytes, ids, signatures
 *   in `verify_workers` threads, chain links and rules replayed).
 *
 * Run: `npm run bench -- ledger [--entries N] [--batch B]` (N = 100,000 by default). The last line
 * is one JSON object. Targets: append_ratio ≥ 0.6, verify_ratio ≥ 0.8. Stderr also gives CPU time
 * per entry (main thread and whole process) against raw CPU time per operation: unlike the rates,
 * these hardly move when other processes load the machine.
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createEd25519Signer } from '../identity/ed25519.ts'
import { buildMetered, buildMint } from '../ledger/build-entry.ts'
import type { MeteredAction } from '../ledger/cost.ts'
import { toHex } from '../ledger/entry.ts'
import { devnetGrant } from '../ledger/grant.ts'
import { openLedger } from '../ledger/persistent-ledger.ts'
import { DEVNET_RULES } from '../ledger/rules.ts'
import { defaultVerifyWorkers } from '../ledger/verify-workers.ts'

const { values } = parseArgs({ options: { entries: { type: 'string', default: '100000' }, batch: { type: 'string', default: '1000' } } })
const entryCount = Number(values.entries)
const batchEntries = Number(values.batch)
if (!Number.isSafeInteger(entryCount) || entryCount < 1) throw new TypeError(`--entries: expected a positive integer, got ${values.entries}`)
if (!Number.isSafeInteger(batchEntries) || batchEntries < 1) throw new TypeError(`--batch: expected a positive integer, got ${values.batch}`)

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const RAW_WINDOW_MS = 1_000

const cpuMicroseconds = ({ user, system }: { user: number; system: number }) => user + system

/** Bare node:crypto sign and verify per second on this thread, over about one second each, with their CPU time per operation. */
function measureRawCrypto(): { signPerSecond: number; verifyPerSecond: number; signCpuMicroseconds: number; verifyCpuMicroseconds: number } {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, randomBytes(32)]), format: 'der', type: 'pkcs8' })
  const publicKey = createPublicKey(privateKey)
  const messages = Array.from({ length: 64 }, () => randomBytes(32))
  const signatures = messages.map((message) => sign(null, message, privateKey))
  const measure = (operation: (index: number) => void): { perSecond: number; cpuMicroseconds: number } => {
    const started = performance.now()
    const cpu = process.threadCpuUsage()
    let count = 0
    while (performance.now() - started < RAW_WINDOW_MS) for (let index = 0; index < 16; index++) operation(count++)
    return { perSecond: count / ((performance.now() - started) / 1000), cpuMicroseconds: cpuMicroseconds(process.threadCpuUsage(cpu)) / count }
  }
  const signing = measure((index) => sign(null, messages[index % 64]!, privateKey))
  const verifying = measure((index) => {
    if (!verify(null, messages[index % 64]!, publicKey, signatures[index % 64]!)) throw new Error('raw verify failed')
  })
  return { signPerSecond: signing.perSecond, verifyPerSecond: verifying.perSecond, signCpuMicroseconds: signing.cpuMicroseconds, verifyCpuMicroseconds: verifying.cpuMicroseconds }
}

/** The metered action of entry `index`: inference with varying tokens, sandbox runs of varying length. */
function actionFor(index: number): MeteredAction {
  return index % 3 === 2
    ? { type: 'tool_exec', tool: 'sandbox:pytest', durationMs: 100 + ((index * 104_729) % 4_900) }
    : { type: 'llm_inference', model: 'llama-3-8b', tokens: 1 + ((index * 7_919) % 4_096) }
}

const directory = mkdtempSync(join(tmpdir(), 'ippoc-bench-ledger-'))
const path = join(directory, 'economy', 'ledger.duckdb')
try {
  const rawWindows = [measureRawCrypto()]
  console.error(`raw node:crypto: ${Math.round(rawWindows[0]!.signPerSecond)} sign/s, ${Math.round(rawWindows[0]!.verifyPerSecond)} verify/s (one core)`)

  // Append: build + sign + hash + validate + store, batched; durable when the last commit returns.
  const signer = createEd25519Signer(randomBytes(32))
  const author = toHex(signer.publicKey)
  const writer = await openLedger({ path, rules: DEVNET_RULES })
  const grant = devnetGrant({ proposal: 'bench/genesis', author: signer.publicKey, to: author, currency: 'IPPC', amount: 10n ** 17n })
  await writer.append([buildMint(writer.ledger, signer, { grant })], { signatureVerified: true })
  const appendStarted = performance.now()
  const appendThreadCpu = process.threadCpuUsage()
  const appendProcessCpu = process.cpuUsage()
  let previousBatch: Promise<void> = Promise.resolve()
  for (let index = 0; index < entryCount; index++) {
    // The entry was signed here a moment ago, so the ledger need not verify it again.
    writer.stage(buildMetered(writer.ledger, signer, actionFor(index), { timestamp: Date.now() }), { signatureVerified: true })
    if ((index + 1) % batchEntries === 0 || index + 1 === entryCount) {
      const batch = writer.flush()
      await previousBatch
      previousBatch = batch
    }
  }
  await previousBatch
  const appendSeconds = (performance.now() - appendStarted) / 1000
  const appendCpu = { thread: cpuMicroseconds(process.threadCpuUsage(appendThreadCpu)) / entryCount, process: cpuMicroseconds(process.cpuUsage(appendProcessCpu)) / entryCount }
  const stateRoot = toHex(writer.ledger.stateRoot())
  await writer.close()
  const appendPerSecond = entryCount / appendSeconds
  console.error(`append: ${entryCount} entries in ${appendSeconds.toFixed(2)} s = ${Math.round(appendPerSecond)}/s (batches of ${batchEntries}); file ${(statSync(path).size / 2 ** 20).toFixed(1)} MiB`)
  console.error(`append CPU per entry: ${appendCpu.thread.toFixed(1)} µs on the main thread, ${appendCpu.process.toFixed(1)} µs in the whole process`)

  rawWindows.push(measureRawCrypto())

  // Verify: open from disk with the full-chain verify.
  const verifyWorkers = defaultVerifyWorkers()
  const verifyStarted = performance.now()
  const verifyProcessCpu = process.cpuUsage()
  const reader = await openLedger({ path, rules: DEVNET_RULES, create: false, verifyWorkers })
  const verifySeconds = (performance.now() - verifyStarted) / 1000
  const verifyCpuPerEntry = cpuMicroseconds(process.cpuUsage(verifyProcessCpu)) / entryCount
  if (toHex(reader.ledger.stateRoot()) !== stateRoot) throw new Error('the reopened ledger has another state root')
  const verifiedEntries = reader.openReport.entries
  await reader.close()
  const verifyPerSecond = verifiedEntries / verifySeconds
  console.error(`verify: ${verifiedEntries} entries in ${verifySeconds.toFixed(2)} s = ${Math.round(verifyPerSecond)}/s with ${reader.openReport.verifyWorkers} workers; ${verifyCpuPerEntry.toFixed(1)} µs CPU per entry in the whole process`)

  rawWindows.push(measureRawCrypto())
  const rawSignPerSecond = rawWindows.reduce((sum, window) => sum + window.signPerSecond, 0) / rawWindows.length
  const rawVerifyPerSecond = rawWindows.reduce((sum, window) => sum + window.verifyPerSecond, 0) / rawWindows.length
  const rawCpu = rawWindows.reduce((sum, window) => ({ sign: sum.sign + window.signCpuMicroseconds / rawWindows.length, verify: sum.verify + window.verifyCpuMicroseconds / rawWindows.length }), { sign: 0, verify: 0 })
  console.error(`raw CPU per operation: sign ${rawCpu.sign.toFixed(1)} µs, verify ${rawCpu.verify.toFixed(1)} µs (main-thread CPU ratio for append: ${(rawCpu.sign / appendCpu.thread).toFixed(3)})`)
  console.error(`raw windows: sign ${rawWindows.map((window) => Math.round(window.signPerSecond)).join(', ')}; verify ${rawWindows.map((window) => Math.round(window.verifyPerSecond)).join(', ')}`)
  const round = (value: number, digits = 0) => Number(value.toFixed(digits))
  console.log(
    JSON.stringify({
      bench: 'ledger',
      entries: entryCount,
      append_per_s: round(appendPerSecond),
      raw_sign_per_s: round(rawSignPerSecond),
      append_ratio: round(appendPerSecond / rawSignPerSecond, 3),
      verify_per_s: round(verifyPerSecond),
      raw_verify_per_s: round(rawVerifyPerSecond),
      verify_ratio: round(verifyPerSecond / rawVerifyPerSecond, 3),
      verify_workers: reader.openReport.verifyWorkers,
    }),
  )
} finally {
  rmSync(directory, { recursive: true, force: true })
}

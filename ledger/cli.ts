/**
 * `ippoc ledger demo | balance | verify | export | import`: a node's ledger from the command line.
 *
 * Every command opens the node's ledger file (`DIR/nodes/<id>/economy/ledger.duckdb`) with the whole
 * chain verified, so each is also a check of the file. `demo` and `import` write; the others read.
 * The environment variable `IPPOC_MACHINE_FACTS` is honoured as in `ippoc identity` (a test hook).
 */
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { MACHINE_FACTS_ENVIRONMENT_VARIABLE } from '../identity/cli.ts'
import {
  bootIdentity,
  IdentityAmbiguousError,
  IdentityNotFoundError,
  initIdentity,
  listNodeIds,
  machineFactsSourceFromJson,
  nodePaths,
  readMachineFacts,
  type MachineFactsSource,
  type NodeIdentity,
} from '../identity/index.ts'
import { resolveDataDirectory } from '../identity/node-paths.ts'
import { formatAmount } from './amount.ts'
import { BASE_UNITS_PER_COIN } from './constants.ts'
import { buildMint } from './build-entry.ts'
import type { MeteredAction } from './cost.ts'
import { CURRENCIES, toHex, type Outcome, type SignedEntry } from './entry.ts'
import { InsufficientFundsError } from './errors.ts'
import { parseExportLine, formatExportLine, splitExportFile } from './export-format.ts'
import { devnetGenesisGrant, genesisProposal } from './grant.ts'
import { checkEntries, openLedger, type OpenProgress, type PersistentLedger } from './persistent-ledger.ts'
import { DEVNET_RULES } from './rules.ts'
import { LedgerImportLineError, LedgerStoreInvalidArgumentError } from './store-errors.ts'
import { defaultVerifyWorkers, verifyEntrySignatures } from './verify-workers.ts'

const DEFAULT_DATA_DIRECTORY = './data'
/** The genesis allocation `demo` mints once per node: 100,000,000 IPPC, enough for over a million demo actions. */
export const DEMO_GENESIS_AMOUNT = 100_000_000n * BASE_UNITS_PER_COIN
/** Most actions one `demo` run appends. */
export const DEMO_ENTRIES_MAX = 10_000_000
/** Actions `demo` signs per transaction: the next batch is signed while this one commits. */
const DEMO_BATCH_ENTRIES = 1_000
/** Largest file `import` reads. */
export const IMPORT_FILE_BYTES_MAX = 1024 ** 3
/** Progress is printed for runs of at least this many entries. */
const PROGRESS_ENTRIES_MIN = 10_000

type NodeOptions = { dataDir: string; node?: string | undefined }
/** Options of `ippoc ledger demo`, as the command line gives them. */
export type DemoOptions = NodeOptions & { entries: string }
type BalanceOptions = NodeOptions & { json?: boolean }

/**
 * Adds the `ledger` command group to the `ippoc` program.
 *
 * @example
 * const program = new Command('ippoc')
 * registerLedgerCommands(program)
 * await program.parseAsync(['ledger', 'verify', '--data-dir', './data'], { from: 'user' })
 */
export function registerLedgerCommands(program: Command): void {
  const ledger = program.command('ledger').description("This node's signed double-entry ledger: demo entries, balances, verification, export and import.")
  const withNode = (command: Command) =>
    command
      .option('--data-dir <dir>', 'swarm data root holding nodes/<id>/', DEFAULT_DATA_DIRECTORY)
      .option('--node <id>', 'node id (needed when the data root holds several)')
  withNode(ledger.command('demo'))
    .description('Append N metered actions (inference and sandbox runs) to this node\'s ledger; creates the node and its genesis allocation if missing.')
    .requiredOption('--entries <n>', 'number of metered actions to append')
    .action((options: DemoOptions) => runLedgerDemo(options))
  withNode(ledger.command('balance'))
    .description('Verify the ledger and print every non-zero balance, the supply and the state root.')
    .option('--json', 'print the result as JSON')
    .action((options: BalanceOptions) => runBalance(options))
  withNode(ledger.command('verify'))
    .description('Verify every stored entry (bytes, ids, signatures, chains, rules); exit 1 naming the first bad one.')
    .action((options: NodeOptions) => runVerify(options))
  withNode(ledger.command('export'))
    .description('Write every stored entry to stdout as JSON lines (the format is documented in ledger/export-format.ts).')
    .action((options: NodeOptions) => runExport(options))
  withNode(ledger.command('import'))
    .description('Check every line of an export file, then store all its entries, or none if any line is invalid.')
    .argument('<file>', 'a file written by `ippoc ledger export`')
    .action((file: string, options: NodeOptions) => runImport(file, options))
}

// ---------------------------------------------------------------------------------------------
// demo

/**
 * Runs `ippoc ledger demo`: boots (or creates) the node, mints its devnet genesis allocation once,
 * appends `entries` metered actions and prints the balances and the state root.
 *
 * @example
 * await runLedgerDemo({ dataDir: './data', entries: '12' })
 */
export async function runLedgerDemo(options: DemoOptions): Promise<void> {
  const count = Number(options.entries)
  if (!Number.isSafeInteger(count) || count < 0 || count > DEMO_ENTRIES_MAX)
    throw new LedgerStoreInvalidArgumentError({ argument: '--entries', expected: `an integer from 0 to ${DEMO_ENTRIES_MAX}`, received: JSON.stringify(options.entries) })
  const { identity, created } = await bootOrInitIdentity(options)
  if (created) console.log(`No node identity in ${resolveDataDirectory(options.dataDir)}; created node ${identity.nodeId}.`)
  const persistent = await openWithProgress(identity.paths.ledgerDb, true)
  try {
    await ensureGenesis(persistent, identity)
    const startedMs = performance.now()
    const { appended, refusal } = await appendDemoActions(persistent, identity, count)
    const elapsedS = (performance.now() - startedMs) / 1000
    console.log(`Appended ${appended.total.toLocaleString('en-US')} metered actions (${appended.inference.toLocaleString('en-US')} inference, ${appended.tool.toLocaleString('en-US')} sandbox/tool) in ${elapsedS.toFixed(2)} s (${rate(appended.total, elapsedS)}/s), durable.`)
    printSummary(persistent, identity.nodeId)
    if (refusal !== undefined) throw refusal
  } finally {
    await persistent.close()
  }
}

async function ensureGenesis(persistent: PersistentLedger, identity: NodeIdentity): Promise<void> {
  const proposal = genesisProposal(identity.nodeId)
  for (const { entry } of persistent.stored()) {
    const { action } = entry.body
    if (entry.authorHex === identity.nodeId && action.type === 'mint' && action.grant.proposal === proposal) return
  }
  const grant = devnetGenesisGrant(identity.publicKey, DEMO_GENESIS_AMOUNT)
  await persistent.append([buildMint(persistent.ledger, identity, { grant })], { signatureVerified: true })
  console.log(`Minted the genesis allocation of ${formatCoins(DEMO_GENESIS_AMOUNT)} IPPC to this node (devnet grant ${proposal}).`)
}

const DEMO_MODELS = ['llama-3-8b', 'mistral-7b-instruct', 'qwen2-7b'] as const
const DEMO_TOOLS = ['sandbox:pytest', 'sandbox:lint', 'tool:git-diff', 'tool:grep'] as const
const DEMO_TOKENS_MAX = 4_096
const DEMO_RUN_MS_MAX = 5_000

/** The demo action of chain position `seq`: reserved at its largest use, settled at what it "used". Deterministic per seq. */
export function demoAction(seq: number): { estimate: MeteredAction; usage: { tokens?: number; durationMs?: number; outcome: Outcome } } {
  const outcome: Outcome = seq % 50 === 49 ? 'error' : 'ok'
  if (seq % 3 === 2) {
    const tool = DEMO_TOOLS[seq % DEMO_TOOLS.length]!
    return { estimate: { type: 'tool_exec', tool, durationMs: DEMO_RUN_MS_MAX }, usage: { durationMs: 100 + ((seq * 104_729) % (DEMO_RUN_MS_MAX - 100)), outcome } }
  }
  const model = DEMO_MODELS[seq % DEMO_MODELS.length]!
  return { estimate: { type: 'llm_inference', model, tokens: DEMO_TOKENS_MAX }, usage: { tokens: 1 + ((seq * 7_919) % DEMO_TOKENS_MAX), outcome } }
}

/** Runs `count` demo actions through the meter; batches commit while the next is signed. Stops at the first action the node cannot pay for. */
async function appendDemoActions(persistent: PersistentLedger, identity: NodeIdentity, count: number) {
  const meter = persistent.createMeter(identity)
  const appended = { total: 0, inference: 0, tool: 0 }
  const progress = progressPrinter('actions', count)
  let previousBatch: Promise<void> = Promise.resolve()
  let refusal: InsufficientFundsError | undefined
  for (let index = 0; index < count; index++) {
    const { estimate, usage } = demoAction(persistent.ledger.nextPosition(identity.nodeId).seq)
    let permit
    try {
      permit = meter.reserve(estimate)
    } catch (error) {
      if (!(error instanceof InsufficientFundsError)) throw error
      refusal = error
      break
    }
    permit.settle(usage)
    appended.total++
    appended[estimate.type === 'llm_inference' ? 'inference' : 'tool']++
    if (appended.total % DEMO_BATCH_ENTRIES === 0) {
      // At most two batches in flight: this one committing, the next being signed.
      const batch = persistent.flush()
      await previousBatch
      previousBatch = batch
      progress(appended.total)
    }
  }
  await previousBatch
  await persistent.flush()
  progress(appended.total)
  return { appended, refusal }
}

// ---------------------------------------------------------------------------------------------
// balance, verify

async function runBalance(options: BalanceOptions): Promise<void> {
  const { nodeId, paths } = await locateNode(options)
  const persistent = await openWithProgress(paths.ledgerDb, false)
  try {
    const ledger = persistent.ledger
    if (options.json) {
      const report = {
        nodeId,
        entries: persistent.storedCount,
        stateRoot: toHex(ledger.stateRoot()),
        supply: Object.fromEntries(CURRENCIES.map((currency) => [currency, ledger.supply(currency).toString()])),
        balances: ledger.balances().map(({ account, currency, amount }) => ({ account, currency, amount: amount.toString() })),
      }
      console.log(JSON.stringify(report, null, 2))
      return
    }
    printSummary(persistent, nodeId)
  } finally {
    await persistent.close()
  }
}

async function runVerify(options: NodeOptions): Promise<void> {
  const { paths } = await locateNode(options)
  const persistent = await openWithProgress(paths.ledgerDb, false)
  try {
    const { entries, elapsedMs, verifyWorkers } = persistent.openReport
    const seconds = elapsedMs / 1000
    console.log(`Verified ${entries.toLocaleString('en-US')} entries of ${persistent.path} in ${seconds.toFixed(2)} s (${rate(entries, seconds)} entries/s, ${verifyWorkers === 0 ? 'signatures checked on the main thread' : `${verifyWorkers} signature workers`}).`)
    console.log('Every entry decodes to its canonical bytes, its id is SHA-256 of them, its signature verifies, its chain links hold and it follows the ledger rules.')
    console.log(`${'state root'.padEnd(12)}${toHex(persistent.ledger.stateRoot())}`)
  } finally {
    await persistent.close()
  }
}

function printSummary(persistent: PersistentLedger, nodeId: string): void {
  const ledger = persistent.ledger
  const rows: [string, string][] = [
    ['node', nodeId],
    ['ledger', `${persistent.path} (${persistent.storedCount.toLocaleString('en-US')} entries)`],
  ]
  ledger.balances().forEach(({ account, currency, amount }, index) => rows.push([index === 0 ? 'balances' : '', `${account.padEnd(64)}  ${formatCoins(amount).padStart(26)} ${currency}${account === nodeId ? '  (this node)' : ''}`]))
  for (const currency of CURRENCIES) if (ledger.supply(currency) !== 0n) rows.push(['supply', `${formatCoins(ledger.supply(currency))} ${currency}`])
  rows.push(['state root', toHex(ledger.stateRoot())])
  for (const [label, value] of rows) console.log(`${label.padEnd(12)}${value}`)
}

// ---------------------------------------------------------------------------------------------
// export, import

async function runExport(options: NodeOptions): Promise<void> {
  const { paths } = await locateNode(options)
  const persistent = await openWithProgress(paths.ledgerDb, false)
  try {
    let chunk = ''
    let count = 0
    for (const { entry } of persistent.stored()) {
      chunk += `${formatExportLine(entry)}\n`
      count++
      if (chunk.length >= 1 << 16) {
        await writeStdout(chunk)
        chunk = ''
      }
    }
    await writeStdout(chunk)
    console.error(`Exported ${count.toLocaleString('en-US')} entries; state root ${toHex(persistent.ledger.stateRoot())}.`)
  } finally {
    await persistent.close()
  }
}

async function writeStdout(text: string): Promise<void> {
  if (text.length > 0 && !process.stdout.write(text)) await once(process.stdout, 'drain')
}

async function runImport(file: string, options: NodeOptions): Promise<void> {
  const bytes = await readFile(file)
  if (bytes.length > IMPORT_FILE_BYTES_MAX) throw new LedgerImportLineError({ file, line: 1, problem: `the file is ${bytes.length} bytes; at most ${IMPORT_FILE_BYTES_MAX} are imported at once` })
  const lines = splitExportFile(bytes, file)
  const target = await findImportTarget(options)
  // With an existing ledger, it stays open (and locked) from the check to the write.
  const persistent = target.ledgerPath !== undefined && existsSync(target.ledgerPath) ? await openWithProgress(target.ledgerPath, false) : undefined
  try {
    const entries = await checkImportLines(file, lines, persistent)
    let writer = persistent
    if (writer === undefined) {
      const { identity, created } = await bootOrInitIdentity(options)
      if (created) console.log(`No node identity in ${resolveDataDirectory(options.dataDir)}; created node ${identity.nodeId}.`)
      writer = await openLedger({ path: identity.paths.ledgerDb, rules: DEVNET_RULES })
    }
    try {
      const before = writer.storedCount
      const verdicts = await writer.add(entries, { signatureVerified: true })
      const duplicates = verdicts.filter((verdict) => verdict.status === 'duplicate').length
      console.log(`Imported ${(writer.storedCount - before).toLocaleString('en-US')} entries from ${file} (${duplicates.toLocaleString('en-US')} already present) into ${writer.path}.`)
      console.log(`${'state root'.padEnd(12)}${toHex(writer.ledger.stateRoot())}`)
    } finally {
      if (writer !== persistent) await writer.close()
    }
  } finally {
    await persistent?.close()
  }
}

/**
 * Checks every line, and returns the entries only if all are valid: JSON shape and view = raw,
 * id, signature, then chain and rules against what the target holds. Throws for the first bad line.
 */
async function checkImportLines(file: string, lines: readonly { line: number; text: string }[], persistent: PersistentLedger | undefined): Promise<SignedEntry[]> {
  const entries: SignedEntry[] = []
  let firstError: LedgerImportLineError | undefined
  for (const { line, text } of lines) {
    try {
      entries.push(parseExportLine(text))
    } catch (error) {
      firstError = new LedgerImportLineError({ file, line, problem: (error as Error & { shortMessage?: string }).shortMessage ?? String(error), cause: error })
      break
    }
  }
  const valid = await verifyEntrySignatures(entries, { workers: defaultVerifyWorkers() })
  const badSignature = valid.indexOf(0)
  if (badSignature !== -1) {
    entries.length = badSignature
    firstError = new LedgerImportLineError({ file, line: lines[badSignature]!.line, problem: 'sig is not the author’s Ed25519 signature of id' })
  }
  // Rules are checked on the valid prefix; waiting entries only count as errors if the whole file is valid.
  const check = checkEntries({ rules: DEVNET_RULES, stored: persistent?.stored() ?? [], entries, signatureVerified: true, requireSettled: firstError === undefined })
  if (!check.ok) throw new LedgerImportLineError({ file, line: lines[check.index]!.line, problem: check.problem, cause: check.cause })
  if (firstError !== undefined) throw firstError
  return entries
}

/** Where an import goes: the chosen node's ledger, or (when the data root has no node) a node created after the check. */
async function findImportTarget(options: NodeOptions): Promise<{ ledgerPath: string | undefined }> {
  const nodeIds = await listNodeIds(options.dataDir)
  if (nodeIds.length === 0 && options.node === undefined) return { ledgerPath: undefined }
  return { ledgerPath: (await locateNode(options)).paths.ledgerDb }
}

// ---------------------------------------------------------------------------------------------
// shared

/** Finds the node whose ledger a read-only command opens; reading needs no key, so this does not boot the identity. */
async function locateNode({ dataDir, node }: NodeOptions) {
  const dataDirectory = resolveDataDirectory(dataDir)
  const available = await listNodeIds(dataDirectory)
  const nodeId = node?.toLowerCase() ?? available[0]
  if (nodeId === undefined || !available.includes(nodeId)) throw new IdentityNotFoundError({ dataDirectory, nodeId: node, available })
  if (node === undefined && available.length > 1) throw new IdentityAmbiguousError({ dataDirectory, available })
  return { nodeId, paths: nodePaths(dataDirectory, nodeId) }
}

/** Boots the node identity, or creates one when the data root holds none and no node was named. */
async function bootOrInitIdentity({ dataDir, node }: NodeOptions): Promise<{ identity: NodeIdentity; created: boolean }> {
  const machineFacts = machineFactsSource()
  if (node === undefined && (await listNodeIds(dataDir)).length === 0) return { identity: await initIdentity({ dataDir, machineFacts }), created: true }
  return { identity: await bootIdentity({ dataDir, nodeId: node?.toLowerCase(), machineFacts }), created: false }
}

function machineFactsSource(): MachineFactsSource {
  const json = process.env[MACHINE_FACTS_ENVIRONMENT_VARIABLE]
  if (json === undefined || json === '') return readMachineFacts
  console.error(`warning: using machine facts from ${MACHINE_FACTS_ENVIRONMENT_VARIABLE} (a test hook), not this machine's.`)
  return machineFactsSourceFromJson(json, `the ${MACHINE_FACTS_ENVIRONMENT_VARIABLE} environment variable`)
}

/** Opens a ledger with full verification, printing progress to stderr when it is large. */
async function openWithProgress(path: string, create: boolean): Promise<PersistentLedger> {
  const startedMs = performance.now()
  let print: ((done: number) => void) | undefined
  const onProgress = ({ verified, total }: OpenProgress) => {
    print ??= progressPrinter('entries verified', total, startedMs)
    print(verified)
  }
  return openLedger({ path, rules: DEVNET_RULES, create, onProgress })
}

/** Prints `done/total` to stderr about every tenth of the way and at the end, for runs of at least PROGRESS_ENTRIES_MIN. */
function progressPrinter(what: string, total: number, startedMs = performance.now()): (done: number) => void {
  let nextMark = total / 10
  let printed = 0
  return (done) => {
    if (total < PROGRESS_ENTRIES_MIN || done === printed || (done < nextMark && done < total)) return
    nextMark = done + total / 10
    printed = done
    const seconds = (performance.now() - startedMs) / 1000
    console.error(`  ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${what} (${rate(done, seconds)}/s)`)
  }
}

/** A base-unit amount as coins with thousands separators: 1234567890000n → '1,234,567.89'. */
function formatCoins(amount: bigint): string {
  const [whole = '', fraction] = formatAmount(amount).split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return fraction === undefined ? grouped : `${grouped}.${fraction}`
}

function rate(count: number, seconds: number): string {
  return seconds > 0 ? Math.round(count / seconds).toLocaleString('en-US') : '–'
}

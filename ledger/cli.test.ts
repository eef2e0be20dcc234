/**
 * `ippoc ledger …` end to end: the real CLI is spawned in temporary data roots. Export lines are
 * checked by an independent verifier that uses only node:crypto, and byte flips anywhere in an
 * export must make import refuse the file and leave the target as it was.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash, createPublicKey, verify } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { blobValue, DuckDBInstance } from '@duckdb/node-api'
import { registerLedgerCommands } from './cli.ts'
import { exportView, formatExportLine, parseExportLine, splitExportFile } from './export-format.ts'
import { seededRandom } from './fixtures/crash-writer.ts'
import { openLedger } from './persistent-ledger.ts'
import { DEVNET_RULES } from './rules.ts'
import { buildWorkload, testSigner as fixtureSigner } from './testing.ts'

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url))
const SEED = Number(process.env.IPPOC_CLI_FLIP_SEED ?? Math.floor(Math.random() * 2 ** 31))

const temporaryRoot = mkdtempSync(join(tmpdir(), 'ippoc-ledger-cli-test-'))
after(() => rmSync(temporaryRoot, { recursive: true, force: true }))
let directoryCounter = 0
const freshDirectory = () => join(temporaryRoot, `d${directoryCounter++}`)

type CliResult = { code: number; stdout: string; stderr: string }

/** Runs `ippoc ledger <args>` in a child process. */
function ippocLedger(...args: string[]): Promise<CliResult> {
  const nodeArgs = ['cli/ippoc.ts', 'ledger', ...args]
  return new Promise((resolve) => {
    execFile(process.execPath, nodeArgs, { cwd: repositoryRoot, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr })
    })
  })
}

/** Runs `ippoc ledger import` in this process (same command code, no process start): for the many flip cases. */
async function importInProcess(file: string, dataDirectory: string): Promise<unknown> {
  const program = new Command('ippoc').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} })
  registerLedgerCommands(program)
  const log = console.log
  console.log = () => {}
  try {
    await program.parseAsync(['ledger', 'import', file, '--data-dir', dataDirectory], { from: 'user' })
    return undefined
  } catch (error) {
    return error
  } finally {
    console.log = log
  }
}

const stateRootOf = (output: string) => /state root\s+([0-9a-f]{64})/.exec(output)?.[1]

/** Every file under a directory with its size and SHA-256: equal snapshots mean nothing changed. */
function snapshot(directory: string): Record<string, string> {
  const files: Record<string, string> = {}
  if (!existsSync(directory)) return files
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const child = join(path, name)
      if (statSync(child).isDirectory()) walk(child)
      else files[relative(directory, child)] = createHash('sha256').update(readFileSync(child)).digest('hex')
    }
  }
  walk(directory)
  return files
}

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/**
 * An export checker written from the format's description with node:crypto only: id = SHA-256(raw),
 * sig = Ed25519(author, id bytes), chains from seq 0 with prev links, legs sum to zero per currency.
 */
function verifyExportIndependently(text: string): number {
  const lines = text.split('\n')
  assert.equal(lines.pop(), '', 'the export ends with a newline')
  const heads = new Map<string, { seq: number; id: string }>()
  for (const [index, line] of lines.entries()) {
    const entry = JSON.parse(line) as { author: string; seq: number; prev: string | null; legs: { currency: string; amount: string }[]; id: string; sig: string; raw: string }
    assert.deepEqual(Object.keys(entry), ['author', 'seq', 'prev', 'timestamp', 'action', 'legs', 'outcome', 'id', 'sig', 'raw'], `line ${index + 1}`)
    assert.equal(createHash('sha256').update(Buffer.from(entry.raw, 'hex')).digest('hex'), entry.id, `line ${index + 1}: id`)
    const publicKey = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(entry.author, 'hex')]), format: 'der', type: 'spki' })
    assert.ok(verify(null, Buffer.from(entry.id, 'hex'), publicKey, Buffer.from(entry.sig, 'hex')), `line ${index + 1}: signature`)
    const head = heads.get(entry.author)
    assert.equal(entry.seq, head === undefined ? 0 : head.seq + 1, `line ${index + 1}: seq`)
    assert.equal(entry.prev, head === undefined ? null : head.id, `line ${index + 1}: prev`)
    heads.set(entry.author, { seq: entry.seq, id: entry.id })
    const sums = new Map<string, bigint>()
    for (const leg of entry.legs) {
      assert.match(leg.amount, /^-?[1-9][0-9]*$/, `line ${index + 1}: amount is a decimal integer string`)
      sums.set(leg.currency, (sums.get(leg.currency) ?? 0n) + BigInt(leg.amount))
    }
    for (const [currency, sum] of sums) assert.equal(sum, 0n, `line ${index + 1}: ${currency} legs sum to zero`)
  }
  return lines.length
}

describe('ippoc ledger (CLI)', () => {
  const source = freshDirectory()
  let demoOutput: CliResult
  let exportText = ''
  let exportFile = ''

  before(async () => {
    demoOutput = await ippocLedger('demo', '--data-dir', source, '--entries', '300')
    const exported = await ippocLedger('export', '--data-dir', source)
    assert.equal(exported.code, 0, exported.stderr)
    exportText = exported.stdout
    exportFile = join(temporaryRoot, 'source.jsonl')
    writeFileSync(exportFile, exportText)
  })

  test('every command has --help', async () => {
    const { code, stdout } = await ippocLedger('--help')
    assert.equal(code, 0)
    for (const command of ['demo', 'balance', 'verify', 'export', 'import']) assert.match(stdout, new RegExp(`\\n\\s+${command}\\b`))
    // The sub-commands' help, from the same program in this process (each spawn costs a second).
    const program = new Command('ippoc')
    registerLedgerCommands(program)
    const ledger = program.commands.find((command) => command.name() === 'ledger')!
    for (const command of ledger.commands) {
      const help = command.helpInformation()
      assert.match(help, /--data-dir/, command.name())
      assert.ok(command.description().length > 20, command.name())
    }
    const demo = await ippocLedger('demo', '--help')
    assert.equal(demo.code, 0)
    assert.match(demo.stdout, /Usage: ippoc ledger demo \[options\]/)
    assert.match(demo.stdout, /--entries <n>/)
  })

  test('demo creates the node, mints the genesis allocation once, and appends the actions', async () => {
    assert.equal(demoOutput.code, 0, demoOutput.stderr)
    assert.match(demoOutput.stdout, /created node [0-9a-f]{64}/)
    assert.match(demoOutput.stdout, /Minted the genesis allocation of 100,000,000 IPPC/)
    assert.match(demoOutput.stdout, /Appended 300 metered actions \(200 inference, 100 sandbox\/tool\)/)
    assert.ok(stateRootOf(demoOutput.stdout))
    const balance = await ippocLedger('balance', '--data-dir', source, '--json')
    assert.equal(balance.code, 0, balance.stderr)
    const report = JSON.parse(balance.stdout) as { entries: number; stateRoot: string; supply: { IPPC: string }; balances: { account: string; amount: string }[] }
    assert.equal(report.entries, 301)
    assert.equal(report.stateRoot, stateRootOf(demoOutput.stdout))
    assert.equal(report.supply.IPPC, (100_000_000n * 1_000_000n).toString())
    assert.equal(report.balances.reduce((sum, line) => sum + BigInt(line.amount), 0n), 0n, 'balances sum to zero')
  })

  test('export passes an independent node:crypto verifier', () => {
    assert.equal(verifyExportIndependently(exportText), 301)
  })

  test('import into a fresh data root reproduces the state root; verify agrees; a second import adds nothing', async () => {
    const target = freshDirectory()
    const imported = await ippocLedger('import', exportFile, '--data-dir', target)
    assert.equal(imported.code, 0, imported.stderr)
    assert.match(imported.stdout, /Imported 301 entries/)
    assert.equal(stateRootOf(imported.stdout), stateRootOf(demoOutput.stdout))
    const verified = await ippocLedger('verify', '--data-dir', target)
    assert.equal(verified.code, 0, verified.stderr)
    assert.match(verified.stdout, /Verified 301 entries/)
    assert.equal(stateRootOf(verified.stdout), stateRootOf(demoOutput.stdout))
    const again = await ippocLedger('import', exportFile, '--data-dir', target)
    assert.equal(again.code, 0, again.stderr)
    assert.match(again.stdout, /Imported 0 entries .*\(301 already present\)/)
  })

  test(`a byte flipped anywhere in the export makes import refuse the file and change nothing (seed ${SEED})`, async (t) => {
    t.diagnostic(`replay with IPPOC_CLI_FLIP_SEED=${SEED}`)
    const random = seededRandom(SEED)
    const bytes = Buffer.from(exportText)
    const secondLineStart = bytes.indexOf(0x0a) + 1
    const secondLine = bytes.subarray(secondLineStart, bytes.indexOf(0x0a, secondLineStart)).toString()
    const offsetOf = (needle: string, extra = 0) => secondLineStart + secondLine.indexOf(needle) + extra
    // Aimed flips (inside raw, sig, id, an amount, JSON punctuation, the newline) and random ones.
    const aimed = [
      offsetOf('"raw":"', 7 + 40),
      offsetOf('"sig":"', 7 + 3),
      offsetOf('"id":"', 6 + 63),
      offsetOf('"amount":"', 11),
      offsetOf('"amount":"-'),
      offsetOf('{'),
      offsetOf(','),
      offsetOf(':'),
      offsetOf('"seq"', 1),
      offsetOf('"timestamp":', 13),
      offsetOf('IPPC'),
      secondLineStart - 1,
      bytes.length - 1,
    ]
    const offsets = [...aimed, ...Array.from({ length: 47 }, () => Math.floor(random() * bytes.length))]
    const target = freshDirectory()
    const populated = freshDirectory()
    const seeded = await ippocLedger('import', exportFile, '--data-dir', populated)
    assert.equal(seeded.code, 0, seeded.stderr)
    const populatedBefore = snapshot(populated)
    const flipped = join(temporaryRoot, 'flipped.jsonl')
    for (const [index, offset] of offsets.entries()) {
      const copy = Buffer.from(bytes)
      copy[offset]! ^= 1 + Math.floor(random() * 255)
      writeFileSync(flipped, copy)
      // A few through the real CLI, the rest in-process through the same command.
      if (index < 4) {
        const result = await ippocLedger('import', flipped, '--data-dir', index % 2 === 0 ? target : populated)
        assert.equal(result.code, 1, `offset ${offset}: ${result.stdout}`)
        assert.match(result.stderr, /error: Import refused: line \d+ of .* is invalid/)
      } else {
        const error = (await importInProcess(flipped, index % 2 === 0 ? target : populated)) as Error | undefined
        assert.equal(error?.name, 'LedgerImportLineError', `offset ${offset} (byte ${bytes[offset]}): ${error?.message ?? 'accepted'}`)
      }
    }
    assert.deepEqual(snapshot(target), {}, 'a refused import into a fresh data root creates nothing')
    assert.deepEqual(snapshot(populated), populatedBefore, 'a refused import leaves an existing ledger as it was')
  })

  test('a ledger held by another process gets a clear error naming the holder', async () => {
    const nodes = readdirSync(join(source, 'nodes'))
    const holder = await openLedger({ path: join(source, 'nodes', nodes[0]!, 'economy', 'ledger.duckdb'), rules: DEVNET_RULES })
    try {
      const result = await ippocLedger('balance', '--data-dir', source)
      assert.equal(result.code, 1)
      const shown = result.stderr.replaceAll(holder.path, '<ledger>').replaceAll(String(process.pid), '<pid>').replaceAll(process.execPath, '<node>')
      assert.equal(
        shown.trim().split('\n').filter((line) => !line.startsWith('warning:')).join('\n'),
        [
          'error: Another process holds the ledger <ledger>.',
          '  details: It is held by PID <pid> (<node>).',
          '  hint: A ledger file is written by one process at a time. Stop the other ippoc process (or wait for it to finish) and try again.',
          '  hint: To run a second node on this machine, give it its own --data-dir.',
        ].join('\n'),
      )
    } finally {
      await holder.close()
    }
    assert.equal((await ippocLedger('balance', '--data-dir', source)).code, 0)
  })

  test('verify exits 1 naming the first bad entry of a tampered ledger', async () => {
    const target = freshDirectory()
    assert.equal((await ippocLedger('import', exportFile, '--data-dir', target)).code, 0)
    const path = join(target, 'nodes', readdirSync(join(target, 'nodes'))[0]!, 'economy', 'ledger.duckdb')
    const instance = await DuckDBInstance.create(path)
    const connection = await instance.connect()
    const sig = Buffer.from((JSON.parse(exportText.split('\n')[42]!) as { sig: string }).sig, 'hex')
    sig[5]! ^= 0x10
    await connection.run('UPDATE entries SET sig = $1 WHERE position = 42', [blobValue(sig)])
    connection.closeSync()
    instance.closeSync()
    const result = await ippocLedger('verify', '--data-dir', target)
    assert.equal(result.code, 1)
    assert.match(result.stderr, /error: Stored ledger entry 42 is invalid: its signature does not verify/)
  })

  test('commands on a data root without a node or ledger say what to do', async () => {
    const empty = freshDirectory()
    const result = await ippocLedger('verify', '--data-dir', empty)
    assert.equal(result.code, 1)
    assert.match(result.stderr, /error: No node identity in/)
    assert.match(result.stderr, /hint: /)
    const badCount = await ippocLedger('demo', '--data-dir', empty, '--entries', 'many')
    assert.equal(badCount.code, 1)
    assert.match(badCount.stderr, /Invalid --entries/)
    assert.deepEqual(snapshot(empty), {})
  })
})

describe('export line format', () => {
  const signers = ['f0', 'f1', 'f2'].map(fixtureSigner)
  const random = seededRandom(1)
  const steps = Array.from({ length: 200 }, () => ({ kind: Math.floor(random() * 9), who: Math.floor(random() * 3), target: Math.floor(random() * 1000), amount: Math.floor(random() * 100_000) }))
  const entries = buildWorkload(steps, signers)

  test('formats and parses every action type both ways', () => {
    const types = new Set(entries.map((entry) => entry.body.action.type))
    for (const type of ['mint', 'transfer', 'receive', 'llm_inference', 'tool_exec', 'dao_fee', 'bounty_payout', 'burn']) assert.ok(types.has(type as never), `the workload has a ${type}`)
    for (const entry of entries) {
      const line = formatExportLine(entry)
      const parsed = parseExportLine(line)
      assert.equal(parsed.idHex, entry.idHex)
      assert.deepEqual(Buffer.from(parsed.raw), Buffer.from(entry.raw))
      assert.deepEqual(Buffer.from(parsed.sig), Buffer.from(entry.sig))
      assert.equal(formatExportLine(parsed), line)
    }
  })

  test('refuses a view that disagrees with raw, or any other spelling of the line', () => {
    const entry = entries.find((each) => each.body.legs.length === 2)!
    const view = exportView(entry)
    const cases: [string, string][] = [
      ['an amount', JSON.stringify({ ...view, legs: [{ ...view.legs[0]!, amount: '-1' }, view.legs[1]] })],
      ['the seq', JSON.stringify({ ...view, seq: view.seq + 1 })],
      ['the action', JSON.stringify({ ...view, action: { ...view.action, type: 'transfer' } })],
      ['uppercase hex', JSON.stringify({ ...view, sig: view.sig.toUpperCase() })],
      ['keys in another order', JSON.stringify((({ seq, ...rest }) => ({ seq, ...rest }))(view))],
      ['an extra key', JSON.stringify({ ...view, note: 'x' })],
      ['spaces', JSON.stringify(view, null, 1).replaceAll('\n', '')],
      ['an id that is not SHA-256(raw)', JSON.stringify({ ...view, id: '00'.repeat(32) })],
      ['raw that is not canonical', JSON.stringify({ ...view, raw: `${view.raw}00` })],
      ['not JSON', formatExportLine(entry).slice(0, -1)],
    ]
    for (const [label, line] of cases) assert.throws(() => parseExportLine(line), { name: 'LedgerExportFormatError' }, label)
  })

  test('splits files on newlines and names the line of bad UTF-8 or an empty line', () => {
    const line = formatExportLine(entries[0]!)
    assert.equal(splitExportFile(Buffer.from(`${line}\n${line}`), 'f').length, 2)
    assert.throws(() => splitExportFile(Buffer.from(`${line}\n\n${line}\n`), 'f'), (error: Error & { line?: number }) => error.name === 'LedgerImportLineError' && error.line === 2)
    assert.throws(() => splitExportFile(Buffer.concat([Buffer.from(`${line}\n`), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]), 'f'), (error: Error & { line?: number }) => error.line === 2)
  })
})

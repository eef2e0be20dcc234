/**
 * The ledger export format (`ippoc ledger export` / `ippoc ledger import`): JSON lines, one entry a
 * line, UTF-8, each line ended by `\n`, in the order the exporting node took the entries in (so
 * that every entry comes after the entries it builds on).
 *
 * One line, keys in exactly this order, compact (no spaces):
 *
 * | key         | value                                                                              |
 * |-------------|------------------------------------------------------------------------------------|
 * | `author`    | the author's Ed25519 public key, 64 lowercase hex characters                        |
 * | `seq`       | position in the author's chain: 0, 1, 2, …                                          |
 * | `prev`      | hex id of the author's entry at `seq − 1`; `null` when `seq` is 0                   |
 * | `timestamp` | milliseconds since the Unix epoch, from the author's clock                          |
 * | `action`    | the action as JSON, `type` first: `llm_inference {tokens, model}`, `tool_exec {tool, durationMs}`, `evolution_sim {proposal, durationMs}`, `transfer {memo}`, `receive {source}` (hex id), `dao_fee {proposal}`, `bounty_payout {target, grant}`, `mint {grant}`, `burn {grant}`; a grant is `{proposal, author, from, to, currency, amount, authority, sig}` with amount a decimal string and keys and signature in hex |
 * | `legs`      | `[{"account", "currency", "amount"}]`, amount a decimal integer string of base units (1 IPPC = 1,000,000) |
 * | `outcome`   | `"ok"` or `"error"`                                                                |
 * | `id`        | SHA-256 of `raw`, lowercase hex                                                      |
 * | `sig`       | the author's Ed25519 signature over the 32 bytes of `id`, lowercase hex              |
 * | `raw`       | the canonical CBOR bytes of the entry, lowercase hex                                  |
 *
 * `raw` and `sig` are the source of truth; every other field is a readable view of `raw`. Parsing
 * recomputes the view from `raw` and refuses the line unless the text is exactly the view
 * {@link formatExportLine} writes, so no edit to any byte of a line goes unnoticed. Parsing checks
 * bytes, id and view; the signature, the chain and the ledger rules are checked by the importer.
 *
 * `ippoc ledger import` takes a file whole or not at all. Every line must parse, carry a valid
 * signature, and be taken by the ledger after the entries already stored and the lines before it:
 * counted, or kept as the second half of a fork. Lines already stored are skipped. A line the
 * rules refuse, or one still waiting at the end for an entry that is neither stored nor in the
 * file, refuses the whole file (so an export that holds refused evidence, such as an author's
 * entries after its fork, does not import).
 */
import { ENTRY_BYTES_MAX } from './constants.ts'
import { decodeSignedEntry, type Action, type Grant, type SignedEntry } from './entry.ts'
import { LedgerExportFormatError, LedgerImportLineError } from './store-errors.ts'

/** Longest export line accepted, in characters: an entry of the largest size in hex (2×), plus its view (under 3×), plus the rest. */
export const EXPORT_LINE_CHARS_MAX = 6 * ENTRY_BYTES_MAX

/** A JSON value as the export writes it: no bigints, no bytes. */
export type ExportJson = string | number | boolean | null | readonly ExportJson[] | { readonly [key: string]: ExportJson }

/** One line of the export, parsed. */
export type ExportLine = {
  readonly author: string
  readonly seq: number
  readonly prev: string | null
  readonly timestamp: number
  readonly action: { readonly type: string; readonly [field: string]: ExportJson }
  readonly legs: readonly { readonly account: string; readonly currency: string; readonly amount: string }[]
  readonly outcome: string
  readonly id: string
  readonly sig: string
  readonly raw: string
}

const LINE_KEYS = ['author', 'seq', 'prev', 'timestamp', 'action', 'legs', 'outcome', 'id', 'sig', 'raw'] as const
const LOWER_HEX = /^(?:[0-9a-f]{2})*$/

/**
 * Returns the readable view of an entry, the object written as one export line.
 *
 * @example
 * exportView(entry).legs // [{ account: 'ab…', currency: 'IPPC', amount: '-10200000' }, …]
 */
export function exportView(entry: SignedEntry): ExportLine {
  const { body } = entry
  return {
    author: hex(body.author),
    seq: body.seq,
    prev: body.prev === null ? null : hex(body.prev),
    timestamp: body.timestamp,
    action: actionView(body.action),
    legs: body.legs.map((leg) => ({ account: leg.account, currency: leg.currency, amount: leg.amount.toString() })),
    outcome: body.outcome,
    id: entry.idHex,
    sig: hex(entry.sig),
    raw: hex(entry.raw),
  }
}

/**
 * Formats an entry as one export line (without the trailing newline).
 *
 * @example
 * process.stdout.write(formatExportLine(entry) + '\n')
 */
export function formatExportLine(entry: SignedEntry): string {
  return JSON.stringify(exportView(entry))
}

/**
 * Parses one export line back into a signed entry, checking that `raw` is canonical, that `id` is
 * SHA-256 of `raw`, and that every view field equals what `raw` says. Throws
 * {@link LedgerExportFormatError} saying which field is wrong. Does not check the signature.
 *
 * @example
 * const entry = parseExportLine(line) // entry.raw, entry.sig: ready for the ledger
 */
export function parseExportLine(line: string): SignedEntry {
  if (typeof line !== 'string') fail(`expected a string, got ${typeof line}`)
  if (line.length > EXPORT_LINE_CHARS_MAX) fail(`the line is ${line.length} characters, the limit is ${EXPORT_LINE_CHARS_MAX}`)
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch (error) {
    fail(`not JSON (${(error as Error).message})`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail('expected a JSON object')
  const fields = parsed as Record<string, unknown>
  const keys = Object.keys(fields)
  if (keys.length !== LINE_KEYS.length || !LINE_KEYS.every((key, index) => keys[index] === key))
    fail(`expected the keys ${LINE_KEYS.join(', ')} in this order, got ${keys.join(', ')}`)
  const raw = hexField(fields.raw, 'raw', undefined)
  const sig = hexField(fields.sig, 'sig', 64)
  const id = hexField(fields.id, 'id', 32)
  let entry: SignedEntry
  try {
    entry = decodeSignedEntry(raw, sig)
  } catch (error) {
    fail(`raw is not a canonical entry: ${(error as Error).message.split('\n')[0]}`, error)
  }
  if (entry.idHex !== hex(id)) fail(`id is not SHA-256(raw): raw hashes to ${entry.idHex}`)
  const view = exportView(entry)
  for (const key of LINE_KEYS) {
    if (JSON.stringify(fields[key]) !== JSON.stringify(view[key]))
      fail(`field "${key}" is ${clip(JSON.stringify(fields[key]))} but raw says ${clip(JSON.stringify(view[key]))}`)
  }
  // Equal fields can still be written differently (spaces, escapes); one entry has one line.
  if (line !== JSON.stringify(view)) fail('the line is not in canonical form (spacing or escapes differ from what `ippoc ledger export` writes)')
  return entry
}

/**
 * Splits an export file into lines: `\n`-separated, a final newline optional, no empty lines and
 * no invalid UTF-8. Returns the lines with their 1-based numbers, or throws
 * {@link LedgerImportLineError} saying which line.
 *
 * @example
 * for (const { line, text } of splitExportFile(readFileSync(file), file)) parseExportLine(text)
 */
export function splitExportFile(bytes: Uint8Array, file: string): { line: number; text: string }[] {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const lines: { line: number; text: string }[] = []
  let start = 0
  let number = 1
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start)
    if (end === -1) end = bytes.length
    let text: string
    try {
      text = decoder.decode(bytes.subarray(start, end))
    } catch (error) {
      throw new LedgerImportLineError({ file, line: number, problem: 'the line is not valid UTF-8', cause: error })
    }
    if (text.length === 0) throw new LedgerImportLineError({ file, line: number, problem: 'the line is empty' })
    lines.push({ line: number, text })
    start = end + 1
    number++
  }
  return lines
}

/** The action as JSON, `type` first and then its fields in a fixed order, whatever order the object holds them in. */
function actionView(action: Action): ExportLine['action'] {
  switch (action.type) {
    case 'llm_inference':
      return { type: action.type, tokens: action.tokens, model: action.model }
    case 'tool_exec':
      return { type: action.type, tool: action.tool, durationMs: action.durationMs }
    case 'evolution_sim':
      return { type: action.type, proposal: action.proposal, durationMs: action.durationMs }
    case 'transfer':
      return { type: action.type, memo: action.memo }
    case 'receive':
      return { type: action.type, source: hex(action.source) }
    case 'dao_fee':
      return { type: action.type, proposal: action.proposal }
    case 'bounty_payout':
      return { type: action.type, target: action.target, grant: grantView(action.grant) }
    case 'mint':
    case 'burn':
      return { type: action.type, grant: grantView(action.grant) }
  }
}

function grantView(grant: Grant): { readonly [key: string]: ExportJson } {
  return {
    proposal: grant.proposal,
    author: hex(grant.author),
    from: grant.from,
    to: grant.to,
    currency: grant.currency,
    amount: grant.amount.toString(),
    authority: hex(grant.authority),
    sig: hex(grant.sig),
  }
}

function hexField(value: unknown, name: string, length: number | undefined): Uint8Array {
  if (typeof value !== 'string' || !LOWER_HEX.test(value)) fail(`field "${name}" must be lowercase hex`)
  const bytes = new Uint8Array(Buffer.from(value, 'hex'))
  if (length !== undefined && bytes.length !== length) fail(`field "${name}" must be ${length} bytes, got ${bytes.length}`)
  return bytes
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

function clip(text: string): string {
  return text.length > 90 ? `${text.slice(0, 87)}...` : text
}

function fail(problem: string, cause?: unknown): never {
  throw new LedgerExportFormatError({ problem, cause })
}

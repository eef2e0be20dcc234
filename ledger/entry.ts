/**
 * Ledger entries: their shape, their one canonical encoding (deterministic CBOR), their id and
 * signature. Everything here is pure and runs the same in Node and in the browser.
 *
 * An entry's `raw` bytes are the canonical CBOR of its body, `id = SHA-256(raw)` and
 * `sig = Ed25519(author, id)`: the signature covers the 32 bytes of the id.
 *
 * The canonical form is what cborg's default encoder produces for the body's CBOR value
 * ({@link entryBodyCborValue}): map keys sorted length-first, then bytewise; integers in their
 * shortest form; no floats, tags or indefinite lengths. Entries are encoded and decoded by a
 * hand-written codec for this one schema (appending is the ledger's hot path); a property test
 * proves it byte-equal to cborg over random bodies, and decoding re-encodes and compares, so a body
 * has exactly one accepted byte string.
 */
import { encode } from 'cborg'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { bytesToHex as nobleBytesToHex } from '@noble/hashes/utils.js'
import type * as NodeCrypto from 'node:crypto'
import {
  DURATION_MS_MAX,
  ENTRY_BYTES_MAX,
  ENTRY_VERSION,
  LEG_AMOUNT_ABS_MAX,
  LEGS_MAX,
  MEMO_CHARS_MAX,
  NAME_CHARS_MAX,
  SEQ_MAX,
  TIMESTAMP_MS_MAX,
  TOKENS_MAX,
} from './constants.ts'
import { EntryMalformedError, EntryUnknownActionError, EntryVersionUnsupportedError } from './errors.ts'

/** Currencies kept in the ledger. ETH settles on chain and never appears here. */
export const CURRENCIES = ['IPPC', 'IUSD'] as const
/** IPPC or IUSD. */
export type Currency = (typeof CURRENCIES)[number]

/**
 * Accounts that belong to the swarm rather than to a node. Nobody owns them: value leaves one only
 * with a grant (an authorization from governance).
 */
export const SYSTEM_ACCOUNTS = ['swarm:compute', 'swarm:bounty', 'swarm:treasury', 'swarm:issuance'] as const
/** One of {@link SYSTEM_ACCOUNTS}. */
export type SystemAccount = (typeof SYSTEM_ACCOUNTS)[number]

/** A node account is its owner's Ed25519 public key as 64 lowercase hex characters. */
export type Account = string

/** One line of an entry: a signed amount of base units moved into (+) or out of (−) an account. */
export type Leg = { readonly account: Account; readonly currency: Currency; readonly amount: bigint }

/** What happened to the metered action. */
export const OUTCOMES = ['ok', 'error'] as const
/** ok or error. */
export type Outcome = (typeof OUTCOMES)[number]

/**
 * An authorization to move value out of a system account (mint, burn, bounty payout), signed by a
 * mint authority the network trusts. It names the one author allowed to use it, once.
 */
export type Grant = {
  /** The governance proposal (or genesis allocation) this grant executes. */
  readonly proposal: string
  /** The only author who may use the grant. */
  readonly author: Uint8Array
  readonly from: Account
  readonly to: Account
  readonly currency: Currency
  /** Positive amount in base units. */
  readonly amount: bigint
  /** Public key of the authority that signed the grant. */
  readonly authority: Uint8Array
  /** Ed25519 signature by `authority` over `grantSigningBytes(grant)`. */
  readonly sig: Uint8Array
}

/** What an entry records. Metered actions carry what their cost is computed from. */
export type Action =
  | { readonly type: 'llm_inference'; readonly tokens: number; readonly model: string }
  | { readonly type: 'tool_exec'; readonly tool: string; readonly durationMs: number }
  | { readonly type: 'evolution_sim'; readonly proposal: string; readonly durationMs: number }
  | { readonly type: 'transfer'; readonly memo: string }
  | { readonly type: 'receive'; readonly source: Uint8Array }
  | { readonly type: 'dao_fee'; readonly proposal: string }
  | { readonly type: 'bounty_payout'; readonly target: Account; readonly grant: Grant }
  | { readonly type: 'mint'; readonly grant: Grant }
  | { readonly type: 'burn'; readonly grant: Grant }

/** The `type` of an {@link Action}. */
export type ActionType = Action['type']
/** Every action type this format version knows. */
export const ACTION_TYPES: readonly ActionType[] = [
  'llm_inference',
  'tool_exec',
  'evolution_sim',
  'transfer',
  'receive',
  'dao_fee',
  'bounty_payout',
  'mint',
  'burn',
]

/** The signed content of an entry. */
export type EntryBody = {
  readonly v: typeof ENTRY_VERSION
  /** The author's 32-byte Ed25519 public key. */
  readonly author: Uint8Array
  /** Position in the author's chain: 0, 1, 2, … */
  readonly seq: number
  /** Id of the author's entry at `seq − 1`; null exactly when `seq` is 0. */
  readonly prev: Uint8Array | null
  /** Milliseconds since the Unix epoch, from the author's clock (informative only). */
  readonly timestamp: number
  readonly action: Action
  readonly legs: readonly Leg[]
  readonly outcome: Outcome
}

/** An entry with its canonical bytes, id and signature. */
export type SignedEntry = {
  readonly body: EntryBody
  /** Canonical CBOR of `body`. */
  readonly raw: Uint8Array
  /** SHA-256 of `raw`. */
  readonly id: Uint8Array
  /** Ed25519 signature of the author over `id`. */
  readonly sig: Uint8Array
  /** `id` as lowercase hex, for maps and logs. */
  readonly idHex: string
  /** `body.author` as lowercase hex: also the author's account. */
  readonly authorHex: string
}

/** Something that signs with one Ed25519 key (a node identity). */
export type EntrySigner = { readonly publicKey: Uint8Array; sign(message: Uint8Array): Uint8Array }

const HEX_KEY = /^[0-9a-f]{64}$/

/** True for a node account (64 lowercase hex characters) or a system account. */
export function isAccount(value: unknown): value is Account {
  return typeof value === 'string' && (isSystemAccount(value) || (value.length === 64 && HEX_KEY.test(value)))
}

/** True for a system account. */
export function isSystemAccount(account: Account): account is SystemAccount {
  return (SYSTEM_ACCOUNTS as readonly string[]).includes(account)
}

// ---------------------------------------------------------------------------------------------
// Platform primitives. `node:crypto` hashes about three times faster than the pure-JS SHA-256, but
// this file must also load in a browser, so it is looked up at run time, never imported.

type ProcessWithBuiltins = { getBuiltinModule?: (id: string) => unknown }
const nodeCrypto = (globalThis as { process?: ProcessWithBuiltins }).process?.getBuiltinModule?.('node:crypto') as typeof NodeCrypto | undefined
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer

/**
 * SHA-256 of `data`: node:crypto in Node, @noble/hashes elsewhere. Both give the same 32 bytes.
 *
 * @example
 * sha256Digest(new Uint8Array()) // e3b0c442…
 */
export const sha256Digest: (data: Uint8Array) => Uint8Array =
  nodeCrypto === undefined
    ? (data) => nobleSha256(data)
    : typeof nodeCrypto.hash === 'function'
      ? (data) => {
          // One-shot hashing (Node ≥ 21.7) skips building a Hash object per call.
          const digest = nodeCrypto.hash('sha256', data, 'buffer') as unknown as Buffer
          return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
        }
      : (data) => {
          const digest = nodeCrypto.createHash('sha256').update(data).digest()
          return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
        }

/**
 * Lowercase hex of `bytes` (Buffer in Node, @noble/hashes elsewhere).
 *
 * @example
 * toHex(new Uint8Array([1, 171])) // '01ab'
 */
export const toHex: (bytes: Uint8Array) => string =
  NodeBuffer === undefined ? nobleBytesToHex : (bytes) => NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')

// ---------------------------------------------------------------------------------------------
// The reference encoding: the body as a plain CBOR value, encoded by cborg.

type CborValue = unknown

function grantUnsignedToCbor(grant: Omit<Grant, 'sig'>): Record<string, CborValue> {
  return {
    proposal: grant.proposal,
    author: grant.author,
    from: grant.from,
    to: grant.to,
    currency: grant.currency,
    amount: grant.amount,
    authority: grant.authority,
  }
}

function actionToCbor(action: Action): Record<string, CborValue> {
  switch (action.type) {
    case 'bounty_payout':
      return { type: action.type, target: action.target, grant: { ...grantUnsignedToCbor(action.grant), sig: action.grant.sig } }
    case 'mint':
    case 'burn':
      return { type: action.type, grant: { ...grantUnsignedToCbor(action.grant), sig: action.grant.sig } }
    default:
      return { ...action }
  }
}

/**
 * The body as a plain CBOR value: what `cborg.encode` turns into the canonical bytes. The ledger
 * uses a faster codec with the same output; independent verifiers and tests use this.
 *
 * @example
 * equalBytes(cborg.encode(entryBodyCborValue(body)), encodeEntryBody(body)) // true
 */
export function entryBodyCborValue(body: EntryBody): Record<string, CborValue> {
  return {
    v: body.v,
    author: body.author,
    seq: body.seq,
    prev: body.prev,
    timestamp: body.timestamp,
    action: actionToCbor(body.action),
    legs: body.legs.map((leg) => [leg.account, leg.currency, leg.amount]),
    outcome: body.outcome,
  }
}

/** The bytes a mint authority signs for a grant (domain-separated canonical CBOR). */
export function grantSigningBytes(grant: Omit<Grant, 'sig'>): Uint8Array {
  return encode(['ippoc/grant/v1', grantUnsignedToCbor(grant)])
}

// ---------------------------------------------------------------------------------------------
// The fast encoder: writes the canonical bytes of the fixed schema straight into a scratch buffer.

const MAJOR_UINT = 0
const MAJOR_NEGINT = 1
const MAJOR_BYTES = 2
const MAJOR_TEXT = 3
const MAJOR_ARRAY = 4
const MAJOR_MAP = 5
const CBOR_NULL = 0xf6
const TWO_POW_32 = 0x1_0000_0000

// Every field is bounded, so a valid body is far below this; the writer still grows if needed.
// The state lives in one object (not module-level `let`s, which cost a hole check per access).
const out = { bytes: new Uint8Array(2 * ENTRY_BYTES_MAX), offset: 0 }
const textEncoder = new TextEncoder()

function ensureCapacity(length: number): void {
  if (out.offset + length <= out.bytes.length) return
  const larger = new Uint8Array(Math.max(out.bytes.length * 2, out.offset + length))
  larger.set(out.bytes.subarray(0, out.offset))
  out.bytes = larger
}

function writeHead(major: number, value: number): void {
  ensureCapacity(9)
  const bytes = out.bytes
  const type = major << 5
  if (value < 24) {
    bytes[out.offset++] = type | value
  } else if (value < 0x100) {
    bytes[out.offset] = type | 24
    bytes[out.offset + 1] = value
    out.offset += 2
  } else if (value < 0x1_0000) {
    bytes[out.offset] = type | 25
    bytes[out.offset + 1] = value >>> 8
    bytes[out.offset + 2] = value & 0xff
    out.offset += 3
  } else if (value < TWO_POW_32) {
    bytes[out.offset++] = type | 26
    writeUint32(value)
  } else {
    bytes[out.offset++] = type | 27
    writeUint32(Math.floor(value / TWO_POW_32))
    writeUint32(value >>> 0)
  }
}

function writeUint32(value: number): void {
  const bytes = out.bytes
  const offset = out.offset
  bytes[offset] = value >>> 24
  bytes[offset + 1] = (value >>> 16) & 0xff
  bytes[offset + 2] = (value >>> 8) & 0xff
  bytes[offset + 3] = value & 0xff
  out.offset = offset + 4
}

const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER)

function writeInteger(value: bigint): void {
  const major = value < 0n ? MAJOR_NEGINT : MAJOR_UINT
  const argument = value < 0n ? -1n - value : value
  if (argument <= SAFE_MAX) return writeHead(major, Number(argument))
  ensureCapacity(9)
  out.bytes[out.offset++] = (major << 5) | 27
  writeUint32(Number(argument >> 32n))
  writeUint32(Number(argument & 0xffff_ffffn))
}

function writeBytes(value: Uint8Array): void {
  writeHead(MAJOR_BYTES, value.length)
  ensureCapacity(value.length)
  out.bytes.set(value, out.offset)
  out.offset += value.length
}

function writeText(text: string): void {
  // One pass, assuming ASCII (almost every string in an entry): on the first other character,
  // rewind to before the head and write the UTF-8 encoding instead.
  const length = text.length
  const start = out.offset
  writeHead(MAJOR_TEXT, length)
  ensureCapacity(length)
  const bytes = out.bytes
  const offset = out.offset
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index)
    if (code >= 0x80) {
      out.offset = start
      return writeUtf8(textEncoder.encode(text))
    }
    bytes[offset + index] = code
  }
  out.offset = offset + length
}

function writeUtf8(utf8: Uint8Array): void {
  writeHead(MAJOR_TEXT, utf8.length)
  ensureCapacity(utf8.length)
  out.bytes.set(utf8, out.offset)
  out.offset += utf8.length
}

/** A map key, pre-encoded: keys are written in canonical order by hand below. */
function key(name: string): Uint8Array {
  return encode(name)
}

function writeKey(encodedKey: Uint8Array): void {
  ensureCapacity(encodedKey.length)
  const bytes = out.bytes
  const offset = out.offset
  for (let index = 0; index < encodedKey.length; index++) bytes[offset + index] = encodedKey[index] as number
  out.offset = offset + encodedKey.length
}

const K = {
  v: key('v'),
  seq: key('seq'),
  legs: key('legs'),
  prev: key('prev'),
  action: key('action'),
  author: key('author'),
  outcome: key('outcome'),
  timestamp: key('timestamp'),
  type: key('type'),
  model: key('model'),
  tokens: key('tokens'),
  tool: key('tool'),
  durationMs: key('durationMs'),
  proposal: key('proposal'),
  memo: key('memo'),
  source: key('source'),
  grant: key('grant'),
  target: key('target'),
  to: key('to'),
  sig: key('sig'),
  from: key('from'),
  amount: key('amount'),
  currency: key('currency'),
  authority: key('authority'),
}

// Length-first, then bytewise: grant keys are to, sig, from, amount, author, currency, proposal, authority.
function writeGrant(grant: Grant): void {
  writeHead(MAJOR_MAP, 8)
  writeKey(K.to)
  writeText(grant.to)
  writeKey(K.sig)
  writeBytes(grant.sig)
  writeKey(K.from)
  writeText(grant.from)
  writeKey(K.amount)
  writeInteger(grant.amount)
  writeKey(K.author)
  writeBytes(grant.author)
  writeKey(K.currency)
  writeText(grant.currency)
  writeKey(K.proposal)
  writeText(grant.proposal)
  writeKey(K.authority)
  writeBytes(grant.authority)
}

function writeAction(action: Action): void {
  switch (action.type) {
    case 'llm_inference': // type, model, tokens
      writeHead(MAJOR_MAP, 3)
      writeKey(K.type)
      writeText(action.type)
      writeKey(K.model)
      writeText(action.model)
      writeKey(K.tokens)
      return writeHead(MAJOR_UINT, action.tokens)
    case 'tool_exec': // tool, type, durationMs
      writeHead(MAJOR_MAP, 3)
      writeKey(K.tool)
      writeText(action.tool)
      writeKey(K.type)
      writeText(action.type)
      writeKey(K.durationMs)
      return writeHead(MAJOR_UINT, action.durationMs)
    case 'evolution_sim': // type, proposal, durationMs
      writeHead(MAJOR_MAP, 3)
      writeKey(K.type)
      writeText(action.type)
      writeKey(K.proposal)
      writeText(action.proposal)
      writeKey(K.durationMs)
      return writeHead(MAJOR_UINT, action.durationMs)
    case 'transfer': // memo, type
      writeHead(MAJOR_MAP, 2)
      writeKey(K.memo)
      writeText(action.memo)
      writeKey(K.type)
      return writeText(action.type)
    case 'receive': // type, source
      writeHead(MAJOR_MAP, 2)
      writeKey(K.type)
      writeText(action.type)
      writeKey(K.source)
      return writeBytes(action.source)
    case 'dao_fee': // type, proposal
      writeHead(MAJOR_MAP, 2)
      writeKey(K.type)
      writeText(action.type)
      writeKey(K.proposal)
      return writeText(action.proposal)
    case 'bounty_payout': // type, grant, target
      writeHead(MAJOR_MAP, 3)
      writeKey(K.type)
      writeText(action.type)
      writeKey(K.grant)
      writeGrant(action.grant)
      writeKey(K.target)
      return writeText(action.target)
    case 'mint':
    case 'burn': // type, grant
      writeHead(MAJOR_MAP, 2)
      writeKey(K.type)
      writeText(action.type)
      writeKey(K.grant)
      return writeGrant(action.grant)
  }
}

// Body keys: v, seq, legs, prev, action, author, outcome, timestamp.
function writeBody(body: EntryBody): Uint8Array {
  writeBodyToScratch(body)
  return out.bytes.slice(0, out.offset)
}

// Writes the body at the start of the scratch buffer; out.offset is its length afterwards.
function writeBodyToScratch(body: EntryBody): void {
  out.offset = 0
  writeHead(MAJOR_MAP, 8)
  writeKey(K.v)
  writeHead(MAJOR_UINT, body.v)
  writeKey(K.seq)
  writeHead(MAJOR_UINT, body.seq)
  writeKey(K.legs)
  writeHead(MAJOR_ARRAY, body.legs.length)
  for (const leg of body.legs) {
    writeHead(MAJOR_ARRAY, 3)
    writeText(leg.account)
    writeText(leg.currency)
    writeInteger(leg.amount)
  }
  writeKey(K.prev)
  if (body.prev === null) {
    ensureCapacity(1)
    out.bytes[out.offset++] = CBOR_NULL
  } else {
    writeBytes(body.prev)
  }
  writeKey(K.action)
  writeAction(body.action)
  writeKey(K.author)
  writeBytes(body.author)
  writeKey(K.outcome)
  writeText(body.outcome)
  writeKey(K.timestamp)
  writeHead(MAJOR_UINT, body.timestamp)
}

/**
 * Encodes an entry body canonically. Throws {@link EntryMalformedError} when a field is out of
 * its range, so nothing malformed is ever signed.
 *
 * @example
 * const raw = encodeEntryBody(body)
 * decodeEntryBody(raw) // deep-equals body
 */
export function encodeEntryBody(body: EntryBody): Uint8Array {
  // The same field checks a receiver applies, run on the body about to be encoded.
  checkEntryBody(body)
  const raw = writeBody(body)
  if (raw.length > ENTRY_BYTES_MAX) throw new EntryMalformedError(`body is ${raw.length} bytes, the limit is ${ENTRY_BYTES_MAX}`)
  return raw
}

// ---------------------------------------------------------------------------------------------
// The decoder: a strict reader for the CBOR subset entries use (unsigned and negative integers,
// byte and text strings, arrays, maps with text keys, null). Anything else is malformed; anything
// non-canonical is caught by re-encoding.

const DEPTH_MAX = 4
const textDecoder = new TextDecoder('utf-8', { fatal: true })

// `buffer` is a Node Buffer view of the same bytes: its latin1 decoding builds ASCII strings fastest.
type Reader = { bytes: Uint8Array; offset: number; buffer: Buffer | undefined }

function readArgument(reader: Reader, info: number): number | bigint {
  const { bytes } = reader
  if (info < 24) return info
  const width = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0
  if (width === 0) fail('indefinite lengths and reserved CBOR values are not allowed')
  if (reader.offset + width > bytes.length) fail('truncated')
  let value = 0
  if (width < 8) {
    for (let index = 0; index < width; index++) value = value * 256 + (bytes[reader.offset++] as number)
    return value
  }
  const high = readUint32(reader)
  const low = readUint32(reader)
  if (high < 0x20_0000) return high * TWO_POW_32 + low
  return (BigInt(high) << 32n) | BigInt(low)
}

function readUint32(reader: Reader): number {
  const { bytes } = reader
  const value =
    (bytes[reader.offset] as number) * 0x100_0000 +
    (((bytes[reader.offset + 1] as number) << 16) | ((bytes[reader.offset + 2] as number) << 8) | (bytes[reader.offset + 3] as number))
  reader.offset += 4
  return value
}

function readLength(reader: Reader, info: number): number {
  const length = readArgument(reader, info)
  // Each element takes at least one byte, so a longer length is a lie; refuse before allocating.
  if (typeof length === 'bigint' || length > reader.bytes.length - reader.offset) fail('truncated')
  return length
}

function readValue(reader: Reader, depth: number): CborValue {
  const { bytes } = reader
  if (reader.offset >= bytes.length) fail('truncated')
  const initial = bytes[reader.offset++] as number
  const major = initial >> 5
  const info = initial & 31
  switch (major) {
    case MAJOR_UINT:
      return readArgument(reader, info)
    case MAJOR_NEGINT: {
      const argument = readArgument(reader, info)
      return typeof argument === 'number' ? -1 - argument : -1n - argument
    }
    case MAJOR_BYTES: {
      const length = readLength(reader, info)
      reader.offset += length
      return bytes.slice(reader.offset - length, reader.offset)
    }
    case MAJOR_TEXT:
      return readText(reader, info)
    case MAJOR_ARRAY: {
      if (depth >= DEPTH_MAX) fail('nested too deeply')
      const length = readLength(reader, info)
      const items: CborValue[] = []
      for (let index = 0; index < length; index++) items.push(readValue(reader, depth + 1))
      return items
    }
    case MAJOR_MAP: {
      if (depth >= DEPTH_MAX) fail('nested too deeply')
      const length = readLength(reader, info)
      const map: Record<string, CborValue> = {}
      for (let index = 0; index < length; index++) {
        if (reader.offset >= bytes.length) fail('truncated')
        const keyInitial = bytes[reader.offset++] as number
        if (keyInitial >> 5 !== MAJOR_TEXT) fail('map keys must be text')
        const name = readKey(reader, keyInitial & 31)
        // No schema field is called that, and assigning it would replace the map's prototype.
        if (name === '__proto__') fail('map key "__proto__" is not allowed')
        if (Object.hasOwn(map, name)) fail(`duplicate map key ${JSON.stringify(name)}`)
        map[name] = readValue(reader, depth + 1)
      }
      return map
    }
    default:
      if (initial === CBOR_NULL) return null
      return fail(major === 6 ? 'CBOR tags are not allowed' : 'floats and simple values other than null are not allowed')
  }
}

// Map keys come from a small fixed set: find a known key by its length and first two bytes and
// confirm the rest, instead of building the same strings again for every entry.
const KNOWN_KEYS = new Map<number, { name: string; bytes: Uint8Array }>()
for (const [name, encoded] of Object.entries(K)) {
  const bytes = encoded.subarray(1)
  const slot = keySlot(bytes.length, bytes[0] as number, bytes[1] ?? 0)
  if (KNOWN_KEYS.has(slot)) throw new Error(`internal: map keys ${name} and ${KNOWN_KEYS.get(slot)?.name} share a slot`)
  KNOWN_KEYS.set(slot, { name, bytes })
}

function keySlot(length: number, first: number, second: number): number {
  return (length << 16) | (first << 8) | second
}

function readKey(reader: Reader, info: number): string {
  const { bytes, offset } = reader
  if (info < 24 && offset + info <= bytes.length) {
    const known = KNOWN_KEYS.get(keySlot(info, bytes[offset] as number, info > 1 ? (bytes[offset + 1] as number) : 0))
    if (known !== undefined) {
      let same = true
      for (let index = 2; index < info; index++) if (bytes[offset + index] !== known.bytes[index]) same = false
      if (same) {
        reader.offset += info
        return known.name
      }
    }
  }
  return readText(reader, info)
}

function readText(reader: Reader, info: number): string {
  const length = readLength(reader, info)
  const { bytes } = reader
  const start = reader.offset
  reader.offset += length
  // Almost every string in an entry is short ASCII (keys, hex accounts); TextDecoder costs more
  // per call than building those by hand.
  const end = reader.offset
  for (let index = start; index < end; index++) if ((bytes[index] as number) >= 0x80) return readUtf8(bytes.subarray(start, end))
  if (reader.buffer !== undefined) return reader.buffer.toString('latin1', start, end)
  return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[])
}

function readUtf8(utf8: Uint8Array): string {
  try {
    return textDecoder.decode(utf8)
  } catch {
    return fail('text is not valid UTF-8')
  }
}

/**
 * Decodes and checks canonical entry bytes. Throws {@link EntryMalformedError} (or its
 * subclasses {@link EntryUnknownActionError}, {@link EntryVersionUnsupportedError}) for anything
 * that is not exactly the canonical encoding of a valid body.
 *
 * @example
 * decodeEntryBody(encodeEntryBody(body)) // deep-equals body
 */
export function decodeEntryBody(raw: Uint8Array): EntryBody {
  if (!(raw instanceof Uint8Array)) throw new EntryMalformedError(`expected bytes, got ${typeof raw}`)
  if (raw.length > ENTRY_BYTES_MAX) throw new EntryMalformedError(`body is ${raw.length} bytes, the limit is ${ENTRY_BYTES_MAX}`)
  const reader: Reader = { bytes: raw, offset: 0, buffer: NodeBuffer?.from(raw.buffer, raw.byteOffset, raw.byteLength) }
  const value = readValue(reader, 0)
  if (reader.offset !== raw.length) fail(`${raw.length - reader.offset} bytes after the entry`)
  const body = bodyFromCbor(value)
  checkEntryBody(body)
  writeBodyToScratch(body)
  if (!equalBytes(out.bytes.subarray(0, out.offset), raw)) fail('bytes are not the canonical encoding of their content')
  return body
}

/** Returns the entry id: SHA-256 of the canonical bytes. */
export function entryId(raw: Uint8Array): Uint8Array {
  return sha256Digest(raw)
}

/**
 * Encodes, hashes and signs a body with the author's key.
 *
 * @example
 * const entry = signEntry(body, identity) // identity.publicKey must equal body.author
 */
export function signEntry(body: EntryBody, signer: EntrySigner): SignedEntry {
  if (!equalBytes(signer.publicKey, body.author)) throw new EntryMalformedError('the signer is not the author of the body')
  const raw = encodeEntryBody(body)
  const id = entryId(raw)
  return { body, raw, id, sig: signer.sign(id), idHex: toHex(id), authorHex: toHex(body.author) }
}

/**
 * Rebuilds a signed entry from its canonical bytes and signature (as stored or received). Checks
 * the encoding, not the signature: that is `verifyEntrySignature`'s job (validate.ts).
 *
 * @example
 * const entry = decodeSignedEntry(stored.raw, stored.sig)
 */
export function decodeSignedEntry(raw: Uint8Array, sig: Uint8Array): SignedEntry {
  if (!(sig instanceof Uint8Array) || sig.length !== 64)
    throw new EntryMalformedError(`signature must be 64 bytes, got ${sig instanceof Uint8Array ? sig.length : typeof sig}`)
  const body = decodeEntryBody(raw)
  const id = entryId(raw)
  return { body, raw, id, sig, idHex: toHex(id), authorHex: toHex(body.author) }
}

// ---------------------------------------------------------------------------------------------
// Field checks, shared by the encoder (on the body about to be signed) and the decoder (on what
// arrived). One function, so both sides accept exactly the same bodies.

function fail(reason: string): never {
  throw new EntryMalformedError(reason)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
}

function expectKeys(value: unknown, keys: readonly string[], what: string): Record<string, unknown> {
  if (!isRecord(value)) fail(`${what} must be a map`)
  const actual = Object.keys(value)
  if (actual.length !== keys.length || !keys.every((name) => Object.hasOwn(value, name)))
    fail(`${what} must have exactly the fields ${keys.join(', ')}; got ${actual.join(', ')}`)
  return value
}

function checkBytes(value: unknown, length: number, what: string): void {
  if (!(value instanceof Uint8Array) || value.length !== length) fail(`${what} must be ${length} bytes`)
}

function checkUint(value: unknown, max: number, what: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max || Object.is(value, -0))
    fail(`${what} must be an integer from 0 to ${max}`)
}

function checkText(value: unknown, maxChars: number, what: string, allowEmpty = false): void {
  if (typeof value !== 'string' || value.length > maxChars || (!allowEmpty && value.length === 0))
    fail(`${what} must be a ${allowEmpty ? '' : 'non-empty '}string of at most ${maxChars} characters`)
  // A lone surrogate would be encoded as U+FFFD: the signed body and the decoded one would differ.
  if (!value.isWellFormed()) fail(`${what} must be well-formed Unicode`)
}

function checkOneOf(value: unknown, options: readonly string[], what: string): void {
  if (typeof value !== 'string' || !options.includes(value)) fail(`${what} must be one of ${options.join(', ')}`)
}

function checkAccount(value: unknown, what: string): void {
  if (!isAccount(value)) fail(`${what} must be a 64-hex node key or one of ${SYSTEM_ACCOUNTS.join(', ')}`)
}

function checkAmount(value: unknown, what: string): void {
  if (typeof value !== 'bigint') fail(`${what} must be a bigint`)
  if (value > LEG_AMOUNT_ABS_MAX || value < -LEG_AMOUNT_ABS_MAX) fail(`${what} overflows: |amount| must be at most 2^63 − 1`)
}

function checkGrant(grant: Grant): void {
  if (!isRecord(grant)) fail('grant must be a map')
  checkText(grant.proposal, NAME_CHARS_MAX, 'grant proposal')
  checkBytes(grant.author, 32, 'grant author')
  checkAccount(grant.from, 'grant from')
  checkAccount(grant.to, 'grant to')
  checkOneOf(grant.currency, CURRENCIES, 'grant currency')
  checkAmount(grant.amount, 'grant amount')
  if (grant.amount <= 0n) fail('grant amount must be positive')
  checkBytes(grant.authority, 32, 'grant authority')
  checkBytes(grant.sig, 64, 'grant signature')
}

function checkAction(action: Action): void {
  if (!isRecord(action)) fail('action must be a map')
  switch (action.type) {
    case 'llm_inference':
      checkUint(action.tokens, TOKENS_MAX, 'tokens')
      return checkText(action.model, NAME_CHARS_MAX, 'model')
    case 'tool_exec':
      checkText(action.tool, NAME_CHARS_MAX, 'tool')
      return checkUint(action.durationMs, DURATION_MS_MAX, 'durationMs')
    case 'evolution_sim':
      checkText(action.proposal, NAME_CHARS_MAX, 'proposal')
      return checkUint(action.durationMs, DURATION_MS_MAX, 'durationMs')
    case 'transfer':
      return checkText(action.memo, MEMO_CHARS_MAX, 'memo', true)
    case 'receive':
      return checkBytes(action.source, 32, 'source')
    case 'dao_fee':
      return checkText(action.proposal, NAME_CHARS_MAX, 'proposal')
    case 'bounty_payout':
      checkAccount(action.target, 'target')
      return checkGrant(action.grant)
    case 'mint':
    case 'burn':
      return checkGrant(action.grant)
    default:
      throw new EntryUnknownActionError((action as { type: unknown }).type)
  }
}

function checkLeg(leg: Leg, index: number): void {
  if (!isRecord(leg)) fail(`leg ${index} must be [account, currency, amount]`)
  checkAccount(leg.account, `leg ${index} account`)
  checkOneOf(leg.currency, CURRENCIES, `leg ${index} currency`)
  checkAmount(leg.amount, `leg ${index} amount`)
  if (leg.amount === 0n) fail(`leg ${index} amount must not be zero`)
}

/**
 * Checks every field of a body against the format's limits; throws {@link EntryMalformedError}
 * (or a subclass) naming the first bad field.
 *
 * @example
 * checkEntryBody({ ...body, seq: -1 }) // throws EntryMalformedError: seq must be an integer…
 */
export function checkEntryBody(body: EntryBody): void {
  if (!isRecord(body)) fail('entry must be a map')
  if (body.v !== ENTRY_VERSION) throw new EntryVersionUnsupportedError(body.v, ENTRY_VERSION)
  checkBytes(body.author, 32, 'author')
  checkUint(body.seq, SEQ_MAX, 'seq')
  if (body.prev !== null) checkBytes(body.prev, 32, 'prev')
  if ((body.seq === 0) !== (body.prev === null)) fail('prev must be null exactly when seq is 0')
  checkUint(body.timestamp, TIMESTAMP_MS_MAX, 'timestamp')
  checkAction(body.action)
  if (!Array.isArray(body.legs)) fail('legs must be a list')
  if (body.legs.length > LEGS_MAX) fail(`an entry has at most ${LEGS_MAX} legs, got ${body.legs.length}`)
  for (let index = 0; index < body.legs.length; index++) checkLeg(body.legs[index] as Leg, index)
  checkOneOf(body.outcome, OUTCOMES, 'outcome')
}

// Decoded CBOR → body: exact field sets and leg tuples here, value ranges in checkEntryBody.

function amountFromCbor(value: unknown, what: string): bigint {
  if (typeof value === 'bigint') return value
  if (typeof value === 'number') return BigInt(value)
  return fail(`${what} must be an integer`)
}

function grantFromCbor(value: unknown): Grant {
  const grant = expectKeys(value, ['proposal', 'author', 'from', 'to', 'currency', 'amount', 'authority', 'sig'], 'grant')
  return { ...grant, amount: amountFromCbor(grant.amount, 'grant amount') } as Grant
}

const ACTION_FIELDS: Readonly<Record<ActionType, readonly string[]>> = {
  llm_inference: ['type', 'tokens', 'model'],
  tool_exec: ['type', 'tool', 'durationMs'],
  evolution_sim: ['type', 'proposal', 'durationMs'],
  transfer: ['type', 'memo'],
  receive: ['type', 'source'],
  dao_fee: ['type', 'proposal'],
  bounty_payout: ['type', 'target', 'grant'],
  mint: ['type', 'grant'],
  burn: ['type', 'grant'],
}

function actionFromCbor(value: unknown): Action {
  if (!isRecord(value)) fail('action must be a map')
  const type = value.type
  if (typeof type !== 'string' || !Object.hasOwn(ACTION_FIELDS, type)) throw new EntryUnknownActionError(type)
  const action = expectKeys(value, ACTION_FIELDS[type as ActionType], `${type} action`)
  if (type === 'mint' || type === 'burn' || type === 'bounty_payout') return { ...action, grant: grantFromCbor(action.grant) } as Action
  return { ...action } as Action
}

function legFromCbor(value: unknown, index: number): Leg {
  if (!Array.isArray(value) || value.length !== 3) fail(`leg ${index} must be [account, currency, amount]`)
  return { account: value[0] as Account, currency: value[1] as Currency, amount: amountFromCbor(value[2], `leg ${index} amount`) }
}

function bodyFromCbor(value: unknown): EntryBody {
  // The version comes first: a future format may have other fields, and should say so.
  if (isRecord(value) && Object.hasOwn(value, 'v') && value.v !== ENTRY_VERSION) throw new EntryVersionUnsupportedError(value.v, ENTRY_VERSION)
  const body = expectKeys(value, ['v', 'author', 'seq', 'prev', 'timestamp', 'action', 'legs', 'outcome'], 'entry')
  if (!Array.isArray(body.legs)) fail('legs must be a list')
  if (body.legs.length > LEGS_MAX) fail(`an entry has at most ${LEGS_MAX} legs, got ${body.legs.length}`)
  return {
    v: body.v as typeof ENTRY_VERSION,
    author: body.author as Uint8Array,
    seq: body.seq as number,
    prev: body.prev as Uint8Array | null,
    timestamp: body.timestamp as number,
    action: actionFromCbor(body.action),
    legs: body.legs.map(legFromCbor),
    outcome: body.outcome as Outcome,
  }
}

/** Constant-length byte comparison helper (not constant-time; ids are public). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false
  return true
}

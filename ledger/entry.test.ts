import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { decode as cborgDecode, encode as cborgEncode } from 'cborg'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { createEd25519Signer } from '../identity/ed25519.ts'
import {
  DURATION_MS_MAX,
  ENTRY_BYTES_MAX,
  LEG_AMOUNT_ABS_MAX,
  LEGS_MAX,
  MEMO_CHARS_MAX,
  NAME_CHARS_MAX,
  SEQ_MAX,
  TIMESTAMP_MS_MAX,
  TOKENS_MAX,
} from './constants.ts'
import {
  CURRENCIES,
  decodeEntryBody,
  decodeSignedEntry,
  encodeEntryBody,
  entryBodyCborValue,
  entryId,
  sha256Digest,
  signEntry,
  SYSTEM_ACCOUNTS,
  toHex,
  type Action,
  type EntryBody,
  type Grant,
  type Leg,
} from './entry.ts'
import { ENTRY_VECTORS, VECTOR_AUTHOR_HEX, VECTOR_AUTHOR_SEED_HEX } from './entry-vectors.ts'
import { EntryMalformedError } from './errors.ts'
import { testSigner, TEST_TIMESTAMP_MS } from './testing.ts'
import { verifyEntrySignature } from './validate.ts'

// ---------------------------------------------------------------------------------------------
// Arbitrary valid bodies, covering every action, every integer width and non-ASCII text.

// Plain objects: decoded bodies have ordinary prototypes, and deep equality compares them.
const record = <T extends Record<string, unknown>>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(model, { noNullPrototype: true })
const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length })
const boundaryUint = (max: number) =>
  fc.oneof(
    fc.constantFrom(...[0, 1, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, max].filter((value) => value <= max)),
    fc.integer({ min: 0, max: Math.min(max, 2 ** 31 - 1) }),
    fc.double({ min: 0, max, noNaN: true }).map((value) => Math.min(max, Math.floor(value))),
  )
const text = (maxChars: number, allowEmpty = false) =>
  fc
    .oneof(fc.string({ maxLength: maxChars }), fc.string({ unit: 'grapheme', maxLength: maxChars }))
    .filter((value) => value.length <= maxChars && value.isWellFormed() && (allowEmpty || value.length > 0))
const account = fc.oneof(bytes(32).map(toHex), fc.constantFrom(...SYSTEM_ACCOUNTS))
const currency = fc.constantFrom(...CURRENCIES)
const amount = fc.oneof(
  fc.constantFrom(1n, -1n, 23n, 24n, -24n, -25n, 2n ** 53n, -(2n ** 53n), LEG_AMOUNT_ABS_MAX, -LEG_AMOUNT_ABS_MAX),
  fc.bigInt({ min: -LEG_AMOUNT_ABS_MAX, max: LEG_AMOUNT_ABS_MAX }).filter((value) => value !== 0n),
)
const grant: fc.Arbitrary<Grant> = record({
  proposal: text(NAME_CHARS_MAX),
  author: bytes(32),
  from: account,
  to: account,
  currency,
  amount: amount.map((value) => (value < 0n ? -value : value)),
  authority: bytes(32),
  sig: bytes(64),
})
const action: fc.Arbitrary<Action> = fc.oneof(
  record({ type: fc.constant('llm_inference' as const), tokens: boundaryUint(TOKENS_MAX), model: text(NAME_CHARS_MAX) }),
  record({ type: fc.constant('tool_exec' as const), tool: text(NAME_CHARS_MAX), durationMs: boundaryUint(DURATION_MS_MAX) }),
  record({ type: fc.constant('evolution_sim' as const), proposal: text(NAME_CHARS_MAX), durationMs: boundaryUint(DURATION_MS_MAX) }),
  record({ type: fc.constant('transfer' as const), memo: text(MEMO_CHARS_MAX, true) }),
  record({ type: fc.constant('receive' as const), source: bytes(32) }),
  record({ type: fc.constant('dao_fee' as const), proposal: text(NAME_CHARS_MAX) }),
  record({ type: fc.constant('bounty_payout' as const), target: account, grant }),
  record({ type: fc.constant('mint' as const), grant }),
  record({ type: fc.constant('burn' as const), grant }),
)
const leg: fc.Arbitrary<Leg> = record({ account, currency, amount })
/** Any valid entry body. */
const entryBody: fc.Arbitrary<EntryBody> = record({
  author: bytes(32),
  seq: boundaryUint(SEQ_MAX),
  prev: bytes(32),
  timestamp: boundaryUint(TIMESTAMP_MS_MAX),
  action,
  legs: fc.array(leg, { maxLength: LEGS_MAX }),
  outcome: fc.constantFrom('ok' as const, 'error' as const),
}).map((fields) => ({ v: 1 as const, ...fields, prev: fields.seq === 0 ? null : fields.prev }))

// cborg returns a Buffer in Node; compare plain bytes.
function cborgEncodeBody(body: EntryBody): Uint8Array {
  return new Uint8Array(cborgEncode(entryBodyCborValue(body)))
}

function expectMalformed(run: () => unknown, reason?: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof EntryMalformedError, `expected EntryMalformedError, got ${String(error)}`)
    if (reason !== undefined) assert.match(error.reason, reason)
    return true
  })
}

const alice = testSigner('alice')
const sampleBody: EntryBody = {
  v: 1,
  author: alice.publicKey,
  seq: 3,
  prev: new Uint8Array(32).fill(7),
  timestamp: TEST_TIMESTAMP_MS,
  action: { type: 'llm_inference', tokens: 812, model: 'llama-3-8b' },
  legs: [
    { account: alice.hex, currency: 'IPPC', amount: -26_240_000n },
    { account: 'swarm:compute', currency: 'IPPC', amount: 26_240_000n },
  ],
  outcome: 'ok',
}

describe('entry codec', () => {
  it('encodes exactly as cborg does, for any valid body (hand-written encoder = reference)', () => {
    fc.assert(
      fc.property(entryBody, (body) => {
        assert.deepEqual(encodeEntryBody(body), cborgEncodeBody(body))
      }),
      { numRuns: 1500 },
    )
  })

  it('decodes what it encodes, to an equal body', () => {
    fc.assert(
      fc.property(entryBody, (body) => {
        assert.deepEqual(decodeEntryBody(encodeEntryBody(body)), body)
      }),
      { numRuns: 800 },
    )
  })

  it('reproduces the fixed entry vectors (bytes → id → signature)', () => {
    const author = createEd25519Signer(hexToBytes(VECTOR_AUTHOR_SEED_HEX))
    assert.equal(toHex(author.publicKey), VECTOR_AUTHOR_HEX)
    let prev: Uint8Array | null = null
    for (const vector of ENTRY_VECTORS) {
      const raw = hexToBytes(vector.raw)
      const body = decodeEntryBody(raw)
      assert.deepEqual(body.prev, prev, vector.description)
      assert.equal(bytesToHex(encodeEntryBody(body)), vector.raw, vector.description)
      assert.equal(bytesToHex(entryId(raw)), vector.id)
      const signed = signEntry(body, author)
      assert.equal(toHex(signed.sig), vector.sig, 'Ed25519 is deterministic')
      assert.ok(verifyEntrySignature(decodeSignedEntry(raw, hexToBytes(vector.sig))))
      prev = signed.id
    }
  })

  it('hashes and hex-encodes identically with node:crypto and the browser fallbacks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        assert.deepEqual(sha256Digest(data), nobleSha256(data))
        assert.equal(toHex(data), bytesToHex(data))
      }),
    )
  })

  it('loads and reproduces the vectors without process and Buffer (as in a browser)', () => {
    const script = `
      const realProcess = globalThis.process
      Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true })
      Object.defineProperty(globalThis, 'Buffer', { value: undefined, configurable: true, writable: true })
      const entry = await import(${JSON.stringify(new URL('./entry.ts', import.meta.url).href)})
      const { ENTRY_VECTORS } = await import(${JSON.stringify(new URL('./entry-vectors.ts', import.meta.url).href)})
      globalThis.process = realProcess
      const fallbacks = String(entry.sha256Digest).includes('nobleSha256') && String(entry.toHex).includes('bytesToHex')
      const vectors = ENTRY_VECTORS.every((vector) => {
        const raw = Uint8Array.from(vector.raw.match(/../g).map((pair) => parseInt(pair, 16)))
        return entry.toHex(entry.encodeEntryBody(entry.decodeEntryBody(raw))) === vector.raw && entry.toHex(entry.entryId(raw)) === vector.id
      })
      realProcess.stdout.write(JSON.stringify({ fallbacks, vectors }))`
    const output = execFileSync(process.execPath, ['--input-type=module', '--eval', script], { encoding: 'utf8' })
    assert.deepEqual(JSON.parse(output), { fallbacks: true, vectors: true })
  })

  it('refuses to sign for another author and to encode out-of-range fields', () => {
    expectMalformed(() => signEntry(sampleBody, testSigner('bob')), /signer is not the author/)
    expectMalformed(() => encodeEntryBody({ ...sampleBody, outcome: 'maybe' as 'ok' }), /outcome/)
    expectMalformed(() => encodeEntryBody({ ...sampleBody, prev: null }), /prev must be null exactly when seq is 0/)
    expectMalformed(() => encodeEntryBody({ ...sampleBody, action: { type: 'transfer', memo: '\uD800' } }), /well-formed/)
    expectMalformed(() => encodeEntryBody({ ...sampleBody, legs: [{ account: 'swarm:nobody', currency: 'IPPC', amount: 1n }] }), /account/)
    expectMalformed(() => encodeEntryBody({ ...sampleBody, legs: [{ account: alice.hex, currency: 'IPPC', amount: 0n }] }), /zero/)
    expectMalformed(() => encodeEntryBody({ ...sampleBody, legs: [{ account: alice.hex, currency: 'ETH' as 'IPPC', amount: 1n }] }), /currency/)
    expectMalformed(() => encodeEntryBody({ ...sampleBody, legs: [{ account: alice.hex, currency: 'IPPC', amount: 1 as unknown as bigint }] }), /bigint/)
  })

  it('names an unknown action and an unsupported version with their own errors', () => {
    const value = entryBodyCborValue(sampleBody)
    assert.throws(() => decodeEntryBody(cborgEncode({ ...value, action: { type: 'steal', amount: 5 } })), { name: 'EntryUnknownActionError' })
    assert.throws(() => decodeEntryBody(cborgEncode({ ...value, v: 2 })), { name: 'EntryVersionUnsupportedError' })
    assert.throws(() => decodeEntryBody(cborgEncode({ ...value, v: 2, extra: 'field' })), { name: 'EntryVersionUnsupportedError' })
    assert.throws(() => encodeEntryBody({ ...sampleBody, action: { type: 'steal' } as unknown as Action }), { name: 'EntryUnknownActionError' })
    assert.throws(() => encodeEntryBody({ ...sampleBody, v: 2 as 1 }), { name: 'EntryVersionUnsupportedError' })
  })

  it('rejects non-canonical encodings of a valid body', () => {
    const value = entryBodyCborValue(sampleBody)
    // Keys in plain insertion order instead of length-first.
    const unsorted = cborgEncode(value, { mapSorter: () => 0 })
    expectMalformed(() => decodeEntryBody(unsorted))
    // seq 3 written with a one-byte argument (0x18 0x03) instead of inline.
    const raw = encodeEntryBody(sampleBody)
    const seqAt = raw.indexOf(0x03, 6)
    const padded = new Uint8Array([...raw.subarray(0, seqAt), 0x18, 0x03, ...raw.subarray(seqAt + 1)])
    expectMalformed(() => decodeEntryBody(padded), /canonical/)
    // Trailing bytes, duplicate keys, tags, floats, indefinite lengths.
    expectMalformed(() => decodeEntryBody(new Uint8Array([...raw, 0x00])), /after the entry/)
    expectMalformed(() => decodeEntryBody(new Uint8Array([0xa2, 0x61, 0x76, 0x01, 0x61, 0x76, 0x01])), /duplicate/)
    expectMalformed(() => decodeEntryBody(new Uint8Array([0xc1, 0x00])), /tags/)
    expectMalformed(() => decodeEntryBody(new Uint8Array([0xf9, 0x3c, 0x00])), /floats/)
    expectMalformed(() => decodeEntryBody(new Uint8Array([0xbf, 0xff])), /indefinite/)
    expectMalformed(() => decodeEntryBody(new Uint8Array([0xa1, 0x69, ...new TextEncoder().encode('__proto__'), 0x01])), /__proto__/)
  })
})

describe('entry limits (one past each constant is rejected)', () => {
  const encodes = (body: EntryBody) => encodeEntryBody(body)
  const withAction = (action: Action) => ({ ...sampleBody, action })

  it('SEQ_MAX', () => {
    encodes({ ...sampleBody, seq: SEQ_MAX })
    expectMalformed(() => encodes({ ...sampleBody, seq: SEQ_MAX + 1 }), /seq/)
    expectMalformed(() => decodeEntryBody(cborgEncode({ ...entryBodyCborValue(sampleBody), seq: BigInt(SEQ_MAX) + 1n })), /seq/)
  })

  it('TIMESTAMP_MS_MAX', () => {
    encodes({ ...sampleBody, timestamp: TIMESTAMP_MS_MAX })
    expectMalformed(() => encodes({ ...sampleBody, timestamp: TIMESTAMP_MS_MAX + 1 }), /timestamp/)
  })

  it('TOKENS_MAX and DURATION_MS_MAX', () => {
    encodes(withAction({ type: 'llm_inference', model: 'm', tokens: TOKENS_MAX }))
    expectMalformed(() => encodes(withAction({ type: 'llm_inference', model: 'm', tokens: TOKENS_MAX + 1 })), /tokens/)
    encodes(withAction({ type: 'tool_exec', tool: 't', durationMs: DURATION_MS_MAX }))
    expectMalformed(() => encodes(withAction({ type: 'tool_exec', tool: 't', durationMs: DURATION_MS_MAX + 1 })), /durationMs/)
    expectMalformed(() => encodes(withAction({ type: 'evolution_sim', proposal: 'p', durationMs: DURATION_MS_MAX + 1 })), /durationMs/)
  })

  it('NAME_CHARS_MAX and MEMO_CHARS_MAX', () => {
    encodes(withAction({ type: 'llm_inference', model: 'm'.repeat(NAME_CHARS_MAX), tokens: 1 }))
    expectMalformed(() => encodes(withAction({ type: 'llm_inference', model: 'm'.repeat(NAME_CHARS_MAX + 1), tokens: 1 })), /model/)
    encodes(withAction({ type: 'transfer', memo: 'x'.repeat(MEMO_CHARS_MAX) }))
    expectMalformed(() => encodes(withAction({ type: 'transfer', memo: 'x'.repeat(MEMO_CHARS_MAX + 1) })), /memo/)
  })

  it('LEGS_MAX', () => {
    const legs = (count: number) => Array.from({ length: count }, () => ({ account: alice.hex, currency: 'IPPC' as const, amount: 1n }))
    encodes({ ...sampleBody, legs: legs(LEGS_MAX) })
    expectMalformed(() => encodes({ ...sampleBody, legs: legs(LEGS_MAX + 1) }), /at most 16 legs/)
    const value = entryBodyCborValue({ ...sampleBody, legs: legs(LEGS_MAX + 1) })
    expectMalformed(() => decodeEntryBody(cborgEncode(value)), /at most 16 legs/)
  })

  it('LEG_AMOUNT_ABS_MAX (2^63 − 1) on both signs, in encoding and decoding', () => {
    const withAmount = (value: bigint) => ({ ...sampleBody, legs: [{ account: alice.hex, currency: 'IPPC' as const, amount: value }] })
    encodes(withAmount(LEG_AMOUNT_ABS_MAX))
    encodes(withAmount(-LEG_AMOUNT_ABS_MAX))
    expectMalformed(() => encodes(withAmount(LEG_AMOUNT_ABS_MAX + 1n)), /overflows/)
    expectMalformed(() => encodes(withAmount(-LEG_AMOUNT_ABS_MAX - 1n)), /overflows/)
    const value = entryBodyCborValue(withAmount(1n))
    const raw = cborgEncode({ ...value, legs: [[alice.hex, 'IPPC', -LEG_AMOUNT_ABS_MAX - 1n]] })
    expectMalformed(() => decodeEntryBody(raw), /overflows/)
  })

  it('ENTRY_BYTES_MAX', () => {
    expectMalformed(() => decodeEntryBody(new Uint8Array(ENTRY_BYTES_MAX + 1)), /4097 bytes/)
    // The largest body the field limits allow still fits: the byte limit never refuses a valid body.
    const heavyGrant: Grant = {
      proposal: '\u{1F600}'.repeat(NAME_CHARS_MAX / 2),
      author: alice.publicKey,
      from: 'swarm:treasury',
      to: alice.hex,
      currency: 'IPPC',
      amount: LEG_AMOUNT_ABS_MAX,
      authority: alice.publicKey,
      sig: new Uint8Array(64),
    }
    const legs = Array.from({ length: LEGS_MAX }, () => ({ account: alice.hex, currency: 'IUSD' as const, amount: -LEG_AMOUNT_ABS_MAX }))
    const raw = encodes({ ...sampleBody, seq: SEQ_MAX, timestamp: TIMESTAMP_MS_MAX, action: { type: 'bounty_payout', target: alice.hex, grant: heavyGrant }, legs })
    assert.ok(raw.length < ENTRY_BYTES_MAX, `${raw.length} bytes`)
  })
})

describe('malformed bytes fuzz', () => {
  const signed = signEntry(sampleBody, alice)

  it('random bytes are refused with EntryMalformedError, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), (raw, sig) => {
        expectMalformed(() => decodeSignedEntry(raw, sig))
      }),
      { numRuns: 2000 },
    )
  })

  it('random CBOR values are refused with EntryMalformedError', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withNullPrototype: false, withMap: false, withSet: false, withDate: false, withTypedArray: false }), (value) => {
        let raw: Uint8Array
        try {
          raw = cborgEncode(value)
        } catch {
          return
        }
        expectMalformed(() => decodeEntryBody(raw))
      }),
      { numRuns: 1000 },
    )
  })

  it('every truncation of a valid entry is refused', () => {
    for (let length = 0; length < signed.raw.length; length++) expectMalformed(() => decodeEntryBody(signed.raw.subarray(0, length)))
  })

  it('a single-byte change is refused, or is another canonical body whose id the signature does not cover', () => {
    fc.assert(
      fc.property(entryBody, fc.nat(), fc.integer({ min: 1, max: 255 }), (body, at, xor) => {
        const entry = signEntry({ ...body, author: alice.publicKey }, alice)
        const raw = entry.raw.slice()
        const index = at % raw.length
        raw[index] = (raw[index] as number) ^ xor
        let mutated
        try {
          mutated = decodeSignedEntry(raw, entry.sig)
        } catch (error) {
          assert.ok(error instanceof EntryMalformedError, String(error))
          return
        }
        assert.notEqual(mutated.idHex, entry.idHex)
        assert.deepEqual(cborgEncodeBody(mutated.body), raw, 'what decodes is canonical by the reference encoder')
        assert.equal(verifyEntrySignature(mutated), false)
      }),
      { numRuns: 600 },
    )
  })

  it('whatever the decoder accepts, cborg decodes to the same value and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(entryBody, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), (body, edits) => {
        const raw = encodeEntryBody(body).slice()
        for (const [at, value] of edits) raw[at % raw.length] = value
        let decoded: EntryBody
        try {
          decoded = decodeEntryBody(raw)
        } catch {
          return
        }
        const reference = cborgDecode(raw, { strict: true, rejectDuplicateMapKeys: true })
        assert.deepEqual(new Uint8Array(cborgEncode(reference)), raw)
        assert.deepEqual(cborgEncodeBody(decoded), raw)
      }),
      { numRuns: 1500 },
    )
  })

  it('ids are SHA-256 of the raw bytes', () => {
    assert.equal(signed.idHex, createHash('sha256').update(signed.raw).digest('hex'))
  })
})

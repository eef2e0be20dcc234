/**
 * Generates `edge-cases.json`: Ed25519 signatures on the edges where libraries disagree, in the
 * spirit of "Taming the many EdDSAs" (Chalkias, Garillot, Nikolaenko 2020) and Wycheproof, each
 * with the verdict of IPPOC's strict rule (see `../ed25519-noble.ts`) and the reason.
 *
 * Crafted cases come from noble's Point arithmetic with secret scalars we choose, so they can
 * satisfy one verification equation and not another. For the record, each case also carries what
 * the raw libraries said when it was generated (`observed`); tests check only `expected`.
 * Deterministic: the same library versions write the same file.
 *
 * Run: `node identity/vectors/generate-edge-cases.ts` (writes the JSON beside this script).
 */
import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import * as ed from '@noble/ed25519'
import { Point } from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'

ed.hashes.sha512 = sha512

/**
 * One generated case, as stored in `edge-cases.json` (bytes as hex).
 *
 * @example
 * const honest: Ed25519EdgeCase = generateEd25519EdgeCases()[0] // { name: 'honest', expected: true, … }
 */
export type Ed25519EdgeCase = {
  /** Short unique name. */
  name: string
  /** Why the strict rule gives `expected`. */
  reason: string
  /** The strict rule's verdict. */
  expected: boolean
  /** Hex. */
  message: string
  /** Hex, normally 32 bytes. */
  publicKey: string
  /** Hex, normally 64 bytes. */
  signature: string
  /** What each raw library returned when the file was generated (documentation only). */
  observed: { nodeCrypto: boolean; nobleDefaultZip215: boolean; nobleZip215False: boolean }
}

const GROUP_ORDER = Point.CURVE().n
const FIELD_PRIME = Point.CURVE().p
const textEncoder = new TextEncoder()
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

function littleEndian32(value: bigint): Uint8Array {
  const bytes = new Uint8Array(32)
  for (let index = 0; index < 32; index++) bytes[index] = Number((value >> BigInt(8 * index)) & 0xffn)
  return bytes
}

function bigintFromLittleEndian(bytes: Uint8Array): bigint {
  let value = 0n
  for (let index = bytes.length - 1; index >= 0; index--) value = (value << 8n) | BigInt(bytes[index] ?? 0)
  return value
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts))
}

/** k = SHA-512(R ‖ A ‖ M) as a 512-bit integer, before reduction mod L. */
function unreducedChallenge(commitment: Uint8Array, publicKey: Uint8Array, message: Uint8Array): bigint {
  return bigintFromLittleEndian(sha512(concat(commitment, publicKey, message)))
}

function challenge(commitment: Uint8Array, publicKey: Uint8Array, message: Uint8Array): bigint {
  return unreducedChallenge(commitment, publicKey, message) % GROUP_ORDER
}

function mod(value: bigint, modulus: bigint): bigint {
  const remainder = value % modulus
  return remainder < 0n ? remainder + modulus : remainder
}

/** [n]P for any integer n ≥ 0, including multiples of L and points of small order. */
function multiply(point: Point, scalar: bigint): Point {
  let result = Point.ZERO
  let addend = point
  for (let rest = scalar; rest > 0n; rest >>= 1n) {
    if (rest & 1n) result = result.add(addend)
    addend = addend.double()
  }
  return result
}

function signature(commitment: Uint8Array, response: bigint): Uint8Array {
  return concat(commitment, littleEndian32(response))
}

/** A deterministic key: its seed is SHA-512 of a label. */
function keyFromLabel(label: string): { publicKey: Uint8Array; scalar: bigint; point: Point; seed: Uint8Array } {
  const seed = sha512(textEncoder.encode(`ippoc ed25519 edge case key: ${label}`)).slice(0, 32)
  const extended = ed.utils.getExtendedPublicKey(seed)
  return { publicKey: extended.pointBytes, scalar: extended.scalar, point: extended.point, seed }
}

/** A deterministic scalar in [1, L) from a label, used as a nonce. */
function scalarFromLabel(label: string): bigint {
  return (bigintFromLittleEndian(sha512(textEncoder.encode(`ippoc ed25519 edge case nonce: ${label}`))) % (GROUP_ORDER - 1n)) + 1n
}

/** The first message `label #i` for which `accept` holds; the searches below succeed within ~8 tries. */
function findMessage(label: string, accept: (message: Uint8Array) => boolean): Uint8Array {
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const message = textEncoder.encode(`${label} #${attempt}`)
    if (accept(message)) return message
  }
  throw new Error(`no message found for ${label}`)
}

/** Encodes y (which may be ≥ p) with the given sign bit, without checking it is a point. */
function rawEncoding(y: bigint, signBit: boolean): Uint8Array {
  const bytes = littleEndian32(y)
  bytes[31] = (bytes[31] ?? 0) | (signBit ? 0x80 : 0)
  return bytes
}

/** A point of order 8; its multiples [0..7] are all the small-order points. */
const ORDER_8_POINT = Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')
const SMALL_ORDER_POINTS = Array.from({ length: 8 }, (_, index) => multiply(ORDER_8_POINT, BigInt(index)))

function observe(message: Uint8Array, publicKey: Uint8Array, signatureBytes: Uint8Array): Ed25519EdgeCase['observed'] {
  const attempt = (check: () => boolean) => {
    try {
      return check()
    } catch {
      return false
    }
  }
  return {
    nodeCrypto: attempt(() => {
      const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' })
      return nodeVerify(null, message, key, signatureBytes)
    }),
    nobleDefaultZip215: attempt(() => ed.verify(signatureBytes, message, publicKey)),
    nobleZip215False: attempt(() => ed.verify(signatureBytes, message, publicKey, { zip215: false })),
  }
}

function makeCase(name: string, expected: boolean, reason: string, message: Uint8Array, publicKey: Uint8Array, signatureBytes: Uint8Array): Ed25519EdgeCase {
  return {
    name,
    reason,
    expected,
    message: hex(message),
    publicKey: hex(publicKey),
    signature: hex(signatureBytes),
    observed: observe(message, publicKey, signatureBytes),
  }
}

/** Honest signatures and the Wycheproof-style mutations of one. */
function honestCases(): Ed25519EdgeCase[] {
  const key = keyFromLabel('honest')
  const message = textEncoder.encode('IPPOC ledger entry id')
  const valid = ed.sign(message, key.seed)
  const commitment = valid.subarray(0, 32)
  const response = bigintFromLittleEndian(valid.subarray(32))
  const flipped = Uint8Array.from(message)
  flipped[0] = (flipped[0] ?? 0) ^ 1
  const empty = new Uint8Array(0)
  return [
    makeCase('honest', true, 'RFC 8032 signature by a prime-order key', message, key.publicKey, valid),
    makeCase('honest-empty-message', true, 'RFC 8032 signature of the empty message', empty, key.publicKey, ed.sign(empty, key.seed)),
    makeCase('other-message', false, 'equation fails: the message differs by one bit', flipped, key.publicKey, valid),
    makeCase('s-plus-l', false, 'S ≥ L: (R, S + L) is the malleated twin of a valid signature', message, key.publicKey, signature(commitment, response + GROUP_ORDER)),
    makeCase('s-equals-l', false, 'S ≥ L: S = L', message, key.publicKey, signature(commitment, GROUP_ORDER)),
    makeCase('s-all-ones', false, 'S ≥ L: S = 2^256 − 1', message, key.publicKey, concat(commitment, new Uint8Array(32).fill(0xff))),
    makeCase('signature-63-bytes', false, 'signature is not 64 bytes', message, key.publicKey, valid.subarray(0, 63)),
    makeCase('signature-65-bytes', false, 'signature is not 64 bytes', message, key.publicKey, concat(valid, new Uint8Array(1))),
    makeCase('public-key-31-bytes', false, 'public key is not 32 bytes', message, key.publicKey.subarray(0, 31), valid),
    makeCase('public-key-33-bytes', false, 'public key is not 32 bytes', message, concat(key.publicKey, new Uint8Array(1)), valid),
    makeCase('empty-signature', false, 'signature is not 64 bytes', message, key.publicKey, empty),
  ]
}

/** Small-order public keys: with S = 0 and small-order R, a "signature" needs no secret at all. */
function smallOrderKeyCases(): Ed25519EdgeCase[] {
  const cases: Ed25519EdgeCase[] = []
  SMALL_ORDER_POINTS.forEach((point, index) => {
    const publicKey = point.toBytes()
    const commitment = SMALL_ORDER_POINTS[0]!.toBytes()
    // Cofactorless holds when [k]A is the identity, i.e. k ≡ 0 mod the order of A.
    const message = findMessage(`small-order A ${index}`, (candidate) => multiply(point, challenge(commitment, publicKey, candidate)).is0())
    cases.push(makeCase(`small-order-a-${index}`, false, `A = [${index}]T8 has small order; R = identity, S = 0 satisfies both equations`, message, publicKey, signature(commitment, 0n)))
  })
  const point = ORDER_8_POINT
  const publicKey = point.toBytes()
  const commitment = SMALL_ORDER_POINTS[3]!.toBytes()
  const cofactoredOnly = findMessage('small-order A cofactored only', (candidate) => {
    const k = challenge(commitment, publicKey, candidate)
    return !multiply(point, k).add(SMALL_ORDER_POINTS[3]!).is0()
  })
  cases.push(makeCase('small-order-a-small-order-r-cofactored-only', false, 'small-order A and R, S = 0: only the cofactored equation holds', cofactoredOnly, publicKey, signature(commitment, 0n)))
  // S > 0 and R = [S]B + [5]T8: cofactorless holds when −[k]A = [5]T8, i.e. k ≡ 3 mod 8; no secret needed.
  const response = scalarFromLabel('small-order A mixed R')
  const mixedCommitment = Point.BASE.multiply(response).add(SMALL_ORDER_POINTS[5]!).toBytes()
  const mixedMessage = findMessage('small-order A mixed R', (candidate) => challenge(mixedCommitment, publicKey, candidate) % 8n === 3n)
  cases.push(makeCase('small-order-a-mixed-order-r', false, 'A has small order; R = [S]B − [k]A (mixed order) satisfies both equations with S > 0', mixedMessage, publicKey, signature(mixedCommitment, response)))
  return cases
}

/** Non-canonical encodings of small-order points, used as A with R = identity and S = 0. */
const NON_CANONICAL_ENCODINGS: readonly { label: string; bytes: Uint8Array }[] = [
  { label: 'identity with the sign bit set (x = 0, "negative zero")', bytes: rawEncoding(1n, true) },
  { label: 'order 2 with the sign bit set (x = 0, "negative zero")', bytes: rawEncoding(FIELD_PRIME - 1n, true) },
  { label: 'identity as y = p + 1', bytes: rawEncoding(FIELD_PRIME + 1n, false) },
  { label: 'identity as y = p + 1 with the sign bit set', bytes: rawEncoding(FIELD_PRIME + 1n, true) },
  { label: 'order 4 as y = p (≡ 0)', bytes: rawEncoding(FIELD_PRIME, false) },
  { label: 'order 4 as y = p (≡ 0) with the sign bit set', bytes: rawEncoding(FIELD_PRIME, true) },
]

function nonCanonicalKeyCases(): Ed25519EdgeCase[] {
  const identity = SMALL_ORDER_POINTS[0]!.toBytes()
  return NON_CANONICAL_ENCODINGS.map(({ label, bytes }, index) => {
    const point = Point.fromBytes(bytes, true)
    const message = findMessage(`non-canonical A ${index}`, (candidate) => multiply(point, challenge(identity, bytes, candidate)).is0())
    return makeCase(`non-canonical-a-${index}`, false, `A is a non-canonical encoding: ${label}`, message, bytes, signature(identity, 0n))
  })
}

/** Public keys [a]B + T8 with a torsion component: the secret a signs, but the key is not of order L. */
function mixedOrderKeyCases(): Ed25519EdgeCase[] {
  const key = keyFromLabel('mixed-order A')
  const point = key.point.add(ORDER_8_POINT)
  const publicKey = point.toBytes()
  const nonce = scalarFromLabel('mixed-order A')
  const cases: Ed25519EdgeCase[] = []
  // R = [r]B − [3]T8 and k ≡ 3 mod 8: the torsion parts cancel, so both equations hold.
  const mixedCommitment = Point.BASE.multiply(nonce).subtract(multiply(ORDER_8_POINT, 3n)).toBytes()
  const bothMessage = findMessage('mixed-order A both', (candidate) => challenge(mixedCommitment, publicKey, candidate) % 8n === 3n)
  const bothResponse = mod(nonce + challenge(mixedCommitment, publicKey, bothMessage) * key.scalar, GROUP_ORDER)
  cases.push(makeCase('mixed-order-a-mixed-order-r-both-equations', false, 'A has a torsion component (order 8L); R = [r]B − [3]T8 and k ≡ 3 mod 8, so both equations hold', bothMessage, publicKey, signature(mixedCommitment, bothResponse)))
  const commitment = Point.BASE.multiply(nonce).toBytes()
  const message = findMessage('mixed-order A cofactored only', (candidate) => challenge(commitment, publicKey, candidate) % 8n !== 0n)
  const response = mod(nonce + challenge(commitment, publicKey, message) * key.scalar, GROUP_ORDER)
  cases.push(makeCase('mixed-order-a-cofactored-only', false, 'A has a torsion component; R = [r]B, so only the cofactored equation holds', message, publicKey, signature(commitment, response)))
  // Passes only a verifier that forgets to reduce k mod L before multiplying the torsioned A.
  const unreducedMessage = findMessage('mixed-order A unreduced k', (candidate) => {
    const full = unreducedChallenge(commitment, publicKey, candidate)
    return full % 8n === 0n && (full % GROUP_ORDER) % 8n !== 0n
  })
  const unreducedResponse = mod(nonce + challenge(commitment, publicKey, unreducedMessage) * key.scalar, GROUP_ORDER)
  cases.push(makeCase('mixed-order-a-unreduced-k', false, 'A has a torsion component; cofactorless holds only if k is not reduced mod L', unreducedMessage, publicKey, signature(commitment, unreducedResponse)))
  return cases
}

/** Honest prime-order key, crafted R: small order, mixed order, non-canonical, not a point. */
function commitmentCases(): Ed25519EdgeCase[] {
  const key = keyFromLabel('crafted R')
  const cases: Ed25519EdgeCase[] = []
  const message = textEncoder.encode('crafted R')
  const withCommitment = (commitment: Uint8Array, nonce: bigint) =>
    signature(commitment, mod(nonce + challenge(commitment, key.publicKey, message) * key.scalar, GROUP_ORDER))
  const identity = SMALL_ORDER_POINTS[0]!.toBytes()
  cases.push(makeCase('small-order-r-identity', false, 'R is the identity (nonce 0): S = k·a satisfies both equations, but R has small order', message, key.publicKey, withCommitment(identity, 0n)))
  const order8 = ORDER_8_POINT.toBytes()
  cases.push(makeCase('small-order-r-order-8', false, 'R has order 8, S = k·a: only the cofactored equation holds', message, key.publicKey, withCommitment(order8, 0n)))
  const nonce = scalarFromLabel('mixed-order R')
  const mixed = Point.BASE.multiply(nonce).add(ORDER_8_POINT).toBytes()
  cases.push(makeCase('mixed-order-r', false, 'R = [r]B + T8 has a torsion component: only the cofactored equation holds', message, key.publicKey, withCommitment(mixed, nonce)))
  const order2Torsion = Point.BASE.multiply(nonce).add(SMALL_ORDER_POINTS[4]!).toBytes()
  cases.push(makeCase('mixed-order-r-order-2-torsion', false, 'R = [r]B + T2 has a torsion component of order 2: only the cofactored equation holds', message, key.publicKey, withCommitment(order2Torsion, nonce)))
  NON_CANONICAL_ENCODINGS.forEach(({ label, bytes }, index) => {
    cases.push(makeCase(`non-canonical-r-${index}`, false, `R is a non-canonical encoding: ${label}; S = k·a`, message, key.publicKey, withCommitment(bytes, 0n)))
  })
  const notOnCurve = rawEncoding(2n, false)
  cases.push(makeCase('r-not-on-curve', false, 'R (y = 2) is not a curve point', message, key.publicKey, withCommitment(notOnCurve, nonce)))
  const valid = ed.sign(message, key.seed)
  cases.push(makeCase('a-not-on-curve', false, 'A (y = 2) is not a curve point', message, notOnCurve, valid))
  return cases
}

/**
 * Builds every edge case.
 *
 * @example
 * const cases = generateEd25519EdgeCases() // [{ name: 'honest', expected: true, … }, …]
 */
export function generateEd25519EdgeCases(): Ed25519EdgeCase[] {
  const cases = [...honestCases(), ...smallOrderKeyCases(), ...nonCanonicalKeyCases(), ...mixedOrderKeyCases(), ...commitmentCases()]
  const names = new Set(cases.map((each) => each.name))
  if (names.size !== cases.length) throw new Error('duplicate edge case names')
  return cases
}

function nobleVersion(): string {
  const packageJson = new URL('./package.json', import.meta.resolve('@noble/ed25519'))
  return String((JSON.parse(readFileSync(packageJson, 'utf8')) as { version: unknown }).version)
}

if (import.meta.main) {
  const cases = generateEd25519EdgeCases()
  const file = {
    description: [
      'Ed25519 edge cases with the verdict of the IPPOC strict rule (identity/ed25519-noble.ts); do not edit, run generate-edge-cases.ts.',
      '`observed` is documentation: what raw libraries returned at generation. nodeCrypto wraps the key bytes in the fixed SPKI prefix as ed25519.ts does;',
      'OpenSSL ignores bytes after the DER, hence true for public-key-33-bytes (ed25519.ts checks lengths first).',
    ].join(' '),
    observedWith: { openssl: process.versions.openssl, nobleEd25519: nobleVersion() },
    cases,
  }
  const path = new URL('./edge-cases.json', import.meta.url)
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`)
  console.log(`wrote ${cases.length} cases to ${path.pathname}`)
  for (const each of cases) console.log(each.expected ? 'VALID  ' : 'invalid', each.name.padEnd(44), JSON.stringify(each.observed))
}

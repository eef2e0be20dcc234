/**
 * Strict Ed25519 verification with `@noble/ed25519` only, for the browser dashboard; the node
 * side (`ed25519.ts`, OpenSSL) applies the same rule, and both are tested on the same vectors.
 *
 * RFC 8032 leaves room (cofactored or cofactorless equation, non-canonical points, small-order
 * points), and libraries fill it differently: noble's default is ZIP-215, OpenSSL is cofactorless
 * and accepts small-order keys. Validity must be one bit that every node and browser agree on, so
 * IPPOC uses one rule, the intersection of the common ones. A signature `R ‖ S` on message `M`
 * by key `A` is valid if and only if:
 *
 * 1. `A` is the canonical encoding of a point of order exactly L. This rejects non-canonical
 *    encodings (y ≥ p, x = 0 with the sign bit set), small-order keys (for which signatures exist
 *    without any secret) and keys with a torsion component (which give one secret eight node ids, and make
 *    the cofactored and cofactorless equations disagree).
 * 2. `S < L`, so no one can make a second valid signature (R, S + L) from a first.
 * 3. `R` is not one of the eight small-order points.
 * 4. `[S]B − [k]A` encodes to exactly the bytes `R`, with `k = SHA-512(R ‖ A ‖ M) mod L`: the
 *    cofactorless equation, compared as bytes as OpenSSL and libsodium do, so `R` must be
 *    canonical and free of torsion.
 *
 * Every signature valid under this rule is also valid under RFC 8032 either way, ZIP-215,
 * libsodium and OpenSSL; honest RFC 8032 signers meet it (but for a nonce ≡ 0 mod L, probability
 * 2^-252). Vectors and the script that crafts the edge cases: `vectors/`.
 */
import { Point } from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'

/** The order L of the Ed25519 base point (RFC 8032 `L`). */
const GROUP_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n
const GROUP_ORDER_LITTLE_ENDIAN = littleEndianBytes(GROUP_ORDER)
const SIGNATURE_BYTES = 64
const PUBLIC_KEY_BYTES = 32
const POINT_BYTES = 32

/**
 * Canonical encodings of the eight points of small order (dividing 8): the identity, the point of
 * order 2, the two of order 4 and the four of order 8. Non-canonical encodings of them fail the
 * byte comparison of rule 4 anyway.
 */
const SMALL_ORDER_POINT_ENCODINGS: readonly Uint8Array[] = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
].map(bytesFromHex)

function littleEndianBytes(value: bigint): Uint8Array {
  const bytes = new Uint8Array(32)
  for (let index = 0; index < bytes.length; index++) bytes[index] = Number((value >> BigInt(8 * index)) & 0xffn)
  return bytes
}

function bigintFromLittleEndian(bytes: Uint8Array): bigint {
  let value = 0n
  for (let index = bytes.length - 1; index >= 0; index--) value = (value << 8n) | BigInt(bytes[index] ?? 0)
  return value
}

function bytesFromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2)
  for (let index = 0; index < bytes.length; index++) bytes[index] = Number.parseInt(hex.slice(2 * index, 2 * index + 2), 16)
  return bytes
}

function hexFromBytes(bytes: Uint8Array): string {
  let hex = ''
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0')
  return hex
}

function bytesEqual(left: Uint8Array, right: Uint8Array, length: number): boolean {
  for (let index = 0; index < length; index++) if (left[index] !== right[index]) return false
  return true
}

function isByteArray(value: unknown, length?: number): value is Uint8Array {
  return value instanceof Uint8Array && (length === undefined || value.length === length)
}

/** Whether the 32 little-endian bytes at `offset` are an integer below L (compared from the top byte down). */
function isBelowGroupOrder(bytes: Uint8Array, offset: number): boolean {
  for (let index = 31; index >= 0; index--) {
    const byte = bytes[offset + index] ?? 0
    const limit = GROUP_ORDER_LITTLE_ENDIAN[index] ?? 0
    if (byte !== limit) return byte < limit
  }
  return false
}

function isSmallOrderEncoding(bytes: Uint8Array): boolean {
  for (const encoding of SMALL_ORDER_POINT_ENCODINGS) if (bytesEqual(bytes, encoding, POINT_BYTES)) return true
  return false
}

function strictPublicKeyPoint(publicKey: Uint8Array): Point | null {
  if (!isByteArray(publicKey, PUBLIC_KEY_BYTES)) return null
  try {
    // Strict decoding (zip215 = false) rejects y ≥ p and x = 0 with the sign bit set.
    const point = Point.fromBytes(publicKey, false)
    return !point.is0() && point.isTorsionFree() ? point : null
  } catch {
    return null
  }
}

/**
 * Whether `publicKey` is a valid key under the strict rule: the canonical 32-byte encoding of a
 * point of order exactly L. Costs a scalar multiplication (milliseconds); callers cache it.
 *
 * @example
 * isStrictEd25519PublicKey(signer.publicKey) // true
 * isStrictEd25519PublicKey(new Uint8Array(32)) // false: a point of order 4
 */
export function isStrictEd25519PublicKey(publicKey: Uint8Array): boolean {
  return strictPublicKeyPoint(publicKey) !== null
}

/**
 * Whether a 64-byte signature passes the strict rule's cheap checks: `S < L` and `R` is not a
 * small-order point. Byte comparisons only; the equation is checked separately.
 *
 * @example
 * hasStrictEd25519SignatureEncoding(signature) // true for any RFC 8032 signature
 */
export function hasStrictEd25519SignatureEncoding(signature: Uint8Array): boolean {
  if (!isByteArray(signature, SIGNATURE_BYTES)) return false
  return isBelowGroupOrder(signature, POINT_BYTES) && !isSmallOrderEncoding(signature)
}

/** Decoded strict public keys by hex (null if rejected), least recently used first. */
const publicKeyPointCache = new Map<string, Point | null>()
const PUBLIC_KEY_CACHE_ENTRIES_MAX = 4096

function cachedStrictPublicKeyPoint(publicKey: Uint8Array): Point | null {
  const cacheKey = hexFromBytes(publicKey)
  const cached = publicKeyPointCache.get(cacheKey)
  if (cached !== undefined) {
    publicKeyPointCache.delete(cacheKey)
    publicKeyPointCache.set(cacheKey, cached)
    return cached
  }
  const point = strictPublicKeyPoint(publicKey)
  if (publicKeyPointCache.size >= PUBLIC_KEY_CACHE_ENTRIES_MAX) {
    const oldest = publicKeyPointCache.keys().next()
    if (oldest.done !== true) publicKeyPointCache.delete(oldest.value)
  }
  publicKeyPointCache.set(cacheKey, point)
  return point
}

/**
 * Verifies an Ed25519 signature under the strict rule (see the module comment) with
 * `@noble/ed25519`; returns false for any malformed input, never throws. Agrees with
 * `verifyEd25519` (node:crypto) on every input.
 *
 * @example
 * verifyEd25519Noble(signature, message, publicKey) // true
 */
export function verifyEd25519Noble(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!isByteArray(message) || !hasStrictEd25519SignatureEncoding(signature) || !isByteArray(publicKey, PUBLIC_KEY_BYTES))
    return false
  try {
    const publicKeyPoint = cachedStrictPublicKeyPoint(publicKey)
    if (publicKeyPoint === null) return false
    const commitment = signature.subarray(0, POINT_BYTES)
    const response = bigintFromLittleEndian(signature.subarray(POINT_BYTES, SIGNATURE_BYTES))
    const digest = sha512.create().update(commitment).update(publicKey).update(message).digest()
    const challenge = bigintFromLittleEndian(digest) % GROUP_ORDER
    // Cofactorless, compared as bytes: [S]B − [k]A must encode to R exactly. noble's own `verify`
    // is cofactored even with zip215: false, so it accepts an R with a torsion component that
    // OpenSSL rejects (see the mixed-order-r vector).
    const expectedCommitment = Point.BASE.multiply(response, false).subtract(publicKeyPoint.multiply(challenge, false))
    return bytesEqual(expectedCommitment.toBytes(), commitment, POINT_BYTES)
  } catch {
    return false
  }
}

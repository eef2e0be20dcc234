/**
 * Ed25519 for Node: node:crypto (OpenSSL) signs and verifies, with key objects cached because
 * building one costs more than a signature.
 *
 * Verification applies IPPOC's strict rule, described in `ed25519-noble.ts`, whose browser
 * implementation must agree with this one on every input. OpenSSL already checks `S < L` and
 * the cofactorless equation with `R` compared as bytes; it accepts small-order, torsioned and
 * non-canonical public keys and small-order `R`, so those are rejected here first. The
 * public-key check costs a scalar multiplication (~2 ms), so its verdict is cached with the key
 * object: a node sees few distinct keys, and the hot path adds only byte comparisons (< 1 µs) to
 * OpenSSL's verify (~200 µs).
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import { describeValue } from '../common/describe-value.ts'
import { hasStrictEd25519SignatureEncoding, isStrictEd25519PublicKey } from './ed25519-noble.ts'

/**
 * Signs messages with one Ed25519 key.
 *
 * @example
 * const signer: Ed25519Signer = createEd25519Signer(seed)
 * verifyEd25519(signer.sign(message), message, signer.publicKey) // true
 */
export type Ed25519Signer = {
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array
  /** Returns the 64-byte signature of `message`. */
  sign(message: Uint8Array): Uint8Array
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const SEED_BYTES = 32
const PUBLIC_KEY_BYTES = 32
const SIGNATURE_BYTES = 64

/** Like `describeValue`, but never quotes a string: a seed passed as hex is still a secret. */
function describeSecret(value: unknown): string {
  return typeof value === 'string' ? `a ${value.length}-character string` : describeValue(value)
}

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES)
    throw new TypeError(`Ed25519 seed: expected Uint8Array(${SEED_BYTES}), got ${describeSecret(seed)}`)
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' })
}

/**
 * Makes a signer from a 32-byte seed (the same seed libp2p's `generateKeyPairFromSeed` takes).
 * Throws a TypeError if the seed is not a 32-byte Uint8Array.
 *
 * @example
 * const signer = createEd25519Signer(randomBytes(32))
 * const signature = signer.sign(new TextEncoder().encode('hello'))
 */
export function createEd25519Signer(seed: Uint8Array): Ed25519Signer {
  const privateKey = privateKeyFromSeed(seed)
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  const publicKey = new Uint8Array(spki.subarray(SPKI_ED25519_PREFIX.length))
  return {
    publicKey,
    sign: (message) => {
      if (!(message instanceof Uint8Array))
        throw new TypeError(`Ed25519 message: expected a Uint8Array, got ${describeValue(message)}`)
      return new Uint8Array(sign(null, message, privateKey))
    },
  }
}

/**
 * Returns the 32-byte public key of a 32-byte seed. Throws a TypeError like `createEd25519Signer`.
 *
 * @example
 * ed25519PublicKeyFromSeed(seed) // Uint8Array(32), the node id
 */
export function ed25519PublicKeyFromSeed(seed: Uint8Array): Uint8Array {
  return createEd25519Signer(seed).publicKey
}

/**
 * Key objects of strict public keys by hex, or null for keys the strict rule rejects; least
 * recently used first, so a flood of new keys cannot evict the authors a node hears from daily.
 */
const publicKeyCache = new Map<string, KeyObject | null>()
const PUBLIC_KEY_CACHE_ENTRIES_MAX = 4096

function strictPublicKeyObject(publicKey: Uint8Array): KeyObject | null {
  const cacheKey = Buffer.from(publicKey.buffer, publicKey.byteOffset, PUBLIC_KEY_BYTES).toString('hex')
  const cached = publicKeyCache.get(cacheKey)
  if (cached !== undefined) {
    publicKeyCache.delete(cacheKey)
    publicKeyCache.set(cacheKey, cached)
    return cached
  }
  const keyObject = isStrictEd25519PublicKey(publicKey)
    ? createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' })
    : null
  if (publicKeyCache.size >= PUBLIC_KEY_CACHE_ENTRIES_MAX) {
    const oldest = publicKeyCache.keys().next()
    if (oldest.done !== true) publicKeyCache.delete(oldest.value)
  }
  publicKeyCache.set(cacheKey, keyObject)
  return keyObject
}

/**
 * Verifies an Ed25519 signature under IPPOC's strict rule (RFC 8032, cofactorless, canonical
 * encodings, prime-order key, no small-order R, S < L). Returns false for any malformed input;
 * never throws. Agrees with `verifyEd25519Noble` on every input.
 *
 * @example
 * verifyEd25519(signature, message, signer.publicKey) // true
 */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return false
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES) return false
  if (!(message instanceof Uint8Array) || !hasStrictEd25519SignatureEncoding(signature)) return false
  try {
    const keyObject = strictPublicKeyObject(publicKey)
    return keyObject !== null && verify(null, message, keyObject, signature)
  } catch {
    return false
  }
}

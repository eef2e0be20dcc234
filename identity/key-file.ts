/**
 * The `identity.key` format, version 1: 108 bytes.
 *
 * | offset | bytes | field |
 * |---|---|---|
 * | 0 | 8 | magic, ASCII `IPPOCKEY` |
 * | 8 | 1 | format version, 1 |
 * | 9 | 1 | key type, 1 = Ed25519 |
 * | 10 | 2 | reserved, zero |
 * | 12 | 32 | Ed25519 seed (RFC 8032 private key; also the libp2p key) |
 * | 44 | 32 | Ed25519 public key = the node id |
 * | 76 | 32 | SHA-256 of bytes 0..75 |
 *
 * The checksum catches truncation and damage; the public key must equal the one derived from the
 * seed, so a file whose seed was altered together with its checksum is still refused.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import { KEY_FILE_FORBIDDEN_MODE_BITS } from './constants.ts'
import { describeValue } from '../common/describe-value.ts'
import { ed25519PublicKeyFromSeed } from './ed25519.ts'
import {
  IdentityInvalidArgumentError,
  IdentityKeyFileCorruptError,
  IdentityKeyFileMissingError,
  IdentityKeyFilePermissionError,
  IdentityKeyFileVersionError,
} from './errors.ts'

/** The first 8 bytes of every key file. */
export const KEY_FILE_MAGIC = Buffer.from('IPPOCKEY', 'ascii')
/** The key file version this build writes; it reads only this one. */
export const KEY_FILE_VERSION = 1
/** Key type byte for Ed25519. */
export const KEY_FILE_TYPE_ED25519 = 1
/** Size of a version-1 key file in bytes. */
export const KEY_FILE_BYTES = 108

const VERSION_OFFSET = 8
const TYPE_OFFSET = 9
const RESERVED_OFFSET = 10
const SEED_OFFSET = 12
const PUBLIC_KEY_OFFSET = 44
const CHECKSUM_OFFSET = 76

/** The content of a key file. */
export type KeyFileContent = { seed: Uint8Array; publicKey: Uint8Array }

/**
 * Encodes a 32-byte Ed25519 seed as a version-1 key file.
 *
 * @example
 * const bytes = encodeKeyFile(randomBytes(32)) // 108 bytes
 */
export function encodeKeyFile(seed: Uint8Array): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== 32)
    throw new IdentityInvalidArgumentError({ argument: 'seed', expected: 'a 32-byte Uint8Array', received: describeValue(seed) })
  const bytes = Buffer.alloc(KEY_FILE_BYTES)
  KEY_FILE_MAGIC.copy(bytes, 0)
  bytes[VERSION_OFFSET] = KEY_FILE_VERSION
  bytes[TYPE_OFFSET] = KEY_FILE_TYPE_ED25519
  bytes.set(seed, SEED_OFFSET)
  bytes.set(ed25519PublicKeyFromSeed(seed), PUBLIC_KEY_OFFSET)
  bytes.set(checksum(bytes), CHECKSUM_OFFSET)
  return new Uint8Array(bytes)
}

/**
 * Decodes and checks a key file; `path` only names the file in errors.
 *
 * @example
 * const { seed, publicKey } = decodeKeyFile(await readFile(paths.identityKey), paths.identityKey)
 */
export function decodeKeyFile(bytes: Uint8Array, path: string): KeyFileContent {
  if (!(bytes instanceof Uint8Array))
    throw new IdentityInvalidArgumentError({ argument: 'bytes', expected: 'a Uint8Array', received: describeValue(bytes) })
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  assertHeader(buffer, path)
  if (buffer.length < KEY_FILE_BYTES)
    throw new IdentityKeyFileCorruptError({ path, problem: `truncated: ${buffer.length} of ${KEY_FILE_BYTES} bytes` })
  if (buffer.length > KEY_FILE_BYTES)
    throw new IdentityKeyFileCorruptError({ path, problem: `${buffer.length} bytes, expected ${KEY_FILE_BYTES}: something was appended` })
  if (buffer[TYPE_OFFSET] !== KEY_FILE_TYPE_ED25519)
    throw new IdentityKeyFileCorruptError({ path, problem: `unknown key type ${buffer[TYPE_OFFSET]}` })
  if (buffer[RESERVED_OFFSET] !== 0 || buffer[RESERVED_OFFSET + 1] !== 0)
    throw new IdentityKeyFileCorruptError({ path, problem: 'reserved bytes are not zero' })
  if (!timingSafeEqual(checksum(buffer), buffer.subarray(CHECKSUM_OFFSET)))
    throw new IdentityKeyFileCorruptError({ path, problem: 'checksum mismatch: the file was damaged or edited' })
  const seed = new Uint8Array(buffer.subarray(SEED_OFFSET, PUBLIC_KEY_OFFSET))
  const publicKey = new Uint8Array(buffer.subarray(PUBLIC_KEY_OFFSET, CHECKSUM_OFFSET))
  if (!Buffer.from(ed25519PublicKeyFromSeed(seed)).equals(publicKey))
    throw new IdentityKeyFileCorruptError({ path, problem: 'the stored public key is not the one derived from the stored seed' })
  return { seed, publicKey }
}

function assertHeader(buffer: Buffer, path: string): void {
  const magicLength = Math.min(buffer.length, KEY_FILE_MAGIC.length)
  if (!buffer.subarray(0, magicLength).equals(KEY_FILE_MAGIC.subarray(0, magicLength)))
    throw new IdentityKeyFileCorruptError({ path, problem: 'not an IPPOC key file (wrong magic bytes)' })
  if (buffer.length <= VERSION_OFFSET)
    throw new IdentityKeyFileCorruptError({ path, problem: `truncated: ${buffer.length} of ${KEY_FILE_BYTES} bytes` })
  if (buffer[VERSION_OFFSET] !== KEY_FILE_VERSION)
    throw new IdentityKeyFileVersionError({ path, version: buffer[VERSION_OFFSET] ?? 0, supported: [KEY_FILE_VERSION] })
}

function checksum(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes.subarray(0, CHECKSUM_OFFSET)).digest()
}

/**
 * Reads `identity.key` with every check boot needs: it exists, is a regular file (not a symlink),
 * has no group or other permission bits, and decodes (see {@link decodeKeyFile}).
 *
 * @example
 * const { seed, publicKey } = await readKeyFile(paths.identityKey)
 */
export async function readKeyFile(path: string): Promise<KeyFileContent> {
  if (typeof path !== 'string' || path.length === 0)
    throw new IdentityInvalidArgumentError({ argument: 'path', expected: 'a non-empty path', received: describeValue(path) })
  let handle
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new IdentityKeyFileMissingError({ path, cause: error })
    if (code === 'ELOOP') throw new IdentityKeyFileCorruptError({ path, problem: 'it is a symbolic link; the key must be a regular file inside the node folder' })
    throw error
  }
  try {
    const stats = await handle.stat()
    if (!stats.isFile()) throw new IdentityKeyFileCorruptError({ path, problem: 'not a regular file' })
    if ((stats.mode & KEY_FILE_FORBIDDEN_MODE_BITS) !== 0) throw new IdentityKeyFilePermissionError({ path, mode: stats.mode })
    // Read one byte more than a key file holds, so an appended tail is seen without reading it all.
    const buffer = Buffer.alloc(KEY_FILE_BYTES + 1)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
    return decodeKeyFile(buffer.subarray(0, bytesRead), path)
  } finally {
    await handle.close()
  }
}

/**
 * Reads the public key a key file claims, or undefined if it is not a readable, valid key file.
 * Used to find copies of a node's key in other folders; skips the permission check.
 *
 * @example
 * await peekKeyFilePublicKey('data/nodes/x.bak/data/identity.key') // Uint8Array(32) or undefined
 */
export async function peekKeyFilePublicKey(path: string): Promise<Uint8Array | undefined> {
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW)
    try {
      const buffer = Buffer.alloc(KEY_FILE_BYTES + 1)
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
      return decodeKeyFile(buffer.subarray(0, bytesRead), path).publicKey
    } finally {
      await handle.close()
    }
  } catch {
    return undefined
  }
}

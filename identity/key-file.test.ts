import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { chmod, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ed25519PublicKeyFromSeed } from './ed25519.ts'
import { decodeKeyFile, encodeKeyFile, KEY_FILE_BYTES, readKeyFile } from './key-file.ts'
import { seedOf, temporaryDirectory } from './test-support/machines.ts'

const PATH = 'identity.key'
const KEY_FILE_ERRORS = new Set(['IdentityKeyFileCorruptError', 'IdentityKeyFileVersionError'])

function withChecksum(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes)
  copy.set(createHash('sha256').update(copy.subarray(0, 76)).digest(), 76)
  return copy
}

describe('key file format', () => {
  it('round-trips a seed and stores the derived public key', () => {
    const seed = seedOf(7)
    const bytes = encodeKeyFile(seed)
    assert.equal(bytes.length, KEY_FILE_BYTES)
    assert.equal(Buffer.from(bytes.subarray(0, 8)).toString('ascii'), 'IPPOCKEY')
    const { seed: decoded, publicKey } = decodeKeyFile(bytes, PATH)
    assert.deepEqual(decoded, seed)
    assert.deepEqual(publicKey, ed25519PublicKeyFromSeed(seed))
  })

  it('pins the version-1 layout', () => {
    const hex = Buffer.from(encodeKeyFile(seedOf(1))).toString('hex')
    assert.equal(hex.slice(0, 24), '4950504f434b455901010000')
    assert.equal(hex.slice(24, 88), '01'.repeat(32))
    assert.equal(hex.slice(88, 152), Buffer.from(ed25519PublicKeyFromSeed(seedOf(1))).toString('hex'))
  })

  it('refuses every truncation, naming it', () => {
    const bytes = encodeKeyFile(seedOf(2))
    for (let length = 0; length < KEY_FILE_BYTES; length++) {
      assert.throws(() => decodeKeyFile(bytes.subarray(0, length), PATH), (error: Error) => {
        assert.equal(error.name, 'IdentityKeyFileCorruptError')
        assert.match(error.message, /truncated|empty/)
        return true
      }, `length ${length}`)
    }
  })

  it('refuses appended bytes', () => {
    const bytes = new Uint8Array([...encodeKeyFile(seedOf(2)), 0])
    assert.throws(() => decodeKeyFile(bytes, PATH), { name: 'IdentityKeyFileCorruptError' })
  })

  it('refuses a flip of any bit', () => {
    const bytes = encodeKeyFile(seedOf(3))
    for (let index = 0; index < bytes.length; index++) {
      for (let bit = 0; bit < 8; bit++) {
        const damaged = new Uint8Array(bytes)
        damaged[index] = (damaged[index] ?? 0) ^ (1 << bit)
        assert.throws(() => decodeKeyFile(damaged, PATH), (error: Error) => KEY_FILE_ERRORS.has(error.name), `byte ${index} bit ${bit}`)
      }
    }
  })

  it('refuses an unknown version with its own error', () => {
    const bytes = new Uint8Array(encodeKeyFile(seedOf(4)))
    bytes[8] = 2
    assert.throws(() => decodeKeyFile(withChecksum(bytes), PATH), { name: 'IdentityKeyFileVersionError' })
  })

  it('refuses a file whose public key is not derived from its seed, even with a valid checksum', () => {
    const bytes = new Uint8Array(encodeKeyFile(seedOf(5)))
    bytes.set(ed25519PublicKeyFromSeed(seedOf(6)), 44)
    assert.throws(() => decodeKeyFile(withChecksum(bytes), PATH), (error: Error) => {
      assert.equal(error.name, 'IdentityKeyFileCorruptError')
      assert.match(error.message, /not the one derived/)
      return true
    })
  })

  it('refuses a file that is not a key file', () => {
    assert.throws(() => decodeKeyFile(new TextEncoder().encode('-----BEGIN PRIVATE KEY-----'), PATH), (error: Error) => {
      assert.equal(error.name, 'IdentityKeyFileCorruptError')
      assert.match(error.message, /magic/)
      return true
    })
  })

  it('round-trips any seed and only ever throws typed errors on any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
      assert.deepEqual(decodeKeyFile(encodeKeyFile(seed), PATH).seed, seed)
    }), { numRuns: 200 })
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      assert.throws(() => decodeKeyFile(bytes, PATH), (error: Error) => KEY_FILE_ERRORS.has(error.name))
    }), { numRuns: 500 })
  })
})

describe('readKeyFile', () => {
  it('refuses group or other permission bits, for each bit', async (t) => {
    const { path: directory, remove } = await temporaryDirectory()
    t.after(remove)
    const path = join(directory, 'identity.key')
    await writeFile(path, encodeKeyFile(seedOf(8)), { mode: 0o600 })
    await chmod(path, 0o600)
    assert.deepEqual((await readKeyFile(path)).seed, seedOf(8))
    for (const bit of [0o040, 0o020, 0o010, 0o004, 0o002, 0o001]) {
      await chmod(path, 0o600 | bit)
      await assert.rejects(readKeyFile(path), (error: Error & { mode?: number }) => {
        assert.equal(error.name, 'IdentityKeyFilePermissionError')
        assert.equal((error.mode ?? 0) & 0o777, 0o600 | bit)
        return true
      })
    }
  })

  it('refuses a missing file, a symlink and a folder', async (t) => {
    const { path: directory, remove } = await temporaryDirectory()
    t.after(remove)
    const real = join(directory, 'real.key')
    await writeFile(real, encodeKeyFile(seedOf(9)), { mode: 0o600 })
    await symlink(real, join(directory, 'link.key'))
    await assert.rejects(readKeyFile(join(directory, 'missing.key')), { name: 'IdentityKeyFileMissingError' })
    await assert.rejects(readKeyFile(join(directory, 'link.key')), { name: 'IdentityKeyFileCorruptError' })
    await chmod(directory, 0o700)
    await assert.rejects(readKeyFile(directory), { name: 'IdentityKeyFileCorruptError' })
  })

  it('refuses a large file without reading it whole', async (t) => {
    const { path: directory, remove } = await temporaryDirectory()
    t.after(remove)
    const path = join(directory, 'identity.key')
    await writeFile(path, Buffer.concat([encodeKeyFile(seedOf(1)), Buffer.alloc(10_000_000)]), { mode: 0o600 })
    await assert.rejects(readKeyFile(path), { name: 'IdentityKeyFileCorruptError' })
  })
})

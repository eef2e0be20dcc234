import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { createEd25519Signer, ed25519PublicKeyFromSeed, verifyEd25519 } from './ed25519.ts'
import { verifyEd25519Noble } from './ed25519-noble.ts'
import { ed25519EdgeVectors, rfc8032Vectors } from './vectors/ed25519-vectors.ts'

const GROUP_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

/** (R, S + L): the malleated twin of a valid signature. */
function withResponsePlusGroupOrder(signature: Uint8Array): Uint8Array {
  let response = 0n
  for (let index = 63; index >= 32; index--) response = (response << 8n) | BigInt(signature[index] ?? 0)
  response += GROUP_ORDER
  const malleated = Uint8Array.from(signature)
  for (let index = 32; index < 64; index++) malleated[index] = Number((response >> BigInt(8 * (index - 32))) & 0xffn)
  return malleated
}

describe('RFC 8032 §7.1 vectors with node:crypto', () => {
  for (const vector of rfc8032Vectors()) {
    it(`${vector.name}: derives the public key and the signature, and verifies`, () => {
      const signer = createEd25519Signer(vector.secretKey)
      assert.equal(hex(signer.publicKey), hex(vector.publicKey))
      assert.equal(hex(ed25519PublicKeyFromSeed(vector.secretKey)), hex(vector.publicKey))
      assert.equal(hex(signer.sign(vector.message)), hex(vector.signature))
      assert.equal(verifyEd25519(vector.signature, vector.message, vector.publicKey), true)
    })

    it(`${vector.name}: rejects the malleated (R, S + L)`, () => {
      assert.equal(verifyEd25519(withResponsePlusGroupOrder(vector.signature), vector.message, vector.publicKey), false)
    })
  }
})

describe('edge cases with node:crypto', () => {
  for (const vector of ed25519EdgeVectors()) {
    it(`${vector.name} → ${vector.expected} (${vector.reason})`, () => {
      assert.equal(verifyEd25519(vector.signature, vector.message, vector.publicKey), vector.expected)
    })
  }

  it('gives the same verdict the second time, from the public-key cache', () => {
    for (const vector of ed25519EdgeVectors())
      assert.equal(verifyEd25519(vector.signature, vector.message, vector.publicKey), vector.expected, vector.name)
  })
})

describe('createEd25519Signer', () => {
  it('signs what both verifiers accept, and nothing else', () => {
    for (let round = 0; round < 8; round++) {
      const signer = createEd25519Signer(randomBytes(32))
      const message = randomBytes(round * 17)
      const signature = signer.sign(message)
      assert.equal(signature.length, 64)
      assert.equal(verifyEd25519(signature, message, signer.publicKey), true)
      assert.equal(verifyEd25519Noble(signature, message, signer.publicKey), true)
      const other = Uint8Array.from(message.length === 0 ? [0] : message)
      other[0] = (other[0] ?? 0) ^ 0x80
      assert.equal(verifyEd25519(signature, other, signer.publicKey), false)
    }
  })

  it('accepts Buffers and views at an offset', () => {
    const seed = randomBytes(32)
    const signer = createEd25519Signer(seed)
    const message = Buffer.from('an entry id')
    const signature = signer.sign(message)
    const backing = new Uint8Array(200)
    backing.set(signer.publicKey, 7)
    backing.set(signature, 100)
    const publicKeyView = backing.subarray(7, 39)
    const signatureView = backing.subarray(100, 164)
    assert.equal(verifyEd25519(signatureView, message, publicKeyView), true)
    assert.equal(verifyEd25519(Buffer.from(signature), message, Buffer.from(signer.publicKey)), true)
  })
})

describe('errors', () => {
  const wrongSeeds: readonly [unknown, string][] = [
    [new Uint8Array(31), 'Uint8Array(31)'],
    [new Uint8Array(33), 'Uint8Array(33)'],
    [new Uint8Array(0), 'Uint8Array(0)'],
    ['00'.repeat(32), 'a 64-character string'],
    [undefined, 'undefined'],
    [null, 'null'],
    [42, 'number 42'],
    [Array.from({ length: 32 }, () => 0), 'an array of 32'],
    [new Uint16Array(32), 'object'],
    [new ArrayBuffer(32), 'object'],
  ]

  for (const [seed, described] of wrongSeeds) {
    it(`createEd25519Signer(${described}) throws a TypeError saying what it expected and got`, () => {
      assert.throws(() => createEd25519Signer(seed as Uint8Array), {
        name: 'TypeError',
        message: `Ed25519 seed: expected Uint8Array(32), got ${described}`,
      })
      assert.throws(() => ed25519PublicKeyFromSeed(seed as Uint8Array), { name: 'TypeError' })
    })
  }

  it('signer.sign throws a TypeError for a message that is not a Uint8Array', () => {
    const signer = createEd25519Signer(new Uint8Array(32))
    for (const message of ['hello', undefined, null, 7, [1, 2, 3], new ArrayBuffer(4)] as unknown[])
      assert.throws(() => signer.sign(message as Uint8Array), { name: 'TypeError', message: /^Ed25519 message: expected a Uint8Array, got / })
  })

  it('verifyEd25519 returns false, never throws, for wrong lengths and types', () => {
    const signer = createEd25519Signer(new Uint8Array(32).fill(1))
    const message = new TextEncoder().encode('hello')
    const signature = signer.sign(message)
    const publicKey = signer.publicKey
    const wrongBytes: unknown[] = [
      undefined,
      null,
      0,
      'hello',
      {},
      { length: 64 },
      [...signature],
      new Uint16Array(32),
      new DataView(new ArrayBuffer(64)),
      new ArrayBuffer(64),
      new Uint8Array(0),
      new Uint8Array(31),
      new Uint8Array(33),
      new Uint8Array(63),
      new Uint8Array(65),
    ]
    for (const wrong of wrongBytes) {
      assert.equal(verifyEd25519(wrong as Uint8Array, message, publicKey), false)
      assert.equal(verifyEd25519(signature, message, wrong as Uint8Array), false)
    }
    for (const wrong of ['hello', undefined, null, 5, [...message], new DataView(message.buffer)] as unknown[])
      assert.equal(verifyEd25519(signature, wrong as Uint8Array, publicKey), false)
    assert.equal(verifyEd25519(signature, message, publicKey), true)
  })
})

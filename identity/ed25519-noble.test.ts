import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { createEd25519Signer, verifyEd25519 } from './ed25519.ts'
import { hasStrictEd25519SignatureEncoding, isStrictEd25519PublicKey, verifyEd25519Noble } from './ed25519-noble.ts'
import { ed25519EdgeVectors, rfc8032Vectors } from './vectors/ed25519-vectors.ts'
import { generateEd25519EdgeCases } from './vectors/generate-edge-cases.ts'

ed.hashes.sha512 = sha512

const GROUP_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n
const ORDER_8_POINT = ed.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

function responseOf(signature: Uint8Array): bigint {
  let response = 0n
  for (let index = 63; index >= 32; index--) response = (response << 8n) | BigInt(signature[index] ?? 0)
  return response
}

function withResponse(signature: Uint8Array, response: bigint): Uint8Array {
  const changed = Uint8Array.from(signature)
  for (let index = 32; index < 64; index++) changed[index] = Number((response >> BigInt(8 * (index - 32))) & 0xffn)
  return changed
}

/** Both verdicts, asserting they agree. */
function agreedVerdict(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  const node = verifyEd25519(signature, message, publicKey)
  const noble = verifyEd25519Noble(signature, message, publicKey)
  assert.equal(noble, node, `node:crypto says ${node}, noble says ${noble} for sig ${hex(signature)} key ${hex(publicKey)} msg ${hex(message)}`)
  return node
}

describe('RFC 8032 §7.1 vectors with @noble/ed25519', () => {
  for (const vector of rfc8032Vectors()) {
    it(`${vector.name}: noble signs the published signature, and it verifies`, () => {
      assert.equal(hex(ed.getPublicKey(vector.secretKey)), hex(vector.publicKey))
      assert.equal(hex(ed.sign(vector.message, vector.secretKey)), hex(vector.signature))
      assert.equal(verifyEd25519Noble(vector.signature, vector.message, vector.publicKey), true)
      assert.equal(isStrictEd25519PublicKey(vector.publicKey), true)
      assert.equal(hasStrictEd25519SignatureEncoding(vector.signature), true)
    })

    it(`${vector.name}: rejects the malleated (R, S + L)`, () => {
      const malleated = withResponse(vector.signature, responseOf(vector.signature) + GROUP_ORDER)
      assert.equal(verifyEd25519Noble(malleated, vector.message, vector.publicKey), false)
      assert.equal(hasStrictEd25519SignatureEncoding(malleated), false)
    })
  }
})

describe('edge cases with @noble/ed25519', () => {
  for (const vector of ed25519EdgeVectors()) {
    it(`${vector.name} → ${vector.expected} (${vector.reason})`, () => {
      assert.equal(verifyEd25519Noble(vector.signature, vector.message, vector.publicKey), vector.expected)
    })
  }
})

describe('vector files', () => {
  it('edge-cases.json is what generate-edge-cases.ts makes (apart from the observed verdicts)', () => {
    const committed = JSON.parse(readFileSync(new URL('./vectors/edge-cases.json', import.meta.url), 'utf8')) as { cases: Record<string, unknown>[] }
    const withoutObserved = (cases: readonly Record<string, unknown>[]) => cases.map(({ observed: _observed, ...rest }) => rest)
    assert.deepEqual(withoutObserved(generateEd25519EdgeCases()), withoutObserved(committed.cases))
  })
})

describe('node:crypto and noble agree', () => {
  it('noble verifies what node:crypto signs, and node:crypto verifies what noble signs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), (seed, message) => {
        const nodeSignature = createEd25519Signer(seed).sign(message)
        const nobleSignature = ed.sign(message, seed)
        assert.equal(hex(nobleSignature), hex(nodeSignature))
        assert.equal(verifyEd25519Noble(nodeSignature, message, ed.getPublicKey(seed)), true)
        assert.equal(verifyEd25519(nobleSignature, message, createEd25519Signer(seed).publicKey), true)
      }),
      { numRuns: 50 },
    )
  })

  it('on random keys, messages and signatures', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (signature, message, publicKey) => {
          agreedVerdict(signature, message, publicKey)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('on valid signatures with one bit or byte of the signature, key or message changed', () => {
    const mutation = fc.record({
      target: fc.constantFrom('signature', 'publicKey', 'message'),
      position: fc.nat(),
      kind: fc.constantFrom('bit', 'byte'),
      bit: fc.integer({ min: 0, max: 7 }),
      byte: fc.integer({ min: 0, max: 255 }),
    })
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), mutation, (seed, message, change) => {
        const signer = createEd25519Signer(seed)
        const inputs = { signature: signer.sign(message), publicKey: signer.publicKey, message: Uint8Array.from(message) }
        assert.equal(agreedVerdict(inputs.signature, inputs.message, inputs.publicKey), true)
        const target = inputs[change.target]
        const position = change.position % target.length
        target[position] = change.kind === 'bit' ? (target[position] ?? 0) ^ (1 << change.bit) : change.byte
        agreedVerdict(inputs.signature, inputs.message, inputs.publicKey)
      }),
      { numRuns: 200 },
    )
  })

  it('on structured changes: S + kL, small-order R, torsion added to A or R', () => {
    const change = fc.constantFrom('s-plus-multiple-of-l', 'small-order-r', 'torsion-on-a', 'torsion-on-r')
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 32 }), change, fc.integer({ min: 1, max: 7 }), (seed, message, kind, multiple) => {
        const signature = ed.sign(message, seed)
        let publicKey = ed.getPublicKey(seed)
        const torsion = ORDER_8_POINT.multiply(BigInt(multiple), false)
        let changed: Uint8Array = signature
        if (kind === 's-plus-multiple-of-l') changed = withResponse(signature, responseOf(signature) + BigInt(multiple) * GROUP_ORDER)
        if (kind === 'small-order-r') changed = Uint8Array.from([...torsion.toBytes(), ...signature.subarray(32)])
        if (kind === 'torsion-on-r') changed = Uint8Array.from([...ed.Point.fromBytes(signature.subarray(0, 32)).add(torsion).toBytes(), ...signature.subarray(32)])
        if (kind === 'torsion-on-a') publicKey = ed.Point.fromBytes(publicKey).add(torsion).toBytes()
        assert.equal(agreedVerdict(changed, message, publicKey), false)
      }),
      { numRuns: 100 },
    )
  })
})

describe('isStrictEd25519PublicKey', () => {
  it('accepts keys made from seeds and rejects small-order, torsioned and non-canonical ones', () => {
    const publicKey = ed.getPublicKey(new Uint8Array(32).fill(7))
    assert.equal(isStrictEd25519PublicKey(publicKey), true)
    assert.equal(isStrictEd25519PublicKey(ORDER_8_POINT.toBytes()), false)
    assert.equal(isStrictEd25519PublicKey(ed.Point.ZERO.toBytes()), false)
    assert.equal(isStrictEd25519PublicKey(ed.Point.fromBytes(publicKey).add(ORDER_8_POINT).toBytes()), false)
    const identityAsYEqualsPPlusOne = Uint8Array.from(Buffer.from('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex'))
    assert.equal(isStrictEd25519PublicKey(identityAsYEqualsPPlusOne), false)
  })
})

describe('hasStrictEd25519SignatureEncoding', () => {
  const commitment = ed.Point.BASE.multiply(12345n).toBytes()
  const withS = (response: bigint) => withResponse(Uint8Array.from([...commitment, ...new Uint8Array(32)]), response)

  it('accepts S < L and rejects S ≥ L, at the boundary', () => {
    for (const response of [0n, 1n, 2n ** 252n - 1n, 2n ** 252n, GROUP_ORDER - 1n]) assert.equal(hasStrictEd25519SignatureEncoding(withS(response)), true, String(response))
    for (const response of [GROUP_ORDER, GROUP_ORDER + 1n, 2n ** 253n, 2n ** 256n - 1n]) assert.equal(hasStrictEd25519SignatureEncoding(withS(response)), false, String(response))
  })

  it('rejects each of the eight small-order R', () => {
    for (let multiple = 0n; multiple < 8n; multiple++) {
      const smallOrder = multiple === 0n ? ed.Point.ZERO : ORDER_8_POINT.multiply(multiple, false)
      const signature = Uint8Array.from([...smallOrder.toBytes(), ...new Uint8Array(32)])
      assert.equal(hasStrictEd25519SignatureEncoding(signature), false, `[${multiple}]T8`)
    }
  })
})

describe('errors', () => {
  const wrongBytes: unknown[] = [undefined, null, 0, 'hello', {}, { length: 64 }, new Uint16Array(32), new DataView(new ArrayBuffer(64)), new ArrayBuffer(64), new Uint8Array(0), new Uint8Array(31), new Uint8Array(33), new Uint8Array(63), new Uint8Array(65)]
  const seed = new Uint8Array(32).fill(3)
  const message = new TextEncoder().encode('hello')
  const signature = ed.sign(message, seed)
  const publicKey = ed.getPublicKey(seed)

  it('verifyEd25519Noble returns false, never throws, for wrong lengths and types', () => {
    for (const wrong of wrongBytes) {
      assert.equal(verifyEd25519Noble(wrong as Uint8Array, message, publicKey), false)
      assert.equal(verifyEd25519Noble(signature, message, wrong as Uint8Array), false)
    }
    for (const wrong of ['hello', undefined, null, 5, [...message], new DataView(message.buffer)] as unknown[])
      assert.equal(verifyEd25519Noble(signature, wrong as Uint8Array, publicKey), false)
    assert.equal(verifyEd25519Noble(signature, message, publicKey), true)
  })

  it('isStrictEd25519PublicKey and hasStrictEd25519SignatureEncoding return false, never throw', () => {
    for (const wrong of wrongBytes) {
      assert.equal(isStrictEd25519PublicKey(wrong as Uint8Array), false)
      assert.equal(hasStrictEd25519SignatureEncoding(wrong as Uint8Array), false)
    }
  })
})

describe('browser bundle', () => {
  it('ed25519-noble.ts imports nothing from node:', () => {
    const source = readFileSync(new URL('./ed25519-noble.ts', import.meta.url), 'utf8')
    const imports = [...source.matchAll(/^import .* from '([^']+)'/gm)].map((match) => match[1])
    assert.deepEqual(imports, ['@noble/ed25519', '@noble/hashes/sha2.js'])
  })
})

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { canonicalJson } from './canonical-json.ts'
import { hashBytes, isHash } from './hash-patch.ts'

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps array order, drops undefined fields', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 'x', c: null }, true], e: undefined }), '{"a":[{"c":null,"d":"x"},true],"b":1}')
    assert.equal(canonicalJson({ z: 1, a: 2 }), canonicalJson({ a: 2, z: 1 }))
    assert.equal(canonicalJson('é\n"'), '"é\\n\\""')
  })

  it('refuses what has no single JSON form', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, 1n, new Date(0), new Map(), () => 1, undefined])
      assert.throws(() => canonicalJson(value), TypeError)
  })
})

describe('hashBytes', () => {
  it('is SHA-256 as 0x-hex (empty-input vector)', () => {
    const hash = hashBytes(new Uint8Array(0))
    assert.equal(hash, '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    assert.equal(isHash(hash), true)
    assert.equal(isHash(hash.slice(0, -1)), false)
    assert.equal(isHash(hash.slice(2)), false)
  })
})

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { automergeBackend } from './automerge-backend.ts'
import { changeChunkHash, decodeMapSetChange, encodeMapSetChange, mapSetChangeHash } from './canonical-change.ts'
import { createSeededRandom } from './sim/random.ts'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

describe('canonical change encoder', () => {
  it("writes Automerge's bytes and hash (also hash alone), byte for byte, across LEB128 widths, value sizes and dep counts", () => {
    const random = createSeededRandom(17)
    let compared = 0
    // Around every LEB128 width boundary the fields cross (op counter, key and value lengths).
    for (const seq of [0, 1, 124, 125, 126, 200, 999, 16_380, 16_381, 2_097_148, 999_999_999]) {
      for (const valueLength of [0, 1, 7, 8, 449, 1_300, 8_192]) {
        for (const depCount of [0, 1, 2, 3]) {
          for (const objectCounter of [1, 2, 127, 128]) {
            const actor = hex(random.nextBytes(16))
            const objectActor = hex(random.nextBytes(16))
            const deps = Array.from({ length: depCount }, () => hex(random.nextBytes(32))).sort()
            const value = 'Ab-_9'.repeat(valueLength).slice(0, valueLength)
            const key = String(seq)
            const expected = automergeBackend.encodeChange({ actor, seq: 1, startOp: 3 + seq, time: 0, message: null, deps, ops: [{ action: 'set', obj: `${objectCounter}@${objectActor}`, key, value, pred: [] }] })
            const encoded = encodeMapSetChange({ actor, startOp: 3 + seq, deps, objectCounter, objectActor, key, value })
            assert.ok(encoded !== undefined)
            assert.equal(hex(encoded.bytes), hex(expected), `seq ${seq}, value ${valueLength} B, ${depCount} deps, object ${objectCounter}`)
            assert.equal(encoded.hash, automergeBackend.decodeChange(expected).hash)
            assert.equal(changeChunkHash(expected), encoded.hash, 'read off Automerge\'s own bytes')
            // Hash only, in the scratch buffer (grown past its first size by the 8 KiB values).
            assert.equal(mapSetChangeHash({ actor, startOp: 3 + seq, deps, objectCounter, objectActor, key, value }), encoded.hash)
            assert.deepEqual(decodeMapSetChange(expected), { actor, startOp: 3 + seq, deps, objectCounter, objectActor, key, value })
            compared++
          }
        }
      }
    }
    assert.equal(compared, 11 * 7 * 4 * 4)
  })

  it('reads only its own layout: any other change, and any cut or stretched one, is left to Automerge', () => {
    const actor = 'ab'.repeat(16)
    const change = { actor, seq: 1, startOp: 8, time: 0, message: null, deps: ['11'.repeat(32)], ops: [{ action: 'set', obj: `2@${'cd'.repeat(16)}`, key: '5', value: 'entry', pred: [] }] }
    const canonical = automergeBackend.encodeChange(change)
    assert.ok(decodeMapSetChange(canonical) !== undefined)
    const others = [
      { ...change, time: 5 },
      { ...change, message: 'hi' },
      { ...change, seq: 2 },
      { ...change, ops: [{ ...change.ops[0]!, value: 5 }] },
      { ...change, ops: [...change.ops, { action: 'set', obj: '_root', key: 'evil', value: 'x', pred: [] }] },
      { ...change, ops: [{ action: 'makeMap', obj: '_root', key: 'chunks', pred: [] }] },
    ]
    for (const other of others) assert.equal(decodeMapSetChange(automergeBackend.encodeChange(other)), undefined, JSON.stringify(other).slice(0, 80))
    for (let length = 0; length < canonical.length; length++) assert.equal(decodeMapSetChange(canonical.subarray(0, length)), undefined, `cut to ${length} bytes`)
    assert.equal(decodeMapSetChange(new Uint8Array([...canonical, 0])), undefined)
  })

  it('leaves a shape it does not encode to Automerge, and refuses malformed ids', () => {
    const actor = 'ab'.repeat(16)
    const base = { actor, startOp: 3, deps: ['11'.repeat(32)], objectCounter: 2, objectActor: 'cd'.repeat(16), key: '0', value: 'x' }
    assert.equal(encodeMapSetChange({ ...base, objectActor: actor }), undefined)
    assert.equal(mapSetChangeHash({ ...base, objectActor: actor }), undefined)
    assert.throws(() => mapSetChangeHash({ ...base, deps: ['11'] }), RangeError)
    assert.throws(() => encodeMapSetChange({ ...base, deps: ['11'] }), RangeError)
    assert.throws(() => encodeMapSetChange({ ...base, actor: 'ab' }), RangeError)
    // A compressed change (type 2) or a document (type 0) is hashed by Automerge, not read off.
    const encoded = encodeMapSetChange(base)!.bytes
    for (const type of [0, 2]) assert.equal(changeChunkHash(Uint8Array.from(encoded, (byte, index) => (index === 8 ? type : byte))), undefined)
  })
})

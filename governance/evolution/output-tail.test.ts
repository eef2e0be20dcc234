import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createOutputTail } from './output-tail.ts'

describe('createOutputTail', () => {
  it('keeps everything under the limit', () => {
    const tail = createOutputTail(16)
    tail.push(Buffer.from('hello '))
    tail.push(Buffer.from('world'))
    assert.equal(tail.text(), 'hello world')
  })

  it('keeps only the last bytes past the limit, and counts all of them', () => {
    const tail = createOutputTail(8)
    for (let index = 0; index < 1000; index += 1) tail.push(Buffer.from(`${index % 10}`))
    assert.equal(tail.totalBytes, 1000)
    assert.equal(tail.text(), '23456789')
  })

  it('never starts in the middle of a multi-byte character', () => {
    const tail = createOutputTail(3)
    tail.push(Buffer.from('aéé')) // 61 c3 a9 c3 a9: the last 3 bytes start inside the first é
    assert.equal(tail.text(), 'é')
  })
})

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Uint8ArrayList } from 'uint8arraylist'
import { SYNC_MESSAGE_BYTES_MAX } from '../constants.ts'
import { createSyncFrameDecoder, encodeSyncFrame, varintBytes } from './sync-stream.ts'

function bytesOf(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let index = 0; index < length; index++) bytes[index] = (index * 31 + seed) & 0xff
  return bytes
}

describe('encodeSyncFrame', () => {
  it('writes the varint length, then the bytes', () => {
    assert.deepEqual(encodeSyncFrame(new Uint8Array([7, 8]), 1024), new Uint8Array([2, 7, 8]))
    assert.deepEqual(encodeSyncFrame(new Uint8Array(), 1024), new Uint8Array([0]))
    assert.deepEqual(encodeSyncFrame(new Uint8Array(300), 1024).subarray(0, 2), new Uint8Array([0xac, 0x02]))
  })

  it('copies the bytes', () => {
    const bytes = new Uint8Array([1])
    const frame = encodeSyncFrame(bytes, 10)
    bytes[0] = 9
    assert.equal(frame[1], 1)
  })

  it('refuses a message one byte over the limit, by name', () => {
    assert.equal(encodeSyncFrame(new Uint8Array(10), 10).length, 11)
    assert.throws(() => encodeSyncFrame(new Uint8Array(11), 10), { name: 'SyncFrameTooLargeError', frameBytes: 11, frameBytesMax: 10 })
  })

  it('checks its arguments', () => {
    assert.throws(() => encodeSyncFrame('x' as unknown as Uint8Array, 10), { name: 'SyncFrameInvalidArgumentError' })
    assert.throws(() => encodeSyncFrame(new Uint8Array(), -1), { name: 'SyncFrameInvalidArgumentError' })
    assert.throws(() => createSyncFrameDecoder(Number.NaN), { name: 'SyncFrameInvalidArgumentError' })
  })

  it('sizes varints like LEB128', () => {
    assert.deepEqual([0, 127, 128, 16_383, 16_384, 2 ** 21 - 1, 2 ** 21, SYNC_MESSAGE_BYTES_MAX, 16 * 1024 * 1024].map(varintBytes), [1, 1, 2, 2, 3, 3, 4, 4, 4])
  })
})

describe('createSyncFrameDecoder', () => {
  it('returns every frame of a chunk, in order, including empty ones', () => {
    const messages = [bytesOf(0), bytesOf(1), bytesOf(200), bytesOf(70_000)]
    const chunk = Buffer.concat(messages.map((message) => encodeSyncFrame(message, 100_000)))
    assert.deepEqual(createSyncFrameDecoder(100_000).push(new Uint8Array(chunk)), messages)
  })

  it('reassembles frames split at every byte', () => {
    const messages = [bytesOf(3), bytesOf(130), bytesOf(0), bytesOf(5)]
    const stream = Buffer.concat(messages.map((message) => encodeSyncFrame(message, 1_000)))
    const decoder = createSyncFrameDecoder(1_000)
    const frames: Uint8Array[] = []
    for (const byte of stream) frames.push(...decoder.push(new Uint8Array([byte])))
    assert.deepEqual(frames, messages)
    assert.equal(decoder.bufferedBytes, 0)
  })

  it('reads Uint8ArrayList chunks (what libp2p streams emit)', () => {
    const frame = encodeSyncFrame(bytesOf(1_000), 1_000)
    const list = new Uint8ArrayList(frame.subarray(0, 1), frame.subarray(1, 500), frame.subarray(500))
    assert.deepEqual(createSyncFrameDecoder(1_000).push(list), [bytesOf(1_000)])
  })

  it('returns fresh copies, not views of the chunk', () => {
    const chunk = encodeSyncFrame(new Uint8Array([5, 6]), 10)
    const [frame] = createSyncFrameDecoder(10).push(chunk)
    chunk[1] = 0
    assert.deepEqual(frame, new Uint8Array([5, 6]))
  })

  it('accepts a frame of exactly SYNC_MESSAGE_BYTES_MAX and refuses one byte more before reading its body', () => {
    const exact = bytesOf(SYNC_MESSAGE_BYTES_MAX)
    const decoded = createSyncFrameDecoder(SYNC_MESSAGE_BYTES_MAX).push(encodeSyncFrame(exact, SYNC_MESSAGE_BYTES_MAX))
    assert.equal(decoded.length, 1)
    assert.ok(Buffer.from(decoded[0]!).equals(Buffer.from(exact)))
    const over = encodeSyncFrame(new Uint8Array(SYNC_MESSAGE_BYTES_MAX + 1), SYNC_MESSAGE_BYTES_MAX + 1)
    const decoder = createSyncFrameDecoder(SYNC_MESSAGE_BYTES_MAX)
    assert.throws(() => decoder.push(over.subarray(0, varintBytes(SYNC_MESSAGE_BYTES_MAX + 1))), {
      name: 'SyncFrameTooLargeError',
      frameBytes: SYNC_MESSAGE_BYTES_MAX + 1,
    })
  })

  it('refuses a prefix longer than the limit needs, and a non-minimal one', () => {
    assert.throws(() => createSyncFrameDecoder(100).push(new Uint8Array([0x80, 0x80, 0x01])), { name: 'SyncFrameMalformedError' })
    assert.throws(() => createSyncFrameDecoder(100).push(new Uint8Array([0x81, 0x00])), { name: 'SyncFrameMalformedError' })
    assert.throws(() => createSyncFrameDecoder(SYNC_MESSAGE_BYTES_MAX).push(new Uint8Array(16).fill(0xff)), { name: 'SyncFrameMalformedError' })
  })

  it('stays broken after an error', () => {
    const decoder = createSyncFrameDecoder(10)
    assert.throws(() => decoder.push(new Uint8Array([11])), { name: 'SyncFrameTooLargeError' })
    assert.throws(() => decoder.push(new Uint8Array([1, 1])), { name: 'SyncFrameMalformedError' })
  })

  it('never delivers anything from random garbage beyond what its prefixes announce', () => {
    for (let seed = 0; seed < 200; seed++) {
      const garbage = bytesOf(64, seed)
      const decoder = createSyncFrameDecoder(16)
      try {
        for (const frame of decoder.push(garbage)) assert.ok(frame.length <= 16)
      } catch (error) {
        assert.ok(error instanceof Error && ['SyncFrameTooLargeError', 'SyncFrameMalformedError'].includes(error.name))
      }
      assert.ok(decoder.bufferedBytes <= 17)
    }
  })
})

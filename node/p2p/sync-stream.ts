/**
 * Framing of direct messages on `/ippoc/ledger-sync/1.0.0`: each frame is an unsigned LEB128
 * (varint) byte length followed by that many bytes, the same wire format as `it-length-prefixed`.
 *
 * The decoder is ours rather than `@libp2p/utils`' `LengthPrefixedDecoder` because that one drops
 * empty frames and checks its buffer limit before consuming, so with equal limits a frame of exactly
 * the maximum length (plus its prefix) is refused. Here a frame of exactly `frameBytesMax` bytes is
 * accepted, one byte more is refused before its body is read, and a prefix that is longer than any
 * allowed length needs, or not minimally encoded, is refused as malformed.
 */
import type { Uint8ArrayList } from 'uint8arraylist'
import { BaseError, InvalidArgumentError } from '../../common/base-error.ts'
import { describeValue } from '../../common/describe-value.ts'

/** The protocol id of direct (sync) messages between two nodes. */
export const SYNC_PROTOCOL = '/ippoc/ledger-sync/1.0.0'

/** A frame announced a length over the limit; its body was not read. */
export class SyncFrameTooLargeError extends BaseError {
  override name = 'SyncFrameTooLargeError'
  readonly frameBytes: number
  readonly frameBytesMax: number
  constructor(frameBytes: number, frameBytesMax: number) {
    super(`A sync frame of ${frameBytes} bytes exceeds the limit of ${frameBytesMax} bytes.`)
    this.frameBytes = frameBytes
    this.frameBytesMax = frameBytesMax
  }
}

/** A frame's length prefix is not a minimal varint of at most the allowed number of bytes. */
export class SyncFrameMalformedError extends BaseError {
  override name = 'SyncFrameMalformedError'
  constructor(reason: string) {
    super(`Malformed sync frame length prefix: ${reason}.`)
  }
}

/** A framing function got an argument of the wrong type or shape. */
export class SyncFrameInvalidArgumentError extends InvalidArgumentError {
  override name = 'SyncFrameInvalidArgumentError'
}

/**
 * Number of bytes the varint encoding of `value` takes.
 *
 * @example
 * varintBytes(127) // 1
 * varintBytes(128) // 2
 */
export function varintBytes(value: number): number {
  let bytes = 1
  for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128)) bytes++
  return bytes
}

function assertFrameBytesMax(frameBytesMax: number): void {
  if (!Number.isSafeInteger(frameBytesMax) || frameBytesMax < 0)
    throw new SyncFrameInvalidArgumentError({ argument: 'frameBytesMax', expected: 'a non-negative safe integer', received: describeValue(frameBytesMax) })
}

/**
 * Encodes one frame: the varint length of `bytes`, then a copy of `bytes`, in one buffer.
 * Throws {@link SyncFrameTooLargeError} if `bytes` is longer than `frameBytesMax`.
 *
 * @example
 * encodeSyncFrame(new Uint8Array([7, 8]), 1024) // Uint8Array [2, 7, 8]
 */
export function encodeSyncFrame(bytes: Uint8Array, frameBytesMax: number): Uint8Array {
  if (!(bytes instanceof Uint8Array))
    throw new SyncFrameInvalidArgumentError({ argument: 'bytes', expected: 'a Uint8Array', received: describeValue(bytes) })
  assertFrameBytesMax(frameBytesMax)
  if (bytes.length > frameBytesMax) throw new SyncFrameTooLargeError(bytes.length, frameBytesMax)
  const prefixBytes = varintBytes(bytes.length)
  const frame = new Uint8Array(prefixBytes + bytes.length)
  let rest = bytes.length
  for (let index = 0; index < prefixBytes; index++) {
    const low = rest % 128
    rest = Math.floor(rest / 128)
    frame[index] = rest > 0 ? low | 0x80 : low
  }
  frame.set(bytes, prefixBytes)
  return frame
}

/** Turns the chunks of one stream back into frames. */
export type SyncFrameDecoder = {
  /**
   * Takes the next chunk and returns the frames it completes, oldest first (each a fresh copy).
   * Throws {@link SyncFrameTooLargeError} or {@link SyncFrameMalformedError}; after a throw the
   * stream is broken and the decoder must not be used again.
   */
  push(chunk: Uint8Array | Uint8ArrayList): Uint8Array[]
  /** Bytes held for an incomplete frame (never more than the limit plus the prefix). */
  readonly bufferedBytes: number
}

/**
 * Creates a decoder for frames of at most `frameBytesMax` bytes.
 *
 * @example
 * const decoder = createSyncFrameDecoder(SYNC_MESSAGE_BYTES_MAX)
 * stream.addEventListener('message', (event) => { for (const frame of decoder.push(event.data)) deliver(frame) })
 */
export function createSyncFrameDecoder(frameBytesMax: number): SyncFrameDecoder {
  assertFrameBytesMax(frameBytesMax)
  const prefixBytesMax = varintBytes(frameBytesMax)
  let prefixValue = 0
  let prefixBytesRead = 0
  /** The body being filled, once its length is known. */
  let body: Uint8Array | undefined
  let bodyBytesRead = 0
  let broken = false

  function readPrefixByte(byte: number): void {
    if (prefixBytesRead === prefixBytesMax)
      throw new SyncFrameMalformedError(`longer than the ${prefixBytesMax} bytes a length of at most ${frameBytesMax} needs`)
    prefixValue += (byte & 0x7f) * 128 ** prefixBytesRead
    prefixBytesRead++
    if ((byte & 0x80) !== 0) return
    if (byte === 0 && prefixBytesRead > 1) throw new SyncFrameMalformedError('not minimally encoded')
    if (prefixValue > frameBytesMax) throw new SyncFrameTooLargeError(prefixValue, frameBytesMax)
    body = new Uint8Array(prefixValue)
    bodyBytesRead = 0
  }

  function pushBytes(bytes: Uint8Array, frames: Uint8Array[]): void {
    let offset = 0
    while (true) {
      if (body === undefined) {
        if (offset === bytes.length) return
        readPrefixByte(bytes[offset] as number)
        offset++
        if (body === undefined) continue
      }
      const take = Math.min(body.length - bodyBytesRead, bytes.length - offset)
      body.set(bytes.subarray(offset, offset + take), bodyBytesRead)
      bodyBytesRead += take
      offset += take
      if (bodyBytesRead < body.length) return
      frames.push(body)
      body = undefined
      bodyBytesRead = 0
      prefixValue = 0
      prefixBytesRead = 0
    }
  }

  return {
    push(chunk) {
      if (broken) throw new SyncFrameMalformedError('the stream already failed to decode')
      const frames: Uint8Array[] = []
      try {
        if (chunk instanceof Uint8Array) pushBytes(chunk, frames)
        else for (const part of chunk) pushBytes(part, frames)
      } catch (error) {
        broken = true
        throw error
      }
      return frames
    },
    get bufferedBytes() {
      return prefixBytesRead + bodyBytesRead
    },
  }
}

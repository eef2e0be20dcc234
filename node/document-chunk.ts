/**
 * Reads what a whole-document chunk of Automerge's storage format declares and holds, without
 * loading it: its heads and its string values. A fresh node catching up receives the ledger as one
 * such chunk; reading its entries this way (10–22 ms for 10,000, against ~0.3 s for Automerge's
 * load and as much again to read the loaded state) lets their signature checks start at once.
 * Nothing else in the chunk is read: the ledger document rebuilds the canonical changes of the
 * entries and checks them against the declared heads.
 *
 * Layout (Automerge binary format, document chunk): magic (4) ‖ checksum (4) ‖ type 0 ‖ LEB128
 * length ‖ actors ‖ heads ‖ change column specs ‖ op column specs ‖ change columns ‖ op columns ‖
 * head indices. Op values are two columns (id 5): metadata, one `length << 4 | type` per op
 * (run-length encoded), and the values' bytes back to back. Columns may be DEFLATE-compressed.
 */
import { inflateRawSync } from 'node:zlib'
import { CHUNK_MAGIC, CHUNK_TYPE_OFFSET } from './canonical-change.ts'

/** The heads a document chunk declares and the string values its ops hold, in storage order. */
export type DocumentChunkContent = { readonly heads: readonly string[]; readonly strings: readonly string[] }

/** What {@link readDocumentChunk} found: the content, or why it is not a document chunk of strings. */
export type DocumentChunkRead = ({ readonly ok: true } & DocumentChunkContent) | { readonly ok: false; readonly reason: string }

/** Bounds on what one chunk may make the reader hold. */
export type DocumentChunkLimits = {
  /** String values; one more and the chunk is refused. */
  readonly stringsMax: number
  /** Bytes of one column once inflated (a small compressed column can inflate to gigabytes). */
  readonly columnBytesMax: number
}

const CHUNK_TYPE_DOCUMENT = 0
const HASH_BYTES = 32
const VALUE_COLUMN_ID = 5
const COLUMN_TYPE_VALUE_METADATA = 6
const COLUMN_TYPE_VALUE = 7
const COLUMN_DEFLATE = 0b1000
const VALUE_TYPE_NULL = 0
const VALUE_TYPE_STRING = 6

class Malformed extends Error {}

/** A cursor over bytes that throws {@link Malformed} past their end. */
class Reader {
  offset: number
  readonly #bytes: Uint8Array
  readonly #end: number

  constructor(bytes: Uint8Array, offset = 0, end = bytes.length) {
    this.#bytes = bytes
    this.offset = offset
    this.#end = end
  }

  get done(): boolean {
    return this.offset >= this.#end
  }

  /** An unsigned LEB128 up to 2^49 (every length and count here fits; larger is malformed). */
  unsigned(): number {
    let value = 0
    for (let shift = 0; shift <= 42; shift += 7) {
      const byte = this.#byte()
      value += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) return value
    }
    throw new Malformed('a LEB128 number is too long')
  }

  /** A signed LEB128 within ±2^48. */
  signed(): number {
    let value = 0
    for (let shift = 0; shift <= 42; shift += 7) {
      const byte = this.#byte()
      value += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) return byte & 0x40 ? value - 2 ** (shift + 7) : value
    }
    throw new Malformed('a LEB128 number is too long')
  }

  take(length: number): Uint8Array {
    if (length > this.#end - this.offset) throw new Malformed('truncated')
    const bytes = this.#bytes.subarray(this.offset, this.offset + length)
    this.offset += length
    return bytes
  }

  #byte(): number {
    if (this.offset >= this.#end) throw new Malformed('truncated')
    return this.#bytes[this.offset++]!
  }
}

/**
 * Splits bytes into Automerge chunks (a sync message may carry several changes, or a whole
 * document, in one item): magic (4) ‖ checksum (4) ‖ type (1) ‖ LEB128 length ‖ data each.
 * Undefined when the bytes are not chunks end to end.
 *
 * @example
 * for (const chunk of splitChunks(item) ?? []) if (isDocumentChunk(chunk)) readDocumentChunk(chunk, limits)
 */
export function splitChunks(bytes: Uint8Array): Uint8Array[] | undefined {
  const chunks: Uint8Array[] = []
  const reader = new Reader(bytes)
  try {
    while (!reader.done) {
      const start = reader.offset
      const head = reader.take(CHUNK_TYPE_OFFSET + 1)
      for (let index = 0; index < CHUNK_MAGIC.length; index++) if (head[index] !== CHUNK_MAGIC[index]) return undefined
      reader.take(reader.unsigned())
      chunks.push(bytes.subarray(start, reader.offset))
    }
  } catch (error) {
    if (error instanceof Malformed) return undefined
    throw error
  }
  return chunks
}

/** Whether a chunk (one of {@link splitChunks}') is a whole document rather than a change. */
export function isDocumentChunk(chunk: Uint8Array): boolean {
  return chunk[CHUNK_TYPE_OFFSET] === CHUNK_TYPE_DOCUMENT
}

/**
 * Reads a document chunk's declared heads and string values. Refuses (never throws) anything that
 * is not a well-formed document chunk whose op values are all null or strings: the ledger document
 * holds nothing else, so another value means the chunk is not one.
 *
 * @example
 * const read = readDocumentChunk(chunk, { stringsMax: 1_000_000, columnBytesMax: 64 * 1024 * 1024 })
 * if (read.ok) for (const text of read.strings) decodeDocEntry(text)
 */
export function readDocumentChunk(chunk: Uint8Array, limits: DocumentChunkLimits): DocumentChunkRead {
  try {
    return { ok: true, ...readChunk(chunk, limits) }
  } catch (error) {
    if (error instanceof Malformed) return { ok: false, reason: error.message }
    throw error
  }
}

function readChunk(chunk: Uint8Array, limits: DocumentChunkLimits): DocumentChunkContent {
  // The checksum (bytes 4–7) is not read: every value is checked on its own, and the declared heads
  // against the changes rebuilt from them.
  if (!isDocumentChunk(chunk)) throw new Malformed('not a document chunk')
  const header = new Reader(chunk, CHUNK_TYPE_OFFSET + 1)
  const length = header.unsigned()
  if (length !== chunk.length - header.offset) throw new Malformed('the chunk length does not match its bytes')
  const reader = new Reader(chunk, header.offset)
  const actors = reader.unsigned()
  for (let index = 0; index < actors; index++) reader.take(reader.unsigned())
  const headCount = reader.unsigned()
  const heads: string[] = []
  for (let index = 0; index < headCount; index++) heads.push(Buffer.from(reader.take(HASH_BYTES)).toString('hex'))
  const changeColumns = columnSpecs(reader)
  const opColumns = columnSpecs(reader)
  reader.take(changeColumns.reduce((sum, column) => sum + column.length, 0))
  let metadata: Uint8Array = new Uint8Array(0)
  let values: Uint8Array = new Uint8Array(0)
  for (const column of opColumns) {
    const bytes = reader.take(column.length)
    if (column.spec >> 4 !== VALUE_COLUMN_ID) continue
    const type = column.spec & 0b111
    if (type === COLUMN_TYPE_VALUE_METADATA) metadata = inflated(bytes, column.spec, limits.columnBytesMax)
    else if (type === COLUMN_TYPE_VALUE) values = inflated(bytes, column.spec, limits.columnBytesMax)
  }
  // What follows (head indices) says nothing about values.
  return { heads, strings: stringValues(metadata, values, limits.stringsMax) }
}

type ColumnSpec = { readonly spec: number; readonly length: number }

function columnSpecs(reader: Reader): ColumnSpec[] {
  const count = reader.unsigned()
  const columns: ColumnSpec[] = []
  const seen = new Set<number>()
  for (let index = 0; index < count; index++) {
    const spec = reader.unsigned()
    if (seen.has(spec & ~COLUMN_DEFLATE)) throw new Malformed('a column appears twice')
    seen.add(spec & ~COLUMN_DEFLATE)
    columns.push({ spec, length: reader.unsigned() })
  }
  return columns
}

function inflated(bytes: Uint8Array, spec: number, bytesMax: number): Uint8Array {
  if ((spec & COLUMN_DEFLATE) === 0) return bytes
  try {
    return inflateRawSync(bytes, { maxOutputLength: bytesMax })
  } catch {
    throw new Malformed(`a compressed column does not inflate to at most ${bytesMax} bytes`)
  }
}

/** Walks the run-length encoded value metadata, taking each string's bytes from `values`. */
function stringValues(metadata: Uint8Array, values: Uint8Array, stringsMax: number): string[] {
  const strings: string[] = []
  const runs = new Reader(metadata)
  const buffer = Buffer.from(values.buffer, values.byteOffset, values.byteLength)
  let offset = 0
  const take = (meta: number, count: number): void => {
    const type = meta % 16
    if (type === VALUE_TYPE_NULL && meta === 0) return
    if (type !== VALUE_TYPE_STRING) throw new Malformed(`an op value of type ${type}, not a string`)
    if (strings.length + count > stringsMax) throw new Malformed(`more than ${stringsMax} string values`)
    const length = Math.floor(meta / 16)
    for (let index = 0; index < count; index++) {
      if (length > values.length - offset) throw new Malformed('the values are shorter than their metadata says')
      strings.push(buffer.toString('utf8', offset, offset + length))
      offset += length
    }
  }
  while (!runs.done) {
    const count = runs.signed()
    if (count > 0) take(runs.unsigned(), count)
    else if (count < 0) for (let index = 0; index < -count; index++) take(runs.unsigned(), 1)
    else runs.unsigned() // a run of nulls
  }
  if (offset !== values.length) throw new Malformed('the values hold bytes no metadata accounts for')
  return strings
}

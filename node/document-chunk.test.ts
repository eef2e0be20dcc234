import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as Automerge from '@automerge/automerge'
import { createEd25519Signer } from '../identity/ed25519.ts'
import { signEntry, type SignedEntry } from '../ledger/index.ts'
import { automergeBackend } from './automerge-backend.ts'
import { readDocumentChunk, type DocumentChunkLimits } from './document-chunk.ts'
import { encodeDocEntry, LedgerDoc } from './ledger-doc.ts'
import { createSeededRandom } from './sim/random.ts'
import { authorChain as chainOf } from './test-support/author-chain.ts'
import { mutate } from './test-support/mutate.ts'

const authorChain = (seedByte: number, metered: number): SignedEntry[] => chainOf(seedByte, metered).entries

const LIMITS: DocumentChunkLimits = { stringsMax: 1_000_000, columnBytesMax: 64 * 1024 * 1024 }

function savedLedger(entries: readonly SignedEntry[]): { bytes: Uint8Array; heads: string[] } {
  const doc = new LedgerDoc({ actorHex: 'aa'.repeat(16) })
  for (const entry of entries) doc.add(entry)
  return { bytes: doc.save(), heads: doc.heads() }
}

/** Every string value of every op of a saved document, as Automerge itself decodes them. */
function automergeStrings(bytes: Uint8Array): string[] {
  const handle = automergeBackend.load(bytes)
  try {
    return handle
      .getChanges([])
      .flatMap((change) => automergeBackend.decodeChange(change).ops)
      .flatMap((op) => (typeof op.value === 'string' ? [op.value] : []))
  } finally {
    handle.free()
  }
}

/** A chunk of `type` holding `content`, framed as Automerge frames it (the checksum is not read). */
function frame(type: number, content: Uint8Array): Uint8Array {
  const length: number[] = []
  for (let rest = content.length; ; rest = Math.floor(rest / 128)) {
    if (rest < 128) {
      length.push(rest)
      break
    }
    length.push((rest % 128) | 0x80)
  }
  return Uint8Array.from([0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, type, ...length, ...content])
}

/** The bytes a chunk frames. */
function contentOf(chunk: Uint8Array): Uint8Array {
  let offset = 9
  while (chunk[offset]! & 0x80) offset++
  return chunk.subarray(offset + 1)
}

describe('document chunk reader', () => {
  it('reads the declared heads and every string value of a ledger document, its columns compressed or not', () => {
    const alice = authorChain(1, 1_050)
    const bob = authorChain(2, 40)
    const twin = signEntry({ ...bob[1]!.body, action: { type: 'llm_inference', model: 'twin', tokens: 10 } }, createEd25519Signer(new Uint8Array(32).fill(2)))
    const cases: [string, SignedEntry[]][] = [
      ['no entries', []],
      ['three entries (no column large enough to compress)', alice.slice(0, 3)],
      ['two authors, one across a chunk boundary (compressed columns)', [...alice, ...bob]],
      ['a fork: two values under one key', [...bob.slice(0, 3), twin]],
    ]
    for (const [what, entries] of cases) {
      const { bytes, heads } = savedLedger(entries)
      const read = readDocumentChunk(bytes, LIMITS)
      assert.ok(read.ok, `${what}: ${read.ok ? '' : read.reason}`)
      assert.deepEqual([...read.heads].sort(), [...heads].sort(), what)
      assert.deepEqual([...read.strings].sort(), automergeStrings(bytes).sort(), what)
      assert.deepEqual([...read.strings].sort(), entries.map(encodeDocEntry).sort(), what)
    }
    // The big document's values are compressed: its chunk is far smaller than they are.
    const big = savedLedger([...alice, ...bob]).bytes
    assert.ok(big.length * 2 < [...alice, ...bob].reduce((sum, entry) => sum + encodeDocEntry(entry).length, 0))
  })

  it('refuses a document holding a value that is not a string', () => {
    const doc = Automerge.change(Automerge.init<{ chunks: object; count?: number }>(), (draft) => {
      draft.chunks = {}
      draft.count = 5
    })
    const read = readDocumentChunk(Automerge.save(doc), LIMITS)
    assert.ok(!read.ok && /type 3|type 4/.test(read.reason), read.ok ? 'read' : read.reason)
  })

  it('refuses what is not a whole-document chunk, and never throws on mutated ones', () => {
    const { bytes } = savedLedger(authorChain(3, 30))
    const change = new LedgerDoc({ actorHex: 'bb'.repeat(16) }).add(authorChain(4, 0)[0]!)!.change
    assert.equal(readDocumentChunk(change, LIMITS).ok, false, 'a change chunk')
    assert.equal(readDocumentChunk(bytes.subarray(0, bytes.length - 1), LIMITS).ok, false, 'one byte short of its length')
    const content = contentOf(bytes)
    const random = createSeededRandom(7)
    let refused = 0
    for (let round = 0; round < 3_000; round++) {
      // Framed again, so the mutations reach the columns instead of failing the length check.
      const read = readDocumentChunk(frame(0, mutate(content, random)), LIMITS)
      if (!read.ok) refused++
      else for (const text of read.strings) assert.equal(typeof text, 'string')
    }
    assert.ok(refused > 1_000, `${refused} of 3,000 mutations refused`)
  })

  it('stops at its limits, and does not walk a claimed run value by value', () => {
    const entries = authorChain(5, 1_050)
    const { bytes } = savedLedger(entries)
    const strings = readDocumentChunk(bytes, { ...LIMITS, stringsMax: entries.length - 1 })
    assert.ok(!strings.ok && strings.reason.includes(`more than ${entries.length - 1}`))
    const inflated = readDocumentChunk(bytes, { ...LIMITS, columnBytesMax: 100_000 })
    assert.ok(!inflated.ok && inflated.reason.includes('does not inflate'), inflated.ok ? 'read' : inflated.reason)
    // No actors, no heads, no change columns, one op column: value metadata (id 5, type 6) holding
    // one run of 2^40 values, empty strings or nulls.
    const runOf = (meta: number): Uint8Array => {
      const run = [0x80, 0x80, 0x80, 0x80, 0x80, 0x20, meta] // signed LEB128 2^40, then the value
      return frame(0, Uint8Array.from([0, 0, 0, 1, (5 << 4) | 6, run.length, ...run]))
    }
    const empty = readDocumentChunk(runOf(6), LIMITS)
    assert.ok(!empty.ok && empty.reason.includes('more than'), empty.ok ? 'read' : empty.reason)
    const nulls = readDocumentChunk(runOf(0), LIMITS)
    assert.ok(nulls.ok && nulls.strings.length === 0)
  })
})

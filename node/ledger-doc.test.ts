import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as Automerge from '@automerge/automerge'
import { buildMetered, signEntry, type SignedEntry } from '../ledger/index.ts'
import { automergeBackend } from './automerge-backend.ts'
import { LEDGER_DOC_CHUNK_ENTRIES, SYNC_MESSAGE_BYTES_MAX } from './constants.ts'
import { splitChunks } from './document-chunk.ts'
import { decodeDocEntry, decodeEntryChange, encodeDocEntry, LedgerDoc } from './ledger-doc.ts'
import { createSeededRandom } from './sim/random.ts'
import { authorChain } from './test-support/author-chain.ts'

function docWith(actorByte: string, entries: readonly SignedEntry[]): { doc: LedgerDoc; changes: Uint8Array[] } {
  const doc = new LedgerDoc({ actorHex: actorByte.repeat(16) })
  const changes = entries.map((entry) => doc.add(entry)!.change)
  return { doc, changes }
}

function syncUntilQuiet(a: LedgerDoc, b: LedgerDoc): { rounds: number; toA: SignedEntry[]; toB: SignedEntry[] } {
  const stateA = LedgerDoc.initSyncState()
  const stateB = LedgerDoc.initSyncState()
  const toA: SignedEntry[] = []
  const toB: SignedEntry[] = []
  for (let round = 1; round <= 20; round++) {
    const messageToB = a.generateSyncMessage(stateA)
    if (messageToB !== null) {
      const receipt = b.receiveSyncMessage(stateB, messageToB)
      assert.equal(receipt.status, 'accept', receipt.status === 'reject' ? receipt.reason : '')
      if (receipt.status === 'accept') toB.push(...receipt.entries)
    }
    const messageToA = b.generateSyncMessage(stateB)
    if (messageToA !== null) {
      const receipt = a.receiveSyncMessage(stateA, messageToA)
      assert.equal(receipt.status, 'accept', receipt.status === 'reject' ? receipt.reason : '')
      if (receipt.status === 'accept') toA.push(...receipt.entries)
    }
    if (messageToA === null && messageToB === null) return { rounds: round, toA, toB }
  }
  throw new Error('sync did not go quiet in 20 rounds')
}

/**
 * What `source` sends `peer` once it has heard from it: its whole document, as one chunk, to a fresh
 * peer (or when a third or more of it is news to the peer), else the changes the peer lacks.
 */
function replyTo(source: LedgerDoc, peer: LedgerDoc): Uint8Array {
  const state = LedgerDoc.initSyncState()
  source.generateSyncMessage(state)
  const hello = peer.generateSyncMessage(LedgerDoc.initSyncState())
  assert.ok(hello !== null)
  source.receiveSyncMessage(state, hello)
  const message = source.generateSyncMessage(state)
  assert.ok(message !== null)
  return message
}

/** What a full document sends a fresh one once it has heard from it: its whole document, as one chunk. */
function wholeDocumentMessage(source: LedgerDoc): Uint8Array {
  return replyTo(source, new LedgerDoc({ actorHex: 'ee'.repeat(16) }))
}

/** The same sync message carrying these chunks, each as its own item. */
function withChunks(message: Uint8Array, chunks: readonly Uint8Array[]): Uint8Array {
  return automergeBackend.encodeSyncMessage({ ...automergeBackend.decodeSyncMessage(message), changes: [...chunks] })
}

/** The same sync message carrying `document` (saved Automerge bytes) instead. */
function withDocument(message: Uint8Array, document: Uint8Array): Uint8Array {
  return automergeBackend.encodeSyncMessage({ ...automergeBackend.decodeSyncMessage(message), changes: [document] })
}

/** A saved document whose declared heads are replaced by `heads` (as many as it declares). */
function withHeads(saved: Uint8Array, heads: readonly string[]): Uint8Array {
  const bytes = saved.slice()
  let offset = 9
  const leb = (): number => {
    let value = 0
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[offset++]!
      value += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) return value
    }
  }
  leb() // the chunk's length
  for (let actors = leb(); actors > 0; actors--) {
    const length = leb()
    offset += length
  }
  assert.equal(leb(), heads.length)
  for (const head of [...heads].sort()) {
    bytes.set(Buffer.from(head, 'hex'), offset)
    offset += 32
  }
  return bytes
}

describe('ledger document', () => {
  it('round-trips an entry through its compact encoding and refuses non-canonical spellings', () => {
    const { entries } = authorChain(1, 0)
    const text = encodeDocEntry(entries[0]!)
    const decoded = decodeDocEntry(text)
    assert.ok(decoded.ok)
    assert.equal(decoded.entry.idHex, entries[0]!.idHex)
    for (const bad of ['', 'x', `${text}A`, text.replace('.', '..'), 'x'.repeat(10_000), 42]) assert.equal(decodeDocEntry(bad).ok, false)
  })

  it('takes only the one spelling of each part, whatever its length, and never bits past its last byte', () => {
    // Raw lengths of every remainder mod 3 (0, 2 or 4 spare bits in the last digit); the signature has 4.
    const { entries } = authorChain(1, 30)
    const byRemainder = new Map(entries.map((entry) => [entry.raw.length % 3, entry]))
    assert.deepEqual([...byRemainder.keys()].sort(), [0, 1, 2])
    const digits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    let secondSpellings = 0
    for (const entry of byRemainder.values()) {
      const text = encodeDocEntry(entry)
      const dot = text.indexOf('.')
      for (const [start, end] of [[0, dot], [dot + 1, text.length]] as const) {
        const part = text.slice(start, end)
        for (const digit of digits) {
          const variantPart = part.slice(0, -1) + digit
          const variant = text.slice(0, start) + variantPart + text.slice(end)
          const decoded = decodeDocEntry(variant)
          // Whatever is taken spells its bytes the one way…
          if (decoded.ok) assert.equal(encodeDocEntry(decoded.entry), variant)
          // …so a digit that only changes spare bits (Node's decoder reads the same bytes) is refused.
          if (variantPart !== part && Buffer.from(variantPart, 'base64url').equals(Buffer.from(part, 'base64url'))) {
            assert.equal(decoded.ok, false, `${variantPart.slice(-4)} for ${part.slice(-4)}`)
            secondSpellings++
          }
        }
      }
    }
    // 4 spare bits give 15 second spellings, 2 give 3, none 0: raw parts 15 + 3 + 0, signatures 3 × 15.
    assert.equal(secondSpellings, 63)
  })

  it('makes canonical changes: every node builds the same bytes for the same entry', () => {
    const { entries } = authorChain(1, 3)
    const one = docWith('aa', entries)
    const two = docWith('bb', entries)
    assert.deepEqual(one.changes, two.changes)
    assert.deepEqual(one.doc.heads(), two.doc.heads())
    // One head per author chain, not one per entry: sync messages stay small.
    assert.equal(one.doc.heads().length, 1)
  })

  it('syncs two authors both ways and hands each side exactly the entries it lacked, in causal order', () => {
    const alice = authorChain(1, 3)
    const bob = authorChain(2, 2)
    const a = docWith('aa', alice.entries).doc
    const b = docWith('bb', bob.entries).doc
    const { toA, toB } = syncUntilQuiet(a, b)
    assert.deepEqual(toA.map((entry) => entry.idHex), bob.entries.map((entry) => entry.idHex))
    assert.deepEqual(toB.map((entry) => entry.idHex), alice.entries.map((entry) => entry.idHex))
    assert.deepEqual(a.heads().sort(), b.heads().sort())
    assert.equal(a.size, 7)
  })

  it('catches up a fresh document across chunk boundaries (Automerge sends it a whole document chunk)', () => {
    const alice = authorChain(3, LEDGER_DOC_CHUNK_ENTRIES + 5)
    const full = docWith('aa', alice.entries).doc
    const fresh = new LedgerDoc({ actorHex: 'cc'.repeat(16) })
    const { toB } = syncUntilQuiet(full, fresh)
    assert.equal(toB.length, alice.entries.length)
    assert.deepEqual(fresh.heads(), full.heads())
  })

  it('keeps both entries of a fork: two actors writing one key conflict, and nothing is lost', () => {
    const { entries, ledger, signer } = authorChain(4, 1)
    const twin = signEntry({ ...entries[1]!.body, action: { type: 'llm_inference', model: 'm', tokens: 77 }, legs: buildMetered(ledger, signer, { type: 'llm_inference', model: 'm', tokens: 77 }).body.legs, seq: 1, prev: entries[0]!.id }, signer)
    const a = docWith('aa', entries).doc
    const b = docWith('bb', [entries[0]!, twin]).doc
    const { toA, toB } = syncUntilQuiet(a, b)
    assert.deepEqual(toA.map((entry) => entry.idHex), [twin.idHex])
    assert.deepEqual(toB.map((entry) => entry.idHex), [entries[1]!.idHex])
    assert.ok(a.has(twin.idHex) && b.has(entries[1]!.idHex))
    // The loaded document shows the conflict: both values under one key.
    const loaded = Automerge.load<{ chunks: Record<string, Record<string, unknown>> }>(a.save())
    const chunk = loaded.chunks[`${entries[0]!.authorHex}.0`]!
    assert.equal(Object.keys(Automerge.getConflicts(chunk, '1') ?? {}).length, 2)
  })

  it('refuses a change that is not the canonical one for its entry, or whose entry signature is bad', () => {
    const { entries } = authorChain(5, 2)
    const { doc } = docWith('aa', entries.slice(0, 2))
    const canonical = docWith('bb', entries).changes[2]!
    const decoded = automergeBackend.decodeChange(canonical)
    const variants = [
      { ...decoded, time: 5 },
      { ...decoded, message: 'hi' },
      { ...decoded, deps: decoded.deps.slice(0, 1) },
      { ...decoded, startOp: decoded.startOp + 1 },
      { ...decoded, actor: 'ab'.repeat(16) },
      { ...decoded, ops: [...decoded.ops, { action: 'set', obj: '_root', key: 'evil', value: 'x', pred: [] }] },
    ]
    for (const variant of variants) {
      const check = doc.checkChange(automergeBackend.encodeChange(variant))
      assert.equal(check.status, 'invalid', JSON.stringify(Object.keys(variant)))
    }
    const badSig = { ...entries[2]!, sig: entries[2]!.sig.map((byte, index) => (index === 0 ? byte ^ 1 : byte)) }
    const forged = docWith('cc', [...entries.slice(0, 2), badSig]).changes[2]!
    const check = doc.checkChange(forged)
    assert.equal(check.status, 'invalid')
    assert.equal(check.status === 'invalid' && check.badSignature, true)
    assert.equal(doc.checkChange(canonical).status, 'valid')
    assert.equal(doc.size, 2, 'checking changes nothing')
  })

  it('tells the very change of a known entry (safe to forward) from another change carrying it', () => {
    const { entries } = authorChain(6, 1)
    const { doc, changes } = docWith('aa', entries)
    const own = doc.checkChange(changes[1]!)
    assert.deepEqual([own.status, own.status === 'known' && own.canonical], ['known', true])
    const decoded = automergeBackend.decodeChange(changes[1]!)
    const wrapper = doc.checkChange(automergeBackend.encodeChange({ ...decoded, time: 7 }))
    assert.deepEqual([wrapper.status, wrapper.status === 'known' && wrapper.canonical], ['known', false])
  })

  it('holds an entry whose prev is missing and adds it when the prev arrives', () => {
    const { entries } = authorChain(6, 3)
    const changes = docWith('bb', entries).changes
    const doc = new LedgerDoc({ actorHex: 'aa'.repeat(16) })
    assert.equal(doc.checkChange(changes[0]!).status, 'valid')
    assert.equal(doc.checkChange(changes[2]!).status, 'waiting')
    assert.equal(doc.checkChange(changes[3]!).status, 'waiting')
    assert.equal(doc.waiting, 2)
    const first = doc.checkChange(changes[0]!)
    assert.ok(first.status === 'valid')
    assert.deepEqual(doc.stageChecked(first), [])
    const second = doc.checkChange(changes[1]!)
    assert.ok(second.status === 'valid')
    assert.deepEqual(doc.stageChecked(second).map((entry) => entry.idHex), [entries[2]!.idHex, entries[3]!.idHex])
    assert.equal(doc.waiting, 0)
    assert.deepEqual(doc.heads(), docWith('cc', entries).doc.heads())
  })

  it('takes a chain sent newest first, with a copy of one change, and hands it on in causal order', () => {
    const { entries } = authorChain(11, 40)
    const source = docWith('aa', entries).doc
    const message = replyTo(source, docWith('bb', entries.slice(0, 31)).doc)
    const chunks = automergeBackend.decodeSyncMessage(message).changes.flatMap((item) => splitChunks(item) ?? [])
    assert.equal(chunks.length, 10)
    const receiver = docWith('bb', entries.slice(0, 31)).doc
    const receipt = receiver.receiveSyncMessage(LedgerDoc.initSyncState(), withChunks(message, [...chunks].reverse().concat(chunks[4]!)))
    assert.ok(receipt.status === 'accept', receipt.status === 'reject' ? receipt.reason : '')
    assert.deepEqual(receipt.entries.map((entry) => entry.idHex), entries.slice(31).map((entry) => entry.idHex))
    assert.equal(receipt.waiting, 0)
    assert.deepEqual(receiver.heads(), source.heads())
  })

  it('decodes and checks the changes of two messages bringing the same news once, while the first waits for its verdicts', () => {
    const { entries } = authorChain(12, 40)
    const source = docWith('aa', entries).doc
    const message = replyTo(source, docWith('bb', entries.slice(0, 31)).doc)
    const receiver = docWith('bb', entries.slice(0, 31)).doc
    const first = receiver.prepareSyncMessage(message)
    const second = receiver.prepareSyncMessage(message)
    assert.ok(first.status === 'prepared' && second.status === 'prepared')
    assert.equal(first.entries.length, 10)
    assert.equal(second.entries.length, 0, 'the first claimed them')
    // The second, received first, brings nothing; the first then brings all of them.
    const early = receiver.receiveSyncMessage(LedgerDoc.initSyncState(), second)
    assert.ok(early.status === 'accept' && early.entries.length === 0)
    const late = receiver.receiveSyncMessage(LedgerDoc.initSyncState(), first)
    assert.ok(late.status === 'accept')
    assert.deepEqual(late.entries.map((entry) => entry.idHex), entries.slice(31).map((entry) => entry.idHex))
    assert.deepEqual(receiver.heads(), source.heads())
    // A message dropped unreceived gives its claims back: the next copy is checked in full.
    const other = docWith('cc', entries.slice(0, 31)).doc
    const dropped = other.prepareSyncMessage(message)
    assert.ok(dropped.status === 'prepared' && dropped.entries.length === 10)
    other.discard(dropped)
    const again = other.prepareSyncMessage(message)
    assert.ok(again.status === 'prepared' && again.entries.length === 10)
    assert.ok(other.receiveSyncMessage(LedgerDoc.initSyncState(), again).status === 'accept')
    assert.deepEqual(other.heads(), source.heads())
  })

  it('catches up from a whole document by checking its heads and adopting it, keeping what it held alone', () => {
    const alice = authorChain(9, 40)
    const bob = authorChain(10, 2)
    const source = docWith('aa', alice.entries).doc
    const message = wholeDocumentMessage(source)
    const fresh = docWith('cc', bob.entries).doc
    const prepared = fresh.prepareSyncMessage(message)
    assert.ok(prepared.status === 'prepared')
    assert.equal(prepared.carried.documents.length, 1)
    assert.equal(LedgerDoc.precheck(prepared), undefined)
    const receipt = fresh.receiveSyncMessage(LedgerDoc.initSyncState(), prepared)
    assert.ok(receipt.status === 'accept')
    assert.deepEqual(new Set(receipt.entries.map((entry) => entry.idHex)), new Set(alice.entries.map((entry) => entry.idHex)))
    // Each author's entries in seq order, for the ledger.
    assert.deepEqual(receipt.entries.map((entry) => entry.body.seq), alice.entries.map((entry) => entry.body.seq))
    const both = docWith('dd', [...alice.entries, ...bob.entries]).doc
    assert.deepEqual(fresh.heads().sort(), both.heads().sort())
    assert.equal(fresh.size, 44)
    // The adopted document goes on working: a new entry is added and synced like any other.
    const next = buildMetered(bob.ledger, bob.signer, { type: 'llm_inference', model: 'm', tokens: 5 }, { timestamp: 99 })
    assert.ok(fresh.add(next) !== undefined)
    const { toB } = syncUntilQuiet(fresh, source)
    assert.deepEqual(new Set(toB.map((entry) => entry.idHex)), new Set([...bob.entries, next].map((entry) => entry.idHex)))
    assert.deepEqual(source.heads().sort(), fresh.heads().sort())
  })

  it('takes a whole document smaller than itself into itself instead of adopting it', () => {
    const alice = authorChain(16, 2)
    const bob = authorChain(17, 30)
    const receiver = docWith('cc', bob.entries).doc
    const receipt = receiver.receiveSyncMessage(LedgerDoc.initSyncState(), wholeDocumentMessage(docWith('aa', alice.entries).doc))
    assert.ok(receipt.status === 'accept', receipt.status === 'reject' ? receipt.reason : '')
    assert.deepEqual(new Set(receipt.entries.map((entry) => entry.idHex)), new Set(alice.entries.map((entry) => entry.idHex)))
    assert.deepEqual(receiver.heads().sort(), docWith('dd', [...alice.entries, ...bob.entries]).doc.heads().sort())
    assert.equal(receiver.size, 34)
  })

  it('catches up a whole document holding a fork: both entries of the conflicting key arrive', () => {
    const { entries, ledger, signer } = authorChain(11, 1)
    const twin = signEntry({ ...entries[1]!.body, action: { type: 'llm_inference', model: 'm', tokens: 77 }, legs: buildMetered(ledger, signer, { type: 'llm_inference', model: 'm', tokens: 77 }).body.legs, seq: 1, prev: entries[0]!.id }, signer)
    const source = docWith('aa', [...entries, twin]).doc
    const fresh = new LedgerDoc({ actorHex: 'cc'.repeat(16) })
    const receipt = fresh.receiveSyncMessage(LedgerDoc.initSyncState(), wholeDocumentMessage(source))
    assert.ok(receipt.status === 'accept', receipt.status === 'reject' ? receipt.reason : '')
    assert.deepEqual(new Set(receipt.entries.map((entry) => entry.idHex)), new Set([...entries, twin].map((entry) => entry.idHex)))
    assert.deepEqual(fresh.heads().sort(), source.heads().sort())
  })

  it('refuses a whole document that is not exactly the canonical changes of validly signed entries, and changes nothing', () => {
    const alice = authorChain(12, 3)
    const source = docWith('aa', alice.entries.slice(0, 3)).doc
    const message = wholeDocumentMessage(source)
    const canonical = docWith('bb', alice.entries).changes[3]!
    const decoded = automergeBackend.decodeChange(canonical)
    const forged = (extra: Uint8Array): Uint8Array => {
      const handle = automergeBackend.load(source.save())
      handle.applyChanges([extra])
      return withDocument(message, handle.save())
    }
    const badSig = { ...alice.entries[3]!, sig: alice.entries[3]!.sig.map((byte, index) => (index === 5 ? byte ^ 1 : byte)) }
    const cases: [string, Uint8Array][] = [
      ['a non-canonical wrapper of a valid entry', forged(automergeBackend.encodeChange({ ...decoded, time: 5 }))],
      ['an extra op beside a valid entry', forged(automergeBackend.encodeChange({ ...decoded, ops: [...decoded.ops, { action: 'set', obj: '_root', key: 'evil', value: 'x', pred: [] }] }))],
      ['a stray key in the root', forged(automergeBackend.encodeChange({ actor: 'ab'.repeat(16), seq: 1, startOp: 1, time: 0, message: null, deps: source.heads(), ops: [{ action: 'set', obj: '_root', key: 'evil', value: 'x', pred: [] }] }))],
      ['an entry with a bad signature', forged(docWith('cc', [...alice.entries.slice(0, 3), badSig]).changes[3]!)],
      ['bytes that are no document', withDocument(message, new Uint8Array([0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 0, 1, 7]))],
    ]
    const fresh = docWith('dd', authorChain(13, 1).entries).doc
    const headsBefore = fresh.heads()
    for (const [what, bytes] of cases) {
      const receipt = fresh.receiveSyncMessage(LedgerDoc.initSyncState(), bytes)
      assert.equal(receipt.status, 'reject', what)
      assert.deepEqual(fresh.heads(), headsBefore, what)
      assert.equal(fresh.size, 2, what)
    }
    const signature = fresh.receiveSyncMessage(LedgerDoc.initSyncState(), cases[3]![1])
    assert.ok(signature.status === 'reject' && signature.badSignature?.idHex === badSig.idHex)
    // The genuine document is still taken.
    assert.equal(fresh.receiveSyncMessage(LedgerDoc.initSyncState(), message).status, 'accept')
    assert.equal(fresh.size, 5)
  })

  it('takes a document carrying entries it holds without reading them again, and refuses one whose value only shares a held signature', () => {
    const alice = authorChain(18, 5)
    const source = docWith('aa', alice.entries).doc
    const receiver = docWith('bb', alice.entries.slice(0, 4)).doc
    const receipt = receiver.receiveSyncMessage(LedgerDoc.initSyncState(), wholeDocumentMessage(source))
    assert.ok(receipt.status === 'accept', receipt.status === 'reject' ? receipt.reason : '')
    assert.deepEqual(receipt.entries.map((entry) => entry.idHex), alice.entries.slice(4).map((entry) => entry.idHex))
    assert.deepEqual(receiver.heads().sort(), source.heads().sort())
    // Seq 2's value: another entry's bytes under the held seq-2 entry's signature. Matched by its
    // signature, it is read as the held entry, yet its change is not that entry's: refused.
    const base = docWith('cc', alice.entries.slice(0, 2)).doc
    const canonical = automergeBackend.decodeChange(docWith('dd', alice.entries.slice(0, 3)).changes[2]!)
    const [rawText] = encodeDocEntry(alice.entries[3]!).split('.')
    const [, sigText] = encodeDocEntry(alice.entries[2]!).split('.')
    const ops = canonical.ops.map((op) => ({ ...op, value: new Automerge.ImmutableString(`${rawText}.${sigText}`) }))
    const handle = automergeBackend.load(base.save())
    handle.applyChanges([automergeBackend.encodeChange({ ...canonical, ops })])
    const holder = docWith('ee', alice.entries.slice(0, 3)).doc
    const headsBefore = holder.heads()
    const forged = holder.receiveSyncMessage(LedgerDoc.initSyncState(), withDocument(wholeDocumentMessage(base), handle.save()))
    assert.equal(forged.status, 'reject')
    assert.deepEqual(holder.heads(), headsBefore)
    assert.equal(holder.size, 3)
  })

  it('takes nothing from a document but its entries: one declaring canonical heads over other changes brings only canonical ones, and is not loaded', () => {
    const alice = authorChain(19, 4)
    const bob = authorChain(20, 6)
    const source = docWith('aa', alice.entries.slice(0, 4)).doc
    // The last entry under a non-canonical wrapper (time 5), its chunk declaring the canonical heads.
    const canonical = automergeBackend.decodeChange(docWith('bb', alice.entries).changes[4]!)
    const handle = automergeBackend.load(source.save())
    handle.applyChanges([automergeBackend.encodeChange({ ...canonical, time: 5 })])
    const forged = withHeads(handle.save(), docWith('cc', alice.entries).doc.heads())
    const message = withDocument(wholeDocumentMessage(source), forged)
    // A receiver holding more than the document brings rebuilds the canonical change of the new entry.
    const holder = docWith('dd', [...alice.entries.slice(0, 4), ...bob.entries]).doc
    const receipt = holder.receiveSyncMessage(LedgerDoc.initSyncState(), message)
    assert.ok(receipt.status === 'accept', receipt.status === 'reject' ? receipt.reason : '')
    assert.deepEqual(receipt.entries.map((entry) => entry.idHex), [alice.entries[4]!.idHex])
    assert.deepEqual(holder.heads().sort(), docWith('ee', [...alice.entries, ...bob.entries]).doc.heads().sort())
    // A fresh one would adopt the document itself: Automerge's checked load finds its heads false.
    const fresh = new LedgerDoc({ actorHex: 'ff'.repeat(16) })
    const refused = fresh.receiveSyncMessage(LedgerDoc.initSyncState(), message)
    assert.ok(refused.status === 'reject' && refused.reason.includes('does not load'), refused.status === 'reject' ? refused.reason : 'accepted')
    assert.equal(fresh.size, 0)
  })

  it('hands a big document to the signature check slice by slice while reading it, and acts on the verdicts', async () => {
    const alice = authorChain(14, 2_100)
    const message = wholeDocumentMessage(docWith('aa', alice.entries).doc)
    const slices: number[] = []
    const verify = async (entries: readonly SignedEntry[]): Promise<boolean[]> => {
      slices.push(entries.length)
      return entries.map((entry) => entry.body.seq !== 1_500)
    }
    const fresh = new LedgerDoc({ actorHex: 'cc'.repeat(16) })
    const prepared = fresh.prepareSyncMessage(message, { verify, minEntries: 256 })
    assert.ok(prepared.status === 'prepared' && prepared.verdicts !== undefined)
    assert.deepEqual(slices, [1024, 1024, 53])
    const refused = fresh.receiveSyncMessage(LedgerDoc.initSyncState(), prepared, await prepared.verdicts)
    assert.ok(refused.status === 'reject' && refused.badSignature?.body.seq === 1_500)
    assert.equal(fresh.size, 0)
    const small = new LedgerDoc({ actorHex: 'dd'.repeat(16) }).prepareSyncMessage(message, { verify, minEntries: 10_000 })
    assert.ok(small.status === 'prepared' && small.verdicts === undefined, 'below the minimum, checked on this thread')
  })

  it('rejects random, truncated, oversized and tampered sync messages without a crash or a change', () => {
    const alice = authorChain(7, 2)
    const a = docWith('aa', alice.entries).doc
    const b = docWith('bb', authorChain(8, 1).entries).doc
    const message = a.generateSyncMessage(LedgerDoc.initSyncState())
    assert.ok(message !== null)
    const random = createSeededRandom(99)
    const bad: Uint8Array[] = [new Uint8Array(0), random.nextBytes(64), message.slice(0, message.length - 1), message.slice(0, 3), new Uint8Array(SYNC_MESSAGE_BYTES_MAX + 1)]
    for (let index = 0; index < 300; index++) bad.push(random.nextBytes(1 + random.nextInt(300)))
    for (let index = 0; index < 300; index++) {
      const flipped = message.slice()
      flipped[random.nextInt(flipped.length)]! ^= 1 << random.nextInt(8)
      bad.push(flipped)
    }
    const headsBefore = b.heads()
    let rejected = 0
    for (const bytes of bad) {
      const receipt = b.receiveSyncMessage(LedgerDoc.initSyncState(), bytes)
      if (receipt.status === 'reject') rejected++
      else assert.deepEqual(receipt.entries, [], 'an accepted mutated message brings no entry')
    }
    assert.ok(rejected >= 300, `rejected ${rejected}`)
    assert.deepEqual(b.heads(), headsBefore)
    syncUntilQuiet(a, b)
    assert.equal(b.size, 5)
  })

  it('reads a canonical entry change as Automerge does, its checksum included (which neither checks: the hash covers those bytes)', () => {
    const { entries } = authorChain(15, 0)
    const change = docWith('aa', entries).changes[0]!.slice()
    change[4]! ^= 1
    const read = decodeEntryChange(change)
    assert.ok(read.kind === 'entry')
    assert.equal(read.hash, automergeBackend.decodeChange(change).hash)
    assert.equal(read.entry.idHex, entries[0]!.idHex)
  })

  it('decodes changes without throwing on any input', () => {
    const random = createSeededRandom(5)
    for (let index = 0; index < 500; index++) assert.equal(decodeEntryChange(random.nextBytes(random.nextInt(400))).kind, 'invalid')
  })
})

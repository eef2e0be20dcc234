import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as Automerge from '@automerge/automerge'
import { createEd25519Signer } from '../identity/ed25519.ts'
import { buildMetered, buildMint, devnetGenesisGrant, DEVNET_RULES, Ledger, signEntry, type SignedEntry } from '../ledger/index.ts'
import { automergeBackend } from './automerge-backend.ts'
import { LEDGER_DOC_CHUNK_ENTRIES, SYNC_MESSAGE_BYTES_MAX } from './constants.ts'
import { decodeDocEntry, decodeEntryChange, encodeDocEntry, LedgerDoc } from './ledger-doc.ts'
import { createSeededRandom } from './sim/random.ts'

/** An author's chain: a genesis mint and `metered` metered entries. */
function authorChain(seedByte: number, metered: number): { entries: SignedEntry[]; ledger: Ledger; signer: ReturnType<typeof createEd25519Signer> } {
  const signer = createEd25519Signer(new Uint8Array(32).fill(seedByte))
  const ledger = new Ledger({ rules: DEVNET_RULES })
  const entries = [buildMint(ledger, signer, { grant: devnetGenesisGrant(signer.publicKey, 1_000_000_000_000n), timestamp: 1 })]
  ledger.append(entries[0]!, { signatureVerified: true })
  for (let index = 0; index < metered; index++) {
    const entry = buildMetered(ledger, signer, { type: 'llm_inference', model: 'm', tokens: 10 + index }, { timestamp: 2 + index })
    ledger.append(entry, { signatureVerified: true })
    entries.push(entry)
  }
  return { entries, ledger, signer }
}

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

describe('ledger document', () => {
  it('round-trips an entry through its compact encoding and refuses non-canonical spellings', () => {
    const { entries } = authorChain(1, 0)
    const text = encodeDocEntry(entries[0]!)
    const decoded = decodeDocEntry(text)
    assert.ok(decoded.ok)
    assert.equal(decoded.entry.idHex, entries[0]!.idHex)
    for (const bad of ['', 'x', `${text}A`, text.replace('.', '..'), 'x'.repeat(10_000), 42]) assert.equal(decodeDocEntry(bad).ok, false)
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

  it('decodes changes without throwing on any input', () => {
    const random = createSeededRandom(5)
    for (let index = 0; index < 500; index++) assert.equal(decodeEntryChange(random.nextBytes(random.nextInt(400))).kind, 'invalid')
  })
})

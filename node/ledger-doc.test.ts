import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as Automerge from '@automerge/automerge'
import { createEd25519Signer } from '../identity/ed25519.ts'
import { buildMetered, buildMint, devnetGrant, DEVNET_RULES, Ledger, toHex } from '../ledger/index.ts'
import { SYNC_MESSAGE_BYTES_MAX } from './constants.ts'
import {
  appendDocEntry,
  createLedgerFeed,
  createLedgerGenesis,
  decodeDocEntry,
  encodeDocEntry,
  generateLedgerSyncMessage,
  initLedgerSyncState,
  mergeLedgerDocs,
  openLedgerDoc,
  receiveLedgerSyncMessage,
  type LedgerDoc,
} from './ledger-doc.ts'
import { createSeededRandom } from './sim/random.ts'

const genesis = createLedgerGenesis()

function authorDoc(seedByte: number, metered: number) {
  const signer = createEd25519Signer(new Uint8Array(32).fill(seedByte))
  const hex = toHex(signer.publicKey)
  const ledger = new Ledger({ rules: DEVNET_RULES })
  let doc = openLedgerDoc(genesis, hex)
  const grant = devnetGrant({ proposal: `genesis/${seedByte}`, author: signer.publicKey, to: hex, currency: 'IPPC', amount: 1_000_000_000n })
  const entries = [buildMint(ledger, signer, { grant, timestamp: 1 })]
  ledger.append(entries[0]!, { signatureVerified: true })
  for (let index = 0; index < metered; index++) {
    const entry = buildMetered(ledger, signer, { type: 'llm_inference', model: 'm', tokens: 10 + index }, { timestamp: 2 + index })
    ledger.append(entry, { signatureVerified: true })
    entries.push(entry)
  }
  for (const entry of entries) doc = appendDocEntry(doc, entry, { timeMs: 0 })
  return { signer, hex, ledger, doc, entries }
}

function syncUntilQuiet(a: LedgerDoc, b: LedgerDoc): [LedgerDoc, LedgerDoc, number] {
  let stateA = initLedgerSyncState()
  let stateB = initLedgerSyncState()
  for (let round = 1; round <= 20; round++) {
    const [nextA, toB] = generateLedgerSyncMessage(a, stateA)
    stateA = nextA
    if (toB !== null) {
      const verdict = receiveLedgerSyncMessage(b, stateB, toB)
      assert.equal(verdict.status, 'accept')
      if (verdict.status === 'accept') ({ doc: b, syncState: stateB } = verdict)
    }
    const [nextB, toA] = generateLedgerSyncMessage(b, stateB)
    stateB = nextB
    if (toA !== null) {
      const verdict = receiveLedgerSyncMessage(a, stateA, toA)
      assert.equal(verdict.status, 'accept')
      if (verdict.status === 'accept') ({ doc: a, syncState: stateA } = verdict)
    }
    if (toA === null && toB === null) return [a, b, round]
  }
  throw new Error('sync did not go quiet in 20 rounds')
}

describe('ledger document', () => {
  it('round-trips an entry through its compact encoding', () => {
    const { entries } = authorDoc(1, 0)
    const decoded = decodeDocEntry(encodeDocEntry(entries[0]!))
    assert.ok(decoded.ok)
    assert.equal(decoded.entry.idHex, entries[0]!.idHex)
  })

  it('merges and syncs two authors to the same document and the same state root', () => {
    const alice = authorDoc(1, 3)
    const bob = authorDoc(2, 2)
    const merged = mergeLedgerDocs(Automerge.clone(alice.doc), bob.doc)
    const [a, b] = syncUntilQuiet(alice.doc, bob.doc)
    assert.deepEqual(Automerge.getHeads(a).sort(), Automerge.getHeads(b).sort())
    assert.deepEqual(Automerge.getHeads(a).sort(), Automerge.getHeads(merged).sort())
    const roots = [a, b, merged].map((doc) => {
      const ledger = new Ledger({ rules: DEVNET_RULES })
      const report = createLedgerFeed(ledger).feed(doc)
      assert.equal(report.verdicts.applied + report.verdicts.pending, 7)
      return toHex(ledger.stateRoot())
    })
    assert.equal(new Set(roots).size, 1)
  })

  it('rejects random, truncated and oversized sync messages without a crash or a change', () => {
    const alice = authorDoc(1, 2)
    const bob = authorDoc(2, 0)
    const [, message] = generateLedgerSyncMessage(alice.doc, initLedgerSyncState())
    assert.ok(message !== null)
    const random = createSeededRandom(99)
    const bad = [new Uint8Array(0), random.nextBytes(64), message.slice(0, message.length - 1), message.slice(0, 3), new Uint8Array(SYNC_MESSAGE_BYTES_MAX + 1)]
    for (let index = 0; index < 200; index++) bad.push(random.nextBytes(1 + random.nextInt(200)))
    const headsBefore = Automerge.getHeads(bob.doc)
    const state = initLedgerSyncState()
    let rejected = 0
    for (const bytes of bad) {
      const verdict = receiveLedgerSyncMessage(bob.doc, state, bytes)
      if (verdict.status === 'reject') rejected++
      else assert.deepEqual(Automerge.getHeads(verdict.doc), headsBefore, 'an accepted junk message adds nothing')
    }
    assert.ok(rejected >= 5)
    assert.deepEqual(Automerge.getHeads(bob.doc), headsBefore)
    // The document still syncs normally afterwards.
    const [a, b] = syncUntilQuiet(alice.doc, bob.doc)
    assert.deepEqual(Automerge.getHeads(a).sort(), Automerge.getHeads(b).sort())
  })

  it('feeds nothing from malformed, truncated or forged entries, and reports them', () => {
    const alice = authorDoc(1, 1)
    const ledger = new Ledger({ rules: DEVNET_RULES })
    const feed = createLedgerFeed(ledger)
    feed.feed(alice.doc)
    const rootBefore = toHex(ledger.stateRoot())
    const good = encodeDocEntry(alice.entries[1]!)
    const forgedSig = `${good.split('.')[0]}.${Buffer.from(new Uint8Array(64).fill(7)).toString('base64url')}`
    const junk = ['', 'not base64!', good.slice(0, good.length - 5), good.slice(10), `${good}A`, 'x'.repeat(10_000), forgedSig]
    const doc = Automerge.change(Automerge.clone(alice.doc, { actor: 'ee'.repeat(16) }), (draft) => {
      draft.chunks[`${alice.hex}.9`] = junk.map((text) => new Automerge.ImmutableString(text))
      // A map where a chunk belongs is not a chunk.
      ;(draft.chunks as Record<string, unknown>)['mallory.0'] = { oops: 1 }
    })
    const report = feed.feed(doc)
    assert.equal(report.verdicts.applied, 0)
    assert.equal(report.verdicts.duplicate, 1, 'the forged signature on a known id changes nothing')
    const forged = decodeDocEntry(forgedSig)
    assert.ok(forged.ok)
    assert.equal(new Ledger({ rules: DEVNET_RULES }).add(forged.entry).status, 'rejected')
    assert.equal(report.malformed.length, junk.length - 1 + 1)
    assert.equal(toHex(ledger.stateRoot()), rootBefore)
  })

  it('still reads an author chunk hidden by a conflicting chunk of the same key', () => {
    const alice = authorDoc(1, 1)
    const key = `${alice.hex}.0`
    const mallory = Automerge.change(openLedgerDoc(genesis, 'ff'.repeat(16)), (draft) => {
      draft.chunks[key] = [new Automerge.ImmutableString('junk')]
    })
    const merged = mergeLedgerDocs(Automerge.clone(alice.doc), mallory)
    const ledger = new Ledger({ rules: DEVNET_RULES })
    const report = createLedgerFeed(ledger).feed(merged)
    assert.equal(report.verdicts.applied, 2)
    assert.equal(ledger.standing(alice.entries[1]!.idHex)?.status, 'counted')
  })
})

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createEd25519Signer } from '../identity/ed25519.ts'
import { buildMint, createForkProof, decodeSignedEntry, devnetGenesisGrant, DEVNET_RULES, encodeEntryBody, entryId, Ledger, signEntry, toHex } from '../ledger/index.ts'
import { ENVELOPE_BYTES_MAX } from './constants.ts'
import { ENVELOPE_KINDS, openEnvelope, sealEnvelope, verifyEnvelope } from './envelope.ts'
import { LedgerDoc } from './ledger-doc.ts'
import { createTrustManager, EVIDENCE } from './trust.ts'
import { checkWarrant, forkWarrant, signedGarbageWarrant } from './warrant.ts'

const alice = createEd25519Signer(new Uint8Array(32).fill(1))
const bob = createEd25519Signer(new Uint8Array(32).fill(2))

function genesisEntry(signer = alice, timestamp = 1) {
  return buildMint(new Ledger({ rules: DEVNET_RULES }), signer, { grant: devnetGenesisGrant(signer.publicKey, 1_000n), timestamp })
}

function entryChangeOf(entry: ReturnType<typeof genesisEntry>): Uint8Array {
  return new LedgerDoc({ actorHex: 'ee'.repeat(16) }).add(entry)!.change
}

describe('envelopes', () => {
  it('seal, open and verify; any change to the bytes breaks the signature', () => {
    const body = new Uint8Array([1, 2, 3])
    const sealed = sealEnvelope(ENVELOPE_KINDS.probe, body, alice)
    const opened = openEnvelope(sealed)
    assert.ok(opened.ok)
    assert.equal(opened.envelope.publisherHex, toHex(alice.publicKey))
    assert.deepEqual(opened.envelope.body, body)
    assert.ok(verifyEnvelope(opened.envelope))
    for (let index = 0; index < sealed.length; index++) {
      const flipped = sealed.slice()
      flipped[index]! ^= 0x10
      const reopened = openEnvelope(flipped)
      assert.ok(!reopened.ok || !verifyEnvelope(reopened.envelope), `byte ${index}`)
    }
  })

  it('refuses truncated, oversized, unknown-version and unknown-kind envelopes by name', () => {
    const sealed = sealEnvelope(ENVELOPE_KINDS.probe, new Uint8Array(10), alice)
    assert.deepEqual(openEnvelope(sealed.slice(0, 50)), { ok: false, reason: 'truncated' })
    assert.match((openEnvelope(new Uint8Array(ENVELOPE_BYTES_MAX + 1)) as { reason: string }).reason, /larger than/)
    const version = sealed.slice()
    version[0] = 9
    assert.deepEqual(openEnvelope(version), { ok: false, reason: 'unknown version 9' })
    const kind = sealed.slice()
    kind[1] = 77
    assert.deepEqual(openEnvelope(kind), { ok: false, reason: 'unknown kind 77' })
    assert.throws(() => sealEnvelope(ENVELOPE_KINDS.probe, new Uint8Array(ENVELOPE_BYTES_MAX), alice), RangeError)
  })
})

describe('warrants', () => {
  it('a fork warrant names the forker and carries both entries; a forged half does not verify', () => {
    const first = genesisEntry(alice, 1)
    const second = signEntry({ ...first.body, timestamp: 2 }, alice)
    const checked = checkWarrant(forkWarrant(createForkProof(first, second)))
    assert.ok(checked.ok)
    assert.equal(checked.warrant.accusedHex, toHex(alice.publicKey))
    assert.deepEqual(checked.warrant.entries.map((entry) => entry.idHex).sort(), [first.idHex, second.idHex].sort())
    // Bob cannot frame Alice: a "fork" whose second half Bob signed is no proof.
    const raw = encodeEntryBody({ ...first.body, timestamp: 3 })
    const framed = decodeSignedEntry(raw, bob.sign(entryId(raw)))
    const proof = createForkProof(first, framed)
    assert.equal(checkWarrant(forkWarrant(proof)).ok, false)
  })

  it('signed garbage is a warrant against its signer; a well-formed payload or a bad envelope signature is not', () => {
    const garbage = sealEnvelope(ENVELOPE_KINDS.entryChange, new Uint8Array([9, 9, 9]), bob)
    const checked = checkWarrant(signedGarbageWarrant(garbage))
    assert.ok(checked.ok)
    assert.equal(checked.warrant.accusedHex, toHex(bob.publicKey))

    const own = genesisEntry(bob)
    const wellFormed = sealEnvelope(ENVELOPE_KINDS.entryChange, entryChangeOf(own), bob)
    assert.deepEqual(checkWarrant(signedGarbageWarrant(wellFormed)), { ok: false, reason: 'the envelope holds a well-formed payload' })

    // Someone else's valid entry, published by Bob, is garbage from Bob.
    const stolen = sealEnvelope(ENVELOPE_KINDS.entryChange, entryChangeOf(genesisEntry(alice)), bob)
    assert.equal((checkWarrant(signedGarbageWarrant(stolen)) as { ok: true; warrant: { reason: string } }).warrant.reason, 'an entry of another author')

    const unsigned = garbage.slice()
    unsigned[unsigned.length - 1]! ^= 1
    assert.deepEqual(checkWarrant(signedGarbageWarrant(unsigned)), { ok: false, reason: 'the envelope is not signed by its publisher' })
    assert.equal(checkWarrant(signedGarbageWarrant(sealEnvelope(ENVELOPE_KINDS.probe, new Uint8Array([1]), bob))).ok, false, 'a probe is never garbage')
  })

  it('refuses junk without throwing', () => {
    for (const junk of [new Uint8Array(0), new Uint8Array([0x83, 1, 2]), new Uint8Array(300_000), new TextEncoder().encode('warrant')]) assert.equal(checkWarrant(junk).ok, false)
  })
})

describe('trust', () => {
  it('starts neutral, bans only on first-hand evidence past the threshold, and never on soft evidence', () => {
    const trust = createTrustManager()
    assert.equal(trust.trust('p'), 0.5)
    for (let index = 0; index < 200; index++) assert.equal(trust.record('honest-but-lagging', 'rejected-entry'), false)
    assert.ok(trust.trust('honest-but-lagging') < 0.5)
    const strikes = Math.ceil(50 / -EVIDENCE['invalid-envelope'].weight)
    const results = Array.from({ length: strikes + 3 }, () => trust.record('liar', 'invalid-envelope'))
    assert.deepEqual(results.map((banned, index) => (banned ? index : -1)).filter((index) => index >= 0), [strikes - 1], 'crosses the threshold exactly once')
    assert.equal(trust.evidence('liar')['invalid-envelope'], strikes + 3)
    trust.record('good', 'valid-entry')
    assert.ok(trust.trust('good') > 0.5)
    assert.deepEqual(trust.peers(), ['good', 'honest-but-lagging', 'liar'])
  })
})

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { verifyEd25519 } from '../identity/ed25519.ts'
import { buildTransfer } from './build-entry.ts'
import { createForkProof, decodeForkProof, encodeForkProof, verifyForkProof, type ForkProof } from './fork-proof.ts'
import { devnetLedger, fund, IPPC, signAt, testSigner } from './testing.ts'

const alice = testSigner('alice')
const bob = testSigner('bob')

function forkedPair() {
  const ledger = devnetLedger()
  fund(ledger, alice, 10n * IPPC)
  const a = buildTransfer(ledger, alice, { to: bob.hex, currency: 'IPPC', amount: IPPC, timestamp: 1 })
  const b = buildTransfer(ledger, alice, { to: bob.hex, currency: 'IPPC', amount: IPPC, timestamp: 2 })
  return { ledger, a, b }
}

describe('fork proofs', () => {
  it('verify on their own, in either order of construction, and survive encoding', () => {
    const { a, b } = forkedPair()
    const proof = createForkProof(a, b)
    assert.deepEqual(createForkProof(b, a), proof, 'one pair, one proof')
    assert.equal(verifyForkProof(proof), true)
    assert.equal(verifyForkProof(decodeForkProof(encodeForkProof(proof))), true)
    assert.equal(verifyForkProof(proof, verifyEd25519), true)
  })

  it('are rejected when tampered with', () => {
    const { ledger, a, b } = forkedPair()
    const proof = createForkProof(a, b)
    const flip = (bytes: Uint8Array, at: number) => bytes.map((byte, index) => (index === at ? byte ^ 0x01 : byte))
    const other = signAt(ledger, bob, { action: { type: 'transfer', memo: '' }, legs: [], seq: 1, prev: new Uint8Array(32) })
    const tampered: [string, ForkProof][] = [
      ['a.raw byte', { ...proof, a: { ...proof.a, raw: flip(proof.a.raw, 40) } }],
      ['b.raw byte', { ...proof, b: { ...proof.b, raw: flip(proof.b.raw, proof.b.raw.length - 1) } }],
      ['a.sig byte', { ...proof, a: { ...proof.a, sig: flip(proof.a.sig, 3) } }],
      ['b.sig byte', { ...proof, b: { ...proof.b, sig: flip(proof.b.sig, 63) } }],
      ['author', { ...proof, author: bob.publicKey }],
      ['seq', { ...proof, seq: proof.seq + 1 }],
      ['halves swapped', { ...proof, a: proof.b, b: proof.a }],
      ['same entry twice', { ...proof, b: proof.a }],
      ['another author’s entry', { ...proof, b: { raw: other.raw, sig: other.sig } }],
      ['short signature', { ...proof, a: { ...proof.a, sig: proof.a.sig.subarray(1) } }],
      ['not bytes', { ...proof, a: { raw: 'x' as unknown as Uint8Array, sig: proof.a.sig } }],
    ]
    for (const [what, bad] of tampered) assert.equal(verifyForkProof(bad), false, what)
    assert.throws(() => createForkProof(a, a), TypeError)
    assert.throws(() => decodeForkProof(new Uint8Array([0x80])), { name: 'EntryMalformedError' })
  })
})

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { buildMetered } from './build-entry.ts'
import { EVIDENCE_ENTRIES_MAX, PENDING_ENTRIES_MAX, PENDING_ENTRIES_PER_AUTHOR_MAX } from './constants.ts'
import type { SignedEntry } from './entry.ts'
import type { AddVerdict } from './ledger.ts'
import { devnetLedger, fund, IPPC, payment, signAt, testSigner, unsignedSigner } from './testing.ts'

// Signatures are not what these tests are about: entries carry zero signatures and are added
// with `signatureVerified`, so thousands of them cost milliseconds.

/** A chain of `length` free entries (zero-duration tool runs) by `name`, after a genesis mint. */
function chainOf(name: string, length: number): SignedEntry[] {
  const ledger = devnetLedger()
  const signer = unsignedSigner(testSigner(name).publicKey)
  fund(ledger, signer, IPPC)
  for (let index = 1; index < length; index++) ledger.append(buildMetered(ledger, signer, { type: 'tool_exec', tool: 't', durationMs: 0 }, { timestamp: index }), { signatureVerified: true })
  return [...ledger.entries()]
}

function errorName(verdict: AddVerdict): string | undefined {
  return verdict.status === 'rejected' ? verdict.error.name : undefined
}

describe('ledger limits (one past each constant is rejected)', () => {
  it('PENDING_ENTRIES_PER_AUTHOR_MAX and PENDING_ENTRIES_MAX', () => {
    const ledger = devnetLedger()
    const perAuthor = PENDING_ENTRIES_PER_AUTHOR_MAX
    const authors = PENDING_ENTRIES_MAX / perAuthor
    for (let author = 0; author < authors; author++) {
      // seq 1 never arrives: seq 2 … perAuthor + 1 wait for it.
      const chain = chainOf(`pending-${author}`, perAuthor + 3)
      for (const entry of chain.slice(2, perAuthor + 2)) assert.equal(ledger.add(entry, { signatureVerified: true }).status, 'pending')
      if (author === 0) {
        const onePast = ledger.add(chain[perAuthor + 2] as SignedEntry, { signatureVerified: true })
        assert.equal(errorName(onePast), 'LedgerPendingLimitError')
      }
    }
    assert.equal(ledger.pendingCount, PENDING_ENTRIES_MAX)
    const onePastAll = ledger.add(chainOf('pending-last', 3)[2] as SignedEntry, { signatureVerified: true })
    assert.equal(errorName(onePastAll), 'LedgerPendingLimitError')
    assert.equal(ledger.pendingCount, PENDING_ENTRIES_MAX)
  })

  it('EVIDENCE_ENTRIES_MAX', () => {
    const ledger = devnetLedger()
    const signer = unsignedSigner(testSigner('refused').publicKey)
    const genesis = fund(ledger, signer, IPPC)
    const hex = testSigner('refused').hex
    // seq 1 overdraws; every later entry follows a refused one. All are kept as evidence.
    let prev = genesis.id
    for (let seq = 1; seq <= EVIDENCE_ENTRIES_MAX + 1; seq++) {
      const entry =
        seq === 1
          ? signAt(ledger, signer, { action: { type: 'transfer', memo: '' }, legs: payment(hex, 'swarm:treasury', 2n * IPPC), seq, prev })
          : signAt(ledger, signer, { action: { type: 'tool_exec', tool: 't', durationMs: 0 }, legs: [], seq, prev })
      prev = entry.id
      const verdict = ledger.add(entry, { signatureVerified: true })
      const expected = seq === 1 ? 'LedgerOverdraftError' : seq <= EVIDENCE_ENTRIES_MAX ? 'LedgerPrevRefusedError' : 'LedgerPendingLimitError'
      if (seq <= 2 || seq >= EVIDENCE_ENTRIES_MAX) assert.equal(errorName(verdict), expected, `seq ${seq}`)
    }
    assert.equal([...ledger.knownEntries()].length, 1 + EVIDENCE_ENTRIES_MAX)
  })
})

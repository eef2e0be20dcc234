import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, createPublicKey, verify } from 'node:crypto'
import { decode } from 'cborg'
import { buildDaoFee, buildMetered, buildTransfer, receiveAll } from './build-entry.ts'
import { toHex } from './entry.ts'
import { devnetLedger, fund, IPPC, testSigner } from './testing.ts'

/** What an export or a peer hands over: four hex strings per entry, nothing else. */
type ExportedEntry = { raw: string; id: string; sig: string; author: string }

// ---------------------------------------------------------------------------------------------
// An independent verifier: written against the documented format only (cborg, node:crypto), not
// against the ledger's code. It returns the problems it finds.

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

function verifyExport(entries: readonly ExportedEntry[]): string[] {
  const problems: string[] = []
  const chains = new Map<string, { seq: number; prev: string | null; id: string }[]>()
  for (const entry of entries) {
    const raw = Buffer.from(entry.raw, 'hex')
    if (createHash('sha256').update(raw).digest('hex') !== entry.id) problems.push(`${entry.id}: id is not SHA-256(raw)`)
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(entry.author, 'hex')]), format: 'der', type: 'spki' })
    if (!verify(null, Buffer.from(entry.id, 'hex'), key, Buffer.from(entry.sig, 'hex'))) problems.push(`${entry.id}: bad signature`)
    const body = decode(raw, { strict: true }) as { author: Uint8Array; seq: number; prev: Uint8Array | null; legs: [string, string, number | bigint][] }
    if (Buffer.from(body.author).toString('hex') !== entry.author) problems.push(`${entry.id}: author differs from the body`)
    const sums = new Map<string, bigint>()
    for (const [, currency, amount] of body.legs) sums.set(currency, (sums.get(currency) ?? 0n) + BigInt(amount))
    for (const [currency, sum] of sums) if (sum !== 0n) problems.push(`${entry.id}: ${currency} legs sum to ${sum}`)
    const chain = chains.get(entry.author) ?? []
    chain.push({ seq: body.seq, prev: body.prev === null ? null : Buffer.from(body.prev).toString('hex'), id: entry.id })
    chains.set(entry.author, chain)
  }
  for (const [author, chain] of chains) {
    chain.sort((a, b) => a.seq - b.seq)
    chain.forEach((link, index) => {
      const expectedPrev = index === 0 ? null : (chain[index - 1]?.id ?? null)
      if (link.seq !== index) problems.push(`${author}: seq ${link.seq} where ${index} was expected`)
      if (link.prev !== expectedPrev) problems.push(`${author}: seq ${link.seq} does not link to seq ${index - 1}`)
    })
  }
  return problems
}

// ---------------------------------------------------------------------------------------------

function exportLedger(): ExportedEntry[] {
  const [alice, bob] = [testSigner('alice'), testSigner('bob')]
  const ledger = devnetLedger()
  fund(ledger, alice, 100n * IPPC)
  ledger.append(buildTransfer(ledger, alice, { to: bob.hex, currency: 'IPPC', amount: 40n * IPPC }), { signatureVerified: true })
  receiveAll(ledger, bob)
  ledger.append(buildMetered(ledger, bob, { type: 'llm_inference', model: 'm', tokens: 99 }), { signatureVerified: true })
  ledger.append(buildDaoFee(ledger, alice, { proposal: 'p-1', amount: IPPC }), { signatureVerified: true })
  fund(ledger, bob, 5n * IPPC, 'IUSD')
  return [...ledger.entries()].map((entry) => ({ raw: toHex(entry.raw), id: entry.idHex, sig: toHex(entry.sig), author: entry.authorHex }))
}

describe('independent verifier (no Ledger class, only the documented format)', () => {
  it('accepts a ledger export: ids, signatures, prev chains, balanced legs', () => {
    assert.deepEqual(verifyExport(exportLedger()), [])
  })

  it('finds a changed byte, a swapped signature, a missing link and a foreign author', () => {
    const entries = exportLedger()
    const [first, second] = entries as [ExportedEntry, ExportedEntry]
    const foreign = entries.find((entry) => entry.author !== second.author) as ExportedEntry
    const flipped = { ...first, raw: first.raw.slice(0, -2) + (first.raw.endsWith('00') ? '01' : '00') }
    assert.match(verifyExport([flipped]).join('\n'), /id is not SHA-256\(raw\)/)
    assert.match(verifyExport([{ ...first, sig: second.sig }]).join('\n'), /bad signature/)
    assert.match(verifyExport([{ ...second, author: foreign.author }]).join('\n'), /bad signature|author differs/)
    const aliceChain = entries.filter((entry) => entry.author === first.author)
    assert.match(verifyExport(aliceChain.filter((_, index) => index !== 1)).join('\n'), /seq 2 where 1 was expected/)
  })
})

/**
 * Micro-benchmark of the ledger's append hot path, step by step: build + encode + hash + validate
 * + apply (no signature, no storage), then signing against raw node:crypto signing.
 *
 *   node ledger/hot-path-bench.ts [entries]
 *
 * Prints the best of several rounds per step (µs per entry); a loaded machine inflates all of them.
 */
import { createEd25519Signer, verifyEd25519 } from '../identity/ed25519.ts'
import { buildMetered } from './build-entry.ts'
import { decodeSignedEntry, encodeEntryBody, entryId, sha256Digest, signEntry, toHex, type EntrySigner } from './entry.ts'
import { createAuthorityGrantAuthorizer } from './grant.ts'
import type { Ledger } from './ledger.ts'
import { DEVNET_RULES } from './rules.ts'
import { devnetLedger, fund } from './testing.ts'
import { checkEntryRules } from './validate.ts'

const ENTRIES = Number(process.argv[2] ?? 20_000)
const ROUNDS = 5
const identity = createEd25519Signer(sha256Digest(new TextEncoder().encode('ippoc bench identity')))
const unsigned: EntrySigner = { publicKey: identity.publicKey, sign: () => new Uint8Array(64) }
const action = { type: 'llm_inference' as const, model: 'llama-3-8b', tokens: 812 }

function perEntryMicroseconds(count: number, run: (index: number) => void): number {
  const started = performance.now()
  for (let index = 0; index < count; index++) run(index)
  return ((performance.now() - started) * 1000) / count
}

function best(label: string, measure: () => number): number {
  let fastest = Infinity
  for (let round = 0; round < ROUNDS; round++) fastest = Math.min(fastest, measure())
  console.log(`${label.padEnd(52)} ${fastest.toFixed(2).padStart(8)} µs`)
  return fastest
}

function fundedLedger(): Ledger {
  const ledger = devnetLedger()
  fund(ledger, identity, 10n ** 17n)
  return ledger
}

const sample = buildMetered(fundedLedger(), identity, action)
const context = { rules: DEVNET_RULES, authorizeGrant: createAuthorityGrantAuthorizer(DEVNET_RULES) }

console.log(`${ENTRIES} llm_inference entries of ${sample.raw.length} bytes, best of ${ROUNDS}`)
best('append path, no signature (build+encode+hash+append)', () => {
  const ledger = fundedLedger()
  return perEntryMicroseconds(ENTRIES, () => ledger.append(buildMetered(ledger, unsigned, action), { signatureVerified: true }))
})
best('  encodeEntryBody (field checks + canonical CBOR)', () => perEntryMicroseconds(ENTRIES, () => encodeEntryBody(sample.body)))
best('  entryId (SHA-256)', () => perEntryMicroseconds(ENTRIES, () => entryId(sample.raw)))
best('  toHex of id and author', () => perEntryMicroseconds(ENTRIES, () => toHex(sample.id) + toHex(sample.body.author)))
best('  checkEntryRules (stateless rules)', () => perEntryMicroseconds(ENTRIES, () => checkEntryRules(sample, context)))
best('  Ledger.append (position, state checks, apply)', () => {
  const source = fundedLedger()
  const entries = Array.from({ length: ENTRIES }, () => {
    const entry = buildMetered(source, unsigned, action)
    source.append(entry, { signatureVerified: true })
    return entry
  })
  const ledger = fundedLedger()
  return perEntryMicroseconds(ENTRIES, (index) => ledger.append(entries[index] as (typeof entries)[number], { signatureVerified: true }))
})
const signings = Math.min(ENTRIES, 4000)
const rawSign = best('Ed25519 sign of a 32-byte id (node:crypto)', () => perEntryMicroseconds(signings, () => identity.sign(sample.id)))
const signed = best('signEntry (encode + hash + sign)', () => perEntryMicroseconds(signings, () => signEntry(sample.body, identity)))
const appended = best('build + sign + Ledger.append (no storage)', () => {
  const ledger = fundedLedger()
  return perEntryMicroseconds(signings, () => ledger.append(buildMetered(ledger, identity, action), { signatureVerified: true }))
})
console.log(`signEntry rate ÷ raw sign rate: ${(rawSign / signed).toFixed(2)}; build+sign+append ÷ raw sign: ${(rawSign / appended).toFixed(2)}`)
best('decodeSignedEntry (decode + canonical check + hash)', () => perEntryMicroseconds(ENTRIES, () => decodeSignedEntry(sample.raw, sample.sig)))
best('verifyEd25519', () => perEntryMicroseconds(signings, () => verifyEd25519(sample.sig, sample.id, identity.publicKey)))

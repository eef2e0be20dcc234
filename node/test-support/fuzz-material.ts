/**
 * Valid messages of an outside author for the fuzz tests to mutate: a chain of entries with their
 * canonical changes and gossip envelopes, a sync message carrying them, a fork warrant against a
 * second key, and a probe.
 */
import { createEd25519Signer } from '../../identity/ed25519.ts'
import { buildMetered, buildMint, createForkProof, devnetGenesisGrant, DEVNET_RULES, Ledger, signEntry, type SignedEntry } from '../../ledger/index.ts'
import { ENVELOPE_KINDS, sealEnvelope } from '../envelope.ts'
import { LedgerDoc } from '../ledger-doc.ts'
import type { Random } from '../sim/random.ts'
import { forkWarrant } from '../warrant.ts'

export function fuzzMaterial(parameters: { readonly authorSeed: number; readonly forkerSeed: number; readonly random: Random }) {
  const author = createEd25519Signer(new Uint8Array(32).fill(parameters.authorSeed))
  const ledger = new Ledger({ rules: DEVNET_RULES })
  const entries: SignedEntry[] = [buildMint(ledger, author, { grant: devnetGenesisGrant(author.publicKey, 1_000_000_000_000n), timestamp: 2 })]
  ledger.append(entries[0]!, { signatureVerified: true })
  for (let index = 0; index < 3; index++) {
    const entry = buildMetered(ledger, author, { type: 'llm_inference', model: 'm', tokens: 100 + index }, { timestamp: 3 + index })
    ledger.append(entry, { signatureVerified: true })
    entries.push(entry)
  }
  const doc = new LedgerDoc({ actorHex: 'bb'.repeat(16) })
  const changes = entries.map((entry) => doc.add(entry)!.change)
  const syncMessage = doc.generateSyncMessage(LedgerDoc.initSyncState())!
  doc.free()
  const forker = createEd25519Signer(new Uint8Array(32).fill(parameters.forkerSeed))
  const forkBase = buildMint(new Ledger({ rules: DEVNET_RULES }), forker, { grant: devnetGenesisGrant(forker.publicKey, 1_000n), timestamp: 2 })
  return {
    author,
    forker,
    entries,
    changes,
    envelopes: changes.map((change) => sealEnvelope(ENVELOPE_KINDS.entryChange, change, author)),
    warrant: forkWarrant(createForkProof(forkBase, signEntry({ ...forkBase.body, timestamp: 10 }, forker))),
    probe: sealEnvelope(ENVELOPE_KINDS.probe, parameters.random.nextBytes(400), author),
    syncMessage,
  }
}

/**
 * An author's chain for the ledger-document tests: a devnet genesis mint and `metered` metered
 * entries, each applied to the author's own ledger so the next one is built on it.
 */
import { createEd25519Signer } from '../../identity/ed25519.ts'
import { buildMetered, buildMint, devnetGenesisGrant, DEVNET_RULES, Ledger, type SignedEntry } from '../../ledger/index.ts'

export function authorChain(seedByte: number, metered: number): { entries: SignedEntry[]; ledger: Ledger; signer: ReturnType<typeof createEd25519Signer> } {
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

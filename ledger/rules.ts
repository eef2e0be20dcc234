/**
 * The rules a ledger enforces, as one value every node of a network shares: who may authorize
 * value out of system accounts, and what metered actions cost. Two nodes with the same rules and
 * the same entries compute the same state root.
 */
import { hexToBytes } from '@noble/hashes/utils.js'
import { checkCostSchedule, DEFAULT_COST_SCHEDULE, type CostSchedule } from './cost.ts'
import { toHex } from './entry.ts'
import { LedgerRulesInvalidError } from './errors.ts'

/** The rules of one network. */
export type LedgerRules = {
  /** The network's name (gossip topics, anchor contract). Entries are bound to it through its mint authorities. */
  readonly networkId: string
  /** Ed25519 public keys whose grants the ledger accepts (stand-ins for executed governance proposals). */
  readonly mintAuthorities: readonly Uint8Array[]
  /** Prices of metered actions. */
  readonly cost: CostSchedule
}

/**
 * Seed of the devnet mint authority: SHA-256("ippoc devnet mint authority"). PUBLIC AND INSECURE
 * on purpose, like Hardhat's dev accounts: anyone can mint on a devnet. Never use it elsewhere.
 */
export const DEVNET_MINT_AUTHORITY_SEED_HEX = '56a67315bcf13dea23126da62c3b2a44a75b28a4f804c16819f74bd1a18faf9b'
/** Public key of {@link DEVNET_MINT_AUTHORITY_SEED_HEX} (checked by a test). */
export const DEVNET_MINT_AUTHORITY_PUBLIC_KEY_HEX = '738d7a773e3bba870f707ba8a3d2bd47ec55f107ad7d2b8e53799bf18f64995e'

/**
 * Rules of the local devnet: the well-known devnet mint authority and the default prices.
 *
 * @example
 * const ledger = new Ledger({ rules: DEVNET_RULES })
 */
export const DEVNET_RULES: LedgerRules = Object.freeze({
  networkId: 'ippoc-devnet',
  mintAuthorities: Object.freeze([hexToBytes(DEVNET_MINT_AUTHORITY_PUBLIC_KEY_HEX)]),
  cost: DEFAULT_COST_SCHEDULE,
})

/** Largest number of mint authorities a rules object may list. */
export const MINT_AUTHORITIES_MAX = 64

/**
 * Checks a rules object before a ledger uses it; throws {@link LedgerRulesInvalidError}.
 *
 * @example
 * checkLedgerRules(DEVNET_RULES) // ok
 */
export function checkLedgerRules(rules: LedgerRules): void {
  if (typeof rules !== 'object' || rules === null) throw new LedgerRulesInvalidError('expected a rules object')
  if (typeof rules.networkId !== 'string' || rules.networkId.length === 0) throw new LedgerRulesInvalidError('networkId must be a non-empty string')
  if (!Array.isArray(rules.mintAuthorities) || rules.mintAuthorities.length > MINT_AUTHORITIES_MAX)
    throw new LedgerRulesInvalidError(`mintAuthorities must be a list of at most ${MINT_AUTHORITIES_MAX} keys`)
  for (const key of rules.mintAuthorities)
    if (!(key instanceof Uint8Array) || key.length !== 32) throw new LedgerRulesInvalidError('every mint authority must be a 32-byte Ed25519 public key')
  checkCostSchedule(rules.cost)
}

/** The mint authorities of `rules` as a set of hex keys, for quick lookups. */
export function mintAuthoritySet(rules: LedgerRules): ReadonlySet<string> {
  return new Set(rules.mintAuthorities.map(toHex))
}

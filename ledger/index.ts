/**
 * The ledger core: entries, rules, the state machine and its builders. Import from here.
 *
 * @example
 * import { Ledger, DEVNET_RULES, buildMint, devnetGrant } from './ledger/index.ts'
 */
export * from './amount.ts'
export * from './build-entry.ts'
export * from './constants.ts'
export * from './cost.ts'
export * from './entry.ts'
export * from './errors.ts'
export * from './fork-proof.ts'
export * from './grant.ts'
export * from './ledger.ts'
export * from './meter.ts'
export * from './rules.ts'
export * from './state-root.ts'
export * from './validate.ts'

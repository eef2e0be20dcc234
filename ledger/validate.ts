/**
 * The rules an entry must follow on its own, whatever the ledger holds: a valid signature, legs
 * that balance, no debit of an account the author does not own, the leg shape its action
 * requires, the exact metered cost, and a valid grant for value leaving a system account.
 * Everything that depends on the ledger's state (chain position, balances, grants already used,
 * receives) is checked by the {@link Ledger}.
 */
import { verifyEd25519 } from '../identity/ed25519.ts'
import { meteredCost } from './cost.ts'
import { isSystemAccount, toHex, type Account, type Grant, type Leg, type SignedEntry } from './entry.ts'
import {
  LedgerActionShapeError,
  LedgerCostMismatchError,
  LedgerGrantInvalidError,
  LedgerUnauthorizedSpendError,
  LedgerUnbalancedLegsError,
} from './errors.ts'
import type { GrantAuthorizer, SignatureVerifier } from './grant.ts'
import type { LedgerRules } from './rules.ts'

/**
 * True when `entry.sig` is the author's Ed25519 signature of `entry.id`. Pure; pass another
 * verifier (noble in a browser) to change the implementation, never the rules.
 *
 * @example
 * verifyEntrySignature(entry) // true
 */
export function verifyEntrySignature(entry: SignedEntry, verify: SignatureVerifier = verifyEd25519): boolean {
  return verify(entry.sig, entry.id, entry.body.author)
}

/** What the stateless rules need: the network's rules and who authorizes grants. */
export type EntryRulesContext = { readonly rules: LedgerRules; readonly authorizeGrant: GrantAuthorizer }

/**
 * Checks the rules that hold for an entry on its own. Throws the matching
 * {@link LedgerValidationError} subclass; returns nothing when the entry passes.
 *
 * @example
 * checkEntryRules(entry, { rules: DEVNET_RULES, authorizeGrant: createAuthorityGrantAuthorizer(DEVNET_RULES) })
 */
export function checkEntryRules(entry: SignedEntry, context: EntryRulesContext): void {
  const { body, authorHex } = entry
  checkLegsBalance(body.legs)
  checkDebitsAuthorized(entry)
  const { action, legs } = body
  switch (action.type) {
    case 'llm_inference':
    case 'tool_exec':
    case 'evolution_sim':
      return checkMeteredLegs(entry, meteredCost(action, context.rules.cost))
    case 'transfer':
      checkTwoLegs(action.type, legs, authorHex)
      if (legs[1]?.account === 'swarm:issuance') throw shape('transfer', 'value is never transferred to swarm:issuance (that is a burn)')
      return
    case 'dao_fee':
      checkTwoLegs(action.type, legs, authorHex)
      if (legs[1]?.account !== 'swarm:treasury') throw shape('dao_fee', 'the fee is paid to swarm:treasury')
      return
    case 'receive':
      if (legs.length !== 0) throw shape('receive', 'a receive carries no legs (its credit comes from the source entry)')
      return
    case 'mint':
      if (action.grant.from !== 'swarm:issuance') throw grantError('mint', 'a mint grant debits swarm:issuance')
      if (action.grant.to === 'swarm:issuance') throw grantError('mint', 'a mint grant credits an account other than swarm:issuance')
      return checkGrantUse(entry, action.grant, context)
    case 'burn':
      if (action.grant.to !== 'swarm:issuance') throw grantError('burn', 'a burn grant credits swarm:issuance')
      if (action.grant.from === 'swarm:issuance') throw grantError('burn', 'a burn grant debits an account other than swarm:issuance')
      return checkGrantUse(entry, action.grant, context)
    case 'bounty_payout':
      if (!isSystemAccount(action.grant.from) || action.grant.from === 'swarm:issuance')
        throw grantError('bounty_payout', 'a bounty is paid from a swarm pool (not swarm:issuance)')
      if (action.grant.to !== action.target) throw grantError('bounty_payout', 'the grant must pay the bounty target')
      if (action.target === 'swarm:issuance') throw grantError('bounty_payout', 'a bounty cannot be paid to swarm:issuance')
      return checkGrantUse(entry, action.grant, context)
  }
}

function checkLegsBalance(legs: readonly Leg[]): void {
  let ippc = 0n
  let iusd = 0n
  for (const leg of legs) {
    if (leg.currency === 'IPPC') ippc += leg.amount
    else iusd += leg.amount
  }
  if (ippc !== 0n) throw new LedgerUnbalancedLegsError({ currency: 'IPPC', sum: ippc })
  if (iusd !== 0n) throw new LedgerUnbalancedLegsError({ currency: 'IUSD', sum: iusd })
}

// A debit is authorized when the author owns the account, or when a grant action debits the
// system account its grant names (the grant itself is checked afterwards).
function checkDebitsAuthorized(entry: SignedEntry): void {
  const { action, legs } = entry.body
  const grantFrom = action.type === 'mint' || action.type === 'burn' || action.type === 'bounty_payout' ? action.grant.from : undefined
  for (const leg of legs) {
    if (leg.amount > 0n || leg.account === entry.authorHex) continue
    if (grantFrom !== undefined && leg.account === grantFrom && isSystemAccount(leg.account)) continue
    throw new LedgerUnauthorizedSpendError({ account: leg.account, author: entry.authorHex })
  }
}

function checkMeteredLegs(entry: SignedEntry, cost: bigint): void {
  const { legs, action } = entry.body
  const [debit, credit] = legs
  if (legs.length === 0) {
    if (cost !== 0n) throw new LedgerCostMismatchError({ actionType: action.type, expected: cost, actual: 0n })
    return
  }
  const payment = legs.length === 2 && debit !== undefined && credit !== undefined
  const payerIsAuthor = payment && debit.account === entry.authorHex && debit.currency === 'IPPC' && debit.amount < 0n
  const payeeIsPool = payment && credit.account === 'swarm:compute' && credit.currency === 'IPPC'
  if (!payerIsAuthor || !payeeIsPool)
    throw shape(action.type, 'a metered action pays exactly [author −cost IPPC, swarm:compute +cost IPPC]')
  if (-debit.amount !== cost) throw new LedgerCostMismatchError({ actionType: action.type, expected: cost, actual: -debit.amount })
}

function checkTwoLegs(actionType: string, legs: readonly Leg[], authorHex: string): void {
  const [debit, credit] = legs
  if (legs.length !== 2 || debit === undefined || credit === undefined) throw shape(actionType, 'it has exactly two legs: [author −x, payee +x]')
  if (debit.account !== authorHex || debit.amount >= 0n) throw shape(actionType, 'the first leg debits the author')
  if (credit.account === authorHex) throw shape(actionType, 'the payee is another account than the author')
  if (credit.currency !== debit.currency) throw shape(actionType, 'both legs are in one currency')
}

function checkGrantUse(entry: SignedEntry, grant: Grant, context: EntryRulesContext): void {
  const actionType = entry.body.action.type
  const refusal = context.authorizeGrant(grant)
  if (refusal !== undefined) throw grantError(actionType, refusal)
  if (toHex(grant.author) !== entry.authorHex) throw grantError(actionType, 'the grant names another author')
  if (!legsAre(entry.body.legs, grant.from, grant.to, grant)) throw grantError(actionType, `the legs must be exactly [${grant.from} −amount, ${grant.to} +amount] in the grant's currency`)
}

function legsAre(legs: readonly Leg[], from: Account, to: Account, grant: Grant): boolean {
  const [debit, credit] = legs
  return (
    legs.length === 2 &&
    debit !== undefined &&
    credit !== undefined &&
    debit.account === from &&
    debit.currency === grant.currency &&
    debit.amount === -grant.amount &&
    credit.account === to &&
    credit.currency === grant.currency &&
    credit.amount === grant.amount
  )
}

function shape(actionType: string, reason: string): LedgerActionShapeError {
  return new LedgerActionShapeError({ actionType, reason })
}

function grantError(actionType: string, reason: string): LedgerGrantInvalidError {
  return new LedgerGrantInvalidError({ actionType, reason })
}


/**
 * Every way the ledger refuses something, one class each. Code and tests tell them apart by
 * `name`; the CLI prints `shortMessage`, `details` and `hints`. Validation errors carry the facts
 * as typed fields, so a caller never parses a message.
 */
import { BaseError, type BaseErrorParameters } from '../common/base-error.ts'
import { formatAmount } from './amount.ts'
import type { ForkProof } from './fork-proof.ts'

/**
 * The root of every reason an entry is refused. A ledger that raises (or reports) one is unchanged:
 * the same state root as before.
 */
export class LedgerValidationError extends BaseError {
  override name = 'LedgerValidationError'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, parameters)
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding: the bytes themselves are wrong.

/** Bytes that are not a canonical entry of this version: wrong CBOR, wrong shape, out of range. */
export class EntryMalformedError extends LedgerValidationError {
  override name = 'EntryMalformedError'
  /** What is wrong, in a few words. */
  readonly reason: string
  constructor(reason: string, parameters: BaseErrorParameters = {}) {
    super(`Malformed ledger entry: ${reason}.`, {
      hints: ['The entry was not stored or applied; ask its author for a canonical encoding.'],
      ...parameters,
    })
    this.reason = reason
  }
}

/** An entry whose action type this version does not know (a newer node, or garbage). */
export class EntryUnknownActionError extends EntryMalformedError {
  override name = 'EntryUnknownActionError'
  readonly actionType: unknown
  constructor(actionType: unknown) {
    super(`unknown action type ${JSON.stringify(actionType) ?? String(actionType)}`, {
      hints: ['If a newer IPPOC version defines this action, upgrade this node; otherwise the entry is garbage.'],
    })
    this.actionType = actionType
  }
}

/** An entry encoded in a format version this node does not speak. */
export class EntryVersionUnsupportedError extends EntryMalformedError {
  override name = 'EntryVersionUnsupportedError'
  readonly version: unknown
  readonly supportedVersion: number
  constructor(version: unknown, supportedVersion: number) {
    super(`format version ${String(version)} is not supported (this node speaks version ${supportedVersion})`, {
      hints: ['Upgrade this node if the network has moved to a newer ledger format.'],
    })
    this.version = version
    this.supportedVersion = supportedVersion
  }
}

/** The signature does not verify against the entry's author and id. */
export class EntrySignatureInvalidError extends LedgerValidationError {
  override name = 'EntrySignatureInvalidError'
  readonly id: string
  readonly author: string
  constructor(parameters: { id: string; author: string }) {
    super('Entry signature is invalid.', {
      details: `entry ${parameters.id} claims author ${parameters.author}`,
      hints: ['The entry was not signed by its author: drop it and count it as evidence against the peer that sent it.'],
    })
    this.id = parameters.id
    this.author = parameters.author
  }
}

// ---------------------------------------------------------------------------------------------
// Rules that hold for an entry on its own (no ledger state needed).

/** The legs of one currency do not sum to zero. */
export class LedgerUnbalancedLegsError extends LedgerValidationError {
  override name = 'LedgerUnbalancedLegsError'
  readonly currency: string
  readonly sum: bigint
  constructor(parameters: { currency: string; sum: bigint }) {
    super(`Legs do not balance in ${parameters.currency}.`, {
      details: `the ${parameters.currency} legs sum to ${parameters.sum} base units instead of 0`,
      hints: ['Every entry is double entry: what leaves one account enters another.'],
    })
    this.currency = parameters.currency
    this.sum = parameters.sum
  }
}

/** A leg takes value out of an account its author does not own (and no grant covers it). */
export class LedgerUnauthorizedSpendError extends LedgerValidationError {
  override name = 'LedgerUnauthorizedSpendError'
  readonly account: string
  readonly author: string
  constructor(parameters: { account: string; author: string }) {
    super('Unauthorized spend: a leg debits an account the author does not own.', {
      details: `author ${parameters.author} debits ${parameters.account}`,
      hints: [
        'Only an account owner can move value out of a node account.',
        'System accounts are debited only by mint, burn or bounty_payout under a grant.',
      ],
    })
    this.account = parameters.account
    this.author = parameters.author
  }
}

/** The action's legs do not have the shape its type requires (transfer, dao_fee, receive, …). */
export class LedgerActionShapeError extends LedgerValidationError {
  override name = 'LedgerActionShapeError'
  readonly actionType: string
  readonly reason: string
  constructor(parameters: { actionType: string; reason: string }) {
    super(`Invalid ${parameters.actionType} entry: ${parameters.reason}.`)
    this.actionType = parameters.actionType
    this.reason = parameters.reason
  }
}

/** A metered action pays a different amount than the cost schedule says. */
export class LedgerCostMismatchError extends LedgerValidationError {
  override name = 'LedgerCostMismatchError'
  readonly expected: bigint
  readonly actual: bigint
  constructor(parameters: { actionType: string; expected: bigint; actual: bigint }) {
    super(`Cost mismatch for ${parameters.actionType}.`, {
      details: `the rules charge ${formatAmount(parameters.expected, 'IPPC')}, the entry pays ${formatAmount(parameters.actual, 'IPPC')}`,
      hints: ['Build metered entries with the metering API so the cost comes from the rules.'],
    })
    this.expected = parameters.expected
    this.actual = parameters.actual
  }
}

/** A cost computation would leave the range of a leg amount. */
export class LedgerCostOverflowError extends LedgerValidationError {
  override name = 'LedgerCostOverflowError'
  readonly cost: bigint
  constructor(parameters: { actionType: string; cost: bigint }) {
    super(`The cost of ${parameters.actionType} overflows a leg amount.`, {
      details: `${parameters.cost} base units is more than 2^63 − 1`,
    })
    this.cost = parameters.cost
  }
}

/** A mint, burn or bounty payout whose grant does not authorize it. */
export class LedgerGrantInvalidError extends LedgerValidationError {
  override name = 'LedgerGrantInvalidError'
  readonly actionType: string
  readonly reason: string
  constructor(parameters: { actionType: string; reason: string }) {
    super(`${parameters.actionType} is not authorized: ${parameters.reason}.`, {
      hints: ['Value leaves a system account only under a grant signed by a mint authority of this network.'],
    })
    this.actionType = parameters.actionType
    this.reason = parameters.reason
  }
}

// ---------------------------------------------------------------------------------------------
// Rules that depend on the ledger's state.

/** The same entry is already in the ledger. */
export class LedgerDuplicateEntryError extends LedgerValidationError {
  override name = 'LedgerDuplicateEntryError'
  readonly id: string
  constructor(parameters: { id: string }) {
    super('Entry is already in the ledger.', { details: `entry ${parameters.id}` })
    this.id = parameters.id
  }
}

/** The entry's seq is not the next one of its author's chain (entries are missing in between). */
export class LedgerSeqGapError extends LedgerValidationError {
  override name = 'LedgerSeqGapError'
  readonly author: string
  readonly seq: number
  readonly expectedSeq: number
  constructor(parameters: { author: string; seq: number; expectedSeq: number }) {
    super('Entry does not follow its author’s chain: entries are missing before it.', {
      details: `author ${parameters.author} is at seq ${parameters.expectedSeq - 1}, the entry has seq ${parameters.seq}`,
      hints: ['Apply the missing entries first, or use `add`, which keeps the entry pending until they arrive.'],
    })
    this.author = parameters.author
    this.seq = parameters.seq
    this.expectedSeq = parameters.expectedSeq
  }
}

/** The entry's prev is not the id of its author's entry at seq − 1. */
export class LedgerPrevMismatchError extends LedgerValidationError {
  override name = 'LedgerPrevMismatchError'
  readonly author: string
  readonly seq: number
  constructor(parameters: { author: string; seq: number }) {
    super('Entry does not link to its author’s previous entry.', {
      details: `author ${parameters.author}, seq ${parameters.seq}: prev is not the id of the entry at seq ${parameters.seq - 1}`,
      hints: ['The author has signed another history: if the other entry at that seq appears, it is a fork.'],
    })
    this.author = parameters.author
    this.seq = parameters.seq
  }
}

/** The entry follows an entry of its author that was refused: it can never count. */
export class LedgerPrevRefusedError extends LedgerValidationError {
  override name = 'LedgerPrevRefusedError'
  readonly author: string
  readonly seq: number
  constructor(parameters: { author: string; seq: number }) {
    super('Entry follows a refused entry of its author.', {
      details: `author ${parameters.author}: the entry at seq ${parameters.seq - 1} does not count, so nothing after it does`,
    })
    this.author = parameters.author
    this.seq = parameters.seq
  }
}

/** Two validly signed entries with the same author and seq: the author forked its chain. */
export class LedgerForkError extends LedgerValidationError {
  override name = 'LedgerForkError'
  readonly proof: ForkProof
  constructor(parameters: { proof: ForkProof; authorHex: string }) {
    super('Fork: the author signed two different entries with the same seq.', {
      details: `author ${parameters.authorHex}, seq ${parameters.proof.seq}`,
      hints: ['The pair is a self-contained proof of misbehaviour (verifyForkProof); the author’s chain is frozen before it.'],
    })
    this.proof = parameters.proof
  }
}

/** The author's chain is frozen by a fork: nothing at or after the fork counts. */
export class LedgerAuthorFrozenError extends LedgerValidationError {
  override name = 'LedgerAuthorFrozenError'
  readonly author: string
  readonly frozenFromSeq: number
  constructor(parameters: { author: string; frozenFromSeq: number }) {
    super('Author is frozen by a fork.', {
      details: `author ${parameters.author} forked at seq ${parameters.frozenFromSeq}; entries from that seq on never count`,
      hints: ['A node whose key forked must start over with a new identity.'],
    })
    this.author = parameters.author
    this.frozenFromSeq = parameters.frozenFromSeq
  }
}

/** A balance would go below zero. */
export class LedgerOverdraftError extends LedgerValidationError {
  override name = 'LedgerOverdraftError'
  readonly account: string
  readonly currency: string
  readonly balance: bigint
  readonly change: bigint
  constructor(parameters: { account: string; currency: string; balance: bigint; change: bigint }) {
    const { account, currency, balance, change } = parameters
    super(`Overdraft: ${account} cannot pay ${formatAmount(-change, currency)}.`, {
      details: `balance ${formatAmount(balance, currency)}, the entry changes it by ${formatAmount(change, currency)}`,
      hints: [
        account.startsWith('swarm:')
          ? 'A swarm pool pays only what it holds: governance must fund it before granting more.'
          : 'Receive pending credits first (they count once the receiving chain acknowledges them).',
      ],
    })
    this.account = account
    this.currency = currency
    this.balance = balance
    this.change = change
  }
}

/** A balance would leave ±(2^127 − 1), the range DuckDB's HUGEINT stores. */
export class LedgerBalanceOverflowError extends LedgerValidationError {
  override name = 'LedgerBalanceOverflowError'
  readonly account: string
  readonly currency: string
  constructor(parameters: { account: string; currency: string }) {
    super(`Balance overflow on ${parameters.account} (${parameters.currency}).`, {
      details: 'balances stay within ±(2^127 − 1) base units',
    })
    this.account = parameters.account
    this.currency = parameters.currency
  }
}

/** A grant that its author has already used once. */
export class LedgerGrantReusedError extends LedgerValidationError {
  override name = 'LedgerGrantReusedError'
  readonly grantId: string
  constructor(parameters: { grantId: string; proposal: string }) {
    super('Grant already used.', {
      details: `grant ${parameters.grantId} (proposal ${JSON.stringify(parameters.proposal)})`,
      hints: ['A grant authorizes one entry, once; ask governance for a new grant.'],
    })
    this.grantId = parameters.grantId
  }
}

/** A receive that does not acknowledge a credit to its author. */
export class LedgerReceiveInvalidError extends LedgerValidationError {
  override name = 'LedgerReceiveInvalidError'
  readonly source: string
  readonly reason: string
  constructor(parameters: { source: string; reason: string }) {
    super(`Invalid receive: ${parameters.reason}.`, { details: `source ${parameters.source}` })
    this.source = parameters.source
    this.reason = parameters.reason
  }
}

/** The ledger holds as many waiting entries as its limit allows. */
export class LedgerPendingLimitError extends LedgerValidationError {
  override name = 'LedgerPendingLimitError'
  readonly limit: number
  constructor(parameters: { limit: number; scope: string }) {
    super(`Too many pending entries (${parameters.scope}).`, {
      details: `the limit is ${parameters.limit}`,
      hints: ['Offer the entries again once the entries they wait for have arrived.'],
    })
    this.limit = parameters.limit
  }
}

// ---------------------------------------------------------------------------------------------
// Local use of the ledger (building entries, metering). Not validation of someone's entry.

/** The author cannot extend its chain: its next position is taken by an entry that does not count. */
export class LedgerChainBlockedError extends BaseError {
  override name = 'LedgerChainBlockedError'
  readonly author: string
  readonly seq: number
  constructor(parameters: { author: string; seq: number; reason: string }) {
    super('This author cannot append: its chain is blocked.', {
      details: `author ${parameters.author}, seq ${parameters.seq}: ${parameters.reason}`,
      hints: ['Signing another entry at this seq would be a fork; the node needs a new identity.'],
    })
    this.author = parameters.author
    this.seq = parameters.seq
  }
}

/** Ledger rules that cannot be used: out-of-range cost factors, bad authority keys. */
export class LedgerRulesInvalidError extends BaseError {
  override name = 'LedgerRulesInvalidError'
  constructor(reason: string) {
    super(`Invalid ledger rules: ${reason}.`)
  }
}

/** The author cannot pay for the action: it is refused before it runs. */
export class InsufficientFundsError extends BaseError {
  override name = 'InsufficientFundsError'
  readonly account: string
  readonly balance: bigint
  readonly reserved: bigint
  readonly cost: bigint
  constructor(parameters: { account: string; balance: bigint; reserved: bigint; cost: bigint }) {
    const { account, balance, reserved, cost } = parameters
    super(`Insufficient funds: this action costs ${formatAmount(cost, 'IPPC')}.`, {
      details: `${account} has ${formatAmount(balance, 'IPPC')}${reserved > 0n ? `, ${formatAmount(reserved, 'IPPC')} of it reserved by running actions` : ''}`,
      hints: [
        'The action was not run. Switch to worker mode and earn IPPC by taking bounties.',
        'Receive pending credits (they count once this node’s chain acknowledges them).',
      ],
    })
    this.account = account
    this.balance = balance
    this.reserved = reserved
    this.cost = cost
  }
}

/** A metered action used more than it reserved. */
export class MeterEstimateExceededError extends BaseError {
  override name = 'MeterEstimateExceededError'
  readonly estimate: bigint
  readonly actual: bigint
  constructor(parameters: { estimate: bigint; actual: bigint }) {
    super('The action cost more than its reservation.', {
      details: `reserved ${formatAmount(parameters.estimate, 'IPPC')}, actual ${formatAmount(parameters.actual, 'IPPC')}`,
      hints: ['Enforce the reserved limit (tokens, time) in the runner, or reserve a larger estimate.'],
    })
    this.estimate = parameters.estimate
    this.actual = parameters.actual
  }
}

/** A permit settled or released twice. */
export class MeterPermitClosedError extends BaseError {
  override name = 'MeterPermitClosedError'
  constructor() {
    super('This metering permit is already settled or released.')
  }
}

/**
 * The ledger: the rules of §2 as a deterministic state machine. Entries come in through `append`
 * (this node's own, strict: it throws) or `add` (from anywhere, in any order: it returns a
 * verdict). Balances and the state root are a pure function of the set of entries seen, whatever
 * order they arrived in (see ledger-state.ts for the exact definition).
 */
import { verifyEd25519 } from '../identity/ed25519.ts'
import { EVIDENCE_ENTRIES_MAX, PENDING_ENTRIES_MAX, PENDING_ENTRIES_PER_AUTHOR_MAX } from './constants.ts'
import { decodeSignedEntry, type Currency, type SignedEntry } from './entry.ts'
import {
  EntryMalformedError,
  EntrySignatureInvalidError,
  LedgerAuthorFrozenError,
  LedgerChainBlockedError,
  LedgerDuplicateEntryError,
  LedgerForkError,
  LedgerOverdraftError,
  LedgerPendingLimitError,
  LedgerReceiveInvalidError,
  LedgerSeqGapError,
  LedgerValidationError,
} from './errors.ts'
import { createForkProof, type ForkProof } from './fork-proof.ts'
import { createAuthorityGrantAuthorizer, type GrantAuthorizer, type SignatureVerifier } from './grant.ts'
import { computeState, LedgerState, pooledDebit, type EntryRecord, type EntryStatus, type InTransitCredit } from './ledger-state.ts'
import { checkLedgerRules, type LedgerRules } from './rules.ts'
import { balancesHash, combineStateRoot, compareBalanceLines, leafHash, merkleRootOfLeaves, type BalanceLine } from './state-root.ts'
import { checkEntryRules, type EntryRulesContext } from './validate.ts'

export type { EntryStatus, InTransitCredit } from './ledger-state.ts'
export type { BalanceLine } from './state-root.ts'

/** What `add` did with an entry. */
export type AddVerdict =
  /** The entry counts now, with the pending entries it unblocked (in the order they were applied). */
  | { readonly status: 'applied'; readonly applied: readonly SignedEntry[] }
  /** The entry waits for `waitingFor`: the id hex of its prev or receive source, or `funds:<pool>`. */
  | { readonly status: 'pending'; readonly waitingFor: string }
  | { readonly status: 'duplicate' }
  /** The entry breaks a rule; it does not count (and never will). */
  | { readonly status: 'rejected'; readonly error: LedgerValidationError }
  /** The entry conflicts with another entry of its author at the same seq. */
  | { readonly status: 'fork'; readonly proof: ForkProof }

/** Options of `append` and `add`. */
export type ApplyOptions = {
  /** The caller has verified the signature (it just signed the entry, or read it from its own verified store). */
  readonly signatureVerified?: boolean | undefined
}

/** Parameters of {@link Ledger}. */
export type LedgerParameters = {
  readonly rules: LedgerRules
  /** Ed25519 verification; node:crypto by default. */
  readonly verifySignature?: SignatureVerifier | undefined
  /** Who authorizes grants; the rules' mint authorities by default (an on-chain authorizer later). */
  readonly authorizeGrant?: GrantAuthorizer | undefined
}

/** Where a known entry stands, with the reason when it does not count. */
export type EntryStanding = {
  readonly status: EntryStatus
  readonly waitingFor?: string | undefined
  readonly error?: LedgerValidationError | undefined
}

/**
 * A node's view of the swarm ledger.
 *
 * @example
 * const ledger = new Ledger({ rules: DEVNET_RULES })
 * ledger.append(buildMint(ledger, alice, { grant }), { signatureVerified: true })
 * ledger.balance(aliceHex, 'IPPC') // the granted amount
 * ledger.add(entryFromPeer) // { status: 'applied', applied: [...] } | { status: 'pending', ... } | ...
 */
export class Ledger {
  readonly rules: LedgerRules
  readonly #verify: SignatureVerifier
  readonly #context: EntryRulesContext
  #state: LedgerState
  // Caches are keyed by the state object and its version: a recompute swaps in a new state.
  #rootCache: { state: LedgerState; version: number; root: Uint8Array } | undefined
  #balancesCache: { state: LedgerState; version: number; lines: readonly BalanceLine[] } | undefined
  #revision = { state: undefined as LedgerState | undefined, version: -1, count: 0 }

  constructor(parameters: LedgerParameters) {
    checkLedgerRules(parameters.rules)
    this.rules = parameters.rules
    this.#verify = parameters.verifySignature ?? verifyEd25519
    this.#context = { rules: parameters.rules, authorizeGrant: parameters.authorizeGrant ?? createAuthorityGrantAuthorizer(parameters.rules, this.#verify) }
    this.#state = new LedgerState({ checkPools: true, hold: new Set() })
  }

  /**
   * Validates and applies an entry authored on this node. Throws the typed error and leaves the
   * ledger unchanged. Strict: the entry must extend its author's chain right now (no gaps, a
   * receive's source already applied). Skips the signature check when `signatureVerified`.
   *
   * @example
   * ledger.append(signEntry(body, identity), { signatureVerified: true })
   */
  append(entry: SignedEntry, options: ApplyOptions = {}): void {
    const state = this.#state
    if (state.records.has(entry.idHex)) throw new LedgerDuplicateEntryError({ id: entry.idHex })
    this.#checkStateless(entry, options)
    const author = state.peekChain(entry.authorHex)
    const seq = entry.body.seq
    if (author.frozenFromSeq !== undefined && seq >= author.frozenFromSeq)
      throw new LedgerAuthorFrozenError({ author: entry.authorHex, frozenFromSeq: author.frozenFromSeq })
    const occupant = state.occupant(author, seq)
    if (occupant !== undefined) throw new LedgerForkError({ proof: createForkProof(occupant.entry, entry), authorHex: entry.authorHex })
    if (seq > author.chain.length) throw new LedgerSeqGapError({ author: entry.authorHex, seq, expectedSeq: author.chain.length })
    const record = newRecord(entry)
    const evaluation = state.evaluate(record)
    switch (evaluation.kind) {
      case 'pending':
        throw new LedgerReceiveInvalidError({ source: evaluation.waitingFor, reason: 'the source entry is not in the ledger yet' })
      case 'dead':
      case 'frozen':
        throw evaluation.error
      case 'held':
      case 'recompute':
        return this.#appendByRecompute(entry)
      case 'count':
        break
    }
    if (state.hold.size > 0) return this.#appendByRecompute(entry)
    state.countedLog = []
    state.insert(record)
    const queue: EntryRecord[] = []
    state.resolve(record, evaluation, queue)
    state.run(queue)
    if (state.needsRecompute) this.#recompute()
  }

  /**
   * Adds an entry from anywhere (network, disk, import), in any order. Never throws for bad input:
   * the verdict says whether it counts now, waits, was refused or proves a fork.
   *
   * @example
   * const verdict = ledger.add(decodeSignedEntry(raw, sig))
   * if (verdict.status === 'rejected') console.log(verdict.error.name)
   */
  add(entry: SignedEntry, options: ApplyOptions = {}): AddVerdict {
    try {
      if (!isSignedEntryShape(entry)) return rejected(new EntryMalformedError('not a decoded signed entry'))
      if (this.#state.records.has(entry.idHex)) return { status: 'duplicate' }
      this.#checkStateless(entry, options)
      return this.#admit(entry)
    } catch (error) {
      if (error instanceof LedgerValidationError) return rejected(error)
      // `add` never throws for bad input: an object that only looks like an entry ends up here.
      return rejected(new EntryMalformedError('the entry could not be validated', { cause: error }))
    }
  }

  /**
   * Decodes canonical bytes and a signature, then {@link Ledger.add}s the entry. Never throws:
   * malformed bytes are a `rejected` verdict.
   *
   * @example
   * ledger.addRaw(message.raw, message.sig) // straight from the network
   */
  addRaw(raw: Uint8Array, sig: Uint8Array, options: ApplyOptions = {}): AddVerdict {
    let entry: SignedEntry
    try {
      entry = decodeSignedEntry(raw, sig)
    } catch (error) {
      if (error instanceof LedgerValidationError) return rejected(error)
      return rejected(new EntryMalformedError('the bytes could not be decoded', { cause: error }))
    }
    return this.add(entry, options)
  }

  /** The last counted entry of an author (64-hex key), or undefined before its first. */
  head(author: string): { readonly seq: number; readonly id: Uint8Array } | undefined {
    const chain = this.#state.authors.get(author)?.chain
    const last = chain?.[chain.length - 1]
    return last === undefined ? undefined : { seq: last.entry.body.seq, id: last.entry.id }
  }

  /**
   * Where the author's next entry goes: its seq and prev. Throws {@link LedgerChainBlockedError}
   * when signing one would be a fork (the author is frozen, or an entry that does not count sits
   * at that seq).
   */
  nextPosition(author: string): { readonly seq: number; readonly prev: Uint8Array | null } {
    const chain = this.#state.authors.get(author)
    const seq = chain?.chain.length ?? 0
    if (chain?.frozenFromSeq !== undefined && seq >= chain.frozenFromSeq)
      throw new LedgerChainBlockedError({ author, seq, reason: `the author forked at seq ${chain.frozenFromSeq}` })
    const occupant = chain?.others.get(seq)
    if (occupant !== undefined) throw new LedgerChainBlockedError({ author, seq, reason: `entry ${occupant.entry.idHex} (${occupant.status}) is already there` })
    const last = chain?.chain[seq - 1]
    return { seq, prev: last === undefined ? null : last.entry.id }
  }

  /** The counted balance of an account, in base units. */
  balance(account: string, currency: Currency): bigint {
    return this.#state.balance(account, currency)
  }

  /** Every non-zero balance, sorted by account, then currency. */
  balances(): readonly BalanceLine[] {
    const state = this.#state
    if (this.#balancesCache?.state !== state || this.#balancesCache.version !== state.version) {
      const lines: BalanceLine[] = []
      for (const currency of ['IPPC', 'IUSD'] as const)
        for (const [account, amount] of state.balances[currency]) lines.push({ account, currency, amount })
      this.#balancesCache = { state, version: state.version, lines: Object.freeze(lines.sort(compareBalanceLines)) }
    }
    return this.#balancesCache.lines
  }

  /** Credits to other nodes that their chains have not received yet, sorted by source, then account. */
  inTransit(): readonly InTransitCredit[] {
    const credits = [...this.#state.transit.values()].flat()
    return credits.sort((a, b) => (a.source !== b.source ? (a.source < b.source ? -1 : 1) : a.to < b.to ? -1 : a.to > b.to ? 1 : 0))
  }

  /** Credits waiting for `account`'s receive, oldest source first by id. */
  inTransitTo(account: string): readonly InTransitCredit[] {
    return this.inTransit().filter((credit) => credit.to === account)
  }

  /** Total supply of a currency: what swarm:issuance has issued, net of burns. */
  supply(currency: Currency): bigint {
    return -this.#state.balance('swarm:issuance', currency)
  }

  /**
   * A number that changes whenever the counted entries (and so the state root) may have changed,
   * without computing the root: what a caller polls to learn the root's age cheaply.
   */
  get revision(): number {
    const state = this.#state
    const seen = this.#revision
    if (seen.state !== state || seen.version !== state.version) this.#revision = { state, version: state.version, count: seen.count + 1 }
    return this.#revision.count
  }

  /** The state root (see state-root.ts): equal roots mean no divergence. */
  stateRoot(): Uint8Array {
    const state = this.#state
    if (this.#rootCache?.state !== state || this.#rootCache.version !== state.version) {
      const leaves: Uint8Array[] = []
      for (const author of [...state.authors.keys()].sort())
        for (const record of state.authors.get(author)?.chain ?? []) leaves.push((record.leaf ??= leafHash(record.entry.id)))
      this.#rootCache = { state, version: state.version, root: combineStateRoot(merkleRootOfLeaves(leaves), balancesHash(this.balances())) }
    }
    return this.#rootCache.root.slice()
  }

  /** Counted entries in (author hex, seq) order. */
  *entries(): Iterable<SignedEntry> {
    const authors = [...this.#state.authors.keys()].sort()
    for (const author of authors) for (const record of this.#state.authors.get(author)?.chain ?? []) yield record.entry
  }

  /** Every entry the ledger keeps, counted or not (pending, held, refused evidence, frozen), by id. */
  knownEntries(): Iterable<SignedEntry> {
    return [...this.#state.records.values()].map((record) => record.entry)
  }

  /** Where a known entry stands (by id hex), or undefined for an unknown one. */
  standing(idHex: string): EntryStanding | undefined {
    const record = this.#state.records.get(idHex)
    return record === undefined ? undefined : { status: record.status, waitingFor: record.waitingFor, error: record.error }
  }

  /** One proof per forked author (its lowest fork), sorted by author. */
  forkProofs(): readonly ForkProof[] {
    return [...this.#state.forkProofs.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, proof]) => proof)
  }

  /** Entries waiting for an entry they reference. */
  get pendingCount(): number {
    return this.#state.pendingTotal
  }

  /** Entries waiting for a system pool to be funded (an over-granted pool; see ledger-state.ts). */
  get heldCount(): number {
    return this.#state.heldTotal
  }

  // -------------------------------------------------------------------------------------------

  #checkStateless(entry: SignedEntry, options: ApplyOptions): void {
    if (options.signatureVerified !== true && !this.#verify(entry.sig, entry.id, entry.body.author))
      throw new EntrySignatureInvalidError({ id: entry.idHex, author: entry.authorHex })
    checkEntryRules(entry, this.#context)
  }

  #admit(entry: SignedEntry): AddVerdict {
    const state = this.#state
    const author = state.peekChain(entry.authorHex)
    const seq = entry.body.seq
    const occupant = state.occupant(author, seq)
    if (occupant !== undefined) return this.#fork(occupant.entry, entry)
    if (author.frozenFromSeq !== undefined && seq >= author.frozenFromSeq) {
      const error = new LedgerAuthorFrozenError({ author: entry.authorHex, frozenFromSeq: author.frozenFromSeq })
      if (state.evidenceTotal < EVIDENCE_ENTRIES_MAX) this.#keepEvidence(entry, 'frozen', error)
      return rejected(error)
    }
    const record = newRecord(entry)
    const evaluation = state.evaluate(record)
    const refusal = this.#limitRefusal(evaluation.kind, author.pending)
    if (refusal !== undefined) return rejected(refusal)
    state.countedLog = []
    if (state.hold.size > 0) {
      // An over-granted pool: who waits for it is decided on totals, so every entry recomputes.
      state.insert(record)
      return this.#recomputeAndJudge(entry)
    }
    state.insert(record)
    const queue: EntryRecord[] = []
    state.resolve(record, evaluation, queue)
    // A new entry may complete the prev link of a waiting one (or show it a mismatch).
    const next = state.chainOf(entry.authorHex).others.get(seq + 1)
    if (next !== undefined && next.status === 'pending') queue.push(next)
    state.run(queue)
    if (state.needsRecompute) return this.#recomputeAndJudge(entry)
    return this.#verdictFor(record, state.countedLog)
  }

  #limitRefusal(kind: string, authorPending: number): LedgerValidationError | undefined {
    const state = this.#state
    if (kind === 'pending' && state.pendingTotal >= PENDING_ENTRIES_MAX) return new LedgerPendingLimitError({ limit: PENDING_ENTRIES_MAX, scope: 'all authors' })
    if (kind === 'pending' && authorPending >= PENDING_ENTRIES_PER_AUTHOR_MAX)
      return new LedgerPendingLimitError({ limit: PENDING_ENTRIES_PER_AUTHOR_MAX, scope: 'one author' })
    if ((kind === 'dead' || kind === 'frozen') && state.evidenceTotal >= EVIDENCE_ENTRIES_MAX)
      return new LedgerPendingLimitError({ limit: EVIDENCE_ENTRIES_MAX, scope: 'refused entries kept as evidence' })
    return undefined
  }

  #fork(existing: SignedEntry, entry: SignedEntry): AddVerdict {
    const state = this.#state
    const author = state.chainOf(entry.authorHex)
    const seq = entry.body.seq
    const proof = createForkProof(existing, entry)
    if (author.frozenFromSeq !== undefined && author.frozenFromSeq <= seq) {
      // Already frozen at or before this seq: one more proof changes nothing.
      const error = new LedgerAuthorFrozenError({ author: entry.authorHex, frozenFromSeq: author.frozenFromSeq })
      if (state.evidenceTotal < EVIDENCE_ENTRIES_MAX) this.#keepEvidence(entry, 'frozen', error)
      return rejected(error)
    }
    if (state.evidenceTotal >= EVIDENCE_ENTRIES_MAX) return rejected(new LedgerPendingLimitError({ limit: EVIDENCE_ENTRIES_MAX, scope: 'refused entries kept as evidence' }))
    state.forkProofs.set(entry.authorHex, proof)
    author.frozenFromSeq = seq
    const cheap = author.chain.length <= seq && state.hold.size === 0
    if (cheap) {
      this.#keepEvidence(entry, 'frozen', new LedgerAuthorFrozenError({ author: entry.authorHex, frozenFromSeq: seq }))
      this.#freezeIncrementally(author.authorHex, seq)
    } else {
      state.records.set(entry.idHex, { ...newRecord(entry), status: 'frozen' })
      this.#recompute()
    }
    return { status: 'fork', proof }
  }

  // Nothing of the author at or after `seq` counted yet: mark those entries frozen and settle what
  // waited for them (receives of them become void), without a full recompute.
  #freezeIncrementally(authorHex: string, seq: number): void {
    const state = this.#state
    const author = state.chainOf(authorHex)
    const queue: EntryRecord[] = []
    const error = new LedgerAuthorFrozenError({ author: authorHex, frozenFromSeq: seq })
    for (const [otherSeq, record] of author.others) {
      if (otherSeq < seq || record.status === 'frozen') continue
      state.setStatus(record, 'frozen')
      record.error = error
      state.queueDependents(record, queue)
    }
    state.run(queue)
    if (state.needsRecompute) this.#recompute()
  }

  // Keeps a validly signed entry that never counts (not at a chain position: that one is taken),
  // and settles the receives that waited for it: they are void now.
  #keepEvidence(entry: SignedEntry, status: 'frozen' | 'dead', error: LedgerValidationError): void {
    const state = this.#state
    const record: EntryRecord = { ...newRecord(entry), status, error }
    state.records.set(entry.idHex, record)
    state.evidenceTotal++
    // While a payout is held, who waits for a pool is decided on totals (as in #admit): what this
    // settles (a receive of this entry, now void, and the chain behind it) may fund the pool.
    if (state.hold.size > 0) return this.#recompute()
    const queue: EntryRecord[] = []
    const waiting = state.waiters.get(entry.idHex)
    if (waiting !== undefined) {
      state.waiters.delete(entry.idHex)
      for (const waiter of waiting) {
        waiter.listedUnder = undefined
        queue.push(waiter)
      }
    }
    state.run(queue)
    if (state.needsRecompute) this.#recompute()
  }

  #recompute(): void {
    const entries = [...this.#state.records.values()].map((record) => record.entry)
    this.#state = computeState(entries, this.#state.forkProofs)
  }

  #recomputeAndJudge(entry: SignedEntry): AddVerdict {
    const before = this.#state
    // Entries this call already counted before the recompute was called for are news too.
    const countedByThisCall = new Set(before.countedLog.map((counted) => counted.idHex))
    const countedBefore = new Set<string>()
    for (const author of before.authors.values())
      for (const record of author.chain) if (!countedByThisCall.has(record.entry.idHex)) countedBefore.add(record.entry.idHex)
    this.#recompute()
    const applied: SignedEntry[] = []
    for (const entryNow of this.entries()) if (!countedBefore.has(entryNow.idHex)) applied.push(entryNow)
    const record = this.#state.records.get(entry.idHex) as EntryRecord
    return this.#verdictFor(record, applied)
  }

  #appendByRecompute(entry: SignedEntry): void {
    const entries = [...this.#state.records.values()].map((record) => record.entry)
    const tentative = computeState([...entries, entry], this.#state.forkProofs)
    const record = tentative.records.get(entry.idHex) as EntryRecord
    if (record.status === 'counted') {
      this.#state = tentative
      return
    }
    if (record.error !== undefined) throw record.error
    const debit = pooledDebit(entry)
    const pool = debit?.pool ?? record.waitingFor ?? 'swarm:bounty'
    const currency = debit?.currency ?? 'IPPC'
    const grantAmount = 'grant' in entry.body.action ? entry.body.action.grant.amount : 0n
    throw new LedgerOverdraftError({ account: pool, currency, balance: this.#state.balance(pool, currency), change: -grantAmount })
  }

  #verdictFor(record: EntryRecord, applied: readonly SignedEntry[]): AddVerdict {
    switch (record.status) {
      case 'counted':
        return { status: 'applied', applied: [...applied] }
      case 'pending':
        return { status: 'pending', waitingFor: record.waitingFor ?? '' }
      case 'held':
        return { status: 'pending', waitingFor: `funds:${record.waitingFor ?? ''}` }
      case 'dead':
      case 'frozen':
        return rejected(record.error as LedgerValidationError)
    }
  }
}

function newRecord(entry: SignedEntry): EntryRecord {
  return { entry, status: 'pending', waitingFor: undefined, error: undefined, listedUnder: undefined, leaf: undefined }
}

function rejected(error: LedgerValidationError): AddVerdict {
  return { status: 'rejected', error }
}

function isSignedEntryShape(entry: SignedEntry): boolean {
  return (
    typeof entry === 'object' &&
    entry !== null &&
    typeof entry.body === 'object' &&
    entry.body !== null &&
    entry.raw instanceof Uint8Array &&
    entry.id instanceof Uint8Array &&
    entry.id.length === 32 &&
    entry.sig instanceof Uint8Array &&
    typeof entry.idHex === 'string' &&
    typeof entry.authorHex === 'string' &&
    entry.body.author instanceof Uint8Array &&
    entry.body.author.length === 32 &&
    Array.isArray(entry.body.legs)
  )
}


/**
 * The ledger's state machine: every known entry with its status, every author's chain, balances
 * and credits in transit. {@link Ledger} drives it; nothing else should.
 *
 * The state is defined as a pure function of the set of known entries, F(E):
 * - Forks first: an author with two entries at one seq is frozen from the lowest such seq; none of
 *   its entries from there on count.
 * - An entry counts once its prev counts and, for a receive, its source is settled (counted, or
 *   known never to count); an entry whose prev never counts never counts either.
 * - A receive of a source that counts credits the receiver; of a settled source that does not
 *   count (frozen, refused, held), it is valid but void and credits 0.
 * - Chain-local rules (overdraft of the author's own account, grant used once, receive once)
 *   are checked in chain order, so they do not depend on arrival order.
 * - System pools (every system account but swarm:issuance) may not go below zero. Pools are shared
 *   by all authors, so coverage is decided on totals: all entries are evaluated without pool checks;
 *   while some pool is negative, its counted debit with the largest (author hex, seq) is held (does
 *   not count) and everything is evaluated again. Held entries count again once the pool is funded.
 *
 * Evaluating entries one by one as they arrive (with pool checks on) gives exactly F(E) as long
 * as no fork appears, no pool falls short and nothing is held: per-author rules are checked in
 * chain order whatever the arrival order, and pools that never go negative on the way end at the
 * same non-negative totals. Otherwise the ledger recomputes F(E) from all known entries
 * (`computeState`): once per fork (unless nothing of the forked author at or after the fork
 * counted yet, then the freeze is applied in place), and on every entry while some payout is held
 * (an over-granted pool is a governance failure; the ledger stays exact, only slower, until the
 * pool is funded).
 *
 * Known limits: F(E) is over the entries a node kept. The pending and evidence pools are bounded
 * (constants.ts); a node past a bound refuses new entries there, and two nodes that refused
 * different ones may differ until the entries are offered again. Entries refused by stateless
 * rules (bad signature, shape, cost, grant) are never kept: no honest node counts them anyway.
 */
import { BALANCE_ABS_MAX } from './constants.ts'
import { equalBytes, isSystemAccount, toHex, type Currency, type SignedEntry } from './entry.ts'
import {
  LedgerAuthorFrozenError,
  LedgerBalanceOverflowError,
  LedgerGrantReusedError,
  LedgerOverdraftError,
  LedgerPrevMismatchError,
  LedgerPrevRefusedError,
  LedgerReceiveInvalidError,
  type LedgerValidationError,
} from './errors.ts'
import type { ForkProof } from './fork-proof.ts'
import { grantId } from './grant.ts'

/**
 * Where an entry stands: `counted` (in the state), `pending` (waits for an entry it references),
 * `held` (waits for a system pool to be funded), `dead` (refused by a rule that depends on the
 * state; kept as evidence), `frozen` (at or after its author's fork).
 */
export type EntryStatus = 'counted' | 'pending' | 'held' | 'dead' | 'frozen'

/** A known entry and its status. */
export type EntryRecord = {
  readonly entry: SignedEntry
  status: EntryStatus
  /** pending: id hex of the entry waited for; held: the pool waited for. */
  waitingFor: string | undefined
  /** dead or frozen: why. */
  error: LedgerValidationError | undefined
  /** The source id hex whose waiter list holds this record (receives only). */
  listedUnder: string | undefined
  /** Merkle leaf hash of the id, once the state root needed it. */
  leaf: Uint8Array | undefined
}

/** One author's chain: counted entries by seq, then everything else known of that author. */
export type AuthorChain = {
  readonly authorHex: string
  /** Counted entries; index = seq. */
  readonly chain: EntryRecord[]
  /** Entries at seq ≥ chain.length (pending, held, dead, frozen), the first seen at each seq. */
  readonly others: Map<number, EntryRecord>
  frozenFromSeq: number | undefined
  readonly grantsUsed: Set<string>
  readonly received: Set<string>
  pending: number
}

/** A credit to another node's account, not counted until that node's chain receives it. */
export type InTransitCredit = { readonly source: string; readonly to: string; readonly currency: Currency; readonly amount: bigint }

type BalanceChange = { readonly account: string; readonly currency: Currency; amount: bigint }

type Effects = {
  readonly changes: readonly BalanceChange[]
  readonly transit: readonly InTransitCredit[]
  readonly receivedSource: string | undefined
  readonly receiveCounts: boolean
  readonly grant: string | undefined
}

/** What evaluating an entry against the state decided. */
export type Evaluation =
  | { readonly kind: 'count'; readonly effects: Effects }
  | { readonly kind: 'pending'; readonly waitingFor: string; readonly onSource: boolean }
  | { readonly kind: 'held'; readonly pool: string }
  | { readonly kind: 'dead'; readonly error: LedgerValidationError }
  | { readonly kind: 'frozen'; readonly error: LedgerValidationError }
  | { readonly kind: 'recompute' }

const RECOMPUTE: Evaluation = { kind: 'recompute' }

/** The account a grant action takes value from, if it debits a system pool. */
export function pooledDebit(entry: SignedEntry): { pool: string; currency: Currency } | undefined {
  const { action } = entry.body
  if (action.type !== 'mint' && action.type !== 'burn' && action.type !== 'bounty_payout') return undefined
  const { from, currency } = action.grant
  return isSystemAccount(from) && from !== 'swarm:issuance' ? { pool: from, currency } : undefined
}

/** The mutable state. One instance is current; a recompute builds a new one and swaps it in. */
export class LedgerState {
  readonly records = new Map<string, EntryRecord>()
  readonly authors = new Map<string, AuthorChain>()
  readonly balances: Record<Currency, Map<string, bigint>> = { IPPC: new Map(), IUSD: new Map() }
  readonly transit = new Map<string, InTransitCredit[]>()
  readonly forkProofs = new Map<string, ForkProof>()
  /** Receives waiting for a source, by source id hex. */
  readonly waiters = new Map<string, EntryRecord[]>()
  pendingTotal = 0
  evidenceTotal = 0
  heldTotal = 0
  /** Entries counted since the log was last cleared, in order. */
  countedLog: SignedEntry[] = []
  /** Bumped by every change to the counted entries or balances (cache key). */
  version = 0
  /** Set when incremental evaluation met a case only a recompute decides. */
  needsRecompute = false
  /** Pool checks on (incremental) or off (inside a recompute, where totals decide). */
  checkPools: boolean
  /** Entries held for pool funds by the last recompute. */
  readonly hold: ReadonlySet<string>

  constructor(options: { checkPools: boolean; hold: ReadonlySet<string> }) {
    this.checkPools = options.checkPools
    this.hold = options.hold
  }

  chainOf(authorHex: string): AuthorChain {
    let author = this.authors.get(authorHex)
    if (author === undefined) {
      author = emptyChain(authorHex)
      this.authors.set(authorHex, author)
    }
    return author
  }

  /**
   * The chain of an author, without creating one: checking an entry that is then refused must
   * not leave anything behind (not even an empty chain for a made-up key).
   */
  peekChain(authorHex: string): AuthorChain {
    return this.authors.get(authorHex) ?? emptyChain(authorHex)
  }

  /** The record at (author, seq): the counted one, or the first other one seen. */
  occupant(author: AuthorChain, seq: number): EntryRecord | undefined {
    return seq < author.chain.length ? author.chain[seq] : author.others.get(seq)
  }

  balance(account: string, currency: Currency): bigint {
    return this.balances[currency].get(account) ?? 0n
  }

  /** Decides what `record` (pending, at a free position) would become now. Changes nothing. */
  evaluate(record: EntryRecord): Evaluation {
    const { entry } = record
    const { body, authorHex, idHex } = entry
    const author = this.peekChain(authorHex)
    const seq = body.seq
    if (author.frozenFromSeq !== undefined && seq >= author.frozenFromSeq)
      return { kind: 'frozen', error: new LedgerAuthorFrozenError({ author: authorHex, frozenFromSeq: author.frozenFromSeq }) }
    if (body.prev !== null) {
      const prev = this.occupant(author, seq - 1)
      if (prev === undefined) return { kind: 'pending', waitingFor: toHex(body.prev), onSource: false }
      if (!equalBytes(prev.entry.id, body.prev)) return { kind: 'dead', error: new LedgerPrevMismatchError({ author: authorHex, seq }) }
      switch (prev.status) {
        case 'pending':
          return { kind: 'pending', waitingFor: prev.entry.idHex, onSource: false }
        case 'held':
          return { kind: 'held', pool: prev.waitingFor as string }
        case 'dead':
          return { kind: 'dead', error: new LedgerPrevRefusedError({ author: authorHex, seq }) }
        case 'frozen':
          return { kind: 'frozen', error: prev.error as LedgerValidationError }
        case 'counted':
      }
    }
    if (this.hold.has(idHex)) return { kind: 'held', pool: pooledDebit(entry)?.pool ?? 'swarm:bounty' }
    return this.#evaluateEffects(entry, author)
  }

  #evaluateEffects(entry: SignedEntry, author: AuthorChain): Evaluation {
    const { body, authorHex, idHex } = entry
    const { action } = body
    const changes: BalanceChange[] = []
    const transit: InTransitCredit[] = []
    let receivedSource: string | undefined
    let receiveCounts = false
    let grant: string | undefined
    if (action.type === 'receive') {
      const sourceHex = toHex(action.source)
      const source = this.records.get(sourceHex)
      if (source === undefined || source.status === 'pending') return { kind: 'pending', waitingFor: sourceHex, onSource: true }
      const refusal = receiveRefusal(source.entry, author, sourceHex)
      if (refusal !== undefined) return { kind: 'dead', error: new LedgerReceiveInvalidError({ source: sourceHex, reason: refusal }) }
      receivedSource = sourceHex
      receiveCounts = source.status === 'counted'
      if (receiveCounts)
        for (const leg of source.entry.body.legs) if (leg.account === authorHex && leg.amount > 0n) addChange(changes, authorHex, leg.currency, leg.amount)
    } else if (action.type === 'mint' || action.type === 'burn' || action.type === 'bounty_payout') {
      grant = grantId(action.grant)
      if (author.grantsUsed.has(grant)) return { kind: 'dead', error: new LedgerGrantReusedError({ grantId: grant, proposal: action.grant.proposal }) }
    }
    for (const leg of body.legs) {
      // Value for the author or a system account counts now; for another node, once it receives.
      if (leg.account === authorHex || isSystemAccount(leg.account)) addChange(changes, leg.account, leg.currency, leg.amount)
      else transit.push({ source: idHex, to: leg.account, currency: leg.currency, amount: leg.amount })
    }
    for (const change of changes) {
      const balance = this.balance(change.account, change.currency)
      const next = balance + change.amount
      if (next > BALANCE_ABS_MAX || next < -BALANCE_ABS_MAX)
        return { kind: 'dead', error: new LedgerBalanceOverflowError({ account: change.account, currency: change.currency }) }
      if (next >= 0n || change.amount >= 0n || change.account === 'swarm:issuance') continue
      if (!isSystemAccount(change.account))
        return { kind: 'dead', error: new LedgerOverdraftError({ account: change.account, currency: change.currency, balance, change: change.amount }) }
      // A pool short of funds: whether this debit or another one waits is decided on totals.
      if (this.checkPools) return RECOMPUTE
    }
    return { kind: 'count', effects: { changes, transit, receivedSource, receiveCounts, grant } }
  }

  /** Adds a pending record at its position. The caller has checked the position is free. */
  insert(record: EntryRecord): void {
    const author = this.chainOf(record.entry.authorHex)
    this.records.set(record.entry.idHex, record)
    author.others.set(record.entry.body.seq, record)
    if (record.status === 'pending') {
      this.pendingTotal++
      author.pending++
    }
  }

  /** Evaluates queued pending records until nothing changes; stops early when a recompute is needed. */
  run(queue: EntryRecord[]): void {
    for (let index = 0; index < queue.length; index++) {
      if (this.needsRecompute) return
      const record = queue[index] as EntryRecord
      if (record.status !== 'pending') continue
      this.resolve(record, this.evaluate(record), queue)
    }
  }

  /** Applies an evaluation to its record and queues the records that may change because of it. */
  resolve(record: EntryRecord, evaluation: Evaluation, queue: EntryRecord[]): void {
    switch (evaluation.kind) {
      case 'recompute':
        this.needsRecompute = true
        return
      case 'pending':
        record.waitingFor = evaluation.waitingFor
        if (evaluation.onSource && record.listedUnder !== evaluation.waitingFor) {
          record.listedUnder = evaluation.waitingFor
          const list = this.waiters.get(evaluation.waitingFor)
          if (list === undefined) this.waiters.set(evaluation.waitingFor, [record])
          else list.push(record)
        }
        return
      case 'count':
        this.#apply(record, evaluation.effects)
        break
      case 'held':
        this.setStatus(record, 'held')
        record.waitingFor = evaluation.pool
        break
      case 'dead':
      case 'frozen':
        this.setStatus(record, evaluation.kind)
        record.error = evaluation.error
        break
    }
    this.queueDependents(record, queue)
  }

  /** Queues the author's next entry and the receives waiting for `record`. */
  queueDependents(record: EntryRecord, queue: EntryRecord[]): void {
    const author = this.chainOf(record.entry.authorHex)
    const next = author.others.get(record.entry.body.seq + 1)
    if (next !== undefined && next.status === 'pending') queue.push(next)
    const waiting = this.waiters.get(record.entry.idHex)
    if (waiting !== undefined) {
      this.waiters.delete(record.entry.idHex)
      for (const waiter of waiting) {
        waiter.listedUnder = undefined
        queue.push(waiter)
      }
    }
  }

  setStatus(record: EntryRecord, status: EntryStatus): void {
    const author = this.chainOf(record.entry.authorHex)
    const before = record.status
    if (before === status) return
    if (before === 'pending') {
      this.pendingTotal--
      author.pending--
    } else if (before === 'dead' || before === 'frozen') this.evidenceTotal--
    else if (before === 'held') this.heldTotal--
    if (status === 'pending') {
      this.pendingTotal++
      author.pending++
    } else if (status === 'dead' || status === 'frozen') this.evidenceTotal++
    else if (status === 'held') this.heldTotal++
    record.status = status
    if (status !== 'pending') record.waitingFor = undefined
  }

  #apply(record: EntryRecord, effects: Effects): void {
    const { entry } = record
    const author = this.chainOf(entry.authorHex)
    for (const change of effects.changes) {
      const map = this.balances[change.currency]
      const next = (map.get(change.account) ?? 0n) + change.amount
      if (next === 0n) map.delete(change.account)
      else map.set(change.account, next)
    }
    for (const credit of effects.transit) {
      const list = this.transit.get(credit.source)
      if (list === undefined) this.transit.set(credit.source, [credit])
      else list.push(credit)
    }
    if (effects.receivedSource !== undefined) {
      author.received.add(effects.receivedSource)
      if (effects.receiveCounts) this.#removeTransit(effects.receivedSource, entry.authorHex)
    }
    if (effects.grant !== undefined) author.grantsUsed.add(effects.grant)
    author.others.delete(entry.body.seq)
    author.chain.push(record)
    this.setStatus(record, 'counted')
    this.countedLog.push(entry)
    this.version++
  }

  #removeTransit(source: string, to: string): void {
    const list = this.transit.get(source)
    if (list === undefined) return
    const rest = list.filter((credit) => credit.to !== to)
    if (rest.length === 0) this.transit.delete(source)
    else this.transit.set(source, rest)
  }
}

function emptyChain(authorHex: string): AuthorChain {
  return { authorHex, chain: [], others: new Map(), frozenFromSeq: undefined, grantsUsed: new Set(), received: new Set(), pending: 0 }
}

function receiveRefusal(source: SignedEntry, receiver: AuthorChain, sourceHex: string): string | undefined {
  if (source.authorHex === receiver.authorHex) return 'an author does not receive its own entries (credits to itself count at once)'
  if (!source.body.legs.some((leg) => leg.account === receiver.authorHex && leg.amount > 0n)) return 'the source does not credit the receiver'
  if (receiver.received.has(sourceHex)) return 'the source is already received'
  return undefined
}

function addChange(changes: BalanceChange[], account: string, currency: Currency, amount: bigint): void {
  for (const change of changes) {
    if (change.account === account && change.currency === currency) {
      change.amount += amount
      return
    }
  }
  changes.push({ account, currency, amount })
}

/** Sorts entries by (author hex, seq, id hex): the order a recompute inserts them in. */
function compareEntries(a: SignedEntry, b: SignedEntry): number {
  if (a.authorHex !== b.authorHex) return a.authorHex < b.authorHex ? -1 : 1
  if (a.body.seq !== b.body.seq) return a.body.seq - b.body.seq
  return a.idHex < b.idHex ? -1 : a.idHex > b.idHex ? 1 : 0
}

/**
 * F(E): the state for a set of known entries and the fork proofs among them. Pure: the same
 * entries and proofs give the same state in any order.
 */
export function computeState(entries: readonly SignedEntry[], forkProofs: ReadonlyMap<string, ForkProof>): LedgerState {
  const sorted = [...entries].sort(compareEntries)
  const hold = new Set<string>()
  for (;;) {
    const state = new LedgerState({ checkPools: false, hold })
    for (const [authorHex, proof] of forkProofs) {
      state.forkProofs.set(authorHex, proof)
      state.chainOf(authorHex).frozenFromSeq = proof.seq
    }
    const queue: EntryRecord[] = []
    for (const entry of sorted) {
      const record: EntryRecord = { entry, status: 'pending', waitingFor: undefined, error: undefined, listedUnder: undefined, leaf: undefined }
      const author = state.chainOf(entry.authorHex)
      if (author.others.has(entry.body.seq)) {
        // The other half of a fork: known, never counted.
        record.status = 'frozen'
        record.error = new LedgerAuthorFrozenError({ author: entry.authorHex, frozenFromSeq: author.frozenFromSeq ?? entry.body.seq })
        state.records.set(entry.idHex, record)
        state.evidenceTotal++
        continue
      }
      state.insert(record)
      queue.push(record)
    }
    state.run(queue)
    const shortfalls = poolShortfalls(state)
    if (shortfalls.length === 0) {
      state.checkPools = true
      state.countedLog = []
      return state
    }
    for (const shortfall of shortfalls) hold.add(lastDebitOf(state, shortfall.pool, shortfall.currency))
  }
}

function poolShortfalls(state: LedgerState): { pool: string; currency: Currency }[] {
  const shortfalls: { pool: string; currency: Currency }[] = []
  for (const currency of ['IPPC', 'IUSD'] as const)
    for (const [account, amount] of state.balances[currency])
      if (amount < 0n && account !== 'swarm:issuance' && isSystemAccount(account)) shortfalls.push({ pool: account, currency })
  return shortfalls
}

// The counted debit of `pool` with the largest (author hex, seq): a canonical choice of who waits.
function lastDebitOf(state: LedgerState, pool: string, currency: Currency): string {
  let last: SignedEntry | undefined
  for (const author of state.authors.values())
    for (const record of author.chain) {
      const debit = pooledDebit(record.entry)
      if (debit?.pool === pool && debit.currency === currency && (last === undefined || compareEntries(record.entry, last) > 0)) last = record.entry
    }
  // A negative pool always has a counted debit: only grant actions debit pools.
  if (last === undefined) throw new Error(`internal: pool ${pool} is negative without a debit`)
  return last.idHex
}

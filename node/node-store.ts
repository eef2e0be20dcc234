/**
 * The storage a swarm node core writes its ledger to: the node's DuckDB-backed ledger in
 * production, an in-memory ledger in simulation. Both apply at once and answer with the verdict;
 * durability comes with `flush`.
 */
import { Ledger, type AddVerdict, type LedgerRules, type SignedEntry } from '../ledger/index.ts'
import type { PersistentLedger } from '../ledger/persistent-ledger.ts'

export type NodeLedgerStore = {
  readonly ledger: Ledger
  /** Applies one of this node's own entries (throws the ledger's typed error if refused). */
  appendOwn(entry: SignedEntry): void
  /** Adds an entry from the network whose signature was checked. */
  admit(entry: SignedEntry): AddVerdict
  /** Every stored entry, in arrival order (what a restart rebuilds from). */
  entries(): Iterable<SignedEntry>
  /** Resolves once everything so far is durable. */
  flush(): Promise<void>
}

/** A store over the node's persistent ledger. */
export function persistentNodeStore(persistent: PersistentLedger): NodeLedgerStore {
  return {
    ledger: persistent.ledger,
    appendOwn: (entry) => persistent.stage(entry, { signatureVerified: true }),
    admit: (entry) => persistent.admit(entry, { signatureVerified: true }),
    *entries() {
      for (const record of persistent.stored()) yield record.entry
    },
    flush: () => persistent.flush(),
  }
}

/** A store in memory, for simulation and tests. */
export function memoryNodeStore(rules: LedgerRules): NodeLedgerStore {
  const ledger = new Ledger({ rules })
  const kept: SignedEntry[] = []
  return {
    ledger,
    appendOwn(entry) {
      ledger.append(entry, { signatureVerified: true })
      kept.push(entry)
    },
    admit(entry) {
      const verdict = ledger.add(entry, { signatureVerified: true })
      if (verdict.status !== 'duplicate' && ledger.standing(entry.idHex) !== undefined) kept.push(entry)
      return verdict
    },
    entries: () => kept.values(),
    flush: () => Promise.resolve(),
  }
}

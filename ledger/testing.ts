/**
 * Fixtures for ledger tests, simulations and benchmarks: deterministic identities, funded
 * ledgers, and hand-made entries that break one rule at a time. Never used by the node itself.
 */
import { createEd25519Signer, type Ed25519Signer } from '../identity/ed25519.ts'
import { buildBountyPayout, buildBurn, buildDaoFee, buildMetered, buildMint, buildReceive, buildTransfer } from './build-entry.ts'
import { meteredCost } from './cost.ts'
import { ENTRY_VERSION } from './constants.ts'
import { sha256Digest, signEntry, toHex, type Action, type Currency, type EntryBody, type EntrySigner, type Leg, type SignedEntry } from './entry.ts'
import { devnetGrant } from './grant.ts'
import { Ledger } from './ledger.ts'
import { DEVNET_RULES } from './rules.ts'

/** A fixed timestamp, so test entries (and their ids) are the same on every run. */
export const TEST_TIMESTAMP_MS = 1_700_000_000_000

/** One IPPC in base units, as a bigint. */
export const IPPC = 1_000_000n

/** A test identity whose seed is SHA-256("ippoc test identity " + name): the same on every run. */
export function testSigner(name: string): Ed25519Signer & { readonly hex: string } {
  const signer = createEd25519Signer(sha256Digest(new TextEncoder().encode(`ippoc test identity ${name}`)))
  return Object.assign(signer, { hex: toHex(signer.publicKey) })
}

/**
 * A signer that does not sign (64 zero bytes): for tests that skip signature checks
 * (`signatureVerified: true`) and need thousands of entries quickly.
 */
export function unsignedSigner(publicKey: Uint8Array): EntrySigner {
  return { publicKey, sign: () => new Uint8Array(64) }
}

/** A devnet ledger; pass `verifySignature` to swap the verifier. */
export function devnetLedger(): Ledger {
  return new Ledger({ rules: DEVNET_RULES })
}

/**
 * Mints `amount` base units to the signer itself with a devnet grant and appends the entry.
 *
 * @example
 * const alice = testSigner('alice'); const ledger = devnetLedger(); fund(ledger, alice, 100n * IPPC)
 */
export function fund(ledger: Ledger, signer: EntrySigner, amount: bigint, currency: Currency = 'IPPC', proposal?: string): SignedEntry {
  const hex = toHex(signer.publicKey)
  const grant = devnetGrant({ proposal: proposal ?? `genesis/${hex.slice(0, 8)}/${ledger.head(hex)?.seq ?? -1}`, author: signer.publicKey, to: hex, currency, amount })
  const entry = buildMint(ledger, signer, { grant, timestamp: TEST_TIMESTAMP_MS })
  ledger.append(entry, { signatureVerified: true })
  return entry
}

/**
 * Signs an arbitrary body at the signer's next position in `ledger` (or at `seq`/`prev` given):
 * the way to make entries that break a rule on purpose.
 */
export function signAt(
  ledger: Ledger,
  signer: EntrySigner,
  parameters: { action: Action; legs: readonly Leg[]; seq?: number; prev?: Uint8Array | null; timestamp?: number },
): SignedEntry {
  const hex = toHex(signer.publicKey)
  const head = ledger.head(hex)
  const seq = parameters.seq ?? (head === undefined ? 0 : head.seq + 1)
  const prev = parameters.prev !== undefined ? parameters.prev : head === undefined ? null : head.id
  const body: EntryBody = {
    v: ENTRY_VERSION,
    author: signer.publicKey,
    seq,
    prev,
    timestamp: parameters.timestamp ?? TEST_TIMESTAMP_MS,
    action: parameters.action,
    legs: parameters.legs,
    outcome: 'ok',
  }
  return signEntry(body, signer)
}

/** The two legs of a payment: [from −amount, to +amount]. */
export function payment(from: string, to: string, amount: bigint, currency: Currency = 'IPPC'): Leg[] {
  return [
    { account: from, currency, amount: -amount },
    { account: to, currency, amount },
  ]
}

/** Fisher–Yates shuffle driven by a seeded generator (mulberry32), so failures reproduce. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const result = [...items]
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  for (let index = result.length - 1; index > 0; index--) {
    const other = Math.floor(next() * (index + 1))
    ;[result[index], result[other]] = [result[other] as T, result[index] as T]
  }
  return result
}

/** One step of a random workload; fields are interpreted modulo what makes sense (see {@link buildWorkload}). */
export type WorkloadStep = { readonly kind: number; readonly who: number; readonly target: number; readonly amount: number }

/** Kinds of {@link WorkloadStep}, in order of `kind % WORKLOAD_KINDS.length`. */
export const WORKLOAD_KINDS = [
  'mint to self',
  'mint to another node or the bounty pool',
  'transfer',
  'transfer',
  'receive',
  'metered action',
  'dao fee',
  'bounty payout',
  'burn',
  'over-granted bounty payout (author stops)',
  'fork (re-signed entry at an earlier seq)',
  'overdraft entry (author stops)',
] as const

/**
 * Turns steps into entries by honest authors (built on their own view, so each chain is valid)
 * plus the misbehaviour some steps ask for: forks, payouts a pool cannot cover, refused entries.
 * Deterministic: the same steps and signers give the same entries.
 */
export function buildWorkload(steps: readonly WorkloadStep[], signers: readonly (EntrySigner & { readonly hex: string })[]): SignedEntry[] {
  const ledger = devnetLedger()
  const extra: SignedEntry[] = []
  const stopped = new Set<string>()
  let timestamp = TEST_TIMESTAMP_MS
  const append = (entry: SignedEntry) => ledger.append(entry, { signatureVerified: true })
  steps.forEach((step, index) => {
    const me = signers[step.who % signers.length] as EntrySigner & { hex: string }
    const other = signers[(step.who + 1 + (step.target % (signers.length - 1))) % signers.length] as EntrySigner & { hex: string }
    if (stopped.has(me.hex)) return
    const balance = ledger.balance(me.hex, 'IPPC')
    const some = (max: bigint) => 1n + (BigInt(step.amount) % max)
    const options = { timestamp: ++timestamp }
    const proposal = `step-${index}`
    try {
      switch (WORKLOAD_KINDS[step.kind % WORKLOAD_KINDS.length]) {
        case 'mint to self':
          return append(buildMint(ledger, me, { ...options, grant: devnetGrant({ proposal, author: me.publicKey, to: me.hex, currency: step.target % 5 === 0 ? 'IUSD' : 'IPPC', amount: some(1000n) * IPPC }) }))
        case 'mint to another node or the bounty pool': {
          const to = step.target % 2 === 0 ? 'swarm:bounty' : other.hex
          return append(buildMint(ledger, me, { ...options, grant: devnetGrant({ proposal, author: me.publicKey, to, currency: 'IPPC', amount: some(100n) * IPPC }) }))
        }
        case 'transfer': {
          if (balance === 0n) return
          const to = step.target % 4 === 0 ? 'swarm:treasury' : other.hex
          return append(buildTransfer(ledger, me, { ...options, to, currency: 'IPPC', amount: some(balance) }))
        }
        case 'receive': {
          const credit = ledger.inTransitTo(me.hex)[step.target % Math.max(1, ledger.inTransitTo(me.hex).length)]
          if (credit !== undefined) append(buildReceive(ledger, me, { ...options, source: credit.source }))
          return
        }
        case 'metered action': {
          const action = step.target % 2 === 0 ? { type: 'llm_inference' as const, model: 'm', tokens: step.amount % 3000 } : { type: 'tool_exec' as const, tool: 't', durationMs: step.amount % 2000 }
          if (meteredCost(action, ledger.rules.cost) <= balance) append(buildMetered(ledger, me, action, options))
          return
        }
        case 'dao fee':
          if (balance > 0n) append(buildDaoFee(ledger, me, { ...options, proposal, amount: some(balance) }))
          return
        case 'bounty payout': {
          const pool = ledger.balance('swarm:bounty', 'IPPC')
          if (pool > 0n) append(buildBountyPayout(ledger, me, { ...options, grant: devnetGrant({ proposal, author: me.publicKey, from: 'swarm:bounty', to: other.hex, currency: 'IPPC', amount: some(pool) }) }))
          return
        }
        case 'burn':
          if (balance > 0n) append(buildBurn(ledger, me, { ...options, grant: devnetGrant({ proposal, author: me.publicKey, from: me.hex, to: 'swarm:issuance', currency: 'IPPC', amount: some(balance) }) }))
          return
        case 'over-granted bounty payout (author stops)': {
          const amount = ledger.balance('swarm:bounty', 'IPPC') + some(50n) * IPPC
          const grant = devnetGrant({ proposal, author: me.publicKey, from: 'swarm:bounty', to: other.hex, currency: 'IPPC', amount })
          extra.push(signAt(ledger, me, { action: { type: 'bounty_payout', target: other.hex, grant }, legs: payment('swarm:bounty', other.hex, amount), timestamp: options.timestamp }))
          stopped.add(me.hex)
          return
        }
        case 'fork (re-signed entry at an earlier seq)': {
          const head = ledger.head(me.hex)
          if (head === undefined) return
          const chain = [...ledger.entries()].filter((entry) => entry.authorHex === me.hex)
          const original = chain[step.amount % chain.length] as SignedEntry
          extra.push(signEntry({ ...original.body, timestamp: original.body.timestamp + 1_000_000 }, me))
          return
        }
        case 'overdraft entry (author stops)':
          extra.push(signAt(ledger, me, { action: { type: 'transfer', memo: '' }, legs: payment(me.hex, other.hex, balance + 1n), timestamp: options.timestamp }))
          stopped.add(me.hex)
          return
      }
    } catch (error) {
      // A chain blocked by an earlier misbehaviour step simply stops.
      if ((error as Error).name !== 'LedgerChainBlockedError') throw error
    }
  })
  return [...ledger.knownEntries(), ...extra]
}

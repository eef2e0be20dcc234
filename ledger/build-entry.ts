/**
 * Builders for this node's own entries: each picks seq and prev from the ledger head, fills in the
 * legs its action requires, and signs. They do not append; pass the result to `ledger.append`
 * (or to the persistent ledger) with `{ signatureVerified: true }`.
 */
import { ENTRY_VERSION } from './constants.ts'
import { meteredCost, type MeteredAction } from './cost.ts'
import { signEntry, toHex, type Account, type Action, type Currency, type EntrySigner, type Grant, type Leg, type Outcome, type SignedEntry } from './entry.ts'
import type { Ledger } from './ledger.ts'

/** What every builder accepts besides its own fields. */
export type BuildOptions = {
  /** Milliseconds since the epoch; `Date.now()` by default. */
  readonly timestamp?: number | undefined
  /** `ok` by default. */
  readonly outcome?: Outcome | undefined
}

/** Parameters of {@link buildEntry}. */
export type BuildEntryParameters = BuildOptions & { readonly action: Action; readonly legs: readonly Leg[] }

/**
 * Builds and signs the signer's next entry. Throws `LedgerChainBlockedError` when the signer may
 * not extend its chain, and `EntryMalformedError` for out-of-range fields.
 *
 * @example
 * const entry = buildEntry(ledger, identity, { action: { type: 'transfer', memo: '' }, legs })
 * ledger.append(entry, { signatureVerified: true })
 */
export function buildEntry(ledger: Ledger, signer: EntrySigner, parameters: BuildEntryParameters): SignedEntry {
  const { seq, prev } = ledger.nextPosition(toHex(signer.publicKey))
  return signEntry(
    {
      v: ENTRY_VERSION,
      author: signer.publicKey,
      seq,
      prev,
      timestamp: parameters.timestamp ?? Date.now(),
      action: parameters.action,
      legs: parameters.legs,
      outcome: parameters.outcome ?? 'ok',
    },
    signer,
  )
}

/**
 * A transfer of `amount` base units to another account. A node account counts it once its chain
 * receives it ({@link buildReceive}); a system account at once.
 *
 * @example
 * buildTransfer(ledger, alice, { to: bobHex, currency: 'IPPC', amount: 5_000_000n, memo: 'thanks' })
 */
export function buildTransfer(
  ledger: Ledger,
  signer: EntrySigner,
  parameters: BuildOptions & { readonly to: Account; readonly currency: Currency; readonly amount: bigint; readonly memo?: string },
): SignedEntry {
  const { to, currency, amount, memo = '' } = parameters
  return buildEntry(ledger, signer, { ...parameters, action: { type: 'transfer', memo }, legs: payment(toHex(signer.publicKey), to, currency, amount) })
}

/**
 * A fee paid to the treasury for a governance proposal.
 *
 * @example
 * buildDaoFee(ledger, alice, { proposal: 'p-12', amount: 1_000_000n })
 */
export function buildDaoFee(
  ledger: Ledger,
  signer: EntrySigner,
  parameters: BuildOptions & { readonly proposal: string; readonly amount: bigint; readonly currency?: Currency },
): SignedEntry {
  const { proposal, amount, currency = 'IPPC' } = parameters
  return buildEntry(ledger, signer, { ...parameters, action: { type: 'dao_fee', proposal }, legs: payment(toHex(signer.publicKey), 'swarm:treasury', currency, amount) })
}

/**
 * Acknowledges a credit from another author's entry (the source), so it counts in the signer's
 * balance.
 *
 * @example
 * for (const credit of ledger.inTransitTo(bobHex)) ledger.append(buildReceive(ledger, bob, { source: credit.source }), { signatureVerified: true })
 */
export function buildReceive(
  ledger: Ledger,
  signer: EntrySigner,
  parameters: BuildOptions & { readonly source: SignedEntry | Uint8Array | string },
): SignedEntry {
  const { source } = parameters
  const id = typeof source === 'string' ? hexToId(source) : source instanceof Uint8Array ? source : source.id
  return buildEntry(ledger, signer, { ...parameters, action: { type: 'receive', source: id }, legs: [] })
}

/**
 * Builds, signs and appends a receive for every credit in transit to the signer, one after the
 * other (each takes the next seq). Returns the appended entries.
 *
 * @example
 * receiveAll(ledger, bob) // bob's balance now includes everything sent to him
 */
export function receiveAll(
  ledger: Ledger,
  signer: EntrySigner,
  append: (entry: SignedEntry) => void = (entry) => ledger.append(entry, { signatureVerified: true }),
): SignedEntry[] {
  const sources = [...new Set(ledger.inTransitTo(toHex(signer.publicKey)).map((credit) => credit.source))]
  return sources.map((source) => {
    const entry = buildReceive(ledger, signer, { source })
    append(entry)
    return entry
  })
}

/**
 * Mints under a grant: [swarm:issuance −amount, grant.to +amount].
 *
 * @example
 * buildMint(ledger, alice, { grant: devnetGrant({ proposal: 'genesis/alice', author: alice.publicKey, to: aliceHex, currency: 'IPPC', amount }) })
 */
export function buildMint(ledger: Ledger, signer: EntrySigner, parameters: BuildOptions & { readonly grant: Grant }): SignedEntry {
  return buildEntry(ledger, signer, { ...parameters, action: { type: 'mint', grant: parameters.grant }, legs: grantLegs(parameters.grant) })
}

/**
 * Burns under a grant: [grant.from −amount, swarm:issuance +amount].
 *
 * @example
 * buildBurn(ledger, alice, { grant: devnetGrant({ proposal: 'burn-1', author: alice.publicKey, from: aliceHex, to: 'swarm:issuance', currency: 'IPPC', amount }) })
 */
export function buildBurn(ledger: Ledger, signer: EntrySigner, parameters: BuildOptions & { readonly grant: Grant }): SignedEntry {
  return buildEntry(ledger, signer, { ...parameters, action: { type: 'burn', grant: parameters.grant }, legs: grantLegs(parameters.grant) })
}

/**
 * Pays a bounty from a swarm pool under a grant: [grant.from −amount, grant.to +amount].
 *
 * @example
 * buildBountyPayout(ledger, alice, { grant: devnetGrant({ proposal: 'bounty-3', author: alice.publicKey, from: 'swarm:bounty', to: bobHex, currency: 'IPPC', amount }) })
 */
export function buildBountyPayout(ledger: Ledger, signer: EntrySigner, parameters: BuildOptions & { readonly grant: Grant }): SignedEntry {
  const { grant } = parameters
  return buildEntry(ledger, signer, { ...parameters, action: { type: 'bounty_payout', target: grant.to, grant }, legs: grantLegs(grant) })
}

/**
 * A metered action paying its cost from the rules: [author −cost IPPC, swarm:compute +cost IPPC]
 * (no legs when the cost is 0). Prefer the meter (meter.ts), which refuses before the action runs.
 *
 * @example
 * buildMetered(ledger, alice, { type: 'llm_inference', model: 'llama-3-8b', tokens: 812 })
 */
export function buildMetered(ledger: Ledger, signer: EntrySigner, action: MeteredAction, options: BuildOptions = {}): SignedEntry {
  const cost = meteredCost(action, ledger.rules.cost)
  const legs = cost === 0n ? [] : payment(toHex(signer.publicKey), 'swarm:compute', 'IPPC', cost)
  return buildEntry(ledger, signer, { ...options, action, legs })
}

function payment(from: Account, to: Account, currency: Currency, amount: bigint): Leg[] {
  return [
    { account: from, currency, amount: -amount },
    { account: to, currency, amount },
  ]
}

function grantLegs(grant: Grant): Leg[] {
  return payment(grant.from, grant.to, grant.currency, grant.amount)
}

function hexToId(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new TypeError(`expected a 64-hex entry id, got ${JSON.stringify(hex)}`)
  const id = new Uint8Array(32)
  for (let index = 0; index < 32; index++) id[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16)
  return id
}

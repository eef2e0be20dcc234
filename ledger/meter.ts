/**
 * Metering: an action the author cannot pay for is refused before it runs. `reserve` checks the
 * cost of the action's largest use against what the author can spend and holds that amount;
 * after the action ran, the permit builds, signs and appends the entry for what it actually used
 * (never more than reserved), and frees the reservation.
 */
import { meteredCost, type MeteredAction } from './cost.ts'
import { toHex, type EntrySigner, type Outcome, type SignedEntry } from './entry.ts'
import { InsufficientFundsError, MeterEstimateExceededError, MeterPermitClosedError } from './errors.ts'
import { buildMetered } from './build-entry.ts'
import type { Ledger } from './ledger.ts'

/** What a meter works with: the ledger, this node's key, and how entries are appended. */
export type MeterComponents = {
  readonly ledger: Ledger
  readonly signer: EntrySigner
  /** Appends a built entry; `ledger.append(entry, { signatureVerified: true })` by default (pass the persistent ledger's). */
  readonly append?: ((entry: SignedEntry) => void) | undefined
  /** Clock for entry timestamps; `Date.now` by default. */
  readonly now?: (() => number) | undefined
}

/** What the action actually used, reported after it ran. */
export type MeterUsage = {
  /** Tokens used (llm_inference). */
  readonly tokens?: number | undefined
  /** Milliseconds used (tool_exec, evolution_sim). */
  readonly durationMs?: number | undefined
  readonly outcome?: Outcome | undefined
}

/** A reservation for one action. Settle it after the action ran, or release it if it did not run. */
export type MeterPermit = {
  /** The estimate reserved for. */
  readonly estimate: MeteredAction
  /** The reserved amount: the estimate's cost in IPPC base units. */
  readonly cost: bigint
  /** Builds, signs and appends the entry for the actual use; returns it. Throws if it costs more than reserved. */
  settle(usage: MeterUsage): SignedEntry
  /** Frees the reservation without an entry (the action did not run). */
  release(): void
}

/** Reserves budget for metered actions of one author. */
export type Meter = {
  /**
   * Reserves the cost of `estimate` (the action at its largest use). Throws
   * `InsufficientFundsError` before anything runs when the author cannot pay.
   */
  reserve(estimate: MeteredAction): MeterPermit
  /** The IPPC balance minus open reservations. */
  spendable(): bigint
  /** The sum of open reservations. */
  reserved(): bigint
}

/**
 * Creates the meter of one author.
 *
 * @example
 * const meter = createMeter({ ledger, signer: identity })
 * const permit = meter.reserve({ type: 'llm_inference', model: 'llama-3-8b', tokens: 4096 }) // throws InsufficientFundsError when short
 * const reply = await runInference(prompt, { maxTokens: 4096 })
 * permit.settle({ tokens: reply.tokens }) // appends [author −cost, swarm:compute +cost]
 */
export function createMeter(components: MeterComponents): Meter {
  const { ledger, signer } = components
  const author = toHex(signer.publicKey)
  const append = components.append ?? ((entry: SignedEntry) => ledger.append(entry, { signatureVerified: true }))
  const now = components.now ?? Date.now
  const open = new Set<{ cost: bigint }>()
  const reserved = (): bigint => {
    let sum = 0n
    for (const hold of open) sum += hold.cost
    return sum
  }

  return {
    reserved,
    spendable: () => ledger.balance(author, 'IPPC') - reserved(),
    reserve(estimate) {
      const cost = meteredCost(estimate, ledger.rules.cost)
      const balance = ledger.balance(author, 'IPPC')
      const held = reserved()
      if (balance - held < cost) throw new InsufficientFundsError({ account: author, balance, reserved: held, cost })
      // Fail now, not after the action ran, if this author cannot append at all.
      ledger.nextPosition(author)
      const hold = { cost }
      open.add(hold)
      return {
        estimate,
        cost,
        settle(usage) {
          if (!open.has(hold)) throw new MeterPermitClosedError()
          const action = actualAction(estimate, usage)
          const actual = meteredCost(action, ledger.rules.cost)
          if (actual > cost) throw new MeterEstimateExceededError({ estimate: cost, actual })
          const entry = buildMetered(ledger, signer, action, { outcome: usage.outcome ?? 'ok', timestamp: now() })
          append(entry)
          open.delete(hold)
          return entry
        },
        release() {
          if (!open.delete(hold)) throw new MeterPermitClosedError()
        },
      }
    },
  }
}

function actualAction(estimate: MeteredAction, usage: MeterUsage): MeteredAction {
  if (estimate.type === 'llm_inference') return { ...estimate, tokens: usage.tokens ?? estimate.tokens }
  return { ...estimate, durationMs: usage.durationMs ?? estimate.durationMs }
}

/**
 * What metered actions cost: `Cost = Base + Variable × Multiplier × RiskFactor`, in integer base
 * units. Multiplier and risk factor are basis points (10,000 = ×1). The variable part is rounded up
 * to the next base unit, so the compute pool is never paid less than the exact price. No floating
 * point anywhere: every step is a bigint.
 */
import { BASE_UNITS_PER_COIN, DURATION_MS_MAX, LEG_AMOUNT_ABS_MAX, TOKENS_MAX } from './constants.ts'
import type { Action } from './entry.ts'
import { LedgerCostOverflowError, LedgerRulesInvalidError } from './errors.ts'

/** Actions that pay the swarm's compute pool. */
export const METERED_ACTION_TYPES = ['llm_inference', 'tool_exec', 'evolution_sim'] as const
/** llm_inference, tool_exec or evolution_sim. */
export type MeteredActionType = (typeof METERED_ACTION_TYPES)[number]
/** An action that pays the compute pool by the cost schedule. */
export type MeteredAction = Extract<Action, { type: MeteredActionType }>

/** One basis point is 1/10,000: 10,000 bps = ×1. */
export const BASIS_POINTS = 10_000n
/** Largest multiplier or risk factor the rules may set (×100), which keeps every cost in range. */
export const COST_FACTOR_BPS_MAX = 1_000_000n

/** How one action type is priced. All amounts in IPPC base units. */
export type CostTerms = {
  /** Fixed part, charged even for zero usage. */
  readonly baseCost: bigint
  /** Price of one unit of usage (one token, one millisecond). */
  readonly unitCost: bigint
  /** Market multiplier in basis points (10,000 = ×1). */
  readonly multiplierBps: bigint
  /** Risk factor in basis points (10,000 = ×1). */
  readonly riskFactorBps: bigint
}

/** The price list of metered actions: part of the ledger rules, identical on every node. */
export type CostSchedule = { readonly [type in MeteredActionType]: CostTerms }

const IPPC = BASE_UNITS_PER_COIN

/**
 * The design's prices: inference 10 IPPC + 0.02 IPPC per token; sandbox, tool and evolution
 * simulation 50 IPPC per second (50,000 base units per millisecond); multipliers ×1.
 */
export const DEFAULT_COST_SCHEDULE: CostSchedule = {
  llm_inference: { baseCost: 10n * IPPC, unitCost: (2n * IPPC) / 100n, multiplierBps: BASIS_POINTS, riskFactorBps: BASIS_POINTS },
  tool_exec: { baseCost: 0n, unitCost: (50n * IPPC) / 1000n, multiplierBps: BASIS_POINTS, riskFactorBps: BASIS_POINTS },
  evolution_sim: { baseCost: 0n, unitCost: (50n * IPPC) / 1000n, multiplierBps: BASIS_POINTS, riskFactorBps: BASIS_POINTS },
}

/** True for llm_inference, tool_exec and evolution_sim. */
export function isMeteredAction(action: Action): action is MeteredAction {
  return action.type === 'llm_inference' || action.type === 'tool_exec' || action.type === 'evolution_sim'
}

/** The usage a metered action is charged for: tokens for inference, milliseconds otherwise. */
export function meteredUnits(action: MeteredAction): number {
  return action.type === 'llm_inference' ? action.tokens : action.durationMs
}

const FACTOR_DIVISOR = BASIS_POINTS * BASIS_POINTS

/**
 * The cost of a metered action in IPPC base units. Throws {@link LedgerCostOverflowError} if it
 * would not fit a leg (impossible under rules accepted by {@link checkCostSchedule}).
 *
 * @example
 * meteredCost({ type: 'llm_inference', model: 'm', tokens: 1000 }, DEFAULT_COST_SCHEDULE) // 30_000_000n (30 IPPC)
 * meteredCost({ type: 'tool_exec', tool: 'grep', durationMs: 1 }, DEFAULT_COST_SCHEDULE) // 50_000n
 */
export function meteredCost(action: MeteredAction, schedule: CostSchedule): bigint {
  const terms = schedule[action.type]
  const numerator = BigInt(meteredUnits(action)) * terms.unitCost * terms.multiplierBps * terms.riskFactorBps
  // Ceiling division of non-negative integers.
  const variable = (numerator + FACTOR_DIVISOR - 1n) / FACTOR_DIVISOR
  const cost = terms.baseCost + variable
  if (cost > LEG_AMOUNT_ABS_MAX) throw new LedgerCostOverflowError({ actionType: action.type, cost })
  return cost
}

const UNITS_MAX: { readonly [type in MeteredActionType]: number } = {
  llm_inference: TOKENS_MAX,
  tool_exec: DURATION_MS_MAX,
  evolution_sim: DURATION_MS_MAX,
}

/**
 * Checks a schedule: non-negative bigint terms, factors within {@link COST_FACTOR_BPS_MAX}, and the
 * cost of the largest possible usage still fits a leg. After this, no metered cost can overflow.
 *
 * @example
 * checkCostSchedule(DEFAULT_COST_SCHEDULE) // ok
 */
export function checkCostSchedule(schedule: CostSchedule): void {
  for (const type of METERED_ACTION_TYPES) {
    const terms = schedule?.[type]
    if (terms === undefined) throw new LedgerRulesInvalidError(`the cost schedule has no terms for ${type}`)
    for (const field of ['baseCost', 'unitCost', 'multiplierBps', 'riskFactorBps'] as const) {
      const value = terms[field]
      if (typeof value !== 'bigint' || value < 0n) throw new LedgerRulesInvalidError(`${type}.${field} must be a non-negative bigint, got ${String(value)}`)
    }
    if (terms.multiplierBps > COST_FACTOR_BPS_MAX || terms.riskFactorBps > COST_FACTOR_BPS_MAX)
      throw new LedgerRulesInvalidError(`${type} multiplier and risk factor must be at most ${COST_FACTOR_BPS_MAX} bps`)
    const largest = type === 'llm_inference' ? { type, model: 'x', tokens: UNITS_MAX[type] } : { type, tool: 'x', proposal: 'x', durationMs: UNITS_MAX[type] }
    try {
      meteredCost(largest as MeteredAction, schedule)
    } catch (error) {
      throw new LedgerRulesInvalidError(`${type} at its largest usage costs more than a leg can hold (${(error as LedgerCostOverflowError).cost})`)
    }
  }
}

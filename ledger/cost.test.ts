import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { DURATION_MS_MAX, LEG_AMOUNT_ABS_MAX, TOKENS_MAX } from './constants.ts'
import { BASIS_POINTS, checkCostSchedule, COST_FACTOR_BPS_MAX, DEFAULT_COST_SCHEDULE, meteredCost, type CostSchedule, type CostTerms, type MeteredAction } from './cost.ts'

const inference = (tokens: number): MeteredAction => ({ type: 'llm_inference', model: 'm', tokens })
const tool = (durationMs: number): MeteredAction => ({ type: 'tool_exec', tool: 't', durationMs })
const simulation = (durationMs: number): MeteredAction => ({ type: 'evolution_sim', proposal: 'p', durationMs })
const scheduleWith = (terms: Partial<CostTerms>): CostSchedule => ({
  llm_inference: { ...DEFAULT_COST_SCHEDULE.llm_inference, ...terms },
  tool_exec: { ...DEFAULT_COST_SCHEDULE.tool_exec, ...terms },
  evolution_sim: { ...DEFAULT_COST_SCHEDULE.evolution_sim, ...terms },
})

describe('metered cost', () => {
  it('inference = 10 IPPC + 0.02 IPPC × tokens, exact on the boundaries', () => {
    assert.equal(meteredCost(inference(0), DEFAULT_COST_SCHEDULE), 10_000_000n)
    assert.equal(meteredCost(inference(1), DEFAULT_COST_SCHEDULE), 10_020_000n)
    assert.equal(meteredCost(inference(1000), DEFAULT_COST_SCHEDULE), 30_000_000n)
    assert.equal(meteredCost(inference(TOKENS_MAX), DEFAULT_COST_SCHEDULE), 10_000_000n + 20_000n * BigInt(TOKENS_MAX))
  })

  it('sandbox, tool and evolution simulation = 50 IPPC × seconds = 50,000 base units per ms', () => {
    for (const action of [tool, simulation]) {
      assert.equal(meteredCost(action(0), DEFAULT_COST_SCHEDULE), 0n)
      assert.equal(meteredCost(action(1), DEFAULT_COST_SCHEDULE), 50_000n)
      assert.equal(meteredCost(action(1000), DEFAULT_COST_SCHEDULE), 50_000_000n)
      assert.equal(meteredCost(action(DURATION_MS_MAX), DEFAULT_COST_SCHEDULE), 50_000n * BigInt(DURATION_MS_MAX))
    }
  })

  it('multiplier and risk factor scale the variable part; rounding is up to the next base unit', () => {
    const schedule = scheduleWith({ unitCost: 1n, multiplierBps: 3333n, riskFactorBps: BASIS_POINTS })
    assert.equal(meteredCost(tool(1), schedule), 1n) // 0.3333 → 1
    assert.equal(meteredCost(tool(3), schedule), 1n) // 0.9999 → 1
    assert.equal(meteredCost(tool(4), schedule), 2n) // 1.3332 → 2
    assert.equal(meteredCost(inference(0), scheduleWith({ multiplierBps: 0n })), 10_000_000n, 'the base is not multiplied')
    assert.equal(meteredCost(inference(100), scheduleWith({ multiplierBps: 15_000n, riskFactorBps: 20_000n })), 10_000_000n + 100n * 20_000n * 3n)
  })

  it('is the exact price rounded up, for any schedule the rules accept', () => {
    const terms = fc.record(
      {
        baseCost: fc.bigInt({ min: 0n, max: 10n ** 9n }),
        unitCost: fc.bigInt({ min: 0n, max: 50_000n }),
        multiplierBps: fc.bigInt({ min: 0n, max: COST_FACTOR_BPS_MAX }),
        riskFactorBps: fc.bigInt({ min: 0n, max: COST_FACTOR_BPS_MAX }),
      },
      { noNullPrototype: true },
    )
    fc.assert(
      fc.property(terms, fc.nat(TOKENS_MAX), (costTerms, tokens) => {
        const schedule = scheduleWith(costTerms)
        checkCostSchedule(schedule)
        const cost = meteredCost(inference(tokens), schedule)
        const exactScaled = BigInt(tokens) * costTerms.unitCost * costTerms.multiplierBps * costTerms.riskFactorBps
        const variable = cost - costTerms.baseCost
        assert.ok(variable * BASIS_POINTS ** 2n >= exactScaled, 'never below the exact price')
        assert.ok((variable - 1n) * BASIS_POINTS ** 2n < exactScaled || variable === 0n, 'less than one base unit above it')
        assert.ok(cost <= LEG_AMOUNT_ABS_MAX)
      }),
      { numRuns: 500 },
    )
  })

  it('schedules that could overflow or are out of range are refused; one past COST_FACTOR_BPS_MAX too', () => {
    checkCostSchedule(scheduleWith({ multiplierBps: COST_FACTOR_BPS_MAX, riskFactorBps: COST_FACTOR_BPS_MAX }))
    const refused = (schedule: CostSchedule) => assert.throws(() => checkCostSchedule(schedule), { name: 'LedgerRulesInvalidError' })
    refused(scheduleWith({ multiplierBps: COST_FACTOR_BPS_MAX + 1n }))
    refused(scheduleWith({ riskFactorBps: COST_FACTOR_BPS_MAX + 1n }))
    refused(scheduleWith({ unitCost: -1n }))
    refused(scheduleWith({ baseCost: 1 as unknown as bigint }))
    refused(scheduleWith({ unitCost: 10n ** 10n }))
    refused({ ...DEFAULT_COST_SCHEDULE, tool_exec: undefined } as unknown as CostSchedule)
    // Unchecked, the same schedule makes the cost itself refuse to overflow.
    assert.throws(() => meteredCost(inference(TOKENS_MAX), scheduleWith({ unitCost: 10n ** 10n })), { name: 'LedgerCostOverflowError' })
  })
})

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createMeter } from './meter.ts'
import { devnetLedger, fund, IPPC, testSigner } from './testing.ts'

const alice = testSigner('alice')

describe('meter', () => {
  it('refuses an action the author cannot pay for before it runs', () => {
    const ledger = devnetLedger()
    fund(ledger, alice, 15n * IPPC)
    const meter = createMeter({ ledger, signer: alice })
    let ran = false
    assert.throws(
      () => {
        meter.reserve({ type: 'llm_inference', model: 'm', tokens: 300 }) // 16 IPPC
        ran = true
      },
      (error: Error & { balance?: bigint; cost?: bigint; hints?: readonly string[] }) => {
        assert.equal(error.name, 'InsufficientFundsError')
        assert.equal(error.balance, 15n * IPPC)
        assert.equal(error.cost, 16n * IPPC)
        assert.match(error.hints?.join(' ') ?? '', /worker mode/)
        return true
      },
    )
    assert.equal(ran, false)
    assert.equal(ledger.head(alice.hex)?.seq, 0, 'nothing was appended')
  })

  it('reserves the estimate, then settles the actual use (≤ estimate) as a signed, appended entry', () => {
    const ledger = devnetLedger()
    fund(ledger, alice, 100n * IPPC)
    const meter = createMeter({ ledger, signer: alice, now: () => 42 })
    const permit = meter.reserve({ type: 'llm_inference', model: 'm', tokens: 1000 }) // 30 IPPC
    assert.equal(permit.cost, 30n * IPPC)
    assert.equal(meter.spendable(), 70n * IPPC)
    // Reservations add up: a second action cannot spend what the first holds.
    assert.throws(() => meter.reserve({ type: 'tool_exec', tool: 't', durationMs: 1401 }), { name: 'InsufficientFundsError' }) // 70.05 IPPC
    const second = meter.reserve({ type: 'tool_exec', tool: 't', durationMs: 1400 }) // 70 IPPC
    second.release()
    assert.throws(() => second.release(), { name: 'MeterPermitClosedError' })
    assert.throws(() => permit.settle({ tokens: 1001 }), { name: 'MeterEstimateExceededError' })
    const entry = permit.settle({ tokens: 500, outcome: 'error' })
    assert.deepEqual(entry.body.action, { type: 'llm_inference', model: 'm', tokens: 500 })
    assert.equal(entry.body.outcome, 'error')
    assert.equal(entry.body.timestamp, 42)
    assert.equal(ledger.balance(alice.hex, 'IPPC'), 80n * IPPC)
    assert.equal(ledger.balance('swarm:compute', 'IPPC'), 20n * IPPC)
    assert.equal(meter.reserved(), 0n)
    assert.throws(() => permit.settle({ tokens: 1 }), { name: 'MeterPermitClosedError' })
  })

  it('settles through the append it is given (the persistent ledger’s)', () => {
    const ledger = devnetLedger()
    fund(ledger, alice, 100n * IPPC)
    const appended: string[] = []
    const meter = createMeter({ ledger, signer: alice, append: (entry) => (appended.push(entry.idHex), ledger.append(entry, { signatureVerified: true })) })
    const entry = meter.reserve({ type: 'tool_exec', tool: 'grep', durationMs: 0 }).settle({})
    assert.deepEqual(appended, [entry.idHex])
    assert.deepEqual(entry.body.legs, [], 'a zero cost pays nothing')
  })
})

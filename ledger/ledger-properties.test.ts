import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { CURRENCIES, SYSTEM_ACCOUNTS, toHex, type Action, type Currency, type Leg, type SignedEntry } from './entry.ts'
import { encodeForkProof, verifyForkProof } from './fork-proof.ts'
import { devnetGrant } from './grant.ts'
import type { Ledger } from './ledger.ts'
import { buildWorkload, devnetLedger, fund, IPPC, shuffled, signAt, testSigner, type WorkloadStep } from './testing.ts'

const signers = ['alice', 'bob', 'carol', 'dave'].map(testSigner)

// Weights per kind (see WORKLOAD_KINDS): mostly honest traffic, some misbehaviour.
const KIND_WEIGHTS = [2, 2, 3, 3, 5, 3, 1, 2, 1, 1, 2, 1]
const step: fc.Arbitrary<WorkloadStep> = fc.record(
  {
    kind: fc.oneof(...KIND_WEIGHTS.map((weight, kind) => ({ arbitrary: fc.constant(kind), weight }))),
    who: fc.nat(),
    target: fc.nat(),
    amount: fc.nat(),
  },
  { noNullPrototype: true },
)
// Every author starts with a genesis mint, so the random steps have something to move.
const genesis: WorkloadStep[] = [0, 1, 2, 3].map((who) => ({ kind: 0, who, target: 1, amount: 500 }))
const steps = fc.array(step, { minLength: 5, maxLength: 60 }).map((list) => [...genesis, ...list])

/** Everything a node reports about its state, as one comparable string. */
function snapshot(ledger: Ledger): string {
  return JSON.stringify(
    {
      root: toHex(ledger.stateRoot()),
      balances: ledger.balances(),
      inTransit: ledger.inTransit(),
      pending: ledger.pendingCount,
      held: ledger.heldCount,
      forks: ledger.forkProofs().map((proof) => toHex(encodeForkProof(proof))),
      counted: [...ledger.entries()].map((entry) => entry.idHex),
    },
    (_key, value) => (typeof value === 'bigint' ? value.toString() : value),
  )
}

function feed(entries: readonly SignedEntry[]): Ledger {
  const ledger = devnetLedger()
  for (const entry of entries) ledger.add(entry, { signatureVerified: true })
  return ledger
}

function assertConserved(ledger: Ledger): void {
  for (const currency of CURRENCIES) {
    const balances = ledger.balances().filter((line) => line.currency === currency)
    const inTransit = ledger.inTransit().filter((credit) => credit.currency === currency)
    const total = [...balances, ...inTransit].reduce((sum, line) => sum + line.amount, 0n)
    assert.equal(total, 0n, `${currency}: balances + in transit must sum to zero`)
    assert.equal(ledger.supply(currency), -(balances.find((line) => line.account === 'swarm:issuance')?.amount ?? 0n))
    for (const line of balances) if (line.account !== 'swarm:issuance') assert.ok(line.amount > 0n, `${line.account} is ${line.amount}`)
  }
}

describe('Ledger properties', () => {
  it('the same entries in any arrival order give the same balances, in-transit credits and state root', () => {
    let forks = 0
    let held = 0
    fc.assert(
      fc.property(steps, fc.array(fc.integer(), { minLength: 6, maxLength: 6 }), (workloadSteps, seeds) => {
        const entries = buildWorkload(workloadSteps, signers)
        const reference = feed(entries)
        const expected = snapshot(reference)
        assertConserved(reference)
        for (const proof of reference.forkProofs()) assert.ok(verifyForkProof(proof))
        forks += reference.forkProofs().length
        held += reference.heldCount
        assert.equal(snapshot(feed([...entries].reverse())), expected, 'reversed order')
        for (const seed of seeds) {
          const ledger = feed(shuffled(entries, seed))
          assert.equal(snapshot(ledger), expected, `order seeded ${seed}`)
        }
      }),
      { numRuns: 120 },
    )
    // The generator must actually exercise the rare paths.
    assert.ok(forks > 5, `only ${forks} forks generated`)
    assert.ok(held > 0, 'no over-granted pool generated')
  })

  it('a held payout counts again when an entry of a frozen author settles the chain that funds its pool (found by the property above)', () => {
    // b3df's receive waits for a934's transfer; b3df's mint behind it funds swarm:bounty; b1e9's payout
    // from swarm:bounty arrives first and is held; a934 is frozen by a fork before its transfer arrives.
    const workload: WorkloadStep[] = [
      ...genesis,
      { kind: 2, who: 349957339, target: 1839466143, amount: 0 },
      { kind: 4, who: 0, target: 0, amount: 0 },
      { kind: 9, who: 361831793, target: 0, amount: 0 },
      { kind: 10, who: 27, target: 0, amount: 0 },
      { kind: 2, who: 0, target: 0, amount: 0 },
      { kind: 1, who: 0, target: 0, amount: 0 },
      { kind: 2, who: 0, target: 0, amount: 0 },
      { kind: 6, who: 0, target: 0, amount: 0 },
      { kind: 4, who: 0, target: 0, amount: 0 },
    ]
    const entries = buildWorkload(workload, signers)
    const expected = snapshot(feed(entries))
    const ledger = feed(shuffled(entries, -368911917))
    assert.equal(ledger.heldCount, 0)
    assert.equal(snapshot(ledger), expected)
  })

  it('unauthorized spend is impossible: forged legs that debit an account the author does not own are refused', () => {
    const ledger = devnetLedger()
    for (const signer of signers) fund(ledger, signer, 500n * IPPC)
    fund(ledger, signers[0] as (typeof signers)[0], 100n * IPPC, 'IPPC', 'pool-source')
    const root = toHex(ledger.stateRoot())
    const victims = [...signers.map((signer) => signer.hex), ...SYSTEM_ACCOUNTS]
    const forgedEntry = fc
      .record(
        {
          author: fc.constantFrom(...signers),
          victim: fc.constantFrom(...victims),
          beneficiary: fc.constantFrom(...victims),
          amount: fc.bigInt({ min: 1n, max: 10n ** 12n }),
          currency: fc.constantFrom<Currency>(...CURRENCIES),
          actionKind: fc.constantFrom('transfer', 'dao_fee', 'mint', 'burn', 'bounty_payout', 'llm_inference', 'receive'),
          extraLegs: fc.array(fc.record({ account: fc.constantFrom(...victims), amount: fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }).filter((value) => value !== 0n) }, { noNullPrototype: true }), { maxLength: 3 }),
        },
        { noNullPrototype: true },
      )
      .filter(({ author, victim }) => victim !== author.hex)
    fc.assert(
      fc.property(forgedEntry, ({ author, victim, beneficiary, amount, currency, actionKind, extraLegs }) => {
        const legs: Leg[] = [
          { account: victim, currency, amount: -amount },
          { account: beneficiary, currency, amount },
          ...extraLegs.map((leg) => ({ ...leg, currency })),
        ]
        // A grant for the action, but never one that names the victim as what it debits.
        const grant = devnetGrant({ proposal: 'forged', author: author.publicKey, from: 'swarm:issuance', to: author.hex, currency, amount })
        const actions: Record<string, Action> = {
          transfer: { type: 'transfer', memo: '' },
          dao_fee: { type: 'dao_fee', proposal: 'p' },
          mint: { type: 'mint', grant },
          burn: { type: 'burn', grant: { ...grant, from: author.hex, to: 'swarm:issuance' } },
          bounty_payout: { type: 'bounty_payout', target: author.hex, grant: { ...grant, from: 'swarm:bounty' } },
          llm_inference: { type: 'llm_inference', model: 'm', tokens: 1 },
          receive: { type: 'receive', source: new Uint8Array(32) },
        }
        const entry = signAt(ledger, author, { action: actions[actionKind] as Action, legs })
        if (actionKind === 'mint' && victim === 'swarm:issuance') return // that is the mint grant's own debit, checked elsewhere
        assert.throws(() => ledger.append(entry))
        assert.equal(toHex(ledger.stateRoot()), root)
      }),
      { numRuns: 400 },
    )
  })
})

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { encode as cborgEncode } from 'cborg'
import { buildBountyPayout, buildDaoFee, buildMetered, buildMint, buildReceive, buildTransfer, receiveAll } from './build-entry.ts'
import { BALANCE_ABS_MAX } from './constants.ts'
import { entryBodyCborValue, toHex, type Action, type Leg, type SignedEntry } from './entry.ts'
import { LedgerForkError, type LedgerValidationError } from './errors.ts'
import { verifyForkProof } from './fork-proof.ts'
import { devnetGrant, signGrant } from './grant.ts'
import { Ledger, type AddVerdict } from './ledger.ts'
import { LedgerState } from './ledger-state.ts'
import { computeStateRoot } from './state-root.ts'
import { devnetLedger, fund, IPPC, payment, signAt, testSigner, TEST_TIMESTAMP_MS, unsignedSigner } from './testing.ts'

const alice = testSigner('alice')
const bob = testSigner('bob')
const carol = testSigner('carol')

/** alice has 1000 IPPC, bob 100 IPPC, carol nothing. */
function setup(): Ledger {
  const ledger = devnetLedger()
  fund(ledger, alice, 1000n * IPPC)
  fund(ledger, bob, 100n * IPPC)
  return ledger
}

function hex(bytes: Uint8Array): string {
  return toHex(bytes)
}

/** A second ledger with the same known entries (fed in another order). */
function replicaOf(ledger: Ledger): Ledger {
  const replica = devnetLedger()
  for (const entry of [...ledger.knownEntries()].reverse()) replica.add(entry, { signatureVerified: true })
  assert.equal(hex(replica.stateRoot()), hex(ledger.stateRoot()))
  return replica
}

/**
 * The entry is refused with `name` by `append` (throws) and by `add` (verdict), and neither
 * changes the state root. `add` runs on a replica: a validly signed entry refused by a stateful
 * rule is kept there as evidence and takes its author's next seq (anything else there is a fork).
 */
function expectRefused(ledger: Ledger, entry: SignedEntry, name: string): LedgerValidationError {
  const root = hex(ledger.stateRoot())
  const balances = ledger.balances()
  assert.throws(() => ledger.append(entry), { name })
  assert.equal(hex(ledger.stateRoot()), root, `append of a ${name} entry changed the state root`)
  assert.deepEqual(ledger.balances(), balances)
  const replica = replicaOf(ledger)
  const verdict = replica.add(entry)
  assert.equal(verdict.status, 'rejected', `add verdict was ${verdict.status}`)
  assert.equal((verdict as { error: LedgerValidationError }).error.name, name)
  assert.equal(hex(replica.stateRoot()), root, `add of a ${name} entry changed the state root`)
  return (verdict as { error: LedgerValidationError }).error
}

function transferAction(memo = ''): Action {
  return { type: 'transfer', memo }
}

function applied(verdict: AddVerdict): readonly SignedEntry[] {
  assert.equal(verdict.status, 'applied', JSON.stringify(verdict, (_key, value) => (typeof value === 'bigint' ? `${value}` : value)))
  return (verdict as { applied: readonly SignedEntry[] }).applied
}

describe('Ledger: every refusal has its typed error and leaves the ledger unchanged', () => {
  it('EntrySignatureInvalidError', () => {
    const ledger = setup()
    const entry = buildTransfer(ledger, alice, { to: bob.hex, currency: 'IPPC', amount: IPPC })
    const forged = { ...entry, sig: entry.sig.map((byte, index) => (index === 0 ? byte ^ 1 : byte)) }
    expectRefused(ledger, forged, 'EntrySignatureInvalidError')
  })

  it('EntryMalformedError, EntryUnknownActionError and EntryVersionUnsupportedError through addRaw', () => {
    const ledger = setup()
    const root = hex(ledger.stateRoot())
    const entry = buildTransfer(ledger, alice, { to: bob.hex, currency: 'IPPC', amount: IPPC })
    const value = entryBodyCborValue(entry.body)
    const cases: [Uint8Array, string][] = [
      [new Uint8Array([1, 2, 3]), 'EntryMalformedError'],
      [entry.raw.subarray(1), 'EntryMalformedError'],
      [cborgEncode({ ...value, action: { type: 'teleport', memo: '' } }), 'EntryUnknownActionError'],
      [cborgEncode({ ...value, v: 2 }), 'EntryVersionUnsupportedError'],
    ]
    for (const [raw, name] of cases) {
      const verdict = ledger.addRaw(raw, entry.sig)
      assert.equal(verdict.status, 'rejected')
      assert.equal((verdict as { error: Error }).error.name, name)
    }
    const notAnEntry = ledger.add({ body: { legs: [] } } as unknown as SignedEntry)
    assert.equal((notAnEntry as { error: Error }).error.name, 'EntryMalformedError')
    assert.equal(hex(ledger.stateRoot()), root)
    assert.equal(ledger.addRaw(entry.raw, entry.sig).status, 'applied')
  })

  it('LedgerSeqGapError (add keeps the entry pending instead)', () => {
    const ledger = setup()
    const head = ledger.head(alice.hex)
    assert.ok(head)
    const entry = signAt(ledger, alice, { action: transferAction(), legs: payment(alice.hex, bob.hex, IPPC), seq: head.seq + 2, prev: new Uint8Array(32) })
    const root = hex(ledger.stateRoot())
    assert.throws(() => ledger.append(entry), { name: 'LedgerSeqGapError' })
    assert.deepEqual(ledger.add(entry), { status: 'pending', waitingFor: hex(new Uint8Array(32)) })
    assert.equal(ledger.pendingCount, 1)
    assert.equal(hex(ledger.stateRoot()), root)
  })

  it('LedgerPrevMismatchError', () => {
    const ledger = setup()
    const entry = signAt(ledger, alice, { action: transferAction(), legs: payment(alice.hex, bob.hex, IPPC), prev: new Uint8Array(32).fill(9) })
    expectRefused(ledger, entry, 'LedgerPrevMismatchError')
  })

  it('LedgerUnbalancedLegsError', () => {
    const ledger = setup()
    const legs: Leg[] = [
      { account: alice.hex, currency: 'IPPC', amount: -5n },
      { account: bob.hex, currency: 'IPPC', amount: 4n },
    ]
    const error = expectRefused(ledger, signAt(ledger, alice, { action: transferAction(), legs }), 'LedgerUnbalancedLegsError')
    assert.equal((error as unknown as { sum: bigint }).sum, -1n)
    const mixed: Leg[] = [
      { account: alice.hex, currency: 'IPPC', amount: -5n },
      { account: bob.hex, currency: 'IUSD', amount: 5n },
    ]
    expectRefused(ledger, signAt(ledger, alice, { action: transferAction(), legs: mixed }), 'LedgerUnbalancedLegsError')
  })

  it('LedgerUnauthorizedSpendError: another node’s account, or a system account without a grant', () => {
    const ledger = setup()
    expectRefused(ledger, signAt(ledger, alice, { action: transferAction(), legs: payment(bob.hex, alice.hex, 5n) }), 'LedgerUnauthorizedSpendError')
    expectRefused(ledger, signAt(ledger, alice, { action: transferAction(), legs: payment('swarm:treasury', alice.hex, 5n) }), 'LedgerUnauthorizedSpendError')
    expectRefused(ledger, signAt(ledger, alice, { action: { type: 'dao_fee', proposal: 'p' }, legs: payment('swarm:compute', 'swarm:treasury', 5n) }), 'LedgerUnauthorizedSpendError')
    // A mint grant authorizes a debit of swarm:issuance only.
    const grant = devnetGrant({ proposal: 'mint-x', author: alice.publicKey, to: alice.hex, currency: 'IPPC', amount: 5n })
    expectRefused(ledger, signAt(ledger, alice, { action: { type: 'mint', grant }, legs: payment('swarm:treasury', alice.hex, 5n) }), 'LedgerUnauthorizedSpendError')
    // A burn grant cannot take value out of another node's account.
    const burnBob = devnetGrant({ proposal: 'burn-bob', author: alice.publicKey, from: bob.hex, to: 'swarm:issuance', currency: 'IPPC', amount: 5n })
    expectRefused(ledger, signAt(ledger, alice, { action: { type: 'burn', grant: burnBob }, legs: payment(bob.hex, 'swarm:issuance', 5n) }), 'LedgerUnauthorizedSpendError')
  })

  it('LedgerActionShapeError', () => {
    const ledger = setup()
    const three: Leg[] = [...payment(alice.hex, bob.hex, 2n), { account: alice.hex, currency: 'IPPC', amount: -1n }, { account: carol.hex, currency: 'IPPC', amount: 1n }]
    const cases: [Action, readonly Leg[]][] = [
      [transferAction(), three],
      [transferAction(), payment(alice.hex, 'swarm:issuance', 5n)],
      [transferAction(), payment(alice.hex, alice.hex, 5n)],
      [transferAction(), [payment(alice.hex, bob.hex, 5n)[1] as Leg, payment(alice.hex, bob.hex, 5n)[0] as Leg]],
      [{ type: 'dao_fee', proposal: 'p' }, payment(alice.hex, 'swarm:compute', 5n)],
      [{ type: 'receive', source: new Uint8Array(32) }, payment(alice.hex, bob.hex, 5n)],
      [{ type: 'llm_inference', model: 'm', tokens: 0 }, payment(alice.hex, 'swarm:treasury', 10n * IPPC)],
    ]
    for (const [action, legs] of cases) expectRefused(ledger, signAt(ledger, alice, { action, legs }), 'LedgerActionShapeError')
  })

  it('LedgerCostMismatchError: the cost comes from the rules, to the base unit', () => {
    const ledger = setup()
    const action: Action = { type: 'llm_inference', model: 'llama-3-8b', tokens: 812 }
    const cost = 10n * IPPC + 812n * 20_000n
    const error = expectRefused(ledger, signAt(ledger, alice, { action, legs: payment(alice.hex, 'swarm:compute', cost + 1n) }), 'LedgerCostMismatchError')
    assert.equal((error as unknown as { expected: bigint }).expected, cost)
    expectRefused(ledger, signAt(ledger, alice, { action, legs: [] }), 'LedgerCostMismatchError')
    expectRefused(ledger, signAt(ledger, alice, { action: { type: 'tool_exec', tool: 'grep', durationMs: 0 }, legs: payment(alice.hex, 'swarm:compute', 1n) }), 'LedgerCostMismatchError')
    ledger.append(signAt(ledger, alice, { action, legs: payment(alice.hex, 'swarm:compute', cost) }))
    ledger.append(signAt(ledger, alice, { action: { type: 'tool_exec', tool: 'grep', durationMs: 0 }, legs: [] }))
  })

  it('LedgerGrantInvalidError: unknown authority, bad signature, other author, legs not the grant, wrong roles', () => {
    const ledger = setup()
    const mint = (grant: ReturnType<typeof devnetGrant>, legs = payment(grant.from, grant.to, grant.amount, grant.currency)) =>
      signAt(ledger, alice, { action: { type: 'mint', grant }, legs })
    const good = devnetGrant({ proposal: 'm-1', author: alice.publicKey, to: alice.hex, currency: 'IPPC', amount: 5n * IPPC })
    const rogue = signGrant({ proposal: 'm-1', author: alice.publicKey, to: alice.hex, currency: 'IPPC', amount: 5n * IPPC }, testSigner('rogue authority'))
    const errors = [
      expectRefused(ledger, mint(rogue), 'LedgerGrantInvalidError'),
      expectRefused(ledger, mint({ ...good, amount: 6n * IPPC }), 'LedgerGrantInvalidError'),
      expectRefused(ledger, mint(devnetGrant({ proposal: 'm-2', author: bob.publicKey, to: alice.hex, currency: 'IPPC', amount: 5n })), 'LedgerGrantInvalidError'),
      expectRefused(ledger, mint(good, payment('swarm:issuance', alice.hex, 4n * IPPC)), 'LedgerGrantInvalidError'),
      expectRefused(ledger, mint(good, payment('swarm:issuance', bob.hex, 5n * IPPC)), 'LedgerGrantInvalidError'),
      expectRefused(ledger, mint(devnetGrant({ proposal: 'm-3', author: alice.publicKey, from: 'swarm:bounty', to: alice.hex, currency: 'IPPC', amount: 5n })), 'LedgerGrantInvalidError'),
    ]
    const reasons = errors.map((error) => (error as unknown as { reason: string }).reason)
    const expected = [/not a mint authority/, /signature does not verify/, /names another author/, /legs must be exactly/, /legs must be exactly/, /debits swarm:issuance/]
    expected.forEach((pattern, index) => assert.match(reasons[index] as string, pattern))
    const bounty = devnetGrant({ proposal: 'b-1', author: alice.publicKey, from: 'swarm:bounty', to: bob.hex, currency: 'IPPC', amount: 5n })
    expectRefused(ledger, signAt(ledger, alice, { action: { type: 'bounty_payout', target: carol.hex, grant: bounty }, legs: payment('swarm:bounty', bob.hex, 5n) }), 'LedgerGrantInvalidError')
    const burn = devnetGrant({ proposal: 'burn-1', author: alice.publicKey, from: alice.hex, to: 'swarm:treasury', currency: 'IPPC', amount: 5n })
    expectRefused(ledger, signAt(ledger, alice, { action: { type: 'burn', grant: burn }, legs: payment(alice.hex, 'swarm:treasury', 5n) }), 'LedgerGrantInvalidError')
    ledger.append(mint(good))
  })

  it('LedgerGrantReusedError: one grant, once', () => {
    const ledger = setup()
    const grant = devnetGrant({ proposal: 'once', author: alice.publicKey, to: alice.hex, currency: 'IPPC', amount: 5n })
    ledger.append(buildMint(ledger, alice, { grant }))
    expectRefused(ledger, buildMint(ledger, alice, { grant }), 'LedgerGrantReusedError')
    // The same authorization signed again is still the same grant.
    const resigned = devnetGrant({ proposal: 'once', author: alice.publicKey, to: alice.hex, currency: 'IPPC', amount: 5n })
    expectRefused(ledger, buildMint(ledger, alice, { grant: resigned }), 'LedgerGrantReusedError')
  })

  it('LedgerOverdraftError: node accounts and swarm pools never go below zero', () => {
    const ledger = setup()
    const error = expectRefused(ledger, buildTransfer(ledger, alice, { to: bob.hex, currency: 'IPPC', amount: 1000n * IPPC + 1n }), 'LedgerOverdraftError')
    assert.equal((error as unknown as { balance: bigint }).balance, 1000n * IPPC)
    expectRefused(ledger, buildMetered(ledger, carol, { type: 'llm_inference', model: 'm', tokens: 0 }), 'LedgerOverdraftError')
    expectRefused(ledger, buildTransfer(ledger, alice, { to: bob.hex, currency: 'IUSD', amount: 1n }), 'LedgerOverdraftError')
    const bounty = devnetGrant({ proposal: 'b-1', author: alice.publicKey, from: 'swarm:bounty', to: bob.hex, currency: 'IPPC', amount: 5n })
    assert.throws(() => ledger.append(buildBountyPayout(ledger, alice, { grant: bounty })), { name: 'LedgerOverdraftError' })
    ledger.append(buildTransfer(ledger, alice, { to: bob.hex, currency: 'IPPC', amount: 1000n * IPPC }))
    assert.equal(ledger.balance(alice.hex, 'IPPC'), 0n)
  })

  it('LedgerReceiveInvalidError: own entry, not a credit to the receiver, received twice, unknown source', () => {
    const ledger = setup()
    const toBob = buildTransfer(ledger, alice, { to: bob.hex, currency: 'IPPC', amount: 7n * IPPC })
    ledger.append(toBob)
    const aliceMint = ledger.head(alice.hex)
    assert.ok(aliceMint)
    expectRefused(ledger, buildReceive(ledger, alice, { source: toBob }), 'LedgerReceiveInvalidError')
    expectRefused(ledger, buildReceive(ledger, carol, { source: toBob }), 'LedgerReceiveInvalidError')
    ledger.append(buildReceive(ledger, bob, { source: toBob }))
    expectRefused(ledger, buildReceive(ledger, bob, { source: toBob }), 'LedgerReceiveInvalidError')
    const unknown = buildReceive(ledger, bob, { source: new Uint8Array(32).fill(1) })
    assert.throws(() => ledger.append(unknown), { name: 'LedgerReceiveInvalidError' })
    assert.equal(ledger.balance(bob.hex, 'IPPC'), 107n * IPPC)
  })

  it('a validly signed entry refused by a stateful rule is kept as evidence: its seq is taken', () => {
    const ledger = setup()
    const overdraft = buildTransfer(ledger, alice, { to: bob.hex, currency: 'IPPC', amount: 1001n * IPPC })
    assert.equal(ledger.add(overdraft).status, 'rejected')
    assert.equal(ledger.standing(overdraft.idHex)?.status, 'dead')
    assert.throws(() => buildTransfer(ledger, alice, { to: bob.hex, currency: 'IPPC', amount: IPPC }), { name: 'LedgerChainBlockedError' })
    const other = signAt(ledger, alice, { action: transferAction(), legs: payment(alice.hex, bob.hex, IPPC) })
    assert.equal(ledger.add(other).status, 'fork')
  })

  it('LedgerDuplicateEntryError', () => {
    const ledger = setup()
    const entry = buildTransfer(ledger, alice, { to: bob.hex, currency: 'IPPC', amount: IPPC })
    ledger.append(entry)
    const root = hex(ledger.stateRoot())
    assert.throws(() => ledger.append(entry), { name: 'LedgerDuplicateEntryError' })
    assert.deepEqual(ledger.add(entry), { status: 'duplicate' })
    assert.equal(hex(ledger.stateRoot()), root)
  })

  it('LedgerForkError and LedgerAuthorFrozenError', () => {
    const ledger = setup()
    const first = buildTransfer(ledger, alice, { to: bob.hex, currency: 'IPPC', amount: IPPC, timestamp: 1 })
    const second = buildTransfer(ledger, alice, { to: bob.hex, currency: 'IPPC', amount: IPPC, timestamp: 2 })
    ledger.append(first)
    const root = hex(ledger.stateRoot())
    assert.throws(
      () => ledger.append(second),
      (error: unknown) => error instanceof LedgerForkError && verifyForkProof(error.proof),
    )
    assert.equal(hex(ledger.stateRoot()), root)
    const verdict = ledger.add(second)
    assert.equal(verdict.status, 'fork')
    assert.ok(verifyForkProof((verdict as { proof: Parameters<typeof verifyForkProof>[0] }).proof))
    assert.deepEqual(ledger.forkProofs(), [(verdict as { proof: unknown }).proof])
    // alice is frozen from seq 1: her genesis mint still counts, the transfer no longer does.
    assert.equal(ledger.balance(alice.hex, 'IPPC'), 1000n * IPPC)
    assert.deepEqual(ledger.inTransit(), [])
    const after = signAt(ledger, alice, { action: transferAction(), legs: payment(alice.hex, bob.hex, IPPC), seq: 2, prev: first.id })
    assert.throws(() => ledger.append(after), { name: 'LedgerAuthorFrozenError' })
    assert.equal((ledger.add(after) as { error: Error }).error.name, 'LedgerAuthorFrozenError')
    assert.throws(() => buildTransfer(ledger, alice, { to: bob.hex, currency: 'IPPC', amount: 1n }), { name: 'LedgerChainBlockedError' })
  })

  it('LedgerBalanceOverflowError: balances stay within ±(2^127 − 1)', () => {
    // 2^127 base units need 2^64 maximal legs; set the state next to the limit instead.
    const ledger = devnetLedger()
    const mintAt = (amount: bigint) => buildMint(ledger, alice, { grant: devnetGrant({ proposal: `m${amount}`, author: alice.publicKey, to: alice.hex, currency: 'IPPC', amount }) })
    const state = new LedgerState({ checkPools: true, hold: new Set() })
    state.balances.IPPC.set(alice.hex, BALANCE_ABS_MAX - 5n)
    const record = (entry: SignedEntry) => ({ entry, status: 'pending' as const, waitingFor: undefined, error: undefined, listedUnder: undefined, leaf: undefined })
    assert.equal(state.evaluate(record(mintAt(5n))).kind, 'count')
    const overflow = state.evaluate(record(mintAt(6n)))
    assert.equal(overflow.kind === 'dead' && overflow.error.name, 'LedgerBalanceOverflowError')
    state.balances.IPPC.set('swarm:issuance', -BALANCE_ABS_MAX)
    state.balances.IPPC.set(alice.hex, 0n)
    const issuanceOverflow = state.evaluate(record(mintAt(1n)))
    assert.equal(issuanceOverflow.kind === 'dead' && issuanceOverflow.error.name, 'LedgerBalanceOverflowError')
  })
})

describe('Ledger: block-lattice receives, pending entries, forks', () => {
  it('a credit to another node is in transit until its chain receives it; supply is conserved', () => {
    const ledger = setup()
    const toCarol = buildTransfer(ledger, alice, { to: carol.hex, currency: 'IPPC', amount: 30n * IPPC })
    ledger.append(toCarol)
    assert.equal(ledger.balance(carol.hex, 'IPPC'), 0n)
    assert.deepEqual(ledger.inTransit(), [{ source: toCarol.idHex, to: carol.hex, currency: 'IPPC', amount: 30n * IPPC }])
    assert.equal(ledger.supply('IPPC'), 1100n * IPPC)
    const total = () => ledger.balances().reduce((sum, line) => sum + line.amount, 0n) + ledger.inTransit().reduce((sum, credit) => sum + credit.amount, 0n)
    assert.equal(total(), 0n)
    receiveAll(ledger, carol)
    assert.equal(ledger.balance(carol.hex, 'IPPC'), 30n * IPPC)
    assert.deepEqual(ledger.inTransit(), [])
    assert.equal(total(), 0n)
    // Credits to system accounts and to the author itself count at once.
    ledger.append(buildDaoFee(ledger, carol, { proposal: 'p-1', amount: 2n * IPPC }))
    assert.equal(ledger.balance('swarm:treasury', 'IPPC'), 2n * IPPC)
  })

  it('entries wait for their prev and their source, then apply together', () => {
    const source = setup()
    const toCarol = buildTransfer(source, alice, { to: carol.hex, currency: 'IPPC', amount: 30n * IPPC })
    source.append(toCarol)
    const receive = buildReceive(source, carol, { source: toCarol })
    source.append(receive)
    const spend = buildMetered(source, carol, { type: 'llm_inference', model: 'm', tokens: 100 })
    source.append(spend)
    const all = [...source.entries()]
    const ledger = devnetLedger()
    assert.deepEqual(ledger.add(spend), { status: 'pending', waitingFor: receive.idHex })
    assert.deepEqual(ledger.add(receive), { status: 'pending', waitingFor: toCarol.idHex })
    for (const entry of all.filter((entry) => entry.authorHex !== carol.hex && entry !== toCarol)) applied(ledger.add(entry))
    assert.equal(ledger.pendingCount, 2)
    assert.deepEqual(
      applied(ledger.add(toCarol)).map((entry) => entry.idHex),
      [toCarol.idHex, receive.idHex, spend.idHex],
    )
    assert.equal(ledger.pendingCount, 0)
    assert.equal(hex(ledger.stateRoot()), hex(source.stateRoot()))
  })

  it('a fork freezes the author: receives of its frozen entries are void, and what depended on them is excluded', () => {
    const ledger = setup()
    const toCarol = buildTransfer(ledger, alice, { to: carol.hex, currency: 'IPPC', amount: 30n * IPPC, timestamp: 1 })
    ledger.append(toCarol)
    const receive = buildReceive(ledger, carol, { source: toCarol })
    ledger.append(receive)
    const carolSpends = buildTransfer(ledger, carol, { to: 'swarm:treasury', currency: 'IPPC', amount: 20n * IPPC })
    ledger.append(carolSpends)
    const carolNext = buildMetered(ledger, carol, { type: 'tool_exec', tool: 't', durationMs: 0 })
    ledger.append(carolNext)
    assert.equal(ledger.balance('swarm:treasury', 'IPPC'), 20n * IPPC)
    const rootBefore = hex(ledger.stateRoot())
    // alice signs another entry at the seq of her transfer: a fork.
    const conflicting = signAt(ledger, alice, { action: transferAction('again'), legs: payment(alice.hex, bob.hex, IPPC), seq: toCarol.body.seq, prev: toCarol.body.prev })
    const verdict = ledger.add(conflicting)
    assert.equal(verdict.status, 'fork')
    assert.notEqual(hex(ledger.stateRoot()), rootBefore)
    assert.equal(ledger.standing(toCarol.idHex)?.status, 'frozen')
    assert.equal(ledger.standing(receive.idHex)?.status, 'counted', 'the receive stays valid (void)')
    assert.equal(ledger.standing(carolSpends.idHex)?.status, 'dead')
    assert.equal(ledger.standing(carolSpends.idHex)?.error?.name, 'LedgerOverdraftError')
    assert.equal(ledger.standing(carolNext.idHex)?.error?.name, 'LedgerPrevRefusedError')
    assert.equal(ledger.balance(carol.hex, 'IPPC'), 0n)
    assert.equal(ledger.balance('swarm:treasury', 'IPPC'), 0n)
    assert.equal(ledger.balance(alice.hex, 'IPPC'), 1000n * IPPC)
    assert.throws(() => ledger.nextPosition(carol.hex), { name: 'LedgerChainBlockedError' })
    // The same entries in another order give the same state.
    const replay = devnetLedger()
    for (const entry of [conflicting, carolNext, ...ledger.knownEntries()].reverse()) replay.add(entry)
    assert.equal(hex(replay.stateRoot()), hex(ledger.stateRoot()))
  })

  it('a fork of an author without counted entries at or after it freezes without a recompute', () => {
    const ledger = setup()
    const source = setup()
    const a = buildTransfer(source, alice, { to: carol.hex, currency: 'IPPC', amount: IPPC, timestamp: 1 })
    const b = buildTransfer(source, alice, { to: carol.hex, currency: 'IPPC', amount: IPPC, timestamp: 2 })
    source.append(a)
    const receiveA = buildReceive(source, carol, { source: a })
    assert.equal(ledger.add(receiveA).status, 'pending')
    assert.equal(ledger.add(a).status, 'applied')
    assert.equal(ledger.add(b).status, 'fork')
    assert.equal(ledger.standing(receiveA.idHex)?.status, 'counted')
    assert.equal(ledger.balance(carol.hex, 'IPPC'), 0n)
  })

  it('stateRoot is the documented function of the counted entries and balances', () => {
    const ledger = setup()
    ledger.append(buildTransfer(ledger, alice, { to: carol.hex, currency: 'IPPC', amount: 3n }))
    receiveAll(ledger, carol)
    const ids = [...ledger.entries()].map((entry) => entry.id)
    const authors = [...ledger.entries()].map((entry) => `${entry.authorHex}/${String(entry.body.seq).padStart(4, '0')}`)
    assert.deepEqual(authors, [...authors].sort())
    assert.equal(hex(ledger.stateRoot()), hex(computeStateRoot(ids, ledger.balances())))
  })
})

describe('Ledger: system pools', () => {
  const poolGrant = (author: typeof alice, proposal: string, amount: bigint, to = bob.hex) =>
    devnetGrant({ proposal, author: author.publicKey, from: 'swarm:bounty', to, currency: 'IPPC', amount })

  it('an over-granted pool holds its last payout until funded, the same in every arrival order', () => {
    const builder = setup()
    const fundPool = buildMint(builder, alice, { grant: devnetGrant({ proposal: 'fund-1', author: alice.publicKey, to: 'swarm:bounty', currency: 'IPPC', amount: 10n * IPPC }) })
    builder.append(fundPool)
    // Two authors each pay a 10 IPPC bounty they saw funded; only one fits.
    const payA = buildBountyPayout(builder, alice, { grant: poolGrant(alice, 'bounty-a', 10n * IPPC, carol.hex) })
    const payB = buildBountyPayout(builder, bob, { grant: poolGrant(bob, 'bounty-b', 10n * IPPC, carol.hex) })
    const base = [...builder.entries()]
    const roots = new Set<string>()
    for (const order of [
      [...base, payA, payB],
      [...base, payB, payA],
      [payB, payA, ...base].reverse(),
      [payA, ...base, payB].reverse(),
    ]) {
      const ledger = devnetLedger()
      for (const entry of order) ledger.add(entry)
      assert.equal(ledger.balance('swarm:bounty', 'IPPC'), 0n)
      assert.equal(ledger.heldCount, 1)
      roots.add(hex(ledger.stateRoot()))
    }
    assert.equal(roots.size, 1)
    // Funding the pool releases the held payout.
    const ledger = devnetLedger()
    for (const entry of [...base, payA, payB]) ledger.add(entry)
    const refill = buildMint(ledger, carol, { grant: devnetGrant({ proposal: 'fund-2', author: carol.publicKey, to: 'swarm:bounty', currency: 'IPPC', amount: 10n * IPPC }) })
    assert.equal(ledger.add(refill).status, 'applied')
    assert.equal(ledger.heldCount, 0)
    assert.equal(ledger.balance('swarm:bounty', 'IPPC'), 0n)
    assert.equal(ledger.inTransitTo(carol.hex).length, 2)
  })

  it('append refuses a payout the pool cannot cover, and pays one it can', () => {
    const ledger = setup()
    ledger.append(buildMint(ledger, alice, { grant: devnetGrant({ proposal: 'fund', author: alice.publicKey, to: 'swarm:bounty', currency: 'IPPC', amount: 10n * IPPC }) }))
    const root = hex(ledger.stateRoot())
    assert.throws(() => ledger.append(buildBountyPayout(ledger, alice, { grant: poolGrant(alice, 'too-much', 11n * IPPC) })), { name: 'LedgerOverdraftError' })
    assert.equal(hex(ledger.stateRoot()), root)
    ledger.append(buildBountyPayout(ledger, alice, { grant: poolGrant(alice, 'ok', 10n * IPPC) }))
    assert.equal(ledger.balance('swarm:bounty', 'IPPC'), 0n)
  })
})

describe('Ledger: append hot path', () => {
  it('moves its revision exactly when the counted entries, and so the state root, change', () => {
    const ledger = setup()
    const seen = (): [number, string] => [ledger.revision, hex(ledger.stateRoot())]
    const [revision, root] = seen()
    assert.deepEqual(seen(), [revision, root], 'reading changes nothing')
    const spend = buildMetered(ledger, alice, { type: 'llm_inference', model: 'm', tokens: 10 })
    ledger.append(spend, { signatureVerified: true })
    const [afterRevision, afterRoot] = seen()
    assert.notEqual(afterRevision, revision)
    assert.notEqual(afterRoot, root)
    assert.equal(ledger.add(spend, { signatureVerified: true }).status, 'duplicate')
    assert.throws(() => ledger.append(buildMetered(ledger, carol, { type: 'llm_inference', model: 'm', tokens: 10 })), { name: 'LedgerOverdraftError' })
    assert.deepEqual(seen(), [afterRevision, afterRoot], 'a duplicate and a refused entry leave both alone')
  })


  it('does not verify the signature when told it is verified', () => {
    let calls = 0
    const ledger = new Ledger({
      rules: devnetLedger().rules,
      verifySignature: () => {
        calls++
        return true
      },
    })
    const genesis = buildMint(ledger, alice, { grant: devnetGrant({ proposal: 'g', author: alice.publicKey, to: alice.hex, currency: 'IPPC', amount: IPPC }) })
    ledger.append(genesis, { signatureVerified: true })
    const grantChecks = calls
    const fake = unsignedSigner(alice.publicKey)
    ledger.append(buildMetered(ledger, fake, { type: 'tool_exec', tool: 't', durationMs: 1 }), { signatureVerified: true })
    assert.equal(calls, grantChecks, 'no entry signature was verified')
    assert.throws(() => new Ledger({ rules: devnetLedger().rules }).append(buildMint(ledger, fake, { grant: devnetGrant({ proposal: 'h', author: alice.publicKey, to: alice.hex, currency: 'IPPC', amount: IPPC }), timestamp: TEST_TIMESTAMP_MS })), {
      name: 'EntrySignatureInvalidError',
    })
  })
})

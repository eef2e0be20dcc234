import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { blobValue, DuckDBInstance } from '@duckdb/node-api'
import fc from 'fast-check'
import { signEntry, toHex, type SignedEntry } from './entry.ts'
import { paymentLegs, signValidChain, testSigner } from './fixtures/chain.ts'
import { openLedger, type PersistentLedger } from './persistent-ledger.ts'
import { DEVNET_RULES } from './rules.ts'
import { buildWorkload, shuffled, testSigner as fixtureSigner } from './testing.ts'
import { VERIFY_WORKERS_MIN_ENTRIES } from './verify-workers.ts'

const temporaryRoot = mkdtempSync(join(tmpdir(), 'ippoc-persistent-test-'))
after(() => rmSync(temporaryRoot, { recursive: true, force: true }))
let fileCounter = 0
const freshPath = () => join(temporaryRoot, `n${fileCounter++}`, 'economy', 'ledger.duckdb')

const alice = testSigner('alice')
const bob = testSigner('bob')
const open = (path: string, verifyWorkers = 0) => openLedger({ path, rules: DEVNET_RULES, verifyWorkers })

/** Appends `entries` in batches of `batchSize` without awaiting in between (as the bench does), then flushes. */
async function appendAll(ledger: PersistentLedger, entries: readonly SignedEntry[], batchSize: number): Promise<void> {
  const commits: Promise<void>[] = []
  for (let index = 0; index < entries.length; index += batchSize) commits.push(ledger.append(entries.slice(index, index + batchSize), { signatureVerified: true }))
  await Promise.all(commits)
}

async function rewriteRow(path: string, position: number, entry: SignedEntry): Promise<void> {
  const instance = await DuckDBInstance.create(path)
  const connection = await instance.connect()
  await connection.run('UPDATE entries SET raw = $1, id = $2, sig = $3 WHERE position = $4', [blobValue(entry.raw), blobValue(entry.id), blobValue(entry.sig), position])
  connection.closeSync()
  instance.closeSync()
}

async function expectInvalidAt(path: string, verifyWorkers: number, position: number, problem: RegExp): Promise<void> {
  await assert.rejects(open(path, verifyWorkers), (error: Error & { location?: { position: number } }) => {
    assert.equal(error.name, 'LedgerStoredEntryInvalidError')
    assert.equal(error.location?.position, position)
    assert.match(error.message, problem)
    return true
  })
}

describe('persistent ledger', () => {
  test('reopens to the same balances and state root, verifying the whole chain', async () => {
    const path = freshPath()
    const entries = signValidChain(alice, { start: 0, count: 120, prev: null })
    const ledger = await open(path)
    assert.equal(ledger.openReport.entries, 0)
    await appendAll(ledger, entries, 25)
    const root = toHex(ledger.ledger.stateRoot())
    const balances = ledger.ledger.balances()
    await ledger.close()

    const reopened = await open(path)
    assert.equal(reopened.openReport.entries, 120)
    assert.equal(toHex(reopened.ledger.stateRoot()), root)
    assert.deepEqual(reopened.ledger.balances(), balances)
    assert.equal(reopened.ledger.head(toHex(alice.publicKey))?.seq, 119)
    const more = signValidChain(alice, { start: 120, count: 5, prev: entries.at(-1)!.id })
    await reopened.append(more, { signatureVerified: true })
    await reopened.close()
    const third = await open(path)
    assert.equal(third.storedCount, 125)
    await third.close()
  })

  test(`verifies signatures in worker threads from ${VERIFY_WORKERS_MIN_ENTRIES} entries, with the same result`, async () => {
    const path = freshPath()
    const count = VERIFY_WORKERS_MIN_ENTRIES + 500
    const entries = signValidChain(alice, { start: 0, count, prev: null })
    const ledger = await open(path)
    await appendAll(ledger, entries, 1000)
    const root = toHex(ledger.ledger.stateRoot())
    await ledger.close()
    const progress: number[] = []
    const withWorkers = await openLedger({ path, rules: DEVNET_RULES, verifyWorkers: 2, onProgress: ({ verified }) => progress.push(verified) })
    assert.equal(withWorkers.openReport.verifyWorkers, 2)
    assert.equal(toHex(withWorkers.ledger.stateRoot()), root)
    assert.equal(progress.at(-1), count)
    await withWorkers.close()

    // A bad signature deep in the chain is named, by the workers and by the main thread alike.
    const forged = { ...entries[2222]!, sig: new Uint8Array(entries[2222]!.sig).fill(1, 0, 8) }
    await rewriteRow(path, 2222, forged)
    await expectInvalidAt(path, 2, 2222, /signature/)
    await expectInvalidAt(path, 0, 2222, /signature/)
  })

  test('names the first stored entry that breaks a ledger rule, and changes nothing', async () => {
    const path = freshPath()
    const entries = signValidChain(alice, { start: 0, count: 10, prev: null })
    const ledger = await open(path)
    await appendAll(ledger, entries, 10)
    await ledger.close()
    // Re-signed by its author with one token more but the same payment: the cost no longer matches.
    const original = entries[4]!
    const action = original.body.action
    assert.equal(action.type, 'llm_inference')
    const cheater = signEntry({ ...original.body, action: { ...action, tokens: action.tokens + 1000 } }, alice)
    await rewriteRow(path, 4, cheater)
    await expectInvalidAt(path, 0, 4, /arrived as applied but replays as rejected.*cost/i)
    await expectInvalidAt(path, 0, 4, /cost/i)
  })

  test('append stores the entries before a refused one, then rejects naming it', async () => {
    const path = freshPath()
    const [mint, first, second] = signValidChain(alice, { start: 0, count: 3, prev: null })
    const aliceHex = toHex(alice.publicKey)
    const overpaid = signEntry({ ...second!.body, legs: paymentLegs(aliceHex, 1n) }, alice)
    const ledger = await open(path)
    await assert.rejects(ledger.append([mint!, first!, overpaid], { signatureVerified: true }), (error: Error & { index?: number; storedCount?: number; cause?: Error }) => {
      assert.equal(error.name, 'LedgerAppendRefusedError')
      assert.equal(error.index, 2)
      assert.equal(error.storedCount, 2)
      assert.equal(error.cause?.name, 'LedgerCostMismatchError')
      return true
    })
    await ledger.append([second!], { signatureVerified: true })
    await ledger.close()
    const reopened = await open(path)
    assert.equal(reopened.storedCount, 3)
    await reopened.close()
  })

  test('add keeps pending entries and both sides of a fork, and replays them to the same state', async () => {
    const path = freshPath()
    const aliceChain = signValidChain(alice, { start: 0, count: 6, prev: null })
    const bobChain = signValidChain(bob, { start: 0, count: 3, prev: null })
    const forkedFive = signValidChain(alice, { start: 5, count: 1, prev: aliceChain[4]!.id, timestamp: 1_800_000_000_000 })[0]!
    const ledger = await open(path)
    const verdicts = await ledger.add([...aliceChain, bobChain[1]!, bobChain[2]!, bobChain[0]!, forkedFive, aliceChain[3]!])
    assert.deepEqual(verdicts.map((verdict) => verdict.status), ['applied', 'applied', 'applied', 'applied', 'applied', 'applied', 'pending', 'pending', 'applied', 'fork', 'duplicate'])
    assert.deepEqual([...ledger.stored()].map((record) => record.verdict), ['applied', 'applied', 'applied', 'applied', 'applied', 'applied', 'pending', 'pending', 'applied', 'fork'])
    const root = toHex(ledger.ledger.stateRoot())
    assert.equal(ledger.ledger.forkProofs().length, 1)
    await ledger.close()

    const reopened = await open(path)
    assert.equal(reopened.storedCount, 10)
    assert.equal(toHex(reopened.ledger.stateRoot()), root)
    assert.equal(reopened.ledger.forkProofs().length, 1)
    assert.equal(reopened.ledger.head(toHex(bob.publicKey))?.seq, 2)
    await reopened.close()
  })

  test('checkAdd finds the first entry add would refuse or leave waiting, without changing anything', async () => {
    const path = freshPath()
    const entries = signValidChain(alice, { start: 0, count: 6, prev: null })
    const ledger = await open(path)
    await ledger.append(entries.slice(0, 2), { signatureVerified: true })
    const root = toHex(ledger.ledger.stateRoot())
    assert.deepEqual(ledger.checkAdd(entries.slice(2)), { ok: true })
    assert.deepEqual(ledger.checkAdd(entries), { ok: true }, 'entries already stored are duplicates, not errors')
    const gap = ledger.checkAdd([entries[2]!, entries[4]!, entries[5]!])
    assert.equal(gap.ok, false)
    assert.equal(!gap.ok && gap.index, 1)
    const badSignature = { ...entries[3]!, sig: new Uint8Array(64) }
    const refused = ledger.checkAdd([entries[2]!, badSignature])
    assert.equal(!refused.ok && refused.index, 1)
    assert.equal(toHex(ledger.ledger.stateRoot()), root)
    assert.equal(ledger.storedCount, 2)
    await ledger.close()
  })

  test('any workload in any arrival order (forks, waiting entries, refused evidence) reopens to the same state', async () => {
    const signers = ['w0', 'w1', 'w2', 'w3'].map(fixtureSigner)
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ kind: fc.nat(), who: fc.nat(), target: fc.nat(), amount: fc.nat() }), { minLength: 20, maxLength: 150 }),
        fc.nat(),
        async (steps, seed) => {
          const entries = shuffled(buildWorkload(steps, signers), seed)
          const path = freshPath()
          const ledger = await open(path)
          // Arrival in two batches, the second one signature-checked by the ledger itself.
          const half = Math.floor(entries.length / 2)
          await ledger.add(entries.slice(0, half), { signatureVerified: true })
          await ledger.add(entries.slice(half))
          const root = toHex(ledger.ledger.stateRoot())
          const stored = [...ledger.stored()].map((record) => `${record.entry.idHex}:${record.verdict}`)
          const known = new Set([...ledger.ledger.knownEntries()].map((entry) => entry.idHex))
          assert.deepEqual(new Set([...ledger.stored()].map((record) => record.entry.idHex)), known, 'the store keeps exactly what the ledger keeps')
          await ledger.close()
          const reopened = await open(path)
          try {
            assert.equal(toHex(reopened.ledger.stateRoot()), root)
            assert.deepEqual([...reopened.stored()].map((record) => `${record.entry.idHex}:${record.verdict}`), stored)
            assert.equal(reopened.ledger.forkProofs().length, ledger.ledger.forkProofs().length)
            assert.equal(reopened.ledger.pendingCount, ledger.ledger.pendingCount)
          } finally {
            await reopened.close()
          }
        },
      ),
      { numRuns: 15 },
    )
  })

  test('a second open of the same ledger gets LedgerStoreLockedError', async () => {
    const path = freshPath()
    const ledger = await open(path)
    await assert.rejects(open(path), { name: 'LedgerStoreLockedError' })
    await ledger.close()
    await assert.rejects(ledger.append([]), { name: 'LedgerStoreClosedError' })
  })
})

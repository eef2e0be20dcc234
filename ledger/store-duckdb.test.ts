import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { DuckDBInstance, blobValue } from '@duckdb/node-api'
import { LEG_AMOUNT_ABS_MAX } from './constants.ts'
import { signEntry, type SignedEntry } from './entry.ts'
import { signChain, testSigner } from './fixtures/chain.ts'
import { openLedgerStore, type LedgerStore, type StoredRecord, type StoreRecord } from './store-duckdb.ts'

const temporaryRoot = mkdtempSync(join(tmpdir(), 'ippoc-store-test-'))
after(() => rmSync(temporaryRoot, { recursive: true, force: true }))
let fileCounter = 0
function freshPath(): string {
  return join(temporaryRoot, `n${fileCounter++}`, 'economy', 'ledger.duckdb')
}

async function readAll(store: LedgerStore): Promise<StoredRecord[]> {
  const records: StoredRecord[] = []
  for await (const chunk of store.read()) {
    records.push(...chunk.records)
    if (chunk.failure) throw chunk.failure
  }
  return records
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const alice = testSigner('alice')
const bob = testSigner('bob')

/** Writes `batches` batches of alice's chain (sizes given) and returns the records in order. */
async function writeChain(path: string, sizes: readonly number[]): Promise<StoreRecord[]> {
  const store = await openLedgerStore({ path })
  const written: StoreRecord[] = []
  let prev: Uint8Array | null = null
  for (const size of sizes) {
    const batch: StoreRecord[] = signChain(alice, { start: written.length, count: size, prev }).map((entry) => ({ entry, verdict: 'applied' as const }))
    prev = batch.at(-1)!.entry.id
    written.push(...batch)
    await store.appendBatch(batch)
  }
  await store.close()
  return written
}

/** Runs SQL on a closed ledger file behind the store's back, as a tamperer would. */
async function tamper(path: string, sql: string, values?: Parameters<Awaited<ReturnType<DuckDBInstance['connect']>>['run']>[1]): Promise<void> {
  const instance = await DuckDBInstance.create(path)
  const connection = await instance.connect()
  await connection.run(sql, values)
  connection.closeSync()
  instance.closeSync()
}

async function expectCorruptAt(path: string, position: number, problem: RegExp): Promise<void> {
  const store = await openLedgerStore({ path })
  try {
    await assert.rejects(readAll(store), (error: Error & { location?: { position: number } }) => {
      assert.equal(error.name, 'LedgerStoreCorruptError')
      assert.equal(error.location?.position, position)
      assert.match(error.message, problem)
      return true
    })
    assert.equal(store.verified, false)
    await assert.rejects(store.appendBatch([]), { name: 'LedgerStoreInvalidArgumentError' })
  } finally {
    await store.close()
  }
}

describe('ledger store (DuckDB)', () => {
  test('round-trips entries, verdicts and positions across close and reopen', async () => {
    const path = freshPath()
    const written = await writeChain(path, [1, 5, 40])
    const bobEntries = signChain(bob, { start: 0, count: 2, prev: null })
    const store = await openLedgerStore({ path, create: false })
    assert.equal(store.entryCount, 46)
    assert.equal(store.verified, false)
    await assert.rejects(store.appendBatch([{ entry: bobEntries[0]!, verdict: 'applied' }]), { name: 'LedgerStoreInvalidArgumentError' })
    const read = await readAll(store)
    assert.equal(store.verified, true)
    assert.deepEqual(read.map((record) => record.position), written.map((_, index) => index))
    for (const [index, record] of read.entries()) {
      assert.equal(hex(record.entry.raw), hex(written[index]!.entry.raw))
      assert.equal(hex(record.entry.sig), hex(written[index]!.entry.sig))
      assert.equal(record.verdict, 'applied')
    }
    await store.appendBatch([{ entry: bobEntries[0]!, verdict: 'pending' }, { entry: bobEntries[1]!, verdict: 'fork' }])
    await store.close()
    assert.equal(existsSync(`${path}.wal`), false, 'close folds the WAL into the file')

    const again = await openLedgerStore({ path })
    const reread = await readAll(again)
    assert.equal(reread.length, 48)
    assert.deepEqual(reread.slice(46).map((record) => record.verdict), ['pending', 'fork'])
    await again.close()
  })

  test('keeps HUGEINT amounts exact (bigint in, bigint out, sums past 2^64)', async () => {
    const path = freshPath()
    const store = await openLedgerStore({ path })
    const amounts = [LEG_AMOUNT_ABS_MAX, LEG_AMOUNT_ABS_MAX - 1n, 1n, 9_007_199_254_740_993n]
    const entries = signChain(alice, { start: 0, count: amounts.length, prev: null, amount: (seq) => amounts[seq]! })
    await store.appendBatch(entries.map((entry) => ({ entry, verdict: 'applied' })))
    await store.close()
    const instance = await DuckDBInstance.create(path)
    const connection = await instance.connect()
    const rows = (await connection.runAndReadAll("SELECT amount FROM legs WHERE account = 'swarm:compute' ORDER BY position")).getRows()
    assert.deepEqual(rows.map((row) => row[0]), amounts)
    const total = (await connection.runAndReadAll("SELECT sum(amount) FROM legs WHERE account = 'swarm:compute'")).getRows()[0]![0]
    assert.equal(total, amounts.reduce((sum, amount) => sum + amount, 0n))
    connection.closeSync()
    instance.closeSync()
    const reopened = await openLedgerStore({ path })
    assert.equal((await readAll(reopened)).length, amounts.length)
    await reopened.close()
  })

  test('refuses malformed records at once, and keeps writing', async () => {
    const path = freshPath()
    const store = await openLedgerStore({ path })
    const [first] = signChain(alice, { start: 0, count: 1, prev: null })
    const cases: [string, StoreRecord[]][] = [
      ['unknown verdict', [{ entry: first!, verdict: 'duplicate' as never }]],
      ['short signature', [{ entry: { ...first!, sig: new Uint8Array(63) }, verdict: 'applied' }]],
      ['duplicate inside the batch', [{ entry: first!, verdict: 'applied' }, { entry: first!, verdict: 'applied' }]],
      ['empty batch', []],
    ]
    for (const [label, records] of cases)
      await assert.rejects(store.appendBatch(records), { name: 'LedgerStoreInvalidArgumentError' }, label)
    assert.equal(store.entryCount, 0)
    await store.appendBatch([{ entry: first!, verdict: 'applied' }])
    await assert.rejects(store.appendBatch([{ entry: first!, verdict: 'applied' }]), { name: 'LedgerStoreInvalidArgumentError' }, 'already stored')
    await store.close()
    const reopened = await openLedgerStore({ path })
    assert.equal((await readAll(reopened)).length, 1)
    await reopened.close()
  })

  test('the writer checks every entry against its bytes before writing; a bad one stops the store and writes nothing of its batch', async () => {
    const [first, second] = signChain(alice, { start: 0, count: 2, prev: null })
    const authorHex = hex(alice.publicKey)
    const unbalanced = signEntry({ ...second!.body, legs: [{ account: authorHex, currency: 'IPPC', amount: -5n }, { account: 'swarm:compute', currency: 'IPPC', amount: 4n }] }, alice)
    const cases: [string, SignedEntry][] = [
      ['id is not SHA-256(raw)', { ...second!, id: new Uint8Array(32) }],
      ['raw is not canonical', { ...second!, raw: Uint8Array.of(...second!.raw, 0) }],
      ['unbalanced legs', unbalanced],
    ]
    for (const [label, bad] of cases) {
      const path = freshPath()
      const store = await openLedgerStore({ path })
      await store.appendBatch([{ entry: first!, verdict: 'applied' }])
      await assert.rejects(store.appendBatch([{ entry: bad, verdict: 'applied' }]), { name: 'LedgerStoreInvalidArgumentError' }, label)
      await assert.rejects(store.appendBatch([{ entry: second!, verdict: 'applied' }]), { name: 'LedgerStoreClosedError' }, label)
      await store.close()
      const reopened = await openLedgerStore({ path })
      assert.deepEqual((await readAll(reopened)).map((record) => record.entry.idHex), [first!.idHex], label)
      await reopened.close()
    }
  })

  test('queued batches commit in call order and each resolves after its COMMIT', async () => {
    const path = freshPath()
    const store = await openLedgerStore({ path })
    const entries = signChain(alice, { start: 0, count: 30, prev: null })
    const commits = []
    for (let index = 0; index < 30; index += 3)
      commits.push(store.appendBatch(entries.slice(index, index + 3).map((entry) => ({ entry, verdict: 'applied' as const }))))
    assert.equal(store.entryCount, 30, 'positions are assigned at call time')
    await Promise.all(commits)
    await store.close()
    const reopened = await openLedgerStore({ path })
    assert.deepEqual((await readAll(reopened)).map((record) => record.entry.idHex), entries.map((entry) => entry.idHex))
    await reopened.close()
  })

  describe('refuses tampered rows, naming the first bad one', () => {
    test('a flipped byte in raw', async () => {
      const path = freshPath()
      const written = await writeChain(path, [4, 4])
      const raw = new Uint8Array(written[5]!.entry.raw)
      raw[raw.length - 3]! ^= 0x01
      await tamper(path, 'UPDATE entries SET raw = $1 WHERE position = 5', [blobValue(raw)])
      await expectCorruptAt(path, 5, /raw does not decode|SHA-256/)
    })
    test('an id that is not SHA-256(raw)', async () => {
      const path = freshPath()
      await writeChain(path, [4, 4])
      await tamper(path, 'UPDATE entries SET id = $1 WHERE position = 2', [blobValue(new Uint8Array(32).fill(7))])
      await expectCorruptAt(path, 2, /SHA-256/)
    })
    test('a changed amount in the legs table', async () => {
      const path = freshPath()
      await writeChain(path, [4, 4])
      await tamper(path, "UPDATE legs SET amount = amount + 1 WHERE position = 6 AND account = 'swarm:compute'")
      await expectCorruptAt(path, 6, /legs table/)
    })
    test('a deleted row in the middle', async () => {
      const path = freshPath()
      await writeChain(path, [4, 4])
      await tamper(path, 'DELETE FROM entries WHERE position = 3')
      await expectCorruptAt(path, 3, /missing/)
    })
    test('a deleted last row (a torn last batch)', async () => {
      const path = freshPath()
      await writeChain(path, [4, 4])
      await tamper(path, 'DELETE FROM entries WHERE position = 7; DELETE FROM legs WHERE position = 7')
      await expectCorruptAt(path, 7, /missing/)
    })
    test('a duplicated row', async () => {
      const path = freshPath()
      await writeChain(path, [4, 4])
      await tamper(path, 'INSERT INTO entries SELECT * FROM entries WHERE position = 1')
      await expectCorruptAt(path, 2, /position 1/)
    })
    test('an orphan leg', async () => {
      const path = freshPath()
      await writeChain(path, [2])
      await tamper(path, "INSERT INTO legs VALUES (99, 0, 'swarm:compute', 'IPPC', 5)")
      await expectCorruptAt(path, 2, /belong to no stored entry/)
    })
    test('two rows swapped between batches', async () => {
      const path = freshPath()
      await writeChain(path, [2, 2])
      await tamper(path, 'UPDATE entries SET batch = 1 - batch WHERE position IN (1, 2)')
      await expectCorruptAt(path, 1, /batch/)
    })
  })

  test('a flipped byte anywhere in the closed file: refused with a typed error, or read back unchanged', async () => {
    const path = freshPath()
    const written = await writeChain(path, [50, 50, 50])
    const pristine = readFileSync(path)
    let seed = 0x5eed_1234
    const random = () => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32)
    const outcomes = { refused: 0, unchanged: 0 }
    for (let trial = 0; trial < 40; trial++) {
      const bytes = Buffer.from(pristine)
      const offset = Math.floor(random() * bytes.length)
      bytes[offset]! ^= 1 << Math.floor(random() * 8)
      writeFileSync(path, bytes)
      try {
        const store = await openLedgerStore({ path })
        try {
          const read = await readAll(store)
          assert.deepEqual(read.map((record) => record.entry.idHex), written.map((record) => record.entry.idHex), `offset ${offset}`)
          outcomes.unchanged++
        } finally {
          await store.close()
        }
      } catch (error) {
        assert.match((error as Error).name, /^LedgerStore(Corrupt|Format)Error$/, `offset ${offset}: ${(error as Error).message}`)
        outcomes.refused++
      }
    }
    assert.ok(outcomes.refused > 0)
  })

  test('acknowledged batches lost with a cut or deleted WAL are noticed, naming the first missing entry', async () => {
    // A writer that dies after its acknowledged commits leaves them in the WAL only.
    const path = freshPath()
    const writer = `
      import { openLedgerStore } from ${JSON.stringify(new URL('./store-duckdb.ts', import.meta.url).href)}
      import { signChain, testSigner } from ${JSON.stringify(new URL('./fixtures/chain.ts', import.meta.url).href)}
      const store = await openLedgerStore({ path: ${JSON.stringify(path)} })
      const entries = signChain(testSigner('alice'), { start: 0, count: 100, prev: null })
      for (let index = 0; index < 100; index += 10) await store.appendBatch(entries.slice(index, index + 10).map((entry) => ({ entry, verdict: 'applied' })))
      process.kill(process.pid, 'SIGKILL')`
    await assert.rejects(promisify(execFile)(process.execPath, ['--input-type=module', '-e', writer]))
    const database = readFileSync(path)
    const wal = readFileSync(`${path}.wal`)
    const cases: [string, Buffer | undefined, number][] = [
      ['the last bytes cut', wal.subarray(0, wal.length - 50), 90],
      ['half cut', wal.subarray(0, Math.floor(wal.length / 2)), undefined as never],
      ['deleted', undefined, 0],
    ]
    for (const [label, cut, firstMissing] of cases) {
      writeFileSync(path, database)
      if (cut === undefined) rmSync(`${path}.wal`)
      else writeFileSync(`${path}.wal`, cut)
      await assert.rejects(openLedgerStore({ path }), (error: Error & { location?: { position: number } }) => {
        assert.equal(error.name, 'LedgerStoreCorruptError', label)
        if (firstMissing !== undefined) assert.equal(error.location?.position, firstMissing, label)
        assert.match(error.message, /acknowledged as durable/, label)
        return true
      })
    }
    // The intact WAL opens with every acknowledged entry.
    writeFileSync(path, database)
    writeFileSync(`${path}.wal`, wal)
    const store = await openLedgerStore({ path })
    assert.equal((await readAll(store)).length, 100)
    await store.close()
  })

  test("opens, writes and reopens a file whose path holds quotes and spaces (DuckDB's ATTACH takes the path as SQL text)", async () => {
    const path = join(temporaryRoot, `it's "odd" ${fileCounter++}`, 'ledger.duckdb')
    const store = await openLedgerStore({ path })
    await store.appendBatch(signChain(alice, { start: 0, count: 3, prev: null }).map((entry) => ({ entry, verdict: 'applied' })))
    await store.close()
    const again = await openLedgerStore({ path })
    assert.equal((await readAll(again)).length, 3)
    await again.close()
  })

  test('an open that is not read to the end leaves the file and its WAL byte for byte as found', async () => {
    const path = freshPath()
    const writer = `
      import { openLedgerStore } from ${JSON.stringify(new URL('./store-duckdb.ts', import.meta.url).href)}
      import { signChain, testSigner } from ${JSON.stringify(new URL('./fixtures/chain.ts', import.meta.url).href)}
      const store = await openLedgerStore({ path: ${JSON.stringify(path)} })
      await store.appendBatch(signChain(testSigner('alice'), { start: 0, count: 20, prev: null }).map((entry) => ({ entry, verdict: 'applied' })))
      process.kill(process.pid, 'SIGKILL')`
    await assert.rejects(promisify(execFile)(process.execPath, ['--input-type=module', '-e', writer]))
    const database = readFileSync(path)
    const wal = readFileSync(`${path}.wal`)
    // Opened and closed unread (as when the open is refused further up): closing folds nothing.
    const store = await openLedgerStore({ path })
    await store.close()
    assert.ok(readFileSync(path).equals(database))
    assert.ok(readFileSync(`${path}.wal`).equals(wal))
    // Read to the end, it folds the WAL in on close.
    const read = await openLedgerStore({ path })
    assert.equal((await readAll(read)).length, 20)
    await read.close()
    assert.equal(existsSync(`${path}.wal`), false)
  })

  test('a second open of the same file, in this process or another, gets LedgerStoreLockedError', async () => {
    const path = freshPath()
    const store = await openLedgerStore({ path })
    await assert.rejects(openLedgerStore({ path }), { name: 'LedgerStoreLockedError' })
    const child = `
      import { openLedgerStore } from ${JSON.stringify(new URL('./store-duckdb.ts', import.meta.url).href)}
      try { await openLedgerStore({ path: ${JSON.stringify(path)} }); console.log('opened') }
      catch (error) { console.log(error.name + '|' + error.details) }`
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', child])
    const [name, details] = stdout.trim().split('|')
    assert.equal(name, 'LedgerStoreLockedError')
    assert.match(details!, new RegExp(`PID ${process.pid}`))
    await store.close()
    const reopened = await openLedgerStore({ path })
    await reopened.close()
  })

  test('refuses a file of another format version, and a missing file when create is false', async () => {
    const path = freshPath()
    await writeChain(path, [1])
    await tamper(path, "UPDATE meta SET value = '99' WHERE key = 'format_version'")
    await assert.rejects(openLedgerStore({ path }), { name: 'LedgerStoreFormatError' })
    await assert.rejects(openLedgerStore({ path: freshPath(), create: false }), { name: 'LedgerStoreNotFoundError' })
    await assert.rejects(openLedgerStore({ path: '' }), { name: 'LedgerStoreInvalidArgumentError' })
  })

  test('refuses use after close', async () => {
    const path = freshPath()
    const store = await openLedgerStore({ path })
    await store.close()
    const [entry] = signChain(alice, { start: 0, count: 1, prev: null })
    await assert.rejects(store.appendBatch([{ entry: entry!, verdict: 'applied' }]), { name: 'LedgerStoreClosedError' })
  })
})

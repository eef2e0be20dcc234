import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { MACHINE_ID_UNAVAILABLE } from './constants.ts'
import {
  assertFingerprintMatches,
  computeFingerprint,
  createFingerprintRecord,
  decodeFingerprintFile,
  encodeFingerprintFile,
  encodeMachineFacts,
  readFingerprintFile,
} from './fingerprint.ts'
import { normalizeMachineFacts, readMachineFacts, readMachineId, type MachineFacts } from './machine-facts.ts'
import { machineA, machineB, temporaryDirectory } from './test-support/machines.ts'

const PATH = 'fingerprint.json'

describe('fingerprint', () => {
  it('pins the canonical encoding and hash of a fixed machine', () => {
    const facts: MachineFacts = { cpuModel: 'cpu', memoryGb: 8, hostname: 'host', machineId: 'id' }
    assert.equal(
      Buffer.from(encodeMachineFacts(facts)).toString('hex'),
      Buffer.concat([
        Buffer.from('ippoc-fingerprint-v1'),
        Buffer.from('00000003', 'hex'), Buffer.from('cpu'),
        Buffer.from('00000001', 'hex'), Buffer.from('8'),
        Buffer.from('00000004', 'hex'), Buffer.from('host'),
        Buffer.from('00000002', 'hex'), Buffer.from('id'),
      ]).toString('hex'),
    )
    assert.equal(computeFingerprint(facts), '8d2d3a2a588f3bb2ca6e5c3b9ac5fcc815f7d751f8002e050f3315f585dcb798')
  })

  it('ignores cosmetic differences and nothing else', () => {
    const cosmetic = { cpuModel: '  AMD   EPYC 7B13 ', memoryGb: 16, hostname: 'NODE-A', machineId: '0123456789ABCDEF0123456789ABCDEF\n' }
    assert.equal(computeFingerprint(cosmetic), computeFingerprint(machineA))
    for (const change of [{ cpuModel: 'AMD EPYC 7B12' }, { memoryGb: 32 }, { hostname: 'node-a2' }, { machineId: '1'.repeat(32) }])
      assert.notEqual(computeFingerprint({ ...machineA, ...change }), computeFingerprint(machineA), JSON.stringify(change))
  })

  it('is injective: different normalized facts never share an encoding', () => {
    const text = fc.string({ minLength: 1, maxLength: 12 }).filter((value) => value.trim().length > 0)
    const facts = fc.record({ cpuModel: text, memoryGb: fc.nat({ max: 4096 }), hostname: text, machineId: text })
    fc.assert(fc.property(facts, facts, (left, right) => {
      const sameFacts = JSON.stringify(normalizeMachineFacts(left)) === JSON.stringify(normalizeMachineFacts(right))
      const sameBytes = Buffer.from(encodeMachineFacts(left)).equals(encodeMachineFacts(right))
      assert.equal(sameBytes, sameFacts)
    }), { numRuns: 500 })
    // Moving bytes across a field boundary changes the encoding.
    assert.notEqual(computeFingerprint({ ...machineA, hostname: 'ab', machineId: 'c' }), computeFingerprint({ ...machineA, hostname: 'a', machineId: 'bc' }))
  })

  it('records the facts, the hash and a version, and round-trips', () => {
    const record = createFingerprintRecord(machineA)
    const text = encodeFingerprintFile(record)
    const parsed = JSON.parse(text)
    assert.equal(parsed.format, 'ippoc-fingerprint')
    assert.equal(parsed.version, 1)
    assert.deepEqual(parsed.facts, machineA)
    assert.equal(parsed.hash, computeFingerprint(machineA))
    assert.deepEqual(decodeFingerprintFile(text, PATH), record)
  })

  it('notes a missing machine id', () => {
    const record = createFingerprintRecord({ ...machineA, machineId: MACHINE_ID_UNAVAILABLE })
    assert.ok(record.notes.some((note) => note.includes('No machine id')))
    assert.ok(!createFingerprintRecord(machineA).notes.some((note) => note.includes('No machine id')))
  })

  it('refuses an edited, malformed or future fingerprint file', () => {
    const record = createFingerprintRecord(machineA)
    const cases: [string, string][] = [
      [JSON.stringify({ ...record, facts: machineB }), 'IdentityFingerprintFileCorruptError'],
      [JSON.stringify({ ...record, hash: computeFingerprint(machineB) }), 'IdentityFingerprintFileCorruptError'],
      [JSON.stringify({ ...record, hash: 'zz' }), 'IdentityFingerprintFileCorruptError'],
      [JSON.stringify({ ...record, facts: { ...machineA, memoryGb: 1.5 } }), 'IdentityFingerprintFileCorruptError'],
      [JSON.stringify({ ...record, facts: { ...machineA, hostname: '' } }), 'IdentityFingerprintFileCorruptError'],
      [JSON.stringify({ ...record, notes: [1] }), 'IdentityFingerprintFileCorruptError'],
      [JSON.stringify({ ...record, format: 'other' }), 'IdentityFingerprintFileCorruptError'],
      [JSON.stringify({ ...record, version: 2 }), 'IdentityFingerprintFileVersionError'],
      [encodeFingerprintFile(record).slice(0, 40), 'IdentityFingerprintFileCorruptError'],
      ['', 'IdentityFingerprintFileCorruptError'],
      ['[]', 'IdentityFingerprintFileCorruptError'],
      ['x'.repeat(20_000), 'IdentityFingerprintFileCorruptError'],
    ]
    for (const [text, name] of cases) assert.throws(() => decodeFingerprintFile(text, PATH), { name }, text.slice(0, 80))
  })

  it('says which facts differ on a mismatch', () => {
    assert.doesNotThrow(() => assertFingerprintMatches(createFingerprintRecord(machineA), { ...machineA, hostname: 'NODE-A' }, PATH))
    assert.throws(() => assertFingerprintMatches(createFingerprintRecord(machineA), machineB, PATH), (error: Error & { differences?: unknown }) => {
      assert.equal(error.name, 'IdentityFingerprintMismatchError')
      assert.deepEqual(error.differences, [
        { fact: 'hostname', recorded: 'node-a', current: 'node-b' },
        { fact: 'machineId', recorded: machineA.machineId, current: machineB.machineId },
      ])
      return true
    })
  })

  it('reads fingerprint.json from disk, refusing a missing file', async (t) => {
    const { path: directory, remove } = await temporaryDirectory()
    t.after(remove)
    const path = join(directory, 'fingerprint.json')
    await assert.rejects(readFingerprintFile(path), { name: 'IdentityFingerprintFileMissingError' })
    await writeFile(path, encodeFingerprintFile(createFingerprintRecord(machineA)))
    assert.equal((await readFingerprintFile(path)).hash, computeFingerprint(machineA))
    await writeFile(path, 'x'.repeat(100_000))
    await assert.rejects(readFingerprintFile(path), { name: 'IdentityFingerprintFileCorruptError' })
  })
})

describe('machine facts', () => {
  it('reads this machine', async () => {
    const facts = normalizeMachineFacts(await readMachineFacts())
    assert.ok(Number.isSafeInteger(facts.memoryGb))
    assert.ok(facts.hostname.length > 0 && facts.cpuModel.length > 0 && facts.machineId.length > 0)
  })

  it('reads the first initialized machine id, else says it is unavailable', async (t) => {
    const { path: directory, remove } = await temporaryDirectory()
    t.after(remove)
    const [empty, uninitialized, real, missing] = ['empty', 'uninitialized', 'real', 'missing'].map((name) => join(directory, name)) as [string, string, string, string]
    await writeFile(empty, '\n')
    await writeFile(uninitialized, 'uninitialized\n')
    await writeFile(real, 'ABCDEF0123456789ABCDEF0123456789\n')
    assert.equal(await readMachineId([missing, empty, uninitialized, real]), 'abcdef0123456789abcdef0123456789')
    assert.equal(await readMachineId([missing, empty, uninitialized]), MACHINE_ID_UNAVAILABLE)
  })

  it('refuses facts of the wrong shape', () => {
    const wrong: unknown[] = [
      null, 'facts', [],
      { ...machineA, memoryGb: -1 }, { ...machineA, memoryGb: 2.5 }, { ...machineA, memoryGb: '16' }, { ...machineA, memoryGb: Number.NaN },
      { ...machineA, cpuModel: 1 }, { ...machineA, hostname: ' \n ' }, { ...machineA, machineId: 'x'.repeat(2000) },
      { cpuModel: 'x', memoryGb: 1, hostname: 'h' },
    ]
    for (const facts of wrong) assert.throws(() => normalizeMachineFacts(facts as MachineFacts), { name: 'IdentityMachineFactsError' }, JSON.stringify(facts))
  })
})

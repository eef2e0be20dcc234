import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BaseError, formatErrorForUser } from '../common/base-error.ts'
import * as errors from './errors.ts'
import * as identity from './index.ts'
import { readMachineId } from './machine-facts.ts'
import { machineA, seedOf } from './test-support/machines.ts'

const INVALID = { name: 'IdentityInvalidArgumentError' }
const PATHS = identity.nodePaths('/tmp/x', 'ab'.repeat(32))
const FINGERPRINT = 'cd'.repeat(32)

describe('identity errors', () => {
  it('are BaseErrors named after their class', () => {
    const classes = Object.entries(errors).filter(([, value]) => typeof value === 'function')
    assert.ok(classes.length >= 15)
    for (const [className, ErrorClass] of classes) {
      const error = new (ErrorClass as new (parameters: unknown) => Error)({ path: 'p', problem: 'x', dataDirectory: 'd', nodeIds: [], available: [], differences: [], paths: [], reason: 'r', argument: 'a', expected: 'e', received: 'r', step: 's', mode: 0o644, version: 2, supported: [1], directoryName: 'n', keyNodeId: 'k', nodeId: 'i', count: 2, limit: 1 })
      assert.ok(error instanceof BaseError, className)
      assert.equal(error.name, className)
    }
  })

  it('pins what a user reads for a readable key file and for other hardware', () => {
    const permission = new errors.IdentityKeyFilePermissionError({ path: 'data/nodes/ab/data/identity.key', mode: 0o100644 })
    assert.equal(formatErrorForUser(permission), [
      'error: Key file is accessible by group or others: data/nodes/ab/data/identity.key.',
      '  details: Mode is 0644; it must be 0600 (owner read/write only). Treat the key as possibly copied.',
      '  hint: Run `chmod 600 data/nodes/ab/data/identity.key` and check who could have read it.',
    ].join('\n'))
    const mismatch = new errors.IdentityFingerprintMismatchError({ path: 'fingerprint.json', differences: [{ fact: 'hostname', recorded: 'a', current: 'b' }, { fact: 'memoryGb', recorded: 16, current: 32 }] })
    assert.equal(formatErrorForUser(mismatch), [
      'error: Node identity belongs to other hardware: its fingerprint does not match this machine.',
      '  details: fingerprint.json records hostname "a" (this machine: "b"), memoryGb 16 (this machine: 32).',
      "  hint: A data dir copied to another machine never joins the swarm. Create this machine's own node with `ippoc identity init --data-dir <new dir>`.",
      '  hint: If this is the same machine after a hostname or hardware change, restore the old value, or create a new node (`ippoc identity init --force-new`).',
    ].join('\n'))
  })
})

describe('wrong input to every public function', () => {
  const notObjects: unknown[] = [undefined, null, 'data', 42]

  it('initIdentity', async () => {
    for (const parameters of notObjects) await assert.rejects(identity.initIdentity(parameters as never), INVALID)
    for (const dataDir of [undefined, '', 5, 'a\0b']) await assert.rejects(identity.initIdentity({ dataDir } as never), INVALID)
    for (const seed of [new Uint8Array(31), new Uint8Array(33), 'seed', Array.from(seedOf(1))])
      await assert.rejects(identity.initIdentity({ dataDir: '/tmp/never-created', seed } as never), INVALID)
    await assert.rejects(identity.initIdentity({ dataDir: '/tmp/never-created', machineFacts: machineA } as never), INVALID)
    await assert.rejects(identity.initIdentity({ dataDir: '/tmp/never-created', fileSystem: 'fs' } as never), INVALID)
    await assert.rejects(identity.initIdentity({ dataDir: '/tmp/never-created', now: 5 } as never), INVALID)
    await assert.rejects(identity.initIdentity({ dataDir: '/tmp/never-created', machineFacts: () => ({ ...machineA, memoryGb: -1 }) }), { name: 'IdentityMachineFactsError' })
    await assert.rejects(identity.initIdentity({ dataDir: '/tmp/never-created', machineFacts: () => { throw new Error('no /proc') } }), { name: 'IdentityMachineFactsError' })
  })

  it('bootIdentity', async () => {
    for (const parameters of notObjects) await assert.rejects(identity.bootIdentity(parameters as never), INVALID)
    for (const dataDir of [undefined, '', 5]) await assert.rejects(identity.bootIdentity({ dataDir } as never), INVALID)
    for (const nodeId of ['', 'AB'.repeat(32), 'ab'.repeat(31), 'zz'.repeat(32), 7])
      await assert.rejects(identity.bootIdentity({ dataDir: '/tmp', nodeId } as never), INVALID)
    await assert.rejects(identity.bootIdentity({ dataDir: '/tmp', machineFacts: 'facts' } as never), INVALID)
  })

  it('listNodeIds, nodePaths, nodeIdFromPublicKey, isNodeId', async () => {
    for (const dataDir of [undefined, '', 5]) await assert.rejects(identity.listNodeIds(dataDir as never), INVALID)
    assert.throws(() => identity.nodePaths('', 'ab'.repeat(32)), INVALID)
    for (const nodeId of [undefined, 'AB'.repeat(32), `${'ab'.repeat(32)}/..`, '../x']) assert.throws(() => identity.nodePaths('/tmp', nodeId as never), INVALID)
    for (const publicKey of [new Uint8Array(31), 'ab'.repeat(32), undefined]) assert.throws(() => identity.nodeIdFromPublicKey(publicKey as never), INVALID)
    for (const value of [undefined, 5, 'ab', 'AB'.repeat(32), ` ${'ab'.repeat(32)}`]) assert.equal(identity.isNodeId(value), false)
  })

  it('key file functions', async () => {
    for (const seed of [new Uint8Array(31), undefined, 'seed']) assert.throws(() => identity.encodeKeyFile(seed as never), INVALID)
    for (const bytes of [undefined, 'IPPOCKEY', [1, 2]]) assert.throws(() => identity.decodeKeyFile(bytes as never, 'k'), INVALID)
    for (const path of [undefined, '', 5]) await assert.rejects(identity.readKeyFile(path as never), INVALID)
  })

  it('fingerprint functions', async () => {
    for (const facts of [undefined, null, { ...machineA, hostname: 5 }]) {
      assert.throws(() => identity.computeFingerprint(facts as never), { name: 'IdentityMachineFactsError' })
      assert.throws(() => identity.encodeMachineFacts(facts as never), { name: 'IdentityMachineFactsError' })
      assert.throws(() => identity.createFingerprintRecord(facts as never), { name: 'IdentityMachineFactsError' })
    }
    const record = identity.createFingerprintRecord(machineA)
    for (const bad of [undefined, { ...record, hash: 'x' }, { ...record, facts: { ...machineA, memoryGb: 2 } }]) assert.throws(() => identity.encodeFingerprintFile(bad as never), INVALID)
    assert.throws(() => identity.decodeFingerprintFile(undefined as never, 'f'), INVALID)
    for (const path of [undefined, '']) await assert.rejects(identity.readFingerprintFile(path as never), INVALID)
  })

  it('machine facts functions', async () => {
    await assert.rejects(identity.loadMachineFacts('facts' as never), INVALID)
    await assert.rejects(identity.loadMachineFacts(async () => null as never), { name: 'IdentityMachineFactsError' })
    assert.throws(() => identity.machineFactsSourceFromJson(undefined as never, 'env'), INVALID)
    for (const json of ['{', '[]', '{"cpuModel":"x"}']) assert.throws(() => identity.machineFactsSourceFromJson(json, 'env'), { name: 'IdentityMachineFactsError' })
    assert.throws(() => identity.normalizeMachineFacts(undefined as never), { name: 'IdentityMachineFactsError' })
    await assert.rejects(readMachineId('/etc/machine-id' as never), INVALID)
  })

  it('createNodeIdentity and sign', () => {
    for (const parameters of notObjects) assert.throws(() => identity.createNodeIdentity(parameters as never), INVALID)
    assert.throws(() => identity.createNodeIdentity({ seed: new Uint8Array(16), paths: PATHS, fingerprint: FINGERPRINT }), INVALID)
    assert.throws(() => identity.createNodeIdentity({ seed: seedOf(1), paths: undefined as never, fingerprint: FINGERPRINT }), INVALID)
    assert.throws(() => identity.createNodeIdentity({ seed: seedOf(1), paths: PATHS, fingerprint: 'x' }), INVALID)
    const node = identity.createNodeIdentity({ seed: seedOf(1), paths: PATHS, fingerprint: FINGERPRINT })
    for (const message of [undefined, 'hello', [1, 2]]) assert.throws(() => node.sign(message as never), INVALID)
  })
})

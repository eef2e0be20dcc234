import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { chmod, mkdir, readFile, rename, rm, symlink, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { promisify } from 'node:util'
import { bootIdentity } from './boot.ts'
import { computeFingerprint, createFingerprintRecord, encodeFingerprintFile } from './fingerprint.ts'
import { initIdentity } from './init.ts'
import { encodeKeyFile } from './key-file.ts'
import { listNodeIds } from './list-node-ids.ts'
import type { NodeIdentity } from './node-identity.ts'
import { fakeMachine, machineA, machineB, seedOf, temporaryDirectory } from './test-support/machines.ts'

const run = promisify(execFile)
const onA = fakeMachine(machineA)
const onB = fakeMachine(machineB)

async function oneNode(t: TestContext, seedByte = 1): Promise<{ dataDir: string; identity: NodeIdentity }> {
  const { path: dataDir, remove } = await temporaryDirectory()
  t.after(remove)
  return { dataDir, identity: await initIdentity({ dataDir, machineFacts: onA, seed: seedOf(seedByte) }) }
}

describe('bootIdentity', () => {
  it('boots the only node without being told which', async (t) => {
    const { dataDir, identity } = await oneNode(t)
    assert.equal((await bootIdentity({ dataDir, machineFacts: onA })).nodeId, identity.nodeId)
    assert.equal((await bootIdentity({ dataDir, nodeId: identity.nodeId, machineFacts: onA })).nodeId, identity.nodeId)
  })

  it('refuses on other hardware, saying which facts differ', async (t) => {
    const { dataDir } = await oneNode(t)
    await assert.rejects(bootIdentity({ dataDir, machineFacts: onB }), (error: Error & { differences?: { fact: string }[] }) => {
      assert.equal(error.name, 'IdentityFingerprintMismatchError')
      assert.deepEqual(error.differences?.map(({ fact }) => fact), ['hostname', 'machineId'])
      return true
    })
    await assert.rejects(bootIdentity({ dataDir, machineFacts: fakeMachine({ ...machineA, memoryGb: 32 }) }), { name: 'IdentityFingerprintMismatchError' })
  })

  it('boots a copied data dir (cp -a) with the same facts and refuses it with other facts', async (t) => {
    const { dataDir, identity } = await oneNode(t)
    const { path: elsewhere, remove } = await temporaryDirectory()
    t.after(remove)
    const copy = join(elsewhere, 'copied-data')
    await run('cp', ['-a', dataDir, copy])
    assert.equal((await bootIdentity({ dataDir: copy, machineFacts: onA })).nodeId, identity.nodeId)
    await assert.rejects(bootIdentity({ dataDir: copy, machineFacts: onB }), { name: 'IdentityFingerprintMismatchError' })
  })

  it('refuses a fingerprint file bound to other hardware (a tampered hash with matching facts)', async (t) => {
    const { dataDir, identity } = await oneNode(t)
    await writeFile(identity.paths.fingerprint, encodeFingerprintFile(createFingerprintRecord(machineB)))
    await assert.rejects(bootIdentity({ dataDir, machineFacts: onA }), { name: 'IdentityFingerprintMismatchError' })
  })

  it('refuses an edited fingerprint file', async (t) => {
    const { dataDir, identity } = await oneNode(t)
    const record = JSON.parse(await readFile(identity.paths.fingerprint, 'utf8'))
    record.facts.hostname = 'node-b'
    await writeFile(identity.paths.fingerprint, JSON.stringify(record))
    await assert.rejects(bootIdentity({ dataDir, machineFacts: onB }), { name: 'IdentityFingerprintFileCorruptError' })
  })

  it('refuses a missing fingerprint file', async (t) => {
    const { dataDir, identity } = await oneNode(t)
    await rm(identity.paths.fingerprint)
    await assert.rejects(bootIdentity({ dataDir, machineFacts: onA }), { name: 'IdentityFingerprintFileMissingError' })
  })

  it('refuses a key file readable or writable by group or others', async (t) => {
    const { dataDir, identity } = await oneNode(t)
    for (const mode of [0o640, 0o604, 0o620, 0o602, 0o644, 0o666]) {
      await chmod(identity.paths.identityKey, mode)
      await assert.rejects(bootIdentity({ dataDir, machineFacts: onA }), { name: 'IdentityKeyFilePermissionError' }, mode.toString(8))
    }
    await chmod(identity.paths.identityKey, 0o400)
    await bootIdentity({ dataDir, machineFacts: onA })
  })

  it('refuses a truncated, corrupt, wrong-version or missing key file', async (t) => {
    const { dataDir, identity } = await oneNode(t)
    const original = await readFile(identity.paths.identityKey)
    await truncate(identity.paths.identityKey, 50)
    await assert.rejects(bootIdentity({ dataDir, machineFacts: onA }), { name: 'IdentityKeyFileCorruptError' })
    const corrupt = Buffer.from(original)
    corrupt[20] = (corrupt[20] ?? 0) ^ 0xff
    await writeFile(identity.paths.identityKey, corrupt)
    await assert.rejects(bootIdentity({ dataDir, machineFacts: onA }), { name: 'IdentityKeyFileCorruptError' })
    const future = Buffer.from(original)
    future[8] = 2
    await writeFile(identity.paths.identityKey, future)
    await assert.rejects(bootIdentity({ dataDir, machineFacts: onA }), { name: 'IdentityKeyFileVersionError' })
    await rm(identity.paths.identityKey)
    await assert.rejects(bootIdentity({ dataDir, machineFacts: onA }), { name: 'IdentityKeyFileMissingError' })
  })

  it('refuses a node folder whose name is not its key', async (t) => {
    const { dataDir, identity } = await oneNode(t)
    const otherId = (await initIdentity({ dataDir: join(dataDir, 'scratch'), machineFacts: onA, seed: seedOf(9) })).nodeId
    await rename(identity.paths.root, join(dataDir, 'nodes', otherId))
    await assert.rejects(bootIdentity({ dataDir, machineFacts: onA }), { name: 'IdentityNodeDirectoryMismatchError' })
  })

  it('refuses when two node folders hold one key', async (t) => {
    const { dataDir, identity } = await oneNode(t)
    await run('cp', ['-a', identity.paths.root, `${identity.paths.root}.bak`])
    await assert.rejects(bootIdentity({ dataDir, machineFacts: onA }), (error: Error) => {
      assert.equal(error.name, 'IdentityDuplicateError')
      assert.match(error.message, /\.bak/)
      return true
    })
    await rm(`${identity.paths.root}.bak`, { recursive: true })
    // A folder named like another node id but holding this key: the copy is caught from either side.
    const otherId = 'ab'.repeat(32)
    await run('cp', ['-a', identity.paths.root, join(dataDir, 'nodes', otherId)])
    await assert.rejects(bootIdentity({ dataDir, nodeId: identity.nodeId, machineFacts: onA }), { name: 'IdentityDuplicateError' })
    await assert.rejects(bootIdentity({ dataDir, nodeId: otherId, machineFacts: onA }), { name: 'IdentityNodeDirectoryMismatchError' })
  })

  it('refuses when no identity exists', async (t) => {
    const { path: dataDir, remove } = await temporaryDirectory()
    t.after(remove)
    await assert.rejects(bootIdentity({ dataDir, machineFacts: onA }), { name: 'IdentityNotFoundError' })
    await assert.rejects(bootIdentity({ dataDir: join(dataDir, 'missing'), machineFacts: onA }), { name: 'IdentityNotFoundError' })
    await mkdir(join(dataDir, 'nodes', 'not-a-node'), { recursive: true })
    await assert.rejects(bootIdentity({ dataDir, machineFacts: onA }), (error: Error) => {
      assert.equal(error.name, 'IdentityNotFoundError')
      assert.match(error.message, /not-a-node/)
      return true
    })
    await assert.rejects(bootIdentity({ dataDir, nodeId: 'cd'.repeat(32), machineFacts: onA }), { name: 'IdentityNotFoundError' })
  })

  it('refuses to guess among several nodes, listing them, and boots the chosen one', async (t) => {
    const { dataDir, identity } = await oneNode(t)
    const second = await initIdentity({ dataDir, machineFacts: onA, seed: seedOf(2) })
    assert.deepEqual(await listNodeIds(dataDir), [identity.nodeId, second.nodeId].sort())
    await assert.rejects(bootIdentity({ dataDir, machineFacts: onA }), (error: Error & { available?: string[] }) => {
      assert.equal(error.name, 'IdentityAmbiguousError')
      assert.deepEqual(error.available, [identity.nodeId, second.nodeId].sort())
      assert.ok(error.message.includes(identity.nodeId) && error.message.includes(second.nodeId))
      return true
    })
    assert.equal((await bootIdentity({ dataDir, nodeId: second.nodeId, machineFacts: onA })).nodeId, second.nodeId)
  })

  it('only reads', async (t) => {
    const { dataDir, identity } = await oneNode(t)
    const snapshot = async () => (await run('find', [dataDir, '-printf', '%p %m %s %T@\\n'])).stdout
    const before = await snapshot()
    await bootIdentity({ dataDir, machineFacts: onA })
    await assert.rejects(bootIdentity({ dataDir, machineFacts: onB }))
    assert.equal(await snapshot(), before)
    assert.equal(identity.fingerprint, computeFingerprint(machineA))
  })

  it('does not follow a symlinked node folder, and says so', async (t) => {
    const { dataDir, identity } = await oneNode(t)
    const { path: elsewhere, remove } = await temporaryDirectory()
    t.after(remove)
    const moved = join(elsewhere, identity.nodeId)
    await rename(identity.paths.root, moved)
    await symlink(moved, identity.paths.root)
    assert.deepEqual(await listNodeIds(dataDir), [])
    await assert.rejects(bootIdentity({ dataDir, machineFacts: onA }), (error: Error) => {
      assert.equal(error.name, 'IdentityNotFoundError')
      assert.ok(error.message.includes(identity.paths.root), error.message)
      assert.match(error.message, /symlinks are not followed/)
      return true
    })
  })

  it('ignores an unfinished init folder', async (t) => {
    const { dataDir, identity } = await oneNode(t)
    const leftover = join(dataDir, 'nodes', '.init-crashed', 'data')
    await mkdir(leftover, { recursive: true })
    await writeFile(join(leftover, 'identity.key'), encodeKeyFile(seedOf(1)), { mode: 0o600 })
    assert.equal((await bootIdentity({ dataDir, machineFacts: onA })).nodeId, identity.nodeId)
  })
})

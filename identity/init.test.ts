import assert from 'node:assert/strict'
import { mkdir, readdir, readFile, stat, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { bootIdentity } from './boot.ts'
import { INIT_TEMPORARY_STALE_AFTER_MS } from './constants.ts'
import { verifyEd25519, type Ed25519Signer } from './ed25519.ts'
import { nodeFileSystem } from './file-system.ts'
import { computeFingerprint } from './fingerprint.ts'
import { initIdentity } from './init.ts'
import { decodeKeyFile } from './key-file.ts'
import { listNodeIds } from './list-node-ids.ts'
import { nodePaths } from './node-paths.ts'
import { failingFileSystem } from './test-support/failing-file-system.ts'
import { fakeMachine, machineA, seedOf, temporaryDirectory } from './test-support/machines.ts'

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777
}

describe('initIdentity', () => {
  it('creates the node folder layout with exact permissions', async (t) => {
    const { path: dataDir, remove } = await temporaryDirectory()
    t.after(remove)
    const identity = await initIdentity({ dataDir, machineFacts: fakeMachine(machineA) })
    assert.match(identity.nodeId, /^[0-9a-f]{64}$/)
    assert.deepEqual(identity.paths, nodePaths(dataDir, identity.nodeId))
    assert.deepEqual(await readdir(identity.paths.root).then((names) => names.sort()), ['data', 'economy', 'logs', 'memory', 'sandbox'])
    assert.deepEqual(await readdir(identity.paths.data).then((names) => names.sort()), ['fingerprint.json', 'identity.key'])
    assert.equal(await modeOf(identity.paths.identityKey), 0o600)
    for (const folder of [identity.paths.root, identity.paths.data, identity.paths.memory, identity.paths.sandbox, identity.paths.economy, identity.paths.logs])
      assert.equal(await modeOf(folder), 0o700, folder)
    assert.equal(identity.paths.ledgerDb, join(identity.paths.economy, 'ledger.duckdb'))
    const fingerprint = JSON.parse(await readFile(identity.paths.fingerprint, 'utf8'))
    assert.equal(fingerprint.hash, computeFingerprint(machineA))
    assert.equal(identity.fingerprint, fingerprint.hash)
    assert.deepEqual(decodeKeyFile(await readFile(identity.paths.identityKey), 'key').publicKey, identity.publicKey)
  })

  it('gives exact permissions whatever the umask', async (t) => {
    const { path: dataDir, remove } = await temporaryDirectory()
    t.after(remove)
    const previous = process.umask(0)
    t.after(() => process.umask(previous))
    const identity = await initIdentity({ dataDir, machineFacts: fakeMachine(machineA) })
    assert.equal(await modeOf(identity.paths.identityKey), 0o600)
    assert.equal(await modeOf(identity.paths.data), 0o700)
    assert.equal(await modeOf(identity.paths.fingerprint), 0o644)
  })

  it('round-trips: init, then boot gives the same identity and signer', async (t) => {
    const { path: dataDir, remove } = await temporaryDirectory()
    t.after(remove)
    const created = await initIdentity({ dataDir, machineFacts: fakeMachine(machineA), seed: seedOf(1) })
    const booted = await bootIdentity({ dataDir, machineFacts: fakeMachine(machineA) })
    assert.equal(booted.nodeId, created.nodeId)
    assert.deepEqual(booted.publicKey, created.publicKey)
    assert.deepEqual(booted.exportSeed(), seedOf(1))
    assert.deepEqual(booted.paths, created.paths)
    const signer: Ed25519Signer = booted
    const message = new TextEncoder().encode('entry id')
    assert.ok(verifyEd25519(signer.sign(message), message, created.publicKey))
    assert.deepEqual(booted.sign(message), created.sign(message))
  })

  it('returns copies of the seed, never the one it signs with', async (t) => {
    const { path: dataDir, remove } = await temporaryDirectory()
    t.after(remove)
    const seed = seedOf(2)
    const identity = await initIdentity({ dataDir, machineFacts: fakeMachine(machineA), seed })
    seed.fill(0)
    identity.exportSeed().fill(0)
    assert.deepEqual(identity.exportSeed(), seedOf(2))
    assert.equal(JSON.stringify(identity).includes('0202'), false)
  })

  it('refuses to create a node that already exists', async (t) => {
    const { path: dataDir, remove } = await temporaryDirectory()
    t.after(remove)
    await initIdentity({ dataDir, machineFacts: fakeMachine(machineA), seed: seedOf(3) })
    await assert.rejects(initIdentity({ dataDir, machineFacts: fakeMachine(machineA), seed: seedOf(3) }), { name: 'IdentityAlreadyExistsError' })
  })

  it('lets exactly one of two simultaneous inits of the same seed win', async (t) => {
    const { path: dataDir, remove } = await temporaryDirectory()
    t.after(remove)
    const results = await Promise.allSettled([1, 2, 3].map(() => initIdentity({ dataDir, machineFacts: fakeMachine(machineA), seed: seedOf(4) })))
    assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1)
    for (const result of results) if (result.status === 'rejected') assert.equal((result.reason as Error).name, 'IdentityAlreadyExistsError')
    assert.deepEqual(await readdir(join(dataDir, 'nodes')), await listNodeIds(dataDir))
    await bootIdentity({ dataDir, machineFacts: fakeMachine(machineA) })
  })

  it('leaves no node and no temporary folder when any step fails', async (t) => {
    const { path: root, remove } = await temporaryDirectory()
    t.after(remove)
    const counting = failingFileSystem(nodeFileSystem, Infinity)
    await initIdentity({ dataDir: join(root, 'count'), machineFacts: fakeMachine(machineA), fileSystem: counting.fileSystem })
    const stepCount = counting.operations.length
    assert.ok(stepCount >= 15, `init took ${stepCount} steps`)
    for (let failAt = 1; failAt <= stepCount; failAt++) {
      const dataDir = join(root, `fail-${failAt}`)
      const failing = failingFileSystem(nodeFileSystem, failAt)
      const operation = counting.operations[failAt - 1]
      try {
        await initIdentity({ dataDir, machineFacts: fakeMachine(machineA), seed: seedOf(5), fileSystem: failing.fileSystem })
        // Failures in best-effort cleanup of stale folders do not fail init; the node must then be whole.
        assert.match(operation ?? '', /^(listDirectory|inspect|removeTree) /, `step ${failAt} (${operation}) failed but init succeeded`)
        await bootIdentity({ dataDir, machineFacts: fakeMachine(machineA) })
        continue
      } catch (error) {
        assert.equal((error as Error).name, 'IdentityInitFailedError', `step ${failAt} (${operation})`)
      }
      assert.ok(failing.failed())
      const left = await readdir(join(dataDir, 'nodes')).catch(() => [])
      assert.deepEqual(left, [], `step ${failAt} (${operation}) left ${left.join(', ')}`)
    }
  })

  it('names the folder it could not remove when cleanup fails too', async (t) => {
    const { path: dataDir, remove } = await temporaryDirectory()
    t.after(remove)
    const calls: string[] = []
    const fileSystem = {
      ...nodeFileSystem,
      writeFileDurably: async () => {
        calls.push('write')
        throw Object.assign(new Error('disk full'), { code: 'ENOSPC' })
      },
      removeTree: async () => {
        throw Object.assign(new Error('busy'), { code: 'EBUSY' })
      },
    }
    await assert.rejects(initIdentity({ dataDir, machineFacts: fakeMachine(machineA), fileSystem }), (error: Error & { step?: string; leftover?: string }) => {
      assert.equal(error.name, 'IdentityInitFailedError')
      assert.equal(error.step, 'write identity.key')
      assert.match(error.leftover ?? '', /nodes\/\.init-/)
      assert.match(error.message, /disk full/)
      return true
    })
    assert.deepEqual(await listNodeIds(dataDir), [])
  })

  it('removes stale .init-* folders but keeps recent ones that a running init may own', async (t) => {
    const { path: dataDir, remove } = await temporaryDirectory()
    t.after(remove)
    const nodes = join(dataDir, 'nodes')
    await mkdir(join(nodes, '.init-stale', 'data'), { recursive: true })
    await mkdir(join(nodes, '.init-recent'), { recursive: true })
    const staleSeconds = (Date.now() - INIT_TEMPORARY_STALE_AFTER_MS - 60_000) / 1000
    await utimes(join(nodes, '.init-stale'), staleSeconds, staleSeconds)
    const identity = await initIdentity({ dataDir, machineFacts: fakeMachine(machineA) })
    assert.deepEqual((await readdir(nodes)).sort(), ['.init-recent', identity.nodeId])
    assert.deepEqual(await listNodeIds(dataDir), [identity.nodeId])
  })

  it('creates the data root and nodes folder when missing', async (t) => {
    const { path: root, remove } = await temporaryDirectory()
    t.after(remove)
    const dataDir = join(root, 'deep', 'data')
    const identity = await initIdentity({ dataDir, machineFacts: fakeMachine(machineA) })
    assert.deepEqual(await listNodeIds(dataDir), [identity.nodeId])
  })

  it('signs at node:crypto speed', async (t) => {
    const { path: dataDir, remove } = await temporaryDirectory()
    t.after(remove)
    const identity = await initIdentity({ dataDir, machineFacts: fakeMachine(machineA) })
    const message = new Uint8Array(32)
    const started = performance.now()
    for (let index = 0; index < 2000; index++) identity.sign(message)
    const signaturesPerSecond = 2000 / ((performance.now() - started) / 1000)
    t.diagnostic(`${Math.round(signaturesPerSecond)} signatures/s`)
    assert.ok(signaturesPerSecond > 3000, `${signaturesPerSecond} signatures/s`)
  })
})

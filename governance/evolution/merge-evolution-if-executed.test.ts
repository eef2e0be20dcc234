import assert from 'node:assert/strict'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { hashBytes } from './hash-patch.ts'
import { mergeEvolutionIfExecuted, PATCH_HASH_TRAILER } from './merge-evolution-if-executed.ts'
import { revertEvolution } from './revert-evolution.ts'
import { simulateEvolution } from './simulate-evolution.ts'
import { BASE_FILES, CHECK_COMMAND, createTempGitRepo, type TempGitRepo } from './test-support/temp-git-repo.ts'

const GOOD_ADD = 'export function add(a, b) {\n  return a + b\n}\n\nexport const zero = 0\n'

/** A chain stub that answers `executed` and counts how often it was asked. */
function chain(executed: boolean) {
  const stub = { calls: 0, isExecuted: async () => (stub.calls += 1, executed) }
  return stub
}

describe('mergeEvolutionIfExecuted', () => {
  let repo: TempGitRepo
  let patchFile: string
  let patchHash: `0x${string}`
  beforeEach(async () => {
    repo = await createTempGitRepo()
    patchFile = await repo.makePatch('good.patch', { 'src/add.mjs': GOOD_ADD })
    patchHash = hashBytes(await readFile(patchFile))
  })
  afterEach(() => repo.cleanup())

  it('merges a simulated patch the chain executed, naming its hash, and the merge can be reverted', async () => {
    const report = await simulateEvolution({ repoDir: repo.repoDir, patchFile, sandboxDir: repo.sandboxDir, checkCommand: CHECK_COMMAND, timeoutMs: 20_000 })
    assert.equal(report.passed, true)
    const base = repo.git('rev-parse', 'HEAD').trim()
    const stub = chain(true)

    const result = await mergeEvolutionIfExecuted({ repoDir: repo.repoDir, patchFile, expectedPatchHash: report.patchHash, isExecuted: stub.isExecuted })
    assert.equal(result.merged, true)
    assert.equal(stub.calls, 1)
    assert.equal(result.commit, repo.git('rev-parse', 'HEAD').trim())
    assert.equal(repo.git('rev-parse', 'HEAD~1').trim(), base)
    assert.ok(repo.git('log', '-1', '--format=%B').includes(`${PATCH_HASH_TRAILER}: ${patchHash}`))
    assert.equal(await readFile(join(repo.repoDir, 'src/add.mjs'), 'utf8'), GOOD_ADD)
    assert.equal(repo.git('status', '--porcelain'), '')

    const { revertCommit } = await revertEvolution({ repoDir: repo.repoDir, commit: result.commit ?? '' })
    assert.equal(revertCommit, repo.git('rev-parse', 'HEAD').trim())
    assert.equal(repo.git('rev-parse', 'HEAD~1').trim(), result.commit)
    assert.equal(await readFile(join(repo.repoDir, 'src/add.mjs'), 'utf8'), BASE_FILES['src/add.mjs'])
    assert.equal(repo.git('status', '--porcelain'), '')
  })

  it('never merges when the chain says no, or answers anything but true', async () => {
    const before = await repo.snapshot()
    const no = chain(false)
    const result = await mergeEvolutionIfExecuted({ repoDir: repo.repoDir, patchFile, expectedPatchHash: patchHash, isExecuted: no.isExecuted })
    assert.deepEqual({ merged: result.merged, refusal: result.refusal }, { merged: false, refusal: 'chain-not-executed' })
    assert.match(result.reason ?? '', /has not executed/)
    assert.equal(no.calls, 1)
    const truthy = await mergeEvolutionIfExecuted({ repoDir: repo.repoDir, patchFile, expectedPatchHash: patchHash, isExecuted: async () => 'yes' as unknown as boolean })
    assert.equal(truthy.merged, false)
    assert.deepEqual(await repo.snapshot(), before)
  })

  it('never merges a toxic patch: the simulation fails and the chain does not execute it', async () => {
    const toxic = await repo.makePatch('toxic.patch', { 'src/add.mjs': 'export function add(a, b) {\n  return a - b\n}\n', 'contracts/Token.sol': 'contract Token { function drain() public {} }\n' })
    const report = await simulateEvolution({ repoDir: repo.repoDir, patchFile: toxic, sandboxDir: repo.sandboxDir, checkCommand: CHECK_COMMAND, timeoutMs: 20_000 })
    assert.equal(report.passed, false)
    const before = await repo.snapshot()
    const result = await mergeEvolutionIfExecuted({ repoDir: repo.repoDir, patchFile: toxic, expectedPatchHash: report.patchHash, isExecuted: chain(false).isExecuted })
    assert.equal(result.merged, false)
    assert.deepEqual(await repo.snapshot(), before)
  })

  it('refuses a patch whose hash is not the voted one, before asking the chain', async () => {
    const before = await repo.snapshot()
    const stub = chain(true)
    const otherHash = hashBytes(new TextEncoder().encode('another patch'))
    await assert.rejects(mergeEvolutionIfExecuted({ repoDir: repo.repoDir, patchFile, expectedPatchHash: otherHash, isExecuted: stub.isExecuted }), (error: Error & { expected?: string; actual?: string }) => {
      assert.equal(error.name, 'EvolutionPatchHashMismatchError')
      assert.deepEqual({ expected: error.expected, actual: error.actual }, { expected: otherHash, actual: patchHash })
      return true
    })
    assert.equal(stub.calls, 0)
    assert.deepEqual(await repo.snapshot(), before)
  })

  it('accepts the voted hash in upper case', async () => {
    const result = await mergeEvolutionIfExecuted({ repoDir: repo.repoDir, patchFile, expectedPatchHash: `0x${patchHash.slice(2).toUpperCase()}`, isExecuted: chain(true).isExecuted })
    assert.equal(result.merged, true)
  })

  it('refuses to merge into a dirty working tree and keeps the local change', async () => {
    await writeFile(join(repo.repoDir, 'README.md'), '# local edit\n')
    const before = await repo.snapshot()
    const result = await mergeEvolutionIfExecuted({ repoDir: repo.repoDir, patchFile, expectedPatchHash: patchHash, isExecuted: chain(true).isExecuted })
    assert.deepEqual({ merged: result.merged, refusal: result.refusal }, { merged: false, refusal: 'working-tree-dirty' })
    assert.deepEqual(await repo.snapshot(), before)
  })

  it('refuses a patch that no longer applies, and one that is already merged', async () => {
    const stub = chain(true)
    assert.equal((await mergeEvolutionIfExecuted({ repoDir: repo.repoDir, patchFile, expectedPatchHash: patchHash, isExecuted: stub.isExecuted })).merged, true)
    const again = await mergeEvolutionIfExecuted({ repoDir: repo.repoDir, patchFile, expectedPatchHash: patchHash, isExecuted: stub.isExecuted })
    assert.deepEqual({ merged: again.merged, refusal: again.refusal }, { merged: false, refusal: 'already-applied' })

    // A patch made against HEAD, then HEAD moves on and changes the same lines.
    const conflicting = await repo.makePatch('conflict.patch', { 'src/add.mjs': 'export const add = (a, b) => b + a\n' })
    await writeFile(join(repo.repoDir, 'src/add.mjs'), 'export function add(a, b) {\n  return b + a\n}\n')
    repo.git('commit', '--quiet', '-am', 'local change')
    const before = await repo.snapshot()
    const stale = await mergeEvolutionIfExecuted({ repoDir: repo.repoDir, patchFile: conflicting, expectedPatchHash: hashBytes(await readFile(conflicting)), isExecuted: stub.isExecuted })
    assert.deepEqual({ merged: stale.merged, refusal: stale.refusal }, { merged: false, refusal: 'patch-does-not-apply' })
    assert.deepEqual(await repo.snapshot(), before)
  })

  it('rolls back when the commit fails (a pre-commit hook says no)', async () => {
    const hook = join(repo.repoDir, '.git', 'hooks', 'pre-commit')
    await writeFile(hook, '#!/bin/sh\necho "hook refuses" >&2\nexit 1\n')
    await chmod(hook, 0o755)
    const withNewFile = await repo.makePatch('new-file.patch', { 'src/add.mjs': GOOD_ADD, 'src/new.mjs': 'export const x = 1\n' })
    const before = await repo.snapshot()
    const result = await mergeEvolutionIfExecuted({ repoDir: repo.repoDir, patchFile: withNewFile, expectedPatchHash: hashBytes(await readFile(withNewFile)), isExecuted: chain(true).isExecuted })
    assert.deepEqual({ merged: result.merged, refusal: result.refusal }, { merged: false, refusal: 'commit-failed' })
    assert.match(result.reason ?? '', /hook refuses/)
    assert.deepEqual(await repo.snapshot(), before)
  })

  it('reports a failing chain check as a typed error and changes nothing', async () => {
    const before = await repo.snapshot()
    await assert.rejects(mergeEvolutionIfExecuted({ repoDir: repo.repoDir, patchFile, expectedPatchHash: patchHash, isExecuted: async () => { throw new Error('RPC down') } }), { name: 'EvolutionChainCheckFailedError' })
    assert.deepEqual(await repo.snapshot(), before)
  })

  it('refuses bad input with typed errors before asking the chain', async () => {
    const before = await repo.snapshot()
    const stub = chain(true)
    const garbage = join(repo.root, 'garbage.patch')
    await writeFile(garbage, 'not a patch\n')
    const cases: Array<[Parameters<typeof mergeEvolutionIfExecuted>[0], string]> = [
      [{ repoDir: repo.repoDir, patchFile: join(repo.root, 'missing.patch'), expectedPatchHash: patchHash, isExecuted: stub.isExecuted }, 'EvolutionPatchNotFoundError'],
      [{ repoDir: repo.repoDir, patchFile: garbage, expectedPatchHash: hashBytes(await readFile(garbage)), isExecuted: stub.isExecuted }, 'EvolutionPatchInvalidError'],
      [{ repoDir: repo.root, patchFile, expectedPatchHash: patchHash, isExecuted: stub.isExecuted }, 'EvolutionRepositoryInvalidError'],
      [{ repoDir: repo.repoDir, patchFile, expectedPatchHash: '0x1234', isExecuted: stub.isExecuted }, 'EvolutionParameterInvalidError'],
      [{ repoDir: repo.repoDir, patchFile, expectedPatchHash: patchHash, isExecuted: true as unknown as () => Promise<boolean> }, 'EvolutionParameterInvalidError'],
    ]
    for (const [parameters, name] of cases) await assert.rejects(mergeEvolutionIfExecuted(parameters), { name }, name)
    assert.equal(stub.calls, 0)
    assert.deepEqual(await repo.snapshot(), before)
  })
})

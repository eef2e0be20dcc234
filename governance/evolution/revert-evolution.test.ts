import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { hashBytes } from './hash-patch.ts'
import { mergeEvolutionIfExecuted } from './merge-evolution-if-executed.ts'
import { revertEvolution } from './revert-evolution.ts'
import { BASE_FILES, createTempGitRepo, type TempGitRepo } from './test-support/temp-git-repo.ts'

describe('revertEvolution', () => {
  let repo: TempGitRepo
  let merged: string
  beforeEach(async () => {
    repo = await createTempGitRepo()
    const patchFile = await repo.makePatch('good.patch', { 'src/add.mjs': 'export function add(a, b) {\n  return b + a\n}\n' })
    const result = await mergeEvolutionIfExecuted({ repoDir: repo.repoDir, patchFile, expectedPatchHash: hashBytes(await readFile(patchFile)), isExecuted: async () => true })
    assert.ok(result.merged)
    merged = result.commit
  })
  afterEach(() => repo.cleanup())

  it('adds a commit that undoes the merge, also given an abbreviated id', async () => {
    const { revertCommit } = await revertEvolution({ repoDir: repo.repoDir, commit: merged.slice(0, 10) })
    assert.equal(revertCommit, repo.git('rev-parse', 'HEAD').trim())
    assert.equal(repo.git('rev-parse', 'HEAD~1').trim(), merged)
    assert.equal(await readFile(join(repo.repoDir, 'src/add.mjs'), 'utf8'), BASE_FILES['src/add.mjs'])
    assert.match(repo.git('log', '-1', '--format=%s'), /^Revert "evolution: apply patch 0x/)
  })

  it('refuses ids that are not commit ids, and commits outside the history of HEAD', async () => {
    for (const commit of ['HEAD', '--all', 'abc', '', 42])
      await assert.rejects(revertEvolution({ repoDir: repo.repoDir, commit: commit as string }), { name: 'EvolutionParameterInvalidError' }, String(commit))
    await assert.rejects(revertEvolution({ repoDir: repo.repoDir, commit: 'f'.repeat(40) }), { name: 'EvolutionCommitNotFoundError' })
    repo.git('checkout', '--quiet', '-b', 'side', 'HEAD~1')
    await assert.rejects(revertEvolution({ repoDir: repo.repoDir, commit: merged }), { name: 'EvolutionCommitNotFoundError' })
  })

  it('refuses a dirty working tree', async () => {
    await writeFile(join(repo.repoDir, 'README.md'), '# local edit\n')
    const before = await repo.snapshot()
    await assert.rejects(revertEvolution({ repoDir: repo.repoDir, commit: merged }), { name: 'EvolutionWorkingTreeDirtyError' })
    assert.deepEqual(await repo.snapshot(), before)
  })

  it('aborts a conflicting revert and leaves the repository as it was', async () => {
    await writeFile(join(repo.repoDir, 'src/add.mjs'), 'export function add(a, b) {\n  return (b + a) | 0\n}\n')
    repo.git('commit', '--quiet', '-am', 'later change to the same line')
    const before = await repo.snapshot()
    await assert.rejects(revertEvolution({ repoDir: repo.repoDir, commit: merged }), { name: 'EvolutionRevertFailedError' })
    assert.deepEqual(await repo.snapshot(), before)
    assert.throws(() => repo.git('rev-parse', '--verify', '--quiet', 'REVERT_HEAD'))
  })
})

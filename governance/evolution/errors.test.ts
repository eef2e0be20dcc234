import assert from 'node:assert/strict'
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { BaseError, formatErrorForUser } from '../../common/base-error.ts'
import { PATCH_BYTES_MAX } from './constants.ts'
import * as errors from './errors.ts'
import * as evolution from './index.ts'

describe('evolution errors', () => {
  it('are BaseErrors named after their class', () => {
    const classes = Object.entries(errors).filter(([, value]) => typeof value === 'function')
    assert.equal(classes.length, 14)
    for (const [className, ErrorClass] of classes) {
      const error = new (ErrorClass as new (parameters: unknown) => Error)({ argument: 'a', expected: 'e', received: 'r', path: 'p', what: 'bytes', count: 2, limit: 1, problem: 'x', gitMessage: 'g', commit: 'c', changedPaths: ['a'], args: ['apply'], exitCode: 1, stderr: 's', cause: new Error('c') })
      assert.ok(error instanceof BaseError, className)
      assert.equal(error.name, className)
    }
  })

  it('pins what a user reads for a hash mismatch and a patch that does not apply', () => {
    const mismatch = new errors.EvolutionPatchHashMismatchError({ path: 'change.patch', expected: '0xaa', actual: '0xbb' })
    assert.equal(formatErrorForUser(mismatch), [
      'error: Patch hash does not match the voted hash: change.patch.',
      '  details: Expected 0xaa, the file hashes to 0xbb.',
      '  hint: Merge exactly the patch file that was simulated and proposed; a changed file needs a new proposal.',
    ].join('\n'))
    const stale = new errors.EvolutionPatchDoesNotApplyError({ path: 'change.patch', commit: 'abc123', gitMessage: 'error: patch failed: src/add.mjs:1' })
    assert.equal(formatErrorForUser(stale), [
      'error: Patch does not apply to HEAD (abc123): change.patch.',
      '  details: git apply said: error: patch failed: src/add.mjs:1',
      '  hint: Rebase the change on the current HEAD and make the patch again.',
    ].join('\n'))
  })

  it('every public function refuses a wrong argument with EvolutionParameterInvalidError', async () => {
    const invalid = { name: 'EvolutionParameterInvalidError' }
    const hash = `0x${'ab'.repeat(32)}` as const
    for (const parameters of [undefined, null, 'x', []]) {
      await assert.rejects(evolution.simulateEvolution(parameters as never), invalid)
      await assert.rejects(evolution.mergeEvolutionIfExecuted(parameters as never), invalid)
      await assert.rejects(evolution.revertEvolution(parameters as never), invalid)
    }
    await assert.rejects(evolution.simulateEvolution({ repoDir: 1, patchFile: 'p', sandboxDir: 's' } as never), invalid)
    await assert.rejects(evolution.simulateEvolution({ repoDir: '.', patchFile: 'p', sandboxDir: '' }), invalid)
    await assert.rejects(evolution.mergeEvolutionIfExecuted({ repoDir: '.', patchFile: 'p', expectedPatchHash: 'abc' as never, isExecuted: async () => true }), invalid)
    await assert.rejects(evolution.mergeEvolutionIfExecuted({ repoDir: '.', patchFile: '', expectedPatchHash: hash, isExecuted: async () => true }), invalid)
    await assert.rejects(evolution.revertEvolution({ repoDir: '.', commit: 'HEAD~1' }), invalid)
    await assert.rejects(evolution.readPatch(''), invalid)
  })

  it('readPatch refuses a missing file, a folder, an empty file and one past the size limit', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ippoc-evolution-read-'))
    try {
      await assert.rejects(evolution.readPatch(join(folder, 'missing.patch')), { name: 'EvolutionPatchNotFoundError' })
      await assert.rejects(evolution.readPatch(folder), { name: 'EvolutionPatchNotFoundError' })
      const path = join(folder, 'p.patch')
      await writeFile(path, '')
      await assert.rejects(evolution.readPatch(path), { name: 'EvolutionPatchInvalidError' })
      await truncate(path, PATCH_BYTES_MAX)
      assert.equal((await evolution.readPatch(path)).bytes.length, PATCH_BYTES_MAX)
      await truncate(path, PATCH_BYTES_MAX + 1)
      await assert.rejects(evolution.readPatch(path), { name: 'EvolutionPatchTooLargeError' })
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })
})

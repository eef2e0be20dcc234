import { applyPatchToIndex, assertPatchIsReadable } from './apply-patch.ts'
import { checkParametersObject, checkPath } from './check-argument.ts'
import { describeValue } from '../../common/describe-value.ts'
import type { EvolutionGitCommandFailedError, EvolutionPatchInvalidError, EvolutionPatchNotFoundError, EvolutionPatchTooLargeError, EvolutionRepositoryInvalidError } from './errors.ts'
import { EvolutionChainCheckFailedError, EvolutionParameterInvalidError, EvolutionPatchHashMismatchError } from './errors.ts'
import { isHash } from './hash-patch.ts'
import { listChangedTrackedFiles } from './list-changed-tracked-files.ts'
import { readPatch, type Patch } from './read-patch.ts'
import { resolveHeadCommit, resolveRepository } from './resolve-repository.ts'
import { GIT_COMMITTER_ARGUMENTS, runGit, runGitOrThrow } from './run-git.ts'
import type { Hash } from './types.ts'

/** Parameters of {@link mergeEvolutionIfExecuted}. */
export type MergeEvolutionIfExecutedParameters = {
  /** Top-level folder of the node's git repository; the patch is committed on its current branch. */
  repoDir: string
  patchFile: string
  /** The patch hash that was proposed and voted on. */
  expectedPatchHash: Hash
  /** Asks the chain whether the proposal was executed; the patch is merged only on `true`. */
  isExecuted: () => Promise<boolean>
}

/** Why a merge was refused, for code to branch on. */
export type MergeRefusal = 'chain-not-executed' | 'working-tree-dirty' | 'patch-does-not-apply' | 'already-applied' | 'commit-failed'

/** What {@link mergeEvolutionIfExecuted} did. */
export type MergeEvolutionIfExecutedReturnType =
  | { merged: true; commit: string; reason?: undefined; refusal?: undefined }
  | { merged: false; commit?: undefined; reason: string; refusal: MergeRefusal }

/** The errors {@link mergeEvolutionIfExecuted} throws; it changes nothing when it throws. */
export type MergeEvolutionIfExecutedErrorType =
  | EvolutionParameterInvalidError
  | EvolutionPatchNotFoundError
  | EvolutionPatchTooLargeError
  | EvolutionPatchInvalidError
  | EvolutionPatchHashMismatchError
  | EvolutionRepositoryInvalidError
  | EvolutionChainCheckFailedError
  | EvolutionGitCommandFailedError

/** Trailer naming the patch hash in every evolution commit; `git log --grep` finds them. */
export const PATCH_HASH_TRAILER = 'Evolution-Patch-Hash'

/**
 * Merges an evolution only if the chain says its proposal was executed: re-hashes the patch and
 * throws unless it is the voted hash, asks `isExecuted()`, then applies the patch to the index and
 * working tree (all or nothing) and commits it with a message naming the patch hash. Refuses, with a
 * reason and nothing changed, when the chain says no, tracked files have uncommitted changes, or the
 * patch does not apply. A failed commit is rolled back.
 *
 * @example
 * const result = await mergeEvolutionIfExecuted({ repoDir: '.', patchFile: 'change.patch', expectedPatchHash, isExecuted: () => registry.read.isExecuted([id]) })
 * if (!result.merged) console.log(result.reason)
 */
export async function mergeEvolutionIfExecuted(parameters: MergeEvolutionIfExecutedParameters): Promise<MergeEvolutionIfExecutedReturnType> {
  const { repoDir, patchFile, expectedPatchHash, isExecuted } = checkMergeParameters(parameters)
  const patch = await readPatch(patchFile)
  if (patch.patchHash !== expectedPatchHash.toLowerCase()) throw new EvolutionPatchHashMismatchError({ path: patch.path, expected: expectedPatchHash, actual: patch.patchHash })
  const repository = await resolveRepository(repoDir)
  await resolveHeadCommit(repository) // a failed commit is rolled back to HEAD, so there must be one
  await assertPatchIsReadable({ repository, patch })

  if (!(await askChain(isExecuted))) return refuse('chain-not-executed', `The chain has not executed the proposal for patch ${patch.patchHash}; nothing was merged.`)
  const changed = await listChangedTrackedFiles(repository)
  if (changed.length > 0) return refuse('working-tree-dirty', `The working tree has uncommitted changes (${changed.slice(0, 5).join(', ')}); commit or stash them first.`)

  const applied = await applyPatchToIndex({ cwd: repository, patch })
  if (!applied.applied) {
    if (applied.alreadyApplied) return refuse('already-applied', `Patch ${patch.patchHash} is already applied to the working tree.`)
    // git apply without --reject changes all files or none, so there is nothing to roll back here.
    return refuse('patch-does-not-apply', `Patch ${patch.patchHash} does not apply to HEAD: ${applied.gitMessage}`)
  }
  return commitPatch(repository, patch)
}

async function askChain(isExecuted: () => Promise<boolean>): Promise<boolean> {
  try {
    return (await isExecuted()) === true
  } catch (error) {
    throw new EvolutionChainCheckFailedError({ cause: error })
  }
}

async function commitPatch(repository: string, patch: Patch): Promise<MergeEvolutionIfExecutedReturnType> {
  const subject = `evolution: apply patch ${patch.patchHash.slice(0, 18)}`
  const trailer = `${PATCH_HASH_TRAILER}: ${patch.patchHash}`
  const commit = await runGit({ cwd: repository, args: [...GIT_COMMITTER_ARGUMENTS, 'commit', '--quiet', '-m', subject, '-m', trailer] })
  if (commit.exitCode !== 0) {
    await restoreHead(repository)
    return refuse('commit-failed', `Committing patch ${patch.patchHash} failed and was rolled back: ${commit.stderr}`)
  }
  return { merged: true, commit: (await runGitOrThrow({ cwd: repository, args: ['rev-parse', 'HEAD'] })).trim() }
}

/**
 * Puts the index and tracked files back to HEAD. Only called after the tree was found clean, so the
 * only changes it drops are the patch's own; untracked files are left alone.
 */
async function restoreHead(repository: string): Promise<void> {
  await runGitOrThrow({ cwd: repository, args: ['reset', '--hard', '--quiet', 'HEAD'] })
}

function refuse(refusal: MergeRefusal, reason: string): MergeEvolutionIfExecutedReturnType {
  return { merged: false, reason, refusal }
}

function checkMergeParameters(parameters: MergeEvolutionIfExecutedParameters) {
  const given = checkParametersObject(parameters, '{ repoDir, patchFile, expectedPatchHash, isExecuted }')
  if (!isHash(given.expectedPatchHash)) throw new EvolutionParameterInvalidError({ argument: 'expectedPatchHash', expected: '0x followed by 64 hex digits', received: describeValue(given.expectedPatchHash) })
  if (typeof given.isExecuted !== 'function') throw new EvolutionParameterInvalidError({ argument: 'isExecuted', expected: 'a function returning Promise<boolean>', received: describeValue(given.isExecuted) })
  return {
    repoDir: checkPath(given.repoDir, 'repoDir'),
    patchFile: checkPath(given.patchFile, 'patchFile'),
    expectedPatchHash: given.expectedPatchHash,
    isExecuted: parameters.isExecuted,
  }
}

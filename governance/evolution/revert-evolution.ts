import { checkParametersObject } from './check-argument.ts'
import { describeValue } from '../../common/describe-value.ts'
import type { EvolutionGitCommandFailedError, EvolutionRepositoryInvalidError } from './errors.ts'
import { EvolutionCommitNotFoundError, EvolutionParameterInvalidError, EvolutionRevertFailedError, EvolutionWorkingTreeDirtyError } from './errors.ts'
import { listChangedTrackedFiles } from './list-changed-tracked-files.ts'
import { resolveRepository } from './resolve-repository.ts'
import { GIT_COMMITTER_ARGUMENTS, runGit, runGitOrThrow } from './run-git.ts'

/** Parameters of {@link revertEvolution}. */
export type RevertEvolutionParameters = {
  repoDir: string
  /** The commit returned by `mergeEvolutionIfExecuted` (full or abbreviated id, at least 7 hex digits). */
  commit: string
}

/** What {@link revertEvolution} returns. */
export type RevertEvolutionReturnType = { revertCommit: string }

/** The errors {@link revertEvolution} throws; it changes nothing when it throws. */
export type RevertEvolutionErrorType =
  | EvolutionParameterInvalidError
  | EvolutionRepositoryInvalidError
  | EvolutionCommitNotFoundError
  | EvolutionWorkingTreeDirtyError
  | EvolutionRevertFailedError
  | EvolutionGitCommandFailedError

/**
 * Undoes a merged evolution with `git revert --no-edit`, which adds a new commit; history is never
 * rewritten. Refuses a commit outside HEAD's history and a dirty working tree; a revert that conflicts
 * is aborted, leaving the repository as it was.
 *
 * @example
 * const { revertCommit } = await revertEvolution({ repoDir: '.', commit: merged.commit })
 */
export async function revertEvolution(parameters: RevertEvolutionParameters): Promise<RevertEvolutionReturnType> {
  const given = checkParametersObject(parameters, '{ repoDir, commit }')
  if (typeof given.commit !== 'string' || !/^[0-9a-fA-F]{7,64}$/.test(given.commit)) throw new EvolutionParameterInvalidError({ argument: 'commit', expected: 'a commit id of 7 to 64 hex digits', received: describeValue(given.commit) })
  const repository = await resolveRepository(given.repoDir)
  const commit = await resolveCommitInHistory(repository, given.commit)
  const changed = await listChangedTrackedFiles(repository)
  if (changed.length > 0) throw new EvolutionWorkingTreeDirtyError({ path: repository, changedPaths: changed })

  const revert = await runGit({ cwd: repository, args: [...GIT_COMMITTER_ARGUMENTS, 'revert', '--no-edit', commit] })
  if (revert.exitCode !== 0) {
    await runGit({ cwd: repository, args: ['revert', '--abort'] })
    throw new EvolutionRevertFailedError({ path: repository, commit, gitMessage: revert.stderr })
  }
  return { revertCommit: (await runGitOrThrow({ cwd: repository, args: ['rev-parse', 'HEAD'] })).trim() }
}

async function resolveCommitInHistory(repository: string, commit: string): Promise<string> {
  const resolved = await runGit({ cwd: repository, args: ['rev-parse', '--verify', '--quiet', `${commit}^{commit}`] })
  if (resolved.exitCode !== 0) throw new EvolutionCommitNotFoundError({ path: repository, commit })
  const full = resolved.stdout.toString('utf8').trim()
  const ancestor = await runGit({ cwd: repository, args: ['merge-base', '--is-ancestor', full, 'HEAD'] })
  if (ancestor.exitCode !== 0) throw new EvolutionCommitNotFoundError({ path: repository, commit })
  return full
}

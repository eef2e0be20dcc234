/**
 * Every way the evolution sandbox refuses bad input. Each error says what went wrong, where, and what
 * to do; code and tests tell them apart by `name`. Refusals that are normal outcomes (the chain said
 * no, the tree is dirty) are results, not errors.
 */
import { BaseError, InvalidArgumentError } from '../../common/base-error.ts'

/**
 * A public function of `governance/evolution/` got an argument of the wrong type or shape.
 *
 * @example
 * throw new EvolutionParameterInvalidError({ argument: 'timeoutMs', expected: 'an integer from 100 to 3600000', received: 'number -1' })
 */
export class EvolutionParameterInvalidError extends InvalidArgumentError {
  override name = 'EvolutionParameterInvalidError'
}

/**
 * The patch file does not exist or cannot be read.
 *
 * @example
 * throw new EvolutionPatchNotFoundError({ path: '/tmp/p.patch' })
 */
export class EvolutionPatchNotFoundError extends BaseError {
  override name = 'EvolutionPatchNotFoundError'
  constructor({ path, cause }: { path: string; cause?: unknown }) {
    super(`Patch file not found or unreadable: ${path}.`, {
      details: cause instanceof Error ? cause.message : undefined,
      hints: ['Pass the path of a file made by `git diff --binary` or `git format-patch`.'],
      cause,
    })
  }
}

/**
 * The patch file is larger than the sandbox accepts.
 *
 * @example
 * throw new EvolutionPatchTooLargeError({ path: 'big.patch', bytes: 20_000_000, limit: 16_777_216 })
 */
export class EvolutionPatchTooLargeError extends BaseError {
  override name = 'EvolutionPatchTooLargeError'
  constructor({ path, what, count, limit }: { path: string; what: string; count: number; limit: number }) {
    super(`Patch is too large: ${path} has ${count} ${what}, the limit is ${limit}.`, {
      hints: ['Split the change into smaller evolutions, each proposed and voted on by itself.'],
    })
  }
}

/**
 * The patch file is not a patch git can read (garbage, empty, truncated).
 *
 * @example
 * throw new EvolutionPatchInvalidError({ path: 'p.patch', problem: 'git apply said: error: No valid patches in input' })
 */
export class EvolutionPatchInvalidError extends BaseError {
  override name = 'EvolutionPatchInvalidError'
  constructor({ path, problem }: { path: string; problem: string }) {
    super(`Not a valid patch: ${path}.`, {
      details: problem === '' ? undefined : problem,
      hints: ['Make the patch with `git diff --binary HEAD > change.patch` or `git format-patch -1`.'],
    })
  }
}

/**
 * The patch is well formed but does not apply to the repository's HEAD.
 *
 * @example
 * throw new EvolutionPatchDoesNotApplyError({ path: 'p.patch', commit: 'abc123', gitMessage: 'error: patch failed: a.ts:3' })
 */
export class EvolutionPatchDoesNotApplyError extends BaseError {
  override name = 'EvolutionPatchDoesNotApplyError'
  constructor({ path, commit, gitMessage }: { path: string; commit: string; gitMessage: string }) {
    super(`Patch does not apply to HEAD (${commit}): ${path}.`, {
      details: gitMessage === '' ? undefined : `git apply said: ${gitMessage}`,
      hints: ['Rebase the change on the current HEAD and make the patch again.'],
    })
  }
}

/**
 * The patch's bytes do not hash to the hash that was proposed and voted on.
 *
 * @example
 * throw new EvolutionPatchHashMismatchError({ path: 'p.patch', expected: '0xaa…', actual: '0xbb…' })
 */
export class EvolutionPatchHashMismatchError extends BaseError {
  override name = 'EvolutionPatchHashMismatchError'
  readonly expected: string
  readonly actual: string
  constructor({ path, expected, actual }: { path: string; expected: string; actual: string }) {
    super(`Patch hash does not match the voted hash: ${path}.`, {
      details: `Expected ${expected}, the file hashes to ${actual}.`,
      hints: ['Merge exactly the patch file that was simulated and proposed; a changed file needs a new proposal.'],
    })
    this.expected = expected
    this.actual = actual
  }
}

/**
 * The repository directory is missing, not a git work tree, not its top level, or has no commit.
 *
 * @example
 * throw new EvolutionRepositoryInvalidError({ path: '/srv/app', problem: 'it is not a git work tree' })
 */
export class EvolutionRepositoryInvalidError extends BaseError {
  override name = 'EvolutionRepositoryInvalidError'
  constructor({ path, problem, hint, cause }: { path: string; problem: string; hint?: string; cause?: unknown }) {
    super(`Not a usable git repository: ${path}: ${problem}.`, {
      hints: [hint ?? 'Pass the top-level folder of a git work tree with at least one commit.'],
      cause,
    })
  }
}

/**
 * The repository's working tree has uncommitted changes to tracked files.
 *
 * @example
 * throw new EvolutionWorkingTreeDirtyError({ path: '/srv/app', changedPaths: ['a.ts'] })
 */
export class EvolutionWorkingTreeDirtyError extends BaseError {
  override name = 'EvolutionWorkingTreeDirtyError'
  constructor({ path, changedPaths }: { path: string; changedPaths: readonly string[] }) {
    super(`The working tree of ${path} has uncommitted changes.`, {
      details: `Changed: ${changedPaths.slice(0, 10).join(', ')}${changedPaths.length > 10 ? ', …' : ''}.`,
      hints: ['Commit or stash the changes first (`git stash`).'],
    })
  }
}

/**
 * The commit to revert does not exist in the repository.
 *
 * @example
 * throw new EvolutionCommitNotFoundError({ path: '/srv/app', commit: 'deadbeef' })
 */
export class EvolutionCommitNotFoundError extends BaseError {
  override name = 'EvolutionCommitNotFoundError'
  constructor({ path, commit }: { path: string; commit: string }) {
    super(`No commit ${commit} in ${path}.`, {
      hints: ['Pass the commit returned by mergeEvolutionIfExecuted (`git log --grep Evolution-Patch-Hash` lists them).'],
    })
  }
}

/**
 * `git revert` could not undo the commit cleanly (a later commit changed the same lines); nothing was
 * changed.
 *
 * @example
 * throw new EvolutionRevertFailedError({ path: '/srv/app', commit: 'abc', gitMessage: 'CONFLICT (content)' })
 */
export class EvolutionRevertFailedError extends BaseError {
  override name = 'EvolutionRevertFailedError'
  constructor({ path, commit, gitMessage }: { path: string; commit: string; gitMessage: string }) {
    super(`Could not revert ${commit} in ${path}; nothing was changed.`, {
      details: gitMessage === '' ? undefined : `git revert said: ${gitMessage}`,
      hints: ['Revert the later commits that touch the same lines first, or resolve the revert by hand.'],
    })
  }
}

/**
 * The injected chain check (`isExecuted`) threw; nothing was merged.
 *
 * @example
 * throw new EvolutionChainCheckFailedError({ cause: new Error('RPC timeout') })
 */
export class EvolutionChainCheckFailedError extends BaseError {
  override name = 'EvolutionChainCheckFailedError'
  constructor({ cause }: { cause: unknown }) {
    super('Could not ask the chain whether the evolution was executed; nothing was merged.', {
      details: cause instanceof Error ? cause.message : String(cause),
      hints: ['Check the RPC URL and that the chain is running, then try again.'],
      cause,
    })
  }
}

/**
 * A git command the sandbox relies on failed in a way that is not about the caller's input.
 *
 * @example
 * throw new EvolutionGitCommandFailedError({ args: ['worktree', 'add'], exitCode: 128, stderr: 'fatal: …' })
 */
export class EvolutionGitCommandFailedError extends BaseError {
  override name = 'EvolutionGitCommandFailedError'
  constructor({ args, exitCode, stderr, cause }: { args: readonly string[]; exitCode: number | null; stderr: string; cause?: unknown }) {
    super(`git ${args.slice(0, 3).join(' ')} failed${exitCode === null ? '' : ` with exit code ${exitCode}`}.`, {
      details: stderr === '' ? undefined : stderr,
      hints: ['Check that git 2.25 or newer is installed and that the repository is not locked by another git process.'],
      cause,
    })
  }
}

/**
 * The sandbox worktree could not be removed after a simulation.
 *
 * @example
 * throw new EvolutionSandboxCleanupError({ path: 'sandbox/evolution-ab12', cause })
 */
export class EvolutionSandboxCleanupError extends BaseError {
  override name = 'EvolutionSandboxCleanupError'
  constructor({ path, cause }: { path: string; cause?: unknown }) {
    super(`Could not remove the sandbox worktree ${path}.`, {
      details: cause instanceof Error ? cause.message : undefined,
      hints: [`Remove it by hand (\`rm -rf ${path}\`) and run \`git worktree prune\` in the repository.`],
      cause,
    })
  }
}

/**
 * The sandbox folder cannot be created or written.
 *
 * @example
 * throw new EvolutionSandboxUnavailableError({ path: 'data/nodes/ab12/sandbox', cause })
 */
export class EvolutionSandboxUnavailableError extends BaseError {
  override name = 'EvolutionSandboxUnavailableError'
  constructor({ path, cause }: { path: string; cause?: unknown }) {
    super(`Cannot use the sandbox folder ${path}.`, {
      details: cause instanceof Error ? cause.message : undefined,
      hints: ["Pass the node's sandbox/ folder, or another folder the node's user can create and write."],
      cause,
    })
  }
}

import { EvolutionPatchInvalidError } from './errors.ts'
import type { Patch } from './read-patch.ts'
import { runGit } from './run-git.ts'

/**
 * Throws {@link EvolutionPatchInvalidError} unless git can parse the patch and it changes at least one
 * file. Reads nothing but the patch and writes nothing.
 *
 * @example
 * await assertPatchIsReadable({ repository, patch })
 */
export async function assertPatchIsReadable(parameters: { repository: string; patch: Patch }): Promise<void> {
  const { repository, patch } = parameters
  const { exitCode, stdout, stderr } = await runGit({ cwd: repository, args: ['apply', '--numstat', '-z', '-'], input: patch.bytes })
  if (exitCode !== 0) throw new EvolutionPatchInvalidError({ path: patch.path, problem: `git apply said: ${stderr}` })
  if (stdout.length === 0) throw new EvolutionPatchInvalidError({ path: patch.path, problem: 'It changes no file.' })
}

/** What {@link applyPatchToIndex} did. */
export type ApplyPatchToIndexReturnType =
  | { applied: true }
  | { applied: false; alreadyApplied: boolean; gitMessage: string }

/**
 * Applies the patch bytes to the working tree and index of `cwd`, all or nothing: `git apply --check
 * --index` first, then `git apply --index` (which itself never leaves a partial result). When it does
 * not apply, says whether that is because it is already applied (it applies in reverse).
 *
 * @example
 * const result = await applyPatchToIndex({ cwd: worktreeDir, patch })
 */
export async function applyPatchToIndex(parameters: { cwd: string; patch: Patch }): Promise<ApplyPatchToIndexReturnType> {
  const { cwd, patch } = parameters
  const check = await runGit({ cwd, args: ['apply', '--check', '--index', '-'], input: patch.bytes })
  if (check.exitCode !== 0) {
    const reverse = await runGit({ cwd, args: ['apply', '--check', '--index', '--reverse', '-'], input: patch.bytes })
    return { applied: false, alreadyApplied: reverse.exitCode === 0, gitMessage: check.stderr }
  }
  const apply = await runGit({ cwd, args: ['apply', '--index', '-'], input: patch.bytes })
  if (apply.exitCode !== 0) return { applied: false, alreadyApplied: false, gitMessage: apply.stderr }
  return { applied: true }
}

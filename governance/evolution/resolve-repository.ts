import { realpath, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { describeValue } from '../../common/describe-value.ts'
import { EvolutionParameterInvalidError, EvolutionRepositoryInvalidError } from './errors.ts'
import { runGit } from './run-git.ts'

/**
 * Resolves `repoDir` to the real path of a git work tree's top level, or throws
 * {@link EvolutionRepositoryInvalidError}. A subfolder is refused: `git apply` run there would
 * silently skip the patch's files outside it.
 *
 * @example
 * const repository = await resolveRepository('.') // '/srv/ippoc'
 */
export async function resolveRepository(repoDir: unknown): Promise<string> {
  if (typeof repoDir !== 'string' || repoDir === '' || repoDir.includes('\0'))
    throw new EvolutionParameterInvalidError({ argument: 'repoDir', expected: 'the path of a git repository', received: describeValue(repoDir) })
  const path = resolve(repoDir)
  const isFolder = await stat(path).then((stats) => stats.isDirectory(), () => false)
  if (!isFolder) throw new EvolutionRepositoryInvalidError({ path, problem: 'it does not exist or is not a folder' })
  const real = await realpath(path)
  const { exitCode, stdout, stderr } = await runGit({ cwd: real, args: ['rev-parse', '--show-toplevel'] })
  if (exitCode !== 0) throw new EvolutionRepositoryInvalidError({ path, problem: `it is not a git work tree${stderr === '' ? '' : ` (${stderr})`}` })
  const topLevel = await realpath(stdout.toString('utf8').trim())
  if (topLevel !== real) throw new EvolutionRepositoryInvalidError({ path, problem: `it is a subfolder of the repository ${topLevel}`, hint: `Pass the top-level folder ${topLevel}.` })
  return real
}

/**
 * The full id of the repository's HEAD commit; throws {@link EvolutionRepositoryInvalidError} when
 * there is none yet.
 *
 * @example
 * const baseCommit = await resolveHeadCommit(repository)
 */
export async function resolveHeadCommit(repository: string): Promise<string> {
  const { exitCode, stdout } = await runGit({ cwd: repository, args: ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'] })
  if (exitCode !== 0) throw new EvolutionRepositoryInvalidError({ path: repository, problem: 'it has no commit yet', hint: 'Commit the current code first; a patch applies to HEAD.' })
  return stdout.toString('utf8').trim()
}

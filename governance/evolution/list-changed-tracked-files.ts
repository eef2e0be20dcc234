import { runGitOrThrow } from './run-git.ts'

/**
 * Tracked files with uncommitted changes (staged or not) in the repository. Untracked files are not
 * listed: a node's own data folders may live there, and `git apply` refuses to overwrite them anyway.
 *
 * @example
 * if ((await listChangedTrackedFiles(repository)).length > 0) console.log('dirty')
 */
export async function listChangedTrackedFiles(repository: string): Promise<string[]> {
  const status = await runGitOrThrow({ cwd: repository, args: ['status', '--porcelain=v1', '-z', '--untracked-files=no', '--ignore-submodules=none'] })
  const fields = status.split('\0')
  const paths: string[] = []
  for (let index = 0; index < fields.length; index += 1) {
    const field = fields[index] ?? ''
    if (field.length < 4) continue
    paths.push(field.slice(3))
    // A rename or copy record is followed by its source path.
    if (field[0] === 'R' || field[0] === 'C') index += 1
  }
  return paths
}

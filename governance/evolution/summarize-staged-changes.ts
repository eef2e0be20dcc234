import { TOUCHED_FILES_MAX } from './constants.ts'
import { EvolutionGitCommandFailedError, EvolutionPatchTooLargeError } from './errors.ts'
import { runGitOrThrow } from './run-git.ts'
import type { ChangedFile } from './types.ts'

/** What a patch changes, file by file, with totals. */
export type StagedChanges = {
  files: readonly ChangedFile[]
  linesAdded: number
  linesRemoved: number
}

/**
 * Reads what the index of a worktree changes against its HEAD, as git itself sees it after applying
 * the patch: paths, adds and deletes, modes (symlinks, executables, submodules), binary files and line
 * counts. Renames count as a delete plus an add, so both paths are checked against the invariants.
 *
 * @example
 * const { files, linesAdded } = await summarizeStagedChanges({ worktreeDir, patchPath: 'p.patch' })
 */
export async function summarizeStagedChanges(parameters: { worktreeDir: string; patchPath: string }): Promise<StagedChanges> {
  const { worktreeDir, patchPath } = parameters
  const diff = ['diff', '--cached', '--no-renames', '--no-ext-diff', '--no-textconv', '-z']
  const raw = parseRawDiff(await runGitOrThrow({ cwd: worktreeDir, args: [...diff, '--raw'] }))
  const numstat = parseNumstat(await runGitOrThrow({ cwd: worktreeDir, args: [...diff, '--numstat'] }))
  if (raw.length > TOUCHED_FILES_MAX) throw new EvolutionPatchTooLargeError({ path: patchPath, what: 'touched files', count: raw.length, limit: TOUCHED_FILES_MAX })

  const files = raw.map(({ path, status, oldMode, newMode }): ChangedFile => {
    const lines = numstat.get(path) ?? { binary: false, linesAdded: 0, linesRemoved: 0 }
    return { path, status, oldMode, newMode, ...lines }
  })
  const linesAdded = files.reduce((sum, file) => sum + file.linesAdded, 0)
  const linesRemoved = files.reduce((sum, file) => sum + file.linesRemoved, 0)
  return { files, linesAdded, linesRemoved }
}

const STATUS_BY_LETTER: Readonly<Record<string, ChangedFile['status']>> = { A: 'added', D: 'deleted', M: 'modified', T: 'type-changed' }

/** Parses `git diff --raw -z --no-renames`: `:oldmode newmode oldsha newsha X\0path\0` per file. */
export function parseRawDiff(text: string): Array<Pick<ChangedFile, 'path' | 'status' | 'oldMode' | 'newMode'>> {
  const fields = text.split('\0')
  const files: Array<Pick<ChangedFile, 'path' | 'status' | 'oldMode' | 'newMode'>> = []
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const header = fields[index] ?? ''
    const path = fields[index + 1] ?? ''
    const match = /^:(\d{6}) (\d{6}) [0-9a-f]+ [0-9a-f]+ ([ADMT])$/.exec(header)
    const status = match?.[3] === undefined ? undefined : STATUS_BY_LETTER[match[3]]
    if (match === null || status === undefined || path === '') throw new EvolutionGitCommandFailedError({ args: ['diff', '--raw'], exitCode: 0, stderr: `Unexpected git diff --raw record: ${JSON.stringify(header)}` })
    files.push({ path, status, oldMode: match[1] ?? '', newMode: match[2] ?? '' })
  }
  return files
}

/** Parses `git diff --numstat -z --no-renames`: `added\tremoved\tpath\0`, `-\t-\tpath\0` for binary. */
export function parseNumstat(text: string): Map<string, Pick<ChangedFile, 'binary' | 'linesAdded' | 'linesRemoved'>> {
  const lines = new Map<string, Pick<ChangedFile, 'binary' | 'linesAdded' | 'linesRemoved'>>()
  for (const record of text.split('\0')) {
    if (record === '') continue
    const match = /^(\d+|-)\t(\d+|-)\t(.+)$/s.exec(record)
    if (match === null || match[3] === undefined) throw new EvolutionGitCommandFailedError({ args: ['diff', '--numstat'], exitCode: 0, stderr: `Unexpected git diff --numstat record: ${JSON.stringify(record.slice(0, 200))}` })
    const binary = match[1] === '-'
    lines.set(match[3], { binary, linesAdded: binary ? 0 : Number(match[1]), linesRemoved: binary ? 0 : Number(match[2]) })
  }
  return lines
}

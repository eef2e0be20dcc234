import { rename, rm } from 'node:fs/promises'
import { isAbsolute, join, posix } from 'node:path'
import { buildSandboxCommand } from './build-sandbox-command.ts'
import { buildSandboxEnvironment } from './build-sandbox-environment.ts'
import type { SandboxCapabilities } from './detect-sandbox-capabilities.ts'
import { runLimitedCommand } from './run-limited-command.ts'
import type { CheckResult } from './types.ts'
import type { SandboxWorktree } from './with-sandbox-worktree.ts'

/** Parameters of {@link runSandboxedCheck}. */
export type RunSandboxedCheckParameters = {
  sandbox: SandboxWorktree
  command: readonly string[]
  timeoutMs: number
  memoryMb: number
  capabilities: SandboxCapabilities
}

/**
 * Runs the check command in the sandbox worktree: in a network namespace when the machine allows it,
 * with a per-process memory limit, a time limit on the whole process group, and an allow-listed
 * environment whose HOME and TMPDIR are in the sandbox.
 *
 * While it runs, the worktree's `.git` link is moved out of the worktree (and git is told not to look
 * above it), so the check cannot reach the node's repository through git. This guards against
 * accidents, not against a hostile check: the filesystem is not isolated, and a check can still write
 * anywhere the node's user can.
 *
 * @example
 * const check = await runSandboxedCheck({ sandbox, command: ['npm', 'test'], timeoutMs: 60_000, memoryMb: 512, capabilities })
 */
export async function runSandboxedCheck(parameters: RunSandboxedCheckParameters): Promise<CheckResult & { spawnError: string | undefined }> {
  const { sandbox, command, timeoutMs, memoryMb, capabilities } = parameters
  const gitLink = join(sandbox.worktreeDir, '.git')
  const hiddenGitLink = join(sandbox.runDir, 'worktree.git-link')
  await rename(gitLink, hiddenGitLink)
  try {
    const run = await runLimitedCommand({
      command: buildSandboxCommand({ command, capabilities, memoryMb }),
      cwd: sandbox.worktreeDir,
      environment: buildSandboxEnvironment({ homeDir: sandbox.homeDir, tmpDir: sandbox.tmpDir, gitCeilingDir: sandbox.runDir }),
      timeoutMs,
    })
    return { command: [...command], ...run }
  } finally {
    // A check may have replaced or deleted the link, or the whole worktree; then the worktree cannot be
    // restored, and cleanup removes the folder and prunes the worktree instead.
    await rm(gitLink, { recursive: true, force: true }).catch(() => {})
    await rename(hiddenGitLink, gitLink).catch(() => {})
  }
}

/**
 * The repository-relative paths a check command names (`sh check.sh` → `check.sh`): a patch that
 * changes one of them changes the test, not only the code.
 *
 * @example
 * checkFilesOf(['node', './test/run.mjs', '--fast']) // ['node', 'test/run.mjs']
 */
export function checkFilesOf(command: readonly string[]): string[] {
  return command.filter((argument) => argument !== '' && !argument.startsWith('-') && !isAbsolute(argument)).map((argument) => posix.normalize(argument))
}

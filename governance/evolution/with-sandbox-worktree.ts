import { mkdir, mkdtemp, realpath, rm, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { EvolutionSandboxCleanupError, EvolutionSandboxUnavailableError } from './errors.ts'
import { runGit, runGitOrThrow } from './run-git.ts'

/** The folders of one simulation run under the node's `sandbox/` folder. */
export type SandboxWorktree = {
  /** `sandbox/evolution-<label>-<random>/`: everything of this run, removed afterwards. */
  runDir: string
  /** A detached git worktree of the base commit, where the patch is applied and the check runs. */
  worktreeDir: string
  /** HOME of the check. */
  homeDir: string
  /** TMPDIR of the check. */
  tmpDir: string
}

/** Parameters of {@link withSandboxWorktree}. */
export type WithSandboxWorktreeParameters = {
  repository: string
  sandboxDir: string
  commit: string
  /** A short name for the run folder (e.g. the start of the patch hash); letters and digits. */
  label: string
}

/**
 * Creates a detached worktree of `commit` in a fresh folder under `sandboxDir`, runs `use` with it,
 * and always removes it (`git worktree remove --force`, the folder, `git worktree prune`), whether
 * `use` returned or threw. Touches neither the main working tree nor its index; repository hooks do
 * not run. Throws {@link EvolutionSandboxCleanupError} when the worktree is still there afterwards.
 *
 * @example
 * const files = await withSandboxWorktree({ repository, sandboxDir, commit, label: 'ab12' }, async ({ worktreeDir }) => readdir(worktreeDir))
 */
export async function withSandboxWorktree<T>(parameters: WithSandboxWorktreeParameters, use: (sandbox: SandboxWorktree) => Promise<T>): Promise<T> {
  const { repository, commit, label } = parameters
  const runDir = await createRunDir(resolve(parameters.sandboxDir), label)
  // Git names a worktree after its folder; a unique folder name keeps parallel runs from racing for one.
  const worktreeName = `worktree-${basename(runDir).slice(-6)}`
  const sandbox: SandboxWorktree = { runDir, worktreeDir: join(runDir, worktreeName), homeDir: join(runDir, 'home'), tmpDir: join(runDir, 'tmp') }

  let outcome: { value: T } | { error: unknown }
  try {
    await mkdir(sandbox.homeDir)
    await mkdir(sandbox.tmpDir)
    await runGitOrThrow({ cwd: repository, args: ['-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '--detach', '--quiet', sandbox.worktreeDir, commit] })
    outcome = { value: await use(sandbox) }
  } catch (error) {
    outcome = { error }
  }
  const cleanupError = await removeSandboxWorktree(repository, sandbox)
  if ('error' in outcome) throw outcome.error
  if (cleanupError !== undefined) throw cleanupError
  return outcome.value
}

async function createRunDir(sandboxDir: string, label: string): Promise<string> {
  try {
    await mkdir(sandboxDir, { recursive: true })
    return await realpath(await mkdtemp(join(sandboxDir, `evolution-${label}-`)))
  } catch (error) {
    throw new EvolutionSandboxUnavailableError({ path: sandboxDir, cause: error })
  }
}

async function removeSandboxWorktree(repository: string, sandbox: SandboxWorktree): Promise<EvolutionSandboxCleanupError | undefined> {
  let failure: unknown
  // Two --force flags also remove a worktree that the check locked.
  await runGit({ cwd: repository, args: ['worktree', 'remove', '--force', '--force', sandbox.worktreeDir] }).catch((error: unknown) => (failure ??= error))
  await rm(sandbox.runDir, { recursive: true, force: true, maxRetries: 3 }).catch((error: unknown) => (failure ??= error))
  await runGit({ cwd: repository, args: ['worktree', 'prune'] }).catch((error: unknown) => (failure ??= error))

  const folderLeft = await stat(sandbox.runDir).then(() => true, () => false)
  const list = await runGit({ cwd: repository, args: ['worktree', 'list', '--porcelain', '-z'] }).catch(() => undefined)
  const registered = list === undefined || list.stdout.toString('utf8').split('\0').includes(`worktree ${sandbox.worktreeDir}`)
  if (!folderLeft && !registered) return undefined
  return new EvolutionSandboxCleanupError({ path: sandbox.runDir, cause: failure })
}

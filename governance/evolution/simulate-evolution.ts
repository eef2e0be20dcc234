import { applyPatchToIndex, assertPatchIsReadable } from './apply-patch.ts'
import { checkBoolean, checkCommand, checkInteger, checkParametersObject, checkPath, checkRelativePaths } from './check-argument.ts'
import {
  CHECK_COMMAND_ARGUMENTS_MAX,
  CHECK_MEMORY_MB_MAX,
  CHECK_MEMORY_MB_MIN,
  CHECK_TIMEOUT_MS_MAX,
  CHECK_TIMEOUT_MS_MIN,
  DEFAULT_CHECK_COMMAND,
  DEFAULT_CHECK_MEMORY_MB,
  DEFAULT_CHECK_TIMEOUT_MS,
  DEFAULT_INVARIANT_PATHS,
  INVARIANT_PATHS_MAX,
} from './constants.ts'
import { detectSandboxCapabilities, type SandboxCapabilities } from './detect-sandbox-capabilities.ts'
import type {
  EvolutionGitCommandFailedError,
  EvolutionParameterInvalidError,
  EvolutionPatchInvalidError,
  EvolutionPatchNotFoundError,
  EvolutionPatchTooLargeError,
  EvolutionRepositoryInvalidError,
  EvolutionSandboxCleanupError,
  EvolutionSandboxUnavailableError,
} from './errors.ts'
import { EvolutionPatchDoesNotApplyError } from './errors.ts'
import { findInvariantFiles } from './find-invariant-files.ts'
import { hashSimulationReport } from './hash-report.ts'
import { readPatch } from './read-patch.ts'
import { resolveHeadCommit, resolveRepository } from './resolve-repository.ts'
import { checkFilesOf, runSandboxedCheck } from './run-sandboxed-check.ts'
import { scoreEvolutionRisk } from './score-evolution-risk.ts'
import { summarizeStagedChanges } from './summarize-staged-changes.ts'
import type { SimulationReport } from './types.ts'
import { withSandboxWorktree } from './with-sandbox-worktree.ts'

/** Parameters of {@link simulateEvolution}. */
export type SimulateEvolutionParameters = {
  /** Top-level folder of the git repository the patch is for; only its HEAD commit is read. */
  repoDir: string
  /** A `git diff --binary` or `git format-patch` file. */
  patchFile: string
  /** The node's `sandbox/` folder; each run makes and removes its own folder inside. */
  sandboxDir: string
  /** The tests, run in the patched worktree; `npm test` by default. */
  checkCommand?: readonly string[] | undefined
  /** Time limit of the check (all its processes); 5 minutes by default. */
  timeoutMs?: number | undefined
  /** Memory limit of each process of the check, in MiB; 1024 by default. */
  memoryMb?: number | undefined
  /** Paths whose change fails the simulation; `DEFAULT_INVARIANT_PATHS` by default. */
  invariantPaths?: readonly string[] | undefined
  /** Set to false to only score, not fail, a patch touching invariant paths. */
  failOnInvariantChange?: boolean | undefined
  /** How to confine the check; detected on this machine by default. Tests pass one to force a mode. */
  capabilities?: SandboxCapabilities | undefined
}

/** What {@link simulateEvolution} returns. */
export type SimulateEvolutionReturnType = SimulationReport

/** The errors {@link simulateEvolution} throws; a failing patch is a report, not an error. */
export type SimulateEvolutionErrorType =
  | EvolutionParameterInvalidError
  | EvolutionPatchNotFoundError
  | EvolutionPatchTooLargeError
  | EvolutionPatchInvalidError
  | EvolutionPatchDoesNotApplyError
  | EvolutionRepositoryInvalidError
  | EvolutionGitCommandFailedError
  | EvolutionSandboxCleanupError
  | EvolutionSandboxUnavailableError

/**
 * Simulates a self-evolution: applies the patch to a scratch worktree of HEAD under `sandboxDir`, runs
 * the check there with time and memory limits and no network, and returns a report with the patch
 * hash, a deterministic risk score, whether it passed, and why. The worktree is always removed; the
 * main working tree, its index and HEAD are never touched.
 *
 * A toxic patch (failing tests, touching invariant files, needing the network, running too long or
 * using too much memory) gets `passed: false`.
 *
 * @example
 * const report = await simulateEvolution({ repoDir: '.', patchFile: 'change.patch', sandboxDir: 'data/nodes/ab12/sandbox', checkCommand: ['npm', 'run', 'test:unit'] })
 * if (report.passed) await propose(report.patchHash, report.riskScore, report.reportHash)
 */
export async function simulateEvolution(parameters: SimulateEvolutionParameters): Promise<SimulateEvolutionReturnType> {
  const options = checkSimulateParameters(parameters)
  const patch = await readPatch(options.patchFile)
  const repository = await resolveRepository(options.repoDir)
  const baseCommit = await resolveHeadCommit(repository)
  await assertPatchIsReadable({ repository, patch })
  const capabilities = options.capabilities ?? (await detectSandboxCapabilities())
  const label = patch.patchHash.slice(2, 14)

  return withSandboxWorktree({ repository, sandboxDir: options.sandboxDir, commit: baseCommit, label }, async (sandbox) => {
    const applied = await applyPatchToIndex({ cwd: sandbox.worktreeDir, patch })
    if (!applied.applied) throw new EvolutionPatchDoesNotApplyError({ path: patch.path, commit: baseCommit, gitMessage: applied.gitMessage })
    const changes = await summarizeStagedChanges({ worktreeDir: sandbox.worktreeDir, patchPath: patch.path })
    const { spawnError, ...check } = await runSandboxedCheck({ sandbox, command: options.checkCommand, timeoutMs: options.timeoutMs, memoryMb: options.memoryMb, capabilities })

    const touchedFiles = changes.files.map((file) => file.path)
    const invariantFilesTouched = findInvariantFiles(touchedFiles, options.invariantPaths)
    const verdict = scoreEvolutionRisk({
      changes,
      invariantFilesTouched,
      check: { ...check, spawnError },
      failOnInvariantChange: options.failOnInvariantChange,
      checkFiles: checkFilesOf(options.checkCommand),
      timeoutMs: options.timeoutMs,
      memoryMb: options.memoryMb,
    })
    const body: Omit<SimulationReport, 'reportHash'> = {
      reportVersion: 1,
      patchHash: patch.patchHash,
      baseCommit,
      riskScore: verdict.riskScore,
      passed: verdict.passed,
      isolation: capabilities.isolation,
      loopbackUp: capabilities.loopbackUp,
      memoryLimit: capabilities.memoryLimit,
      memoryMb: options.memoryMb,
      timeoutMs: options.timeoutMs,
      checks: check,
      touchedFiles,
      invariantFilesTouched,
      deletedFiles: changes.files.filter((file) => file.status === 'deleted').map((file) => file.path),
      binaryFiles: changes.files.filter((file) => file.binary).map((file) => file.path),
      linesAdded: changes.linesAdded,
      linesRemoved: changes.linesRemoved,
      reasons: verdict.reasons,
    }
    return { ...body, reportHash: hashSimulationReport(body) }
  })
}

function checkSimulateParameters(parameters: SimulateEvolutionParameters) {
  const given = checkParametersObject(parameters, '{ repoDir, patchFile, sandboxDir, checkCommand?, timeoutMs?, memoryMb?, invariantPaths? }')
  return {
    repoDir: checkPath(given.repoDir, 'repoDir'),
    patchFile: checkPath(given.patchFile, 'patchFile'),
    sandboxDir: checkPath(given.sandboxDir, 'sandboxDir'),
    checkCommand: checkCommand(given.checkCommand, 'checkCommand', CHECK_COMMAND_ARGUMENTS_MAX, DEFAULT_CHECK_COMMAND),
    timeoutMs: checkInteger(given.timeoutMs, 'timeoutMs', CHECK_TIMEOUT_MS_MIN, CHECK_TIMEOUT_MS_MAX, DEFAULT_CHECK_TIMEOUT_MS),
    memoryMb: checkInteger(given.memoryMb, 'memoryMb', CHECK_MEMORY_MB_MIN, CHECK_MEMORY_MB_MAX, DEFAULT_CHECK_MEMORY_MB),
    invariantPaths: checkRelativePaths(given.invariantPaths, 'invariantPaths', INVARIANT_PATHS_MAX, DEFAULT_INVARIANT_PATHS),
    failOnInvariantChange: checkBoolean(given.failOnInvariantChange, 'failOnInvariantChange', true),
    capabilities: parameters.capabilities,
  }
}

import {
  RISK_BINARY_CAP,
  RISK_CHECK_FAILED,
  RISK_CHECK_TIMED_OUT,
  RISK_DELETED_CAP,
  RISK_FILES_CAP,
  RISK_INVARIANT_TOUCHED,
  RISK_LINES_CAP,
  RISK_PER_BINARY_FILE,
  RISK_PER_CHANGED_LINE,
  RISK_PER_DELETED_FILE,
  RISK_PER_FILE,
  RISK_PER_SPECIAL_FILE,
  RISK_SCORE_MAX,
  RISK_SPECIAL_CAP,
  RISK_TESTS_CHANGED,
} from './constants.ts'
import type { StagedChanges } from './summarize-staged-changes.ts'
import type { ChangedFile, CheckResult } from './types.ts'

/** Parameters of {@link scoreEvolutionRisk}. */
export type ScoreEvolutionRiskParameters = {
  changes: StagedChanges
  invariantFilesTouched: readonly string[]
  check: CheckResult & { spawnError?: string | undefined }
  /** Whether touching an invariant file fails the simulation (it does by default). */
  failOnInvariantChange: boolean
  /** Repository paths the check command names (`check.sh`): a patch changing them changes the test. */
  checkFiles: readonly string[]
  timeoutMs: number
  memoryMb: number
}

/** The verdict on a simulated patch. */
export type ScoreEvolutionRiskReturnType = { riskScore: number; passed: boolean; reasons: string[] }

/**
 * Scores a simulated patch in integer basis points (0..10000) and says whether it passed. The score is
 * a pure function of the inputs, so every node that simulates the same patch with the same outcome
 * gets the same score; each addition is explained in `reasons` with its weight.
 *
 * A failing, killed or unstartable check fails the simulation, and so does touching an invariant file
 * unless `failOnInvariantChange` is false.
 *
 * @example
 * const { riskScore, passed, reasons } = scoreEvolutionRisk({ changes, invariantFilesTouched: [], check, failOnInvariantChange: true, checkFiles: [], timeoutMs, memoryMb })
 */
export function scoreEvolutionRisk(parameters: ScoreEvolutionRiskParameters): ScoreEvolutionRiskReturnType {
  const { changes, invariantFilesTouched, check, failOnInvariantChange } = parameters
  const reasons: string[] = []
  let riskScore = 0
  let passed = true
  const add = (points: number, reason: string) => {
    if (points <= 0) return
    riskScore += points
    reasons.push(`${reason} (+${points} bp).`)
  }

  const checkFailure = describeCheckFailure(parameters)
  if (checkFailure !== undefined) {
    passed = false
    add(RISK_CHECK_FAILED + (check.timedOut ? RISK_CHECK_TIMED_OUT : 0), checkFailure)
    reasons.push(...describeLikelyCause(parameters))
  }
  if (invariantFilesTouched.length > 0) {
    if (failOnInvariantChange) passed = false
    const consequence = failOnInvariantChange ? '; changes to invariant files fail the simulation' : ''
    add(RISK_INVARIANT_TOUCHED, `Touches invariant files: ${listPaths(invariantFilesTouched)}${consequence}`)
  }
  const changedLines = changes.linesAdded + changes.linesRemoved
  add(Math.min(RISK_LINES_CAP, changedLines * RISK_PER_CHANGED_LINE), `Changes ${changedLines} line(s): ${changes.linesAdded} added, ${changes.linesRemoved} removed`)
  add(Math.min(RISK_FILES_CAP, changes.files.length * RISK_PER_FILE), `Touches ${changes.files.length} file(s)`)
  addPerFile(add, changes.files.filter((file) => file.binary), RISK_PER_BINARY_FILE, RISK_BINARY_CAP, 'Binary files, which cannot be reviewed as text')
  addPerFile(add, changes.files.filter((file) => file.status === 'deleted'), RISK_PER_DELETED_FILE, RISK_DELETED_CAP, 'Deletes files')
  addPerFile(add, changes.files.filter(isSpecialFile), RISK_PER_SPECIAL_FILE, RISK_SPECIAL_CAP, 'Adds symlinks, submodules or executables')
  const testFiles = changes.files.filter((file) => isTestFile(file.path) || parameters.checkFiles.includes(file.path))
  if (testFiles.length > 0) add(RISK_TESTS_CHANGED, `Changes tests or the check itself, so the check may no longer mean what it did: ${listPaths(testFiles.map((file) => file.path))}`)

  if (riskScore > RISK_SCORE_MAX) reasons.push(`The sum, ${riskScore} bp, is capped at ${RISK_SCORE_MAX} bp.`)
  return { riskScore: Math.min(RISK_SCORE_MAX, riskScore), passed, reasons }
}

function describeCheckFailure({ check, timeoutMs }: ScoreEvolutionRiskParameters): string | undefined {
  if (check.spawnError !== undefined) return `The check could not start: ${check.spawnError}`
  if (check.timedOut) return `The check ran past its ${timeoutMs} ms time limit and its process group was killed`
  if (check.signal !== null) return `The check was killed by ${check.signal}`
  if (check.exitCode !== 0) return `The check failed with exit code ${String(check.exitCode)}`
  return undefined
}

const OUT_OF_MEMORY = /out of memory|cannot allocate memory|ENOMEM|MemoryError|allocation failed|bad_alloc/i
const NETWORK_BLOCKED = /ENETUNREACH|network is unreachable|EAI_AGAIN|temporary failure in name resolution/i

function describeLikelyCause({ check, memoryMb }: ScoreEvolutionRiskParameters): string[] {
  const output = `${check.stdoutTail}\n${check.stderrTail}`
  const causes: string[] = []
  if (OUT_OF_MEMORY.test(output)) causes.push(`Its output suggests it ran out of memory (limit ${memoryMb} MiB per process).`)
  if (NETWORK_BLOCKED.test(output)) causes.push('Its output suggests it tried to reach the network, which the sandbox blocks.')
  return causes
}

function addPerFile(add: (points: number, reason: string) => void, files: readonly ChangedFile[], perFile: number, cap: number, what: string): void {
  if (files.length > 0) add(Math.min(cap, files.length * perFile), `${what}: ${listPaths(files.map((file) => file.path))}`)
}

function isSpecialFile(file: ChangedFile): boolean {
  if (file.status === 'deleted') return false
  const becameExecutable = file.newMode === '100755' && file.oldMode !== '100755'
  return file.newMode === '120000' || file.newMode === '160000' || becameExecutable
}

function isTestFile(path: string): boolean {
  return /(^|\/)(tests?|__tests__|test-support)\//.test(path) || /\.(test|spec)\.[cm]?[jt]sx?$/.test(path)
}

function listPaths(paths: readonly string[]): string {
  const shown = paths.slice(0, 10).join(', ')
  return paths.length > 10 ? `${shown} and ${paths.length - 10} more` : shown
}

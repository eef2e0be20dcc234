/**
 * The shapes the evolution sandbox hands to its callers (the `ippoc evolve` CLI, the contracts'
 * proposal builder) and between its own modules.
 */

/** A SHA-256 digest as `0x` followed by 64 lowercase hex digits. */
export type Hash = `0x${string}`

/** Which network isolation a check ran under. */
export type NetworkIsolation = 'unshare-net' | 'stripped-env'

/** Which kernel limit held each process of the check to the memory limit. */
export type MemoryLimitMechanism = 'prlimit-data' | 'ulimit-data'

/** What happened when the check command ran in the sandbox. */
export type CheckResult = {
  /** The command as the caller gave it, before the sandbox wrapped it. */
  command: readonly string[]
  /** Exit code, or null when a signal ended it or it could not start. */
  exitCode: number | null
  /** The signal that ended it (`SIGKILL` after a timeout), or null. */
  signal: string | null
  timedOut: boolean
  durationMs: number
  /** The last bytes of stdout and stderr (see `OUTPUT_TAIL_BYTES`), decoded as UTF-8. */
  stdoutTail: string
  stderrTail: string
}

/** One file as the patch changes it, read from git after applying it. */
export type ChangedFile = {
  path: string
  status: 'added' | 'deleted' | 'modified' | 'type-changed'
  /** Git mode before and after (`000000` when absent), e.g. `100644`, `100755`, `120000` (symlink). */
  oldMode: string
  newMode: string
  binary: boolean
  linesAdded: number
  linesRemoved: number
}

/**
 * The simulation of one patch. `reportHash` covers every other field, so the hash proposed on chain
 * pins exactly this report.
 */
export type SimulationReport = {
  reportVersion: 1
  /** SHA-256 of the patch bytes. */
  patchHash: Hash
  /** SHA-256 of the canonical JSON of the report without `reportHash`. */
  reportHash: Hash
  /** The commit the patch was applied to. */
  baseCommit: string
  /** Integer basis points, 0 (harmless) to 10000 (certainly harmful). */
  riskScore: number
  passed: boolean
  isolation: NetworkIsolation
  /** Whether the check had a loopback of its own (never the host's) inside its network namespace. */
  loopbackUp: boolean
  memoryLimit: MemoryLimitMechanism
  memoryMb: number
  timeoutMs: number
  checks: CheckResult
  touchedFiles: readonly string[]
  invariantFilesTouched: readonly string[]
  deletedFiles: readonly string[]
  binaryFiles: readonly string[]
  linesAdded: number
  linesRemoved: number
  /** Why it failed and what raised the risk, one sentence each. */
  reasons: readonly string[]
}

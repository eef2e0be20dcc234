/**
 * Limits, defaults and risk weights of the evolution sandbox. Every input (patch, command, paths)
 * and every captured output is checked against one of these.
 */

/** Largest patch file that is read, hashed and applied. */
export const PATCH_BYTES_MAX = 16 * 1024 * 1024
/** Most files one patch may touch. */
export const TOUCHED_FILES_MAX = 10_000
/** Bytes kept from the end of the check's stdout and of its stderr each; earlier output is dropped. */
export const OUTPUT_TAIL_BYTES = 8 * 1024
/** Most stdout bytes a git command may print before it is stopped (numstat of a large patch fits). */
export const GIT_OUTPUT_BYTES_MAX = 8 * 1024 * 1024
/** Time limit of one git command. */
export const GIT_TIMEOUT_MS = 60_000
/** Time limit of the `unshare` / `prlimit` probes. */
export const PROBE_TIMEOUT_MS = 5_000
/**
 * How long to wait for the check's output pipes to close once its process group is gone; a process
 * that escaped the group (`setsid`) may hold them open forever.
 */
export const OUTPUT_CLOSE_GRACE_MS = 1_000

/** The check run when the caller names none: the repository's own test suite. */
export const DEFAULT_CHECK_COMMAND: readonly string[] = ['npm', 'test']
/** Most arguments a check command may have. */
export const CHECK_COMMAND_ARGUMENTS_MAX = 256
/** Default time limit of the check. */
export const DEFAULT_CHECK_TIMEOUT_MS = 5 * 60 * 1000
/** Shortest and longest time limit a caller may ask for. */
export const CHECK_TIMEOUT_MS_MIN = 100
export const CHECK_TIMEOUT_MS_MAX = 60 * 60 * 1000
/** Default data-segment limit of every process of the check, in MiB. */
export const DEFAULT_CHECK_MEMORY_MB = 1024
/** Smallest and largest memory limit a caller may ask for, in MiB. */
export const CHECK_MEMORY_MB_MIN = 16
export const CHECK_MEMORY_MB_MAX = 64 * 1024

/**
 * Paths whose change needs the humans' attention: the chain contracts, identity, the ledger, CI,
 * the dependency manifests and this sandbox itself. A path ending in `/` is a folder; any other path
 * names one file (or a folder of that name). A patch touching one fails the simulation by default.
 */
export const DEFAULT_INVARIANT_PATHS: readonly string[] = [
  'contracts/',
  'identity/',
  'ledger/',
  '.ci/',
  'package.json',
  'package-lock.json',
  'governance/evolution/',
]
/** Most invariant paths a caller may give. */
export const INVARIANT_PATHS_MAX = 1024

/** The largest risk score: certain to be harmful. Scores are integer basis points. */
export const RISK_SCORE_MAX = 10_000
/** Added when the patch touches any invariant path. */
export const RISK_INVARIANT_TOUCHED = 6_000
/** Added when the check fails, is killed, or cannot start. */
export const RISK_CHECK_FAILED = 6_000
/** Added on top of a failure when the check ran past its time limit. */
export const RISK_CHECK_TIMED_OUT = 1_000
/** Added per changed line (added or removed), up to {@link RISK_LINES_CAP}. */
export const RISK_PER_CHANGED_LINE = 2
export const RISK_LINES_CAP = 2_000
/** Added per touched file, up to {@link RISK_FILES_CAP}. */
export const RISK_PER_FILE = 50
export const RISK_FILES_CAP = 1_000
/** Added per binary file: its content cannot be reviewed as text. */
export const RISK_PER_BINARY_FILE = 1_000
export const RISK_BINARY_CAP = 2_000
/** Added per deleted file. */
export const RISK_PER_DELETED_FILE = 500
export const RISK_DELETED_CAP = 1_500
/** Added per symlink, submodule or newly executable file. */
export const RISK_PER_SPECIAL_FILE = 500
export const RISK_SPECIAL_CAP = 1_000
/** Added when the patch changes tests: the check may no longer mean what it meant. */
export const RISK_TESTS_CHANGED = 500

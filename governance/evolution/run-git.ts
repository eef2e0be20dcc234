import { spawn } from 'node:child_process'
import { GIT_OUTPUT_BYTES_MAX, GIT_TIMEOUT_MS, OUTPUT_TAIL_BYTES } from './constants.ts'
import { EvolutionGitCommandFailedError } from './errors.ts'
import { createOutputTail } from './output-tail.ts'

/** Parameters of {@link runGit}. */
export type RunGitParameters = {
  /** Folder git runs in. */
  cwd: string
  /** Arguments after `git`; never passed through a shell. */
  args: readonly string[]
  /** Bytes fed to stdin (a patch for `git apply -`). */
  input?: Uint8Array | undefined
}

/** What a git command did. */
export type RunGitReturnType = { exitCode: number | null; stdout: Buffer; stderr: string }

/**
 * Runs git with an argument array, bounded in time and output, in an environment cleared of `GIT_*`
 * variables (a `GIT_DIR` inherited from a hook would point every command at another repository).
 * Throws only when git cannot run at all or exceeds a limit; a non-zero exit is returned.
 *
 * @example
 * const { exitCode, stdout } = await runGit({ cwd: repoDir, args: ['rev-parse', 'HEAD'] })
 */
export async function runGit(parameters: RunGitParameters): Promise<RunGitReturnType> {
  const { cwd, args, input } = parameters
  const child = spawn('git', args, { cwd, env: gitEnvironment(), stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
  const stdoutChunks: Buffer[] = []
  let stdoutBytes = 0
  let overLimit: string | undefined
  const stderr = createOutputTail(OUTPUT_TAIL_BYTES)
  const stop = (reason: string) => {
    overLimit ??= reason
    child.kill('SIGKILL')
  }
  child.stdout?.on('data', (chunk: Buffer) => {
    stdoutBytes += chunk.length
    if (stdoutBytes > GIT_OUTPUT_BYTES_MAX) return stop(`printed more than ${GIT_OUTPUT_BYTES_MAX} bytes`)
    stdoutChunks.push(chunk)
  })
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk))
  // git may exit before reading all of stdin (a garbage patch); the broken pipe is not our error.
  child.stdin?.on('error', () => {})
  child.stdin?.end(input)
  const timer = setTimeout(() => stop(`ran longer than ${GIT_TIMEOUT_MS} ms`), GIT_TIMEOUT_MS)
  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', (code) => resolve(code))
    })
    if (overLimit !== undefined) throw new EvolutionGitCommandFailedError({ args, exitCode, stderr: `git ${overLimit}.` })
    return { exitCode, stdout: Buffer.concat(stdoutChunks), stderr: stderr.text().trim() }
  } catch (error) {
    if (error instanceof EvolutionGitCommandFailedError) throw error
    throw new EvolutionGitCommandFailedError({ args, exitCode: null, stderr: error instanceof Error ? error.message : String(error), cause: error })
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Runs git and returns its stdout as text; throws {@link EvolutionGitCommandFailedError} on a
 * non-zero exit.
 *
 * @example
 * const head = (await runGitOrThrow({ cwd: repoDir, args: ['rev-parse', 'HEAD'] })).trim()
 */
export async function runGitOrThrow(parameters: RunGitParameters): Promise<string> {
  const { exitCode, stdout, stderr } = await runGit(parameters)
  if (exitCode !== 0) throw new EvolutionGitCommandFailedError({ args: parameters.args, exitCode, stderr })
  return stdout.toString('utf8')
}

/** Arguments that let git commit without any user config, and never ask for a signing key. */
export const GIT_COMMITTER_ARGUMENTS: readonly string[] = [
  '-c', 'user.name=IPPOC Evolution',
  '-c', 'user.email=evolution@ippoc.invalid',
  '-c', 'commit.gpgSign=false',
]

function gitEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GIT_')) environment[key] = value
  environment.GIT_TERMINAL_PROMPT = '0'
  environment.LC_ALL = 'C'
  return environment
}

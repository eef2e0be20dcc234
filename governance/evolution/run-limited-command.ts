import { spawn } from 'node:child_process'
import { OUTPUT_CLOSE_GRACE_MS, OUTPUT_TAIL_BYTES } from './constants.ts'
import { createOutputTail } from './output-tail.ts'

/** Parameters of {@link runLimitedCommand}. */
export type RunLimitedCommandParameters = {
  /** Program and arguments, run without a shell. */
  command: readonly string[]
  cwd: string
  /** The whole environment of the command; nothing else is inherited. */
  environment: Readonly<Record<string, string>>
  timeoutMs: number
  outputTailBytes?: number | undefined
}

/** What the command did. */
export type RunLimitedCommandReturnType = {
  exitCode: number | null
  signal: string | null
  timedOut: boolean
  durationMs: number
  stdoutTail: string
  stderrTail: string
  /** Set when the program could not be started at all (not found, not executable). */
  spawnError: string | undefined
}

/**
 * Runs a command as the leader of its own process group and, on timeout, kills the whole group with
 * SIGKILL. The group is killed after a normal exit too, so nothing the command left behind keeps
 * running. Only the last `outputTailBytes` of stdout and stderr are kept.
 *
 * @example
 * const run = await runLimitedCommand({ command: ['sh', 'check.sh'], cwd, environment, timeoutMs: 60_000 })
 */
export async function runLimitedCommand(parameters: RunLimitedCommandParameters): Promise<RunLimitedCommandReturnType> {
  const { command, cwd, environment, timeoutMs, outputTailBytes = OUTPUT_TAIL_BYTES } = parameters
  const [program, ...args] = command
  if (program === undefined) throw new Error('runLimitedCommand: empty command')
  const started = performance.now()
  const child = spawn(program, args, { cwd, env: { ...environment }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  const stdout = createOutputTail(outputTailBytes)
  const stderr = createOutputTail(outputTailBytes)
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
  const streamsClosed = Promise.all([
    new Promise((resolve) => child.stdout.once('close', resolve)),
    new Promise((resolve) => child.stderr.once('close', resolve)),
  ])

  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    killProcessGroup(child.pid)
  }, timeoutMs)
  const ended = await new Promise<{ exitCode: number | null; signal: string | null; spawnError: string | undefined }>((resolve) => {
    child.once('error', (error) => resolve({ exitCode: null, signal: null, spawnError: error.message }))
    child.once('exit', (exitCode, signal) => resolve({ exitCode, signal, spawnError: undefined }))
  })
  clearTimeout(timer)
  killProcessGroup(child.pid)
  await waitAtMost(streamsClosed, OUTPUT_CLOSE_GRACE_MS)
  child.stdout.destroy()
  child.stderr.destroy()

  return {
    ...ended,
    timedOut,
    durationMs: Math.round(performance.now() - started),
    stdoutTail: stdout.text(),
    stderrTail: stderr.text(),
  }
}

function killProcessGroup(pid: number | undefined): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // ESRCH: the group is already gone, which is what we wanted.
  }
}

async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}

import { access, constants } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { PROBE_TIMEOUT_MS } from './constants.ts'
import { runLimitedCommand } from './run-limited-command.ts'
import type { MemoryLimitMechanism, NetworkIsolation } from './types.ts'

/** How this machine can confine a check: which network isolation and memory limit work here. */
export type SandboxCapabilities = {
  isolation: NetworkIsolation
  /**
   * The prefix that runs a command in a fresh network namespace, e.g. `unshare -n -- sh -c '"$0" link
   * set lo up && exec "$@"' /usr/sbin/ip`; empty for `stripped-env`.
   */
  networkPrefix: readonly string[]
  /** Whether the namespace has its own loopback up, so tests may use 127.0.0.1 among themselves. */
  loopbackUp: boolean
  memoryLimit: MemoryLimitMechanism
}

let detected: Promise<SandboxCapabilities> | undefined

/**
 * Finds out, once per process, how checks can be confined on this machine: `unshare -n` (as root) or
 * `unshare -rn` (an unprivileged user namespace) for a network namespace of its own, with its own
 * loopback brought up when `ip` is available (the host's 127.0.0.1 stays out of reach), else only a
 * stripped environment; `prlimit --data` for the memory limit, else the shell's `ulimit -d`.
 *
 * @example
 * const { isolation } = await detectSandboxCapabilities() // 'unshare-net' on most Linux machines
 */
export function detectSandboxCapabilities(): Promise<SandboxCapabilities> {
  detected ??= probeSandboxCapabilities()
  return detected
}

async function probeSandboxCapabilities(): Promise<SandboxCapabilities> {
  const memoryLimit: MemoryLimitMechanism = (await succeeds(['prlimit', '--data=1073741824', '--', 'true'])) ? 'prlimit-data' : 'ulimit-data'
  const ip = await findProgram('ip', ['/usr/sbin', '/sbin', '/usr/bin', '/bin'])
  for (const unshare of [['unshare', '-n', '--'], ['unshare', '-rn', '--']]) {
    if (!(await succeeds([...unshare, 'true']))) continue
    const withLoopback = ip === undefined ? undefined : [...unshare, 'sh', '-c', '"$0" link set lo up && exec "$@"', ip]
    if (withLoopback !== undefined && (await succeeds([...withLoopback, 'true']))) return { isolation: 'unshare-net', networkPrefix: withLoopback, loopbackUp: true, memoryLimit }
    return { isolation: 'unshare-net', networkPrefix: unshare, loopbackUp: false, memoryLimit }
  }
  return { isolation: 'stripped-env', networkPrefix: [], loopbackUp: false, memoryLimit }
}

async function succeeds(command: readonly string[]): Promise<boolean> {
  const environment = { PATH: process.env.PATH ?? '/usr/bin:/bin' }
  const run = await runLimitedCommand({ command, cwd: tmpdir(), environment, timeoutMs: PROBE_TIMEOUT_MS })
  return run.exitCode === 0
}

async function findProgram(name: string, extraFolders: readonly string[]): Promise<string | undefined> {
  const folders = [...(process.env.PATH ?? '').split(delimiter).filter((folder) => folder !== ''), ...extraFolders]
  for (const folder of folders) {
    const path = join(folder, name)
    if (await access(path, constants.X_OK).then(() => true, () => false)) return path
  }
  return undefined
}

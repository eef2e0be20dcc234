import type { SandboxCapabilities } from './detect-sandbox-capabilities.ts'

/** Parameters of {@link buildSandboxCommand}. */
export type BuildSandboxCommandParameters = {
  command: readonly string[]
  capabilities: SandboxCapabilities
  memoryMb: number
}

/**
 * Wraps a check command so it runs without network and with a memory limit on each of its processes:
 * `unshare -n -- … prlimit --data=BYTES -- command…`. Every wrapper `exec`s the next, so the spawned
 * process is the check itself and its exit code and signal come through unchanged.
 *
 * The limit is RLIMIT_DATA, not RLIMIT_AS: since Linux 4.7 it counts the heap and every private
 * writable mapping, so a process that allocates past it fails (ENOMEM, `MemoryError`, V8 "heap out of
 * memory"), while V8's large address-space reservations, which RLIMIT_AS counts, do not stop Node
 * from starting. It is a per-process limit: a check that forks many processes can use more in total.
 *
 * @example
 * buildSandboxCommand({ command: ['npm', 'test'], capabilities, memoryMb: 512 })
 * // ['unshare', '-n', '--', 'prlimit', '--data=536870912', '--', 'npm', 'test']
 */
export function buildSandboxCommand(parameters: BuildSandboxCommandParameters): string[] {
  const { command, capabilities, memoryMb } = parameters
  const limited = capabilities.memoryLimit === 'prlimit-data'
    ? ['prlimit', `--data=${memoryMb * 1024 * 1024}`, '--', ...command]
    : ['sh', '-c', 'ulimit -d "$0" && exec "$@"', String(memoryMb * 1024), ...command]
  return [...capabilities.networkPrefix, ...limited]
}

/** Parameters of {@link buildSandboxEnvironment}. */
export type BuildSandboxEnvironmentParameters = {
  /** HOME of the check: a fresh folder in the sandbox, so no user config, keys or caches leak in. */
  homeDir: string
  /** TMPDIR of the check. */
  tmpDir: string
  /** Git stops looking for a repository here, so a check never finds the node's own repository. */
  gitCeilingDir: string
  /** Where PATH is taken from; the current process by default. */
  parentEnvironment?: Readonly<Record<string, string | undefined>> | undefined
}

/**
 * The whole environment of a sandboxed check, built from an allow-list: PATH from the parent and
 * fixed values, nothing else. Proxy variables, tokens, cloud credentials and SSH agents never reach
 * the check. Without a network namespace this is all the network isolation there is: a check can
 * still open sockets itself, it just gets no proxy, no credentials and no config telling it where.
 *
 * @example
 * buildSandboxEnvironment({ homeDir: 'sandbox/x/home', tmpDir: 'sandbox/x/tmp', gitCeilingDir: 'sandbox/x' })
 */
export function buildSandboxEnvironment(parameters: BuildSandboxEnvironmentParameters): Record<string, string> {
  const { homeDir, tmpDir, gitCeilingDir, parentEnvironment = process.env } = parameters
  return {
    PATH: parentEnvironment.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: homeDir,
    TMPDIR: tmpDir,
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    CI: 'true',
    NO_COLOR: '1',
    GIT_CEILING_DIRECTORIES: gitCeilingDir,
    GIT_TERMINAL_PROMPT: '0',
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  }
}

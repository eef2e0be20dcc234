/**
 * Throwaway git repositories for the evolution tests: one per test under the system temp folder, with
 * a tiny "test suite" (`check.mjs`) and helpers to make patches against it.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const IDENTITY = ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgSign=false', '-c', 'init.defaultBranch=main']

/** The files every test repository starts with: code, and a check that tests it. */
export const BASE_FILES: Readonly<Record<string, string>> = {
  'src/add.mjs': 'export function add(a, b) {\n  return a + b\n}\n',
  'check.mjs': "import { add } from './src/add.mjs'\nif (add(2, 2) !== 4) {\n  console.error('add is broken')\n  process.exit(1)\n}\nconsole.log('ok')\n",
  'README.md': '# demo\n',
  'contracts/Token.sol': '// SPDX-License-Identifier: MIT\ncontract Token {}\n',
}

/** The check command of the test repositories: the Node running the tests, on `check.mjs`. */
export const CHECK_COMMAND: readonly string[] = [process.execPath, 'check.mjs']

export type TempGitRepo = {
  /** Holds `repo/`, `sandbox/` and `patches/`; removed by `cleanup`. */
  root: string
  repoDir: string
  sandboxDir: string
  git(...args: string[]): string
  /** Writes a patch that changes the given files (null deletes one) and returns its path. */
  makePatch(name: string, changes: Readonly<Record<string, string | Buffer | null>>): Promise<string>
  /** HEAD, `git status --porcelain` (untracked included) and a hash of every file outside `.git`. */
  snapshot(): Promise<{ head: string; status: string; filesHash: string }>
  /** Folders in `sandbox/` and worktrees git knows besides the main one. */
  leftovers(): Promise<{ sandboxEntries: string[]; worktrees: string[] }>
  cleanup(): Promise<void>
}

/**
 * Creates a repository with {@link BASE_FILES} committed on `main`.
 *
 * @example
 * const repo = await createTempGitRepo()
 * after(() => repo.cleanup())
 */
export async function createTempGitRepo(): Promise<TempGitRepo> {
  const root = await mkdtemp(join(tmpdir(), 'ippoc-evolution-'))
  const repoDir = join(root, 'repo')
  const sandboxDir = join(root, 'sandbox')
  const patchesDir = join(root, 'patches')
  await mkdir(patchesDir)
  await mkdir(repoDir)
  const git = (...args: string[]) => execFileSync('git', [...IDENTITY, ...args], { cwd: repoDir, encoding: 'utf8', env: gitFreeEnvironment() })
  git('init', '--quiet')
  await writeFiles(repoDir, BASE_FILES)
  git('add', '-A')
  git('commit', '--quiet', '-m', 'base')

  return {
    root,
    repoDir,
    sandboxDir,
    git,
    async makePatch(name, changes) {
      await writeFiles(repoDir, changes)
      git('add', '-A')
      const patch = execFileSync('git', ['diff', '--cached', '--binary', 'HEAD'], { cwd: repoDir, env: gitFreeEnvironment() })
      git('reset', '--quiet', '--hard', 'HEAD')
      const path = join(patchesDir, name)
      await writeFile(path, patch)
      return path
    },
    async snapshot() {
      return { head: git('rev-parse', 'HEAD').trim(), status: git('status', '--porcelain', '--untracked-files=all'), filesHash: await hashTree(repoDir) }
    },
    async leftovers() {
      const sandboxEntries = await readdir(sandboxDir).catch(() => [])
      const worktrees = git('worktree', 'list', '--porcelain').split('\n').filter((line) => line.startsWith('worktree ')).slice(1)
      return { sandboxEntries, worktrees }
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  }
}

async function writeFiles(repoDir: string, files: Readonly<Record<string, string | Buffer | null>>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(repoDir, path)
    if (content === null) {
      await unlink(full)
      continue
    }
    await mkdir(dirname(full), { recursive: true })
    await writeFile(full, content)
  }
}

async function hashTree(folder: string): Promise<string> {
  const hash = createHash('sha256')
  const walk = async (relative: string): Promise<void> => {
    const entries = (await readdir(join(folder, relative), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))
    for (const entry of entries) {
      const path = join(relative, entry.name)
      if (path === '.git') continue
      if (entry.isDirectory()) await walk(path)
      else hash.update(`${path}\0`).update(await readFile(join(folder, path))).update('\0')
    }
  }
  await walk('')
  return hash.digest('hex')
}

function gitFreeEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_')))
}

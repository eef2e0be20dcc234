/**
 * The disk operations init performs, as one swappable object: the default uses node:fs, tests wrap
 * it to fail at any step and check that nothing half-written is left.
 */
import { chmod, lstat, mkdir, mkdtemp, open, readdir, readFile, rename, rm } from 'node:fs/promises'

/** What init needs from a file system. Every method is one step that may fail. */
export type IdentityFileSystem = {
  /** Creates a folder and its missing parents; an existing folder is left as it is. */
  ensureDirectory(path: string, mode: number): Promise<void>
  /** Creates one new folder with exactly `mode` (whatever the umask). Fails if it exists. */
  makeDirectory(path: string, mode: number): Promise<void>
  /** Creates a new uniquely named folder `<prefix><random>` (mode 0700) and returns its path. */
  makeTemporaryDirectory(prefix: string): Promise<string>
  /** Creates a new file with exactly `mode`, writes `bytes`, fsyncs and closes it. Fails if it exists. */
  writeFileDurably(path: string, bytes: Uint8Array, mode: number): Promise<void>
  /** Reads a whole file. */
  readFile(path: string): Promise<Uint8Array>
  /** Fsyncs a folder, making the names created in it durable. */
  syncDirectory(path: string): Promise<void>
  /** Renames atomically; fails if `to` is a non-empty folder. */
  rename(from: string, to: string): Promise<void>
  /** Removes a folder and everything in it; a missing path is not an error. */
  removeTree(path: string): Promise<void>
  /** Lists the names in a folder. */
  listDirectory(path: string): Promise<string[]>
  /** Describes an entry without following symlinks, or returns undefined if it does not exist. */
  inspect(path: string): Promise<{ isDirectory: boolean; modifiedMs: number } | undefined>
}

/**
 * The real file system (node:fs/promises).
 *
 * @example
 * await initIdentity({ dataDir, fileSystem: nodeFileSystem })
 */
export const nodeFileSystem: IdentityFileSystem = {
  async ensureDirectory(path, mode) {
    await mkdir(path, { recursive: true, mode })
  },
  async makeDirectory(path, mode) {
    await mkdir(path, { mode })
    await chmod(path, mode)
  },
  async makeTemporaryDirectory(prefix) {
    const path = await mkdtemp(prefix)
    await chmod(path, 0o700)
    return path
  },
  async writeFileDurably(path, bytes, mode) {
    const handle = await open(path, 'wx', mode)
    try {
      await handle.chmod(mode)
      await handle.writeFile(bytes)
      await handle.sync()
    } finally {
      await handle.close()
    }
  },
  readFile: async (path) => new Uint8Array(await readFile(path)),
  async syncDirectory(path) {
    const handle = await open(path, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  },
  rename: (from, to) => rename(from, to),
  removeTree: (path) => rm(path, { recursive: true, force: true }),
  listDirectory: (path) => readdir(path),
  async inspect(path) {
    try {
      const stats = await lstat(path)
      return { isDirectory: stats.isDirectory(), modifiedMs: stats.mtimeMs }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  },
}

/**
 * A file system that fails exactly once, at the n-th operation, to test that init leaves nothing
 * half-written whatever step fails.
 */
import type { IdentityFileSystem } from '../file-system.ts'

/** A wrapped file system and what it saw. */
export type FailingFileSystem = {
  fileSystem: IdentityFileSystem
  /** Operations performed so far, as "method path". */
  readonly operations: string[]
  /** Whether the planned failure happened. */
  failed(): boolean
}

/**
 * Wraps `inner` so its `failAt`-th operation (1-based) throws; a failing write first writes half
 * its bytes, like a crash mid-write. `failAt = Infinity` never fails and just counts.
 *
 * @example
 * const { fileSystem } = failingFileSystem(nodeFileSystem, 3)
 */
export function failingFileSystem(inner: IdentityFileSystem, failAt: number): FailingFileSystem {
  const operations: string[] = []
  let hasFailed = false
  const shouldFail = (name: string, path: string): boolean => {
    operations.push(`${name} ${path}`)
    if (operations.length !== failAt) return false
    hasFailed = true
    return true
  }
  const injected = (name: string) => Object.assign(new Error(`injected failure in ${name}`), { code: 'EIO' })
  const fileSystem: IdentityFileSystem = {
    async ensureDirectory(path, mode) {
      if (shouldFail('ensureDirectory', path)) throw injected('ensureDirectory')
      return inner.ensureDirectory(path, mode)
    },
    async makeDirectory(path, mode) {
      if (shouldFail('makeDirectory', path)) throw injected('makeDirectory')
      return inner.makeDirectory(path, mode)
    },
    async makeTemporaryDirectory(prefix) {
      if (shouldFail('makeTemporaryDirectory', prefix)) throw injected('makeTemporaryDirectory')
      return inner.makeTemporaryDirectory(prefix)
    },
    async writeFileDurably(path, bytes, mode) {
      if (shouldFail('writeFileDurably', path)) {
        await inner.writeFileDurably(path, bytes.subarray(0, bytes.length >> 1), mode)
        throw injected('writeFileDurably')
      }
      return inner.writeFileDurably(path, bytes, mode)
    },
    async readFile(path) {
      if (shouldFail('readFile', path)) throw injected('readFile')
      return inner.readFile(path)
    },
    async syncDirectory(path) {
      if (shouldFail('syncDirectory', path)) throw injected('syncDirectory')
      return inner.syncDirectory(path)
    },
    async rename(from, to) {
      if (shouldFail('rename', to)) throw injected('rename')
      return inner.rename(from, to)
    },
    async removeTree(path) {
      if (shouldFail('removeTree', path)) throw injected('removeTree')
      return inner.removeTree(path)
    },
    async listDirectory(path) {
      if (shouldFail('listDirectory', path)) throw injected('listDirectory')
      return inner.listDirectory(path)
    },
    async inspect(path) {
      if (shouldFail('inspect', path)) throw injected('inspect')
      return inner.inspect(path)
    },
  }
  return { fileSystem, operations, failed: () => hasFailed }
}

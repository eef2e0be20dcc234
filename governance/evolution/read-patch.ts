import { open } from 'node:fs/promises'
import { resolve } from 'node:path'
import { PATCH_BYTES_MAX } from './constants.ts'
import { describeValue } from '../../common/describe-value.ts'
import { EvolutionParameterInvalidError, EvolutionPatchInvalidError, EvolutionPatchNotFoundError, EvolutionPatchTooLargeError } from './errors.ts'
import { hashBytes } from './hash-patch.ts'
import type { Hash } from './types.ts'

/** A patch read once: every later step applies these bytes, never the file again. */
export type Patch = {
  /** Absolute path the bytes were read from (for messages only). */
  path: string
  bytes: Buffer
  patchHash: Hash
}

/**
 * Reads and hashes a patch file, refusing a missing, non-regular, empty or oversized file.
 *
 * @example
 * const { bytes, patchHash } = await readPatch('change.patch')
 */
export async function readPatch(patchFile: unknown): Promise<Patch> {
  if (typeof patchFile !== 'string' || patchFile === '' || patchFile.includes('\0'))
    throw new EvolutionParameterInvalidError({ argument: 'patchFile', expected: 'a path to a patch file', received: describeValue(patchFile) })
  const path = resolve(patchFile)
  const bytes = await readBounded(path)
  if (bytes.length === 0) throw new EvolutionPatchInvalidError({ path, problem: 'The file is empty.' })
  return { path, bytes, patchHash: hashBytes(bytes) }
}

async function readBounded(path: string): Promise<Buffer> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    throw new EvolutionPatchNotFoundError({ path, cause: error })
  }
  try {
    const stats = await handle.stat()
    if (!stats.isFile()) throw new EvolutionPatchNotFoundError({ path, cause: new Error('not a regular file') })
    if (stats.size > PATCH_BYTES_MAX) throw new EvolutionPatchTooLargeError({ path, what: 'bytes', count: stats.size, limit: PATCH_BYTES_MAX })
    // Read one byte past the size stat gave, so a file that grows meanwhile is caught, not cut.
    const buffer = Buffer.alloc(stats.size + 1)
    let length = 0
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length)
      if (bytesRead === 0) break
      length += bytesRead
    }
    if (length > stats.size) throw new EvolutionPatchInvalidError({ path, problem: 'The file changed while it was read.' })
    return Buffer.from(buffer.subarray(0, length))
  } finally {
    await handle.close()
  }
}

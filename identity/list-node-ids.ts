/**
 * Finds the node folders under `DIR/nodes`.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { NODE_DIRECTORIES_MAX } from './constants.ts'
import { IdentityTooManyNodesError } from './errors.ts'
import { isNodeId, nodesDirectory } from './node-paths.ts'

/** What a scan of `DIR/nodes` found. */
export type NodeDirectoryScan = {
  /** `DIR/nodes`, absolute. */
  nodesPath: string
  /** Folders named like a node id, sorted. */
  nodeIds: string[]
  /** Other visible folders (e.g. a copy named `<id>.bak`); they may still hold a key. */
  otherDirectories: string[]
  /** Visible entries that are not real folders (files, symlinks): never nodes. */
  otherEntries: string[]
}

/**
 * Lists the node ids in a data root: the folders of `DIR/nodes` named like a node id, sorted.
 * Nothing is checked beyond the name; `bootIdentity` checks the rest. A missing `DIR` gives `[]`.
 *
 * @example
 * await listNodeIds('./data') // ['3b6a27bc…', 'f0e1d2c3…']
 */
export async function listNodeIds(dataDir: string): Promise<string[]> {
  return (await scanNodeDirectories(dataDir)).nodeIds
}

/**
 * Scans `DIR/nodes`: folders named like a node id, other visible folders, and other visible entries
 * (files, symlinks), which are never nodes. Hidden entries (the `.init-*` folders of an unfinished
 * init) are skipped.
 *
 * @example
 * const { nodeIds, otherDirectories } = await scanNodeDirectories('./data')
 */
export async function scanNodeDirectories(dataDir: string): Promise<NodeDirectoryScan> {
  const nodesPath = nodesDirectory(dataDir)
  let entries
  try {
    entries = await readdir(nodesPath, { withFileTypes: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return { nodesPath, nodeIds: [], otherDirectories: [], otherEntries: [] }
    throw error
  }
  if (entries.length > NODE_DIRECTORIES_MAX)
    throw new IdentityTooManyNodesError({ path: nodesPath, count: entries.length, limit: NODE_DIRECTORIES_MAX })
  const nodeIds: string[] = []
  const otherDirectories: string[] = []
  const otherEntries: string[] = []
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue
    // A symlinked node folder is refused: two names could then lead to one node.
    if (!entry.isDirectory()) otherEntries.push(join(nodesPath, entry.name))
    else if (isNodeId(entry.name)) nodeIds.push(entry.name)
    else otherDirectories.push(join(nodesPath, entry.name))
  }
  return { nodesPath, nodeIds: nodeIds.sort(), otherDirectories: otherDirectories.sort(), otherEntries: otherEntries.sort() }
}

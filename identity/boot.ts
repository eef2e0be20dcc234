/**
 * Boots a node identity: finds the node, then refuses unless its key file is private and intact,
 * its folder is named after its key, no other folder holds the same key, and its fingerprint
 * matches this machine. Boot only reads.
 */
import { join } from 'node:path'
import { describeValue } from '../common/describe-value.ts'
import {
  IdentityAmbiguousError,
  IdentityDuplicateError,
  IdentityInvalidArgumentError,
  IdentityNodeDirectoryMismatchError,
  IdentityNotFoundError,
} from './errors.ts'
import { assertFingerprintMatches, readFingerprintFile } from './fingerprint.ts'
import { peekKeyFilePublicKey, readKeyFile } from './key-file.ts'
import { scanNodeDirectories, type NodeDirectoryScan } from './list-node-ids.ts'
import { loadMachineFacts, readMachineFacts, type MachineFactsSource } from './machine-facts.ts'
import { createNodeIdentity, type NodeIdentity } from './node-identity.ts'
import { isNodeId, nodeIdFromPublicKey, nodePaths, nodePathsOfFolder, resolveDataDirectory } from './node-paths.ts'

/** Parameters of {@link bootIdentity}. */
export type BootIdentityParameters = {
  /** The swarm data root `DIR`. */
  dataDir: string
  /** The node to boot; may be left out when `DIR` holds exactly one. */
  nodeId?: string | undefined
  /** Where the hardware facts come from; the real machine by default. */
  machineFacts?: MachineFactsSource | undefined
}

/**
 * Boots the node identity in `DIR` (the one given by `nodeId`, or the only one), after every check;
 * throws a typed error saying what is wrong, where, and what to do.
 *
 * @example
 * const identity = await bootIdentity({ dataDir: './data' })
 * const signature = identity.sign(message)
 */
export async function bootIdentity(parameters: BootIdentityParameters): Promise<NodeIdentity> {
  const { dataDirectory, nodeId: requestedNodeId, machineFacts } = checkParameters(parameters)
  const scan = await scanNodeDirectories(dataDirectory)
  const nodeId = chooseNode(scan, requestedNodeId, dataDirectory)
  const paths = nodePaths(dataDirectory, nodeId)

  const { seed, publicKey } = await readKeyFile(paths.identityKey)
  const keyNodeId = nodeIdFromPublicKey(publicKey)
  if (keyNodeId !== nodeId) throw new IdentityNodeDirectoryMismatchError({ path: paths.root, directoryName: nodeId, keyNodeId })
  await assertNoCopies(scan, nodeId, publicKey, paths.root)

  const record = await readFingerprintFile(paths.fingerprint)
  assertFingerprintMatches(record, await loadMachineFacts(machineFacts), paths.fingerprint)
  return createNodeIdentity({ seed, paths, fingerprint: record.hash })
}

function chooseNode(scan: NodeDirectoryScan, requested: string | undefined, dataDirectory: string): string {
  const ignored = [...scan.otherDirectories, ...scan.otherEntries]
  if (requested !== undefined) {
    if (!scan.nodeIds.includes(requested)) throw new IdentityNotFoundError({ dataDirectory, nodeId: requested, available: scan.nodeIds, ignored })
    return requested
  }
  const [only, ...others] = scan.nodeIds
  if (only === undefined) throw new IdentityNotFoundError({ dataDirectory, nodeId: undefined, available: [], ignored })
  if (others.length > 0) throw new IdentityAmbiguousError({ dataDirectory, available: scan.nodeIds })
  return only
}

async function assertNoCopies(scan: NodeDirectoryScan, nodeId: string, publicKey: Uint8Array, root: string): Promise<void> {
  const otherFolders = [...scan.nodeIds.filter((id) => id !== nodeId).map((id) => join(scan.nodesPath, id)), ...scan.otherDirectories]
  const copies: string[] = []
  for (const folder of otherFolders) {
    const claimed = await peekKeyFilePublicKey(nodePathsOfFolder(folder).identityKey)
    if (claimed !== undefined && Buffer.from(claimed).equals(publicKey)) copies.push(folder)
  }
  if (copies.length > 0) throw new IdentityDuplicateError({ nodeId, paths: [root, ...copies] })
}

function checkParameters(parameters: BootIdentityParameters) {
  if (typeof parameters !== 'object' || parameters === null)
    throw new IdentityInvalidArgumentError({ argument: 'parameters', expected: 'an object { dataDir, nodeId?, machineFacts? }', received: describeValue(parameters) })
  const { dataDir, nodeId, machineFacts = readMachineFacts } = parameters
  const dataDirectory = resolveDataDirectory(dataDir)
  if (nodeId !== undefined && !isNodeId(nodeId))
    throw new IdentityInvalidArgumentError({ argument: 'nodeId', expected: '64 lowercase hex characters (an Ed25519 public key)', received: describeValue(nodeId) })
  if (typeof machineFacts !== 'function')
    throw new IdentityInvalidArgumentError({ argument: 'machineFacts', expected: 'a function returning MachineFacts', received: describeValue(machineFacts) })
  return { dataDirectory, nodeId, machineFacts }
}

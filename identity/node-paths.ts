/**
 * Where a node's files live: `DIR/nodes/<nodeId>/{data,memory,sandbox,economy,logs}`.
 */
import { join, resolve } from 'node:path'
import { NODES_DIRECTORY_NAME } from './constants.ts'
import { describeValue } from '../common/describe-value.ts'
import { IdentityInvalidArgumentError } from './errors.ts'

/** The folders and files of one node, all absolute. */
export type NodePaths = {
  /** `DIR/nodes/<nodeId>`: everything of this node. */
  root: string
  /** `data/`: the identity (key and fingerprint). Mode 0700. */
  data: string
  /** `memory/`: semantic memory. */
  memory: string
  /** `sandbox/`: evolution simulations. */
  sandbox: string
  /** `economy/`: the ledger. */
  economy: string
  /** `logs/`. */
  logs: string
  /** `data/identity.key`: the 32-byte seed, mode 0600. */
  identityKey: string
  /** `data/fingerprint.json`: the hardware this node is bound to. */
  fingerprint: string
  /** `economy/ledger.duckdb`. */
  ledgerDb: string
}

const NODE_ID_PATTERN = /^[0-9a-f]{64}$/

/**
 * Tells whether a string is a node id: an Ed25519 public key as 64 lowercase hex characters.
 *
 * @example
 * isNodeId('ab'.repeat(32)) // true
 * isNodeId('AB'.repeat(32)) // false
 */
export function isNodeId(value: unknown): value is string {
  return typeof value === 'string' && NODE_ID_PATTERN.test(value)
}

/**
 * Returns the node id of a 32-byte Ed25519 public key.
 *
 * @example
 * nodeIdFromPublicKey(identity.publicKey) === identity.nodeId // true
 */
export function nodeIdFromPublicKey(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32)
    throw new IdentityInvalidArgumentError({ argument: 'publicKey', expected: 'a 32-byte Uint8Array', received: describeValue(publicKey) })
  return Buffer.from(publicKey).toString('hex')
}

/**
 * Returns the absolute paths of one node's folders and files (nothing is read or created).
 *
 * @example
 * nodePaths('./data', identity.nodeId).ledgerDb // '/abs/data/nodes/<id>/economy/ledger.duckdb'
 */
export function nodePaths(dataDir: string, nodeId: string): NodePaths {
  const nodes = nodesDirectory(dataDir)
  if (!isNodeId(nodeId))
    throw new IdentityInvalidArgumentError({ argument: 'nodeId', expected: '64 lowercase hex characters (an Ed25519 public key)', received: describeValue(nodeId) })
  return nodePathsOfFolder(join(nodes, nodeId))
}

/**
 * Returns the absolute path of `DIR/nodes`, the folder holding one folder per node.
 *
 * @example
 * nodesDirectory('./data') // '/abs/data/nodes'
 */
export function nodesDirectory(dataDir: string): string {
  return join(resolveDataDirectory(dataDir), NODES_DIRECTORY_NAME)
}

/**
 * Checks a data root argument and returns it as an absolute path.
 *
 * @example
 * resolveDataDirectory('./data') // '/abs/data'
 */
export function resolveDataDirectory(dataDir: string): string {
  if (typeof dataDir !== 'string' || dataDir.length === 0 || dataDir.includes('\0'))
    throw new IdentityInvalidArgumentError({ argument: 'dataDir', expected: 'a non-empty path without NUL characters', received: describeValue(dataDir) })
  return resolve(dataDir)
}

/**
 * Returns the paths of a node folder given by its location (a temporary folder during init).
 *
 * @example
 * nodePathsOfFolder('/abs/data/nodes/.init-x1y2').identityKey // '/abs/data/nodes/.init-x1y2/data/identity.key'
 */
export function nodePathsOfFolder(root: string): NodePaths {
  const data = join(root, 'data')
  const economy = join(root, 'economy')
  return {
    root,
    data,
    memory: join(root, 'memory'),
    sandbox: join(root, 'sandbox'),
    economy,
    logs: join(root, 'logs'),
    identityKey: join(data, 'identity.key'),
    fingerprint: join(data, 'fingerprint.json'),
    ledgerDb: join(economy, 'ledger.duckdb'),
  }
}

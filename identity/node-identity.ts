/**
 * A booted node identity: its id, public key, paths and a signer built once from the seed.
 */
import { describeValue } from '../common/describe-value.ts'
import { createEd25519Signer } from './ed25519.ts'
import { IdentityInvalidArgumentError } from './errors.ts'
import { nodeIdFromPublicKey, type NodePaths } from './node-paths.ts'

/** A node's identity after init or boot. Satisfies the ledger's signer shape `{ publicKey, sign }`. */
export type NodeIdentity = {
  /** The Ed25519 public key as 64 lowercase hex characters; also the node folder's name. */
  readonly nodeId: string
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array
  /** Where this node's files live. */
  readonly paths: NodePaths
  /** The hardware fingerprint (SHA-256 hex) this node is bound to, checked at boot. */
  readonly fingerprint: string
  /** Returns the 64-byte Ed25519 signature of `message` (node:crypto). */
  sign(message: Uint8Array): Uint8Array
  /** The 32-byte seed, for libp2p (`generateKeyPairFromSeed('Ed25519', seed)`); a fresh copy each call. */
  exportSeed(): Uint8Array
}

/**
 * Builds a node identity from a 32-byte seed; the key object is made once, so `sign` runs at
 * node:crypto speed.
 *
 * @example
 * const identity = createNodeIdentity({ seed, paths: nodePaths(dataDir, nodeId), fingerprint })
 */
export function createNodeIdentity(parameters: { seed: Uint8Array; paths: NodePaths; fingerprint: string }): NodeIdentity {
  if (typeof parameters !== 'object' || parameters === null)
    throw new IdentityInvalidArgumentError({ argument: 'parameters', expected: 'an object { seed, paths, fingerprint }', received: describeValue(parameters) })
  const { seed, paths, fingerprint } = parameters
  if (!(seed instanceof Uint8Array) || seed.length !== 32)
    throw new IdentityInvalidArgumentError({ argument: 'seed', expected: 'a 32-byte Uint8Array', received: describeValue(seed) })
  if (typeof paths !== 'object' || paths === null || typeof paths.root !== 'string')
    throw new IdentityInvalidArgumentError({ argument: 'paths', expected: 'NodePaths (from nodePaths)', received: describeValue(paths) })
  if (typeof fingerprint !== 'string' || !/^[0-9a-f]{64}$/.test(fingerprint))
    throw new IdentityInvalidArgumentError({ argument: 'fingerprint', expected: 'a SHA-256 as 64 lowercase hex characters', received: describeValue(fingerprint) })
  const seedCopy = new Uint8Array(seed)
  const signer = createEd25519Signer(seedCopy)
  const nodeId = nodeIdFromPublicKey(signer.publicKey)
  return Object.freeze({
    nodeId,
    publicKey: signer.publicKey,
    paths: Object.freeze({ ...paths }),
    fingerprint,
    sign: (message: Uint8Array) => {
      if (!(message instanceof Uint8Array))
        throw new IdentityInvalidArgumentError({ argument: 'message', expected: 'a Uint8Array', received: describeValue(message) })
      return signer.sign(message)
    },
    exportSeed: () => new Uint8Array(seedCopy),
  })
}

/**
 * The hardware-bound node identity: `initIdentity` creates one, `bootIdentity` checks and loads it.
 * See DESIGN.md §1.
 */
export { bootIdentity, type BootIdentityParameters } from './boot.ts'
export {
  CPU_MODEL_UNAVAILABLE,
  INIT_TEMPORARY_PREFIX,
  INIT_TEMPORARY_STALE_AFTER_MS,
  KEY_FILE_MODE,
  MACHINE_ID_PATHS,
  MACHINE_ID_UNAVAILABLE,
  NODE_DIRECTORIES_MAX,
  NODE_DIRECTORY_MODE,
} from './constants.ts'
export * from './errors.ts'
export { nodeFileSystem, type IdentityFileSystem } from './file-system.ts'
export {
  computeFingerprint,
  createFingerprintRecord,
  decodeFingerprintFile,
  encodeFingerprintFile,
  encodeMachineFacts,
  FINGERPRINT_FILE_VERSION,
  readFingerprintFile,
  type FingerprintRecord,
} from './fingerprint.ts'
export { initIdentity, type InitIdentityParameters } from './init.ts'
export { decodeKeyFile, encodeKeyFile, KEY_FILE_BYTES, KEY_FILE_VERSION, readKeyFile, type KeyFileContent } from './key-file.ts'
export { listNodeIds } from './list-node-ids.ts'
export {
  loadMachineFacts,
  machineFactsSourceFromJson,
  normalizeMachineFacts,
  readMachineFacts,
  type MachineFacts,
  type MachineFactsSource,
} from './machine-facts.ts'
export { createNodeIdentity, type NodeIdentity } from './node-identity.ts'
export { isNodeId, nodeIdFromPublicKey, nodePaths, type NodePaths } from './node-paths.ts'
export { createEd25519Signer, verifyEd25519, type Ed25519Signer } from './ed25519.ts'

/**
 * Creates a node identity atomically: the whole node folder is built and fsynced in a temporary
 * sibling `DIR/nodes/.init-<random>`, read back, then renamed into place. Any failure removes the
 * temporary folder, so `DIR/nodes` never holds a half-written node.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { FINGERPRINT_FILE_MODE, INIT_TEMPORARY_PREFIX, INIT_TEMPORARY_STALE_AFTER_MS, KEY_FILE_MODE, NODE_DIRECTORY_MODE } from './constants.ts'
import { describeValue } from '../common/describe-value.ts'
import { IdentityAlreadyExistsError, IdentityInitFailedError, IdentityInvalidArgumentError } from './errors.ts'
import { createEd25519Signer } from './ed25519.ts'
import { nodeFileSystem, type IdentityFileSystem } from './file-system.ts'
import { createFingerprintRecord, encodeFingerprintFile, type FingerprintRecord } from './fingerprint.ts'
import { decodeKeyFile, encodeKeyFile } from './key-file.ts'
import { loadMachineFacts, readMachineFacts, type MachineFactsSource } from './machine-facts.ts'
import { createNodeIdentity, type NodeIdentity } from './node-identity.ts'
import { nodeIdFromPublicKey, nodePathsOfFolder, nodesDirectory, resolveDataDirectory, type NodePaths } from './node-paths.ts'

/** Parameters of {@link initIdentity}. */
export type InitIdentityParameters = {
  /** The swarm data root `DIR`; the node is created in `DIR/nodes/<nodeId>`. */
  dataDir: string
  /** Where the hardware facts come from; the real machine by default. */
  machineFacts?: MachineFactsSource | undefined
  /** The 32-byte Ed25519 seed; 32 random bytes by default. Give one only for tests and devnets. */
  seed?: Uint8Array | undefined
  /** Disk operations; tests swap them to inject failures. */
  fileSystem?: IdentityFileSystem | undefined
  /** The clock, in ms since the epoch, used to tell stale `.init-*` folders from live ones. */
  now?: (() => number) | undefined
}

/**
 * Creates a new node identity in `DIR/nodes/<nodeId>` bound to this machine's fingerprint, with its
 * `data/`, `memory/`, `sandbox/`, `economy/` and `logs/` folders, and returns it ready to sign.
 * Also removes `.init-*` folders left by a crashed init more than 10 minutes ago.
 *
 * @example
 * const identity = await initIdentity({ dataDir: './data' })
 * identity.nodeId // '3b6a27bc…'
 */
export async function initIdentity(parameters: InitIdentityParameters): Promise<NodeIdentity> {
  const { dataDirectory, machineFacts, seed, fileSystem, now } = checkParameters(parameters)
  const record = createFingerprintRecord(await loadMachineFacts(machineFacts))
  const nodeId = nodeIdFromPublicKey(createEd25519Signer(seed).publicKey)
  const nodesPath = nodesDirectory(dataDirectory)
  const finalPaths = nodePathsOfFolder(join(nodesPath, nodeId))

  const step = stepRunner(dataDirectory)
  await step('create the nodes folder', () => fileSystem.ensureDirectory(nodesPath, NODE_DIRECTORY_MODE))
  if ((await step('check for an existing node', () => fileSystem.inspect(finalPaths.root))) !== undefined)
    throw new IdentityAlreadyExistsError({ dataDirectory, nodeIds: [nodeId], reason: `node ${nodeId} (this seed) is already there` })
  await removeStaleTemporaryDirectories(fileSystem, nodesPath, now())

  const temporaryRoot = await step('create the temporary folder', () => fileSystem.makeTemporaryDirectory(join(nodesPath, INIT_TEMPORARY_PREFIX)))
  try {
    await buildNodeDirectory(fileSystem, nodePathsOfFolder(temporaryRoot), seed, record, step)
    await step('move the node into place', () => fileSystem.rename(temporaryRoot, finalPaths.root))
  } catch (error) {
    await rollBack(fileSystem, temporaryRoot, dataDirectory, error)
  }
  try {
    await step('sync the nodes folder', () => fileSystem.syncDirectory(nodesPath))
    // The nodes folder itself may be new: make its name durable too.
    await step('sync the data root', () => fileSystem.syncDirectory(dataDirectory))
  } catch (error) {
    // The caller is told init failed, so it must not find the node later: remove it again.
    await rollBack(fileSystem, finalPaths.root, dataDirectory, error)
  }
  return createNodeIdentity({ seed, paths: finalPaths, fingerprint: record.hash })
}

type Step = <T>(name: string, run: () => Promise<T>) => Promise<T>

async function buildNodeDirectory(fileSystem: IdentityFileSystem, paths: NodePaths, seed: Uint8Array, record: FingerprintRecord, step: Step): Promise<void> {
  for (const folder of [paths.data, paths.memory, paths.sandbox, paths.economy, paths.logs])
    await step(`create ${folder}`, () => fileSystem.makeDirectory(folder, NODE_DIRECTORY_MODE))
  const keyBytes = encodeKeyFile(seed)
  await step('write identity.key', () => fileSystem.writeFileDurably(paths.identityKey, keyBytes, KEY_FILE_MODE))
  await step('write fingerprint.json', () => fileSystem.writeFileDurably(paths.fingerprint, Buffer.from(encodeFingerprintFile(record), 'utf8'), FINGERPRINT_FILE_MODE))
  // Check the other side of the disk: what was written reads back as this seed.
  const readBack = await step('read back identity.key', () => fileSystem.readFile(paths.identityKey))
  if (!Buffer.from(decodeKeyFile(readBack, paths.identityKey).seed).equals(seed))
    throw new Error('identity.key read back with a different seed')
  await step('sync the data folder', () => fileSystem.syncDirectory(paths.data))
  await step('sync the node folder', () => fileSystem.syncDirectory(paths.root))
}

function stepRunner(dataDirectory: string): Step {
  return async (name, run) => {
    try {
      return await run()
    } catch (error) {
      if (error instanceof IdentityInitFailedError) throw error
      throw new IdentityInitFailedError({ dataDirectory, step: name, leftover: undefined, cause: error })
    }
  }
}

async function rollBack(fileSystem: IdentityFileSystem, path: string, dataDirectory: string, error: unknown): Promise<never> {
  const cause = error instanceof IdentityInitFailedError ? error.cause : error
  const step = error instanceof IdentityInitFailedError ? error.step : 'check the written node'
  let leftover: string | undefined
  try {
    await fileSystem.removeTree(path)
  } catch {
    leftover = path
  }
  if (isAlreadyThere(cause))
    throw new IdentityAlreadyExistsError({ dataDirectory, nodeIds: [], reason: 'another init created the same node at the same time' })
  throw new IdentityInitFailedError({ dataDirectory, step, leftover, cause })
}

function isAlreadyThere(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOTEMPTY' || code === 'EEXIST'
}

async function removeStaleTemporaryDirectories(fileSystem: IdentityFileSystem, nodesPath: string, nowMs: number): Promise<void> {
  // Best effort: a leftover holds a never-used seed, so failing to remove it harms nothing.
  try {
    for (const name of await fileSystem.listDirectory(nodesPath)) {
      if (!name.startsWith(INIT_TEMPORARY_PREFIX)) continue
      const path = join(nodesPath, name)
      const entry = await fileSystem.inspect(path)
      if (entry?.isDirectory && nowMs - entry.modifiedMs > INIT_TEMPORARY_STALE_AFTER_MS) await fileSystem.removeTree(path)
    }
  } catch {
    return
  }
}

function checkParameters(parameters: InitIdentityParameters) {
  if (typeof parameters !== 'object' || parameters === null)
    throw new IdentityInvalidArgumentError({ argument: 'parameters', expected: 'an object { dataDir, machineFacts?, seed? }', received: describeValue(parameters) })
  const { dataDir, machineFacts = readMachineFacts, seed = randomBytes(32), fileSystem = nodeFileSystem, now = Date.now } = parameters
  const dataDirectory = resolveDataDirectory(dataDir)
  if (typeof machineFacts !== 'function')
    throw new IdentityInvalidArgumentError({ argument: 'machineFacts', expected: 'a function returning MachineFacts', received: describeValue(machineFacts) })
  if (!(seed instanceof Uint8Array) || seed.length !== 32)
    throw new IdentityInvalidArgumentError({ argument: 'seed', expected: 'a 32-byte Uint8Array', received: describeValue(seed) })
  if (typeof fileSystem !== 'object' || fileSystem === null)
    throw new IdentityInvalidArgumentError({ argument: 'fileSystem', expected: 'an IdentityFileSystem', received: describeValue(fileSystem) })
  if (typeof now !== 'function')
    throw new IdentityInvalidArgumentError({ argument: 'now', expected: 'a function returning ms since the epoch', received: describeValue(now) })
  return { dataDirectory, machineFacts, seed: new Uint8Array(seed), fileSystem, now }
}

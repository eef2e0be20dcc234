/**
 * Every way the identity layer refuses. Each error says what went wrong, where, and what to do;
 * code and tests tell them apart by `name`.
 */
import { BaseError, InvalidArgumentError } from '../common/base-error.ts'

/**
 * A public function of `identity/` got an argument of the wrong type or shape.
 *
 * @example
 * throw new IdentityInvalidArgumentError({ argument: 'nodeId', expected: '64 lowercase hex characters', received: 'xyz' })
 */
export class IdentityInvalidArgumentError extends InvalidArgumentError {
  override name = 'IdentityInvalidArgumentError'
}

/**
 * A machine-facts source returned something that is not a valid `MachineFacts`.
 *
 * @example
 * throw new IdentityMachineFactsError({ problem: 'hostname is empty' })
 */
export class IdentityMachineFactsError extends BaseError {
  override name = 'IdentityMachineFactsError'
  constructor({ problem, origin, cause }: { problem: string; origin?: string; cause?: unknown }) {
    super(`Invalid machine facts: ${problem}.`, {
      details: origin === undefined ? undefined : `The facts came from ${origin}.`,
      hints: ['Machine facts are { cpuModel: string, memoryGb: integer >= 0, hostname: string, machineId: string }, strings non-empty.'],
      cause,
    })
  }
}

/**
 * No node identity exists where one was asked for.
 *
 * @example
 * throw new IdentityNotFoundError({ dataDirectory: '/srv/ippoc', nodeId: undefined, available: [] })
 */
export class IdentityNotFoundError extends BaseError {
  override name = 'IdentityNotFoundError'
  constructor({ dataDirectory, nodeId, available, ignored = [] }: { dataDirectory: string; nodeId: string | undefined; available: readonly string[]; ignored?: readonly string[] }) {
    const shortMessage = nodeId === undefined ? `No node identity in ${dataDirectory}.` : `No node ${nodeId} in ${dataDirectory}.`
    const facts: string[] = []
    if (available.length > 0) facts.push(`Nodes there: ${available.join(', ')}.`)
    if (ignored.length > 0) facts.push(`Ignored (not a folder named like a node id; symlinks are not followed): ${ignored.join(', ')}.`)
    super(shortMessage, {
      details: facts.length > 0 ? facts.join(' ') : undefined,
      hints: available.length > 0 && nodeId !== undefined
        ? [`Pick one of the nodes listed, e.g. \`--node ${available[0]}\`.`]
        : [`Create one with \`ippoc identity init --data-dir ${dataDirectory}\`, or pass the --data-dir that holds your node.`],
    })
  }
}

/**
 * The data root holds several nodes and none was chosen.
 *
 * @example
 * throw new IdentityAmbiguousError({ dataDirectory: '/srv/ippoc', available: ['ab…', 'cd…'] })
 */
export class IdentityAmbiguousError extends BaseError {
  override name = 'IdentityAmbiguousError'
  readonly available: readonly string[]
  constructor({ dataDirectory, available }: { dataDirectory: string; available: readonly string[] }) {
    super(`${dataDirectory} holds ${available.length} nodes; choose one.`, {
      details: `Nodes: ${available.join(', ')}.`,
      hints: [`Pass the node to use, e.g. \`--node ${available[0] ?? '<id>'}\`.`],
    })
    this.available = available
  }
}

/**
 * Init would create a node that already exists.
 *
 * @example
 * throw new IdentityAlreadyExistsError({ dataDirectory: '/srv/ippoc', nodeIds: ['ab…'], reason: 'a node with this seed exists' })
 */
export class IdentityAlreadyExistsError extends BaseError {
  override name = 'IdentityAlreadyExistsError'
  constructor({ dataDirectory, nodeIds, reason, details, hints }: { dataDirectory: string; nodeIds: readonly string[]; reason: string; details?: string; hints?: readonly string[] }) {
    super(`Identity already exists in ${dataDirectory}: ${reason}.`, {
      details: details ?? (nodeIds.length > 0 ? `Nodes: ${nodeIds.join(', ')}.` : undefined),
      hints: hints ?? ['Boot it with `ippoc identity show`, or choose another --data-dir.'],
    })
  }
}

/**
 * A node folder has no `identity.key`.
 *
 * @example
 * throw new IdentityKeyFileMissingError({ path: '/srv/ippoc/nodes/ab…/data/identity.key' })
 */
export class IdentityKeyFileMissingError extends BaseError {
  override name = 'IdentityKeyFileMissingError'
  constructor({ path, cause }: { path: string; cause?: unknown }) {
    super(`Key file missing: ${path}.`, {
      hints: ['The node folder is incomplete. Restore identity.key from a backup of this node, or remove the folder and run `ippoc identity init`.'],
      cause,
    })
  }
}

/**
 * `identity.key` can be read or written by group or others.
 *
 * @example
 * throw new IdentityKeyFilePermissionError({ path: 'data/nodes/ab…/data/identity.key', mode: 0o644 })
 */
export class IdentityKeyFilePermissionError extends BaseError {
  override name = 'IdentityKeyFilePermissionError'
  readonly mode: number
  constructor({ path, mode }: { path: string; mode: number }) {
    super(`Key file is accessible by group or others: ${path}.`, {
      details: `Mode is ${formatMode(mode)}; it must be 0600 (owner read/write only). Treat the key as possibly copied.`,
      hints: [`Run \`chmod 600 ${path}\` and check who could have read it.`],
    })
    this.mode = mode
  }
}

/**
 * `identity.key` is truncated, corrupt, not a key file, or inconsistent with its seed.
 *
 * @example
 * throw new IdentityKeyFileCorruptError({ path: 'identity.key', problem: 'truncated: 40 of 108 bytes' })
 */
export class IdentityKeyFileCorruptError extends BaseError {
  override name = 'IdentityKeyFileCorruptError'
  constructor({ path, problem }: { path: string; problem: string }) {
    super(`Key file is corrupt: ${path}.`, {
      details: problem,
      hints: ['Restore identity.key from a backup of this node. A node whose key is lost cannot be recovered; create a new one with `ippoc identity init --force-new`.'],
    })
  }
}

/**
 * `identity.key` has a format version this build cannot read.
 *
 * @example
 * throw new IdentityKeyFileVersionError({ path: 'identity.key', version: 9, supported: [1] })
 */
export class IdentityKeyFileVersionError extends BaseError {
  override name = 'IdentityKeyFileVersionError'
  constructor({ path, version, supported }: { path: string; version: number; supported: readonly number[] }) {
    super(`Key file has unsupported format version ${version}: ${path}.`, {
      details: `This build reads version ${supported.join(', ')}.`,
      hints: ['Run the ippoc version that wrote this node, or upgrade ippoc.'],
    })
  }
}

/**
 * A node folder's name is not the node id of the key inside it.
 *
 * @example
 * throw new IdentityNodeDirectoryMismatchError({ path: 'data/nodes/ab…', directoryName: 'ab…', keyNodeId: 'cd…' })
 */
export class IdentityNodeDirectoryMismatchError extends BaseError {
  override name = 'IdentityNodeDirectoryMismatchError'
  constructor({ path, directoryName, keyNodeId }: { path: string; directoryName: string; keyNodeId: string }) {
    super(`Node folder name does not match its key: ${path}.`, {
      details: `The folder is named ${directoryName}, its identity.key belongs to node ${keyNodeId}.`,
      hints: ['A node folder must be named after its own key. Restore the folder it was copied or renamed from; never rename node folders.'],
    })
  }
}

/**
 * Two node folders hold the same key: one identity would run twice (a clone).
 *
 * @example
 * throw new IdentityDuplicateError({ nodeId: 'ab…', paths: ['data/nodes/ab…', 'data/nodes/ab….bak'] })
 */
export class IdentityDuplicateError extends BaseError {
  override name = 'IdentityDuplicateError'
  constructor({ nodeId, paths }: { nodeId: string; paths: readonly string[] }) {
    super(`${paths.length} node folders hold the key of node ${nodeId}.`, {
      details: `Folders: ${paths.join(', ')}.`,
      hints: ['An identity must live in exactly one folder: running it twice forks its ledger chain. Move the copies out of the data dir (keep them only as offline backups).'],
    })
  }
}

/** One machine fact whose recorded value differs from this machine's. */
export type MachineFactDifference = { fact: string; recorded: string | number; current: string | number }

/**
 * The node folder was made on other hardware: its fingerprint does not match this machine.
 *
 * @example
 * throw new IdentityFingerprintMismatchError({ path: 'fingerprint.json', differences: [{ fact: 'hostname', recorded: 'a', current: 'b' }] })
 */
export class IdentityFingerprintMismatchError extends BaseError {
  override name = 'IdentityFingerprintMismatchError'
  readonly differences: readonly MachineFactDifference[]
  constructor({ path, differences }: { path: string; differences: readonly MachineFactDifference[] }) {
    super('Node identity belongs to other hardware: its fingerprint does not match this machine.', {
      details: `${path} records ${differences.map(({ fact, recorded, current }) => `${fact} ${JSON.stringify(recorded)} (this machine: ${JSON.stringify(current)})`).join(', ')}.`,
      hints: [
        'A data dir copied to another machine never joins the swarm. Create this machine\'s own node with `ippoc identity init --data-dir <new dir>`.',
        'If this is the same machine after a hostname or hardware change, restore the old value, or create a new node (`ippoc identity init --force-new`).',
      ],
    })
    this.differences = differences
  }
}

/**
 * `fingerprint.json` is missing.
 *
 * @example
 * throw new IdentityFingerprintFileMissingError({ path: 'data/nodes/ab…/data/fingerprint.json' })
 */
export class IdentityFingerprintFileMissingError extends BaseError {
  override name = 'IdentityFingerprintFileMissingError'
  constructor({ path, cause }: { path: string; cause?: unknown }) {
    super(`Fingerprint file missing: ${path}.`, {
      hints: ['The node folder is incomplete. Restore fingerprint.json from a backup of this node; it cannot be remade without allowing copied nodes to boot.'],
      cause,
    })
  }
}

/**
 * `fingerprint.json` is malformed, or its hash does not match the facts it records (edited).
 *
 * @example
 * throw new IdentityFingerprintFileCorruptError({ path: 'fingerprint.json', problem: 'hash does not match the recorded facts' })
 */
export class IdentityFingerprintFileCorruptError extends BaseError {
  override name = 'IdentityFingerprintFileCorruptError'
  constructor({ path, problem, cause }: { path: string; problem: string; cause?: unknown }) {
    super(`Fingerprint file is corrupt: ${path}.`, {
      details: problem,
      hints: ['Restore fingerprint.json from a backup of this node. Do not edit it by hand.'],
      cause,
    })
  }
}

/**
 * `fingerprint.json` has a format version this build cannot read.
 *
 * @example
 * throw new IdentityFingerprintFileVersionError({ path: 'fingerprint.json', version: 9, supported: [1] })
 */
export class IdentityFingerprintFileVersionError extends BaseError {
  override name = 'IdentityFingerprintFileVersionError'
  constructor({ path, version, supported }: { path: string; version: unknown; supported: readonly number[] }) {
    super(`Fingerprint file has unsupported format version ${JSON.stringify(version)}: ${path}.`, {
      details: `This build reads version ${supported.join(', ')}.`,
      hints: ['Run the ippoc version that wrote this node, or upgrade ippoc.'],
    })
  }
}

/**
 * Creating a node failed part way; nothing was left behind unless the details say otherwise.
 *
 * @example
 * throw new IdentityInitFailedError({ dataDirectory: '/srv/ippoc', step: 'write identity.key', leftover: undefined, cause: error })
 */
export class IdentityInitFailedError extends BaseError {
  override name = 'IdentityInitFailedError'
  /** The step that failed, e.g. "write identity.key". */
  readonly step: string
  /** A folder that could not be removed after the failure, if any. */
  readonly leftover: string | undefined
  constructor({ dataDirectory, step, leftover, cause }: { dataDirectory: string; step: string; leftover: string | undefined; cause: unknown }) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super(`Could not create a node identity in ${dataDirectory}.`, {
      details: `Step "${step}" failed: ${reason}.${leftover === undefined ? ' Nothing was written.' : ` Could not remove the unfinished folder ${leftover}.`}`,
      hints: [
        'Check that the data dir is writable and the disk has space, then run init again.',
        ...(leftover === undefined ? [] : [`Remove ${leftover} (it holds no usable identity).`]),
      ],
      cause,
    })
    this.step = step
    this.leftover = leftover
  }
}

/**
 * `DIR/nodes` holds more entries than a scan reads.
 *
 * @example
 * throw new IdentityTooManyNodesError({ path: '/srv/ippoc/nodes', count: 5000, limit: 4096 })
 */
export class IdentityTooManyNodesError extends BaseError {
  override name = 'IdentityTooManyNodesError'
  constructor({ path, count, limit }: { path: string; count: number; limit: number }) {
    super(`${path} holds ${count} entries; at most ${limit} are read.`, {
      hints: ['Split the nodes over several data dirs.'],
    })
  }
}

function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`
}

/**
 * The hardware fingerprint: SHA-256 over a canonical encoding of the machine facts, stored with the
 * facts themselves in `fingerprint.json` so a mismatch can say which fact changed.
 *
 * The fingerprint stops a copied data dir from booting on other hardware by accident. It is not a
 * secret and not proof against someone who edits files on purpose (whoever holds the disk holds the
 * key); a deliberate clone that signs is caught by the ledger as a fork.
 */
import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { BaseError } from '../common/base-error.ts'
import { CPU_MODEL_UNAVAILABLE, FINGERPRINT_FILE_BYTES_MAX, MACHINE_ID_UNAVAILABLE } from './constants.ts'
import { describeValue } from '../common/describe-value.ts'
import {
  IdentityFingerprintFileCorruptError,
  IdentityFingerprintFileMissingError,
  IdentityFingerprintFileVersionError,
  IdentityFingerprintMismatchError,
  IdentityInvalidArgumentError,
  IdentityMachineFactsError,
  type MachineFactDifference,
} from './errors.ts'
import { normalizeMachineFacts, type MachineFacts } from './machine-facts.ts'

/** The `format` field of every `fingerprint.json`. */
export const FINGERPRINT_FILE_FORMAT = 'ippoc-fingerprint'
/** The `fingerprint.json` version this build writes; it reads only this one. */
export const FINGERPRINT_FILE_VERSION = 1
/** Domain tag hashed before the facts, so this hash is never confused with another SHA-256. */
export const FINGERPRINT_DOMAIN_TAG = 'ippoc-fingerprint-v1'

/** The content of `fingerprint.json`. */
export type FingerprintRecord = {
  format: typeof FINGERPRINT_FILE_FORMAT
  version: typeof FINGERPRINT_FILE_VERSION
  /** SHA-256 of {@link encodeMachineFacts}, 64 lowercase hex characters. */
  hash: string
  /** The normalized facts the hash was made from. */
  facts: MachineFacts
  /** Human-readable remarks, e.g. that no machine id existed. */
  notes: string[]
}

const FACT_ORDER = ['cpuModel', 'memoryGb', 'hostname', 'machineId'] as const
const HASH_PATTERN = /^[0-9a-f]{64}$/

/**
 * Encodes machine facts canonically: the domain tag, then each fact (cpuModel, memoryGb as a decimal
 * string, hostname, machineId) as a 4-byte big-endian UTF-8 length followed by its UTF-8 bytes.
 * Facts are normalized first, so the same machine always encodes the same way.
 *
 * @example
 * encodeMachineFacts({ cpuModel: 'x', memoryGb: 8, hostname: 'h', machineId: 'm' }) // Uint8Array
 */
export function encodeMachineFacts(facts: MachineFacts): Uint8Array {
  const normalized = normalizeMachineFacts(facts)
  const parts: Buffer[] = [Buffer.from(FINGERPRINT_DOMAIN_TAG, 'utf8')]
  for (const name of FACT_ORDER) {
    const bytes = Buffer.from(String(normalized[name]), 'utf8')
    const length = Buffer.alloc(4)
    length.writeUInt32BE(bytes.length)
    parts.push(length, bytes)
  }
  return new Uint8Array(Buffer.concat(parts))
}

/**
 * Returns the fingerprint of machine facts: SHA-256 of their canonical encoding, as lowercase hex.
 *
 * @example
 * computeFingerprint(await readMachineFacts()) // '9c1f…' (64 hex characters)
 */
export function computeFingerprint(facts: MachineFacts): string {
  return createHash('sha256').update(encodeMachineFacts(facts)).digest('hex')
}

/**
 * Builds the `fingerprint.json` record for machine facts.
 *
 * @example
 * const record = createFingerprintRecord(await readMachineFacts())
 */
export function createFingerprintRecord(facts: MachineFacts): FingerprintRecord {
  const normalized = normalizeMachineFacts(facts)
  const notes = ['The facts are stored in clear so a mismatch can say what changed; they are not secret.']
  if (normalized.machineId === MACHINE_ID_UNAVAILABLE)
    notes.push('No machine id was found (/etc/machine-id, /var/lib/dbus/machine-id): this fingerprint binds to cpu model, memory and hostname only.')
  if (normalized.cpuModel === CPU_MODEL_UNAVAILABLE) notes.push('The operating system reported no cpu model.')
  return { format: FINGERPRINT_FILE_FORMAT, version: FINGERPRINT_FILE_VERSION, hash: computeFingerprint(normalized), facts: normalized, notes }
}

/**
 * Serializes a fingerprint record as the text of `fingerprint.json`.
 *
 * @example
 * await writeFile(paths.fingerprint, encodeFingerprintFile(createFingerprintRecord(facts)))
 */
export function encodeFingerprintFile(record: FingerprintRecord): string {
  if (typeof record !== 'object' || record === null)
    throw new IdentityInvalidArgumentError({ argument: 'record', expected: 'a FingerprintRecord', received: describeValue(record) })
  const text = `${JSON.stringify(record, null, 2)}\n`
  // Check before writing what boot will check after reading.
  try {
    decodeFingerprintFile(text, 'the record to write')
  } catch (error) {
    if (!(error instanceof BaseError)) throw error
    throw new IdentityInvalidArgumentError({ argument: 'record', expected: 'a valid FingerprintRecord (use createFingerprintRecord)', received: error.details ?? error.shortMessage })
  }
  return text
}

/**
 * Parses and checks the text of `fingerprint.json`: format, version, shape, and that the hash matches
 * the recorded facts (a hand-edited file is refused).
 *
 * @example
 * const record = decodeFingerprintFile(await readFile(paths.fingerprint, 'utf8'), paths.fingerprint)
 */
export function decodeFingerprintFile(text: string, path: string): FingerprintRecord {
  if (typeof text !== 'string')
    throw new IdentityInvalidArgumentError({ argument: 'text', expected: 'a string', received: describeValue(text) })
  if (Buffer.byteLength(text, 'utf8') > FINGERPRINT_FILE_BYTES_MAX)
    throw new IdentityFingerprintFileCorruptError({ path, problem: `larger than ${FINGERPRINT_FILE_BYTES_MAX} bytes` })
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new IdentityFingerprintFileCorruptError({ path, problem: 'not valid JSON (truncated or overwritten?)', cause: error })
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new IdentityFingerprintFileCorruptError({ path, problem: `expected a JSON object, got ${describeValue(parsed)}` })
  const record = parsed as Record<string, unknown>
  if (record.format !== FINGERPRINT_FILE_FORMAT)
    throw new IdentityFingerprintFileCorruptError({ path, problem: `format is ${describeValue(record.format)}, expected "${FINGERPRINT_FILE_FORMAT}"` })
  if (record.version !== FINGERPRINT_FILE_VERSION)
    throw new IdentityFingerprintFileVersionError({ path, version: record.version, supported: [FINGERPRINT_FILE_VERSION] })
  if (typeof record.hash !== 'string' || !HASH_PATTERN.test(record.hash))
    throw new IdentityFingerprintFileCorruptError({ path, problem: 'hash is not 64 lowercase hex characters' })
  const facts = decodeRecordedFacts(record.facts, path)
  const notes = record.notes ?? []
  if (!Array.isArray(notes) || !notes.every((note) => typeof note === 'string'))
    throw new IdentityFingerprintFileCorruptError({ path, problem: 'notes is not a list of strings' })
  if (computeFingerprint(facts) !== record.hash)
    throw new IdentityFingerprintFileCorruptError({ path, problem: 'the hash does not match the recorded facts: the file was edited' })
  return { format: FINGERPRINT_FILE_FORMAT, version: FINGERPRINT_FILE_VERSION, hash: record.hash, facts, notes }
}

function decodeRecordedFacts(value: unknown, path: string): MachineFacts {
  try {
    return normalizeMachineFacts(value as MachineFacts)
  } catch (error) {
    if (!(error instanceof IdentityMachineFactsError)) throw error
    throw new IdentityFingerprintFileCorruptError({ path, problem: `recorded ${error.shortMessage.replace(/^Invalid /, '')}`, cause: error })
  }
}

/**
 * Lists the facts that differ between a record and this machine (empty when they match).
 *
 * @example
 * diffMachineFacts(record.facts, current) // [{ fact: 'hostname', recorded: 'a', current: 'b' }]
 */
export function diffMachineFacts(recorded: MachineFacts, current: MachineFacts): MachineFactDifference[] {
  const differences: MachineFactDifference[] = []
  for (const fact of FACT_ORDER) {
    if (recorded[fact] !== current[fact]) differences.push({ fact, recorded: recorded[fact], current: current[fact] })
  }
  return differences
}

/**
 * Throws {@link IdentityFingerprintMismatchError} unless a record matches this machine's facts.
 *
 * @example
 * assertFingerprintMatches(record, await loadMachineFacts(readMachineFacts), paths.fingerprint)
 */
export function assertFingerprintMatches(record: FingerprintRecord, current: MachineFacts, path: string): void {
  const normalized = normalizeMachineFacts(current)
  if (computeFingerprint(normalized) === record.hash) return
  const differences = diffMachineFacts(record.facts, normalized)
  throw new IdentityFingerprintMismatchError({ path, differences })
}

/**
 * Reads and checks `fingerprint.json` (see {@link decodeFingerprintFile}).
 *
 * @example
 * const record = await readFingerprintFile(paths.fingerprint)
 */
export async function readFingerprintFile(path: string): Promise<FingerprintRecord> {
  if (typeof path !== 'string' || path.length === 0)
    throw new IdentityInvalidArgumentError({ argument: 'path', expected: 'a non-empty path', received: describeValue(path) })
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new IdentityFingerprintFileMissingError({ path, cause: error })
    throw error
  }
  try {
    const buffer = Buffer.alloc(FINGERPRINT_FILE_BYTES_MAX + 1)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
    if (bytesRead > FINGERPRINT_FILE_BYTES_MAX)
      throw new IdentityFingerprintFileCorruptError({ path, problem: `larger than ${FINGERPRINT_FILE_BYTES_MAX} bytes` })
    return decodeFingerprintFile(buffer.subarray(0, bytesRead).toString('utf8'), path)
  } finally {
    await handle.close()
  }
}

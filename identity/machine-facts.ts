/**
 * The hardware facts a node is bound to, and where they come from. The source is injectable so tests
 * (and the CLI's `IPPOC_MACHINE_FACTS` test hook) can pretend to be another machine.
 */
import { open } from 'node:fs/promises'
import { cpus, hostname, totalmem } from 'node:os'
import {
  CPU_MODEL_UNAVAILABLE,
  HOSTNAME_UNAVAILABLE,
  MACHINE_FACT_BYTES_MAX,
  MACHINE_ID_FILE_BYTES_MAX,
  MACHINE_ID_PATHS,
  MACHINE_ID_UNAVAILABLE,
  MEMORY_GB_MAX,
} from './constants.ts'
import { describeValue } from '../common/describe-value.ts'
import { IdentityInvalidArgumentError, IdentityMachineFactsError } from './errors.ts'

/** What identifies the hardware a node runs on. None of it is secret. */
export type MachineFacts = { cpuModel: string; memoryGb: number; hostname: string; machineId: string }
/** Where machine facts come from: the real machine by default, a fake one in tests. */
export type MachineFactsSource = () => MachineFacts | Promise<MachineFacts>

const BYTES_PER_GB = 2 ** 30

/**
 * Reads this machine's facts: the first cpu's model, total memory in GiB (2^30 bytes) rounded to the
 * nearest whole number, the hostname, and the machine id from `/etc/machine-id` or
 * `/var/lib/dbus/machine-id`. A fact the system does not report is recorded as `'unavailable'`
 * (a missing machine id is common in containers).
 *
 * @example
 * const facts = await readMachineFacts() // { cpuModel: 'AMD EPYC 7B13', memoryGb: 8, hostname: 'box', machineId: '3f…' }
 */
export const readMachineFacts: MachineFactsSource = async () => ({
  cpuModel: cpus()[0]?.model.trim() || CPU_MODEL_UNAVAILABLE,
  memoryGb: Math.round(totalmem() / BYTES_PER_GB),
  hostname: hostname().trim() || HOSTNAME_UNAVAILABLE,
  machineId: await readMachineId(),
})

/**
 * Reads the systemd/D-Bus machine id, or returns `'unavailable'` when no file holds one.
 *
 * @example
 * await readMachineId(['/etc/machine-id']) // '3f2a…' or 'unavailable'
 */
export async function readMachineId(paths: readonly string[] = MACHINE_ID_PATHS): Promise<string> {
  if (!Array.isArray(paths) || !paths.every((path) => typeof path === 'string'))
    throw new IdentityInvalidArgumentError({ argument: 'paths', expected: 'an array of file paths', received: describeValue(paths) })
  for (const path of paths) {
    const content = await readFilePrefix(path, MACHINE_ID_FILE_BYTES_MAX)
    const machineId = content?.trim().toLowerCase()
    // systemd writes "uninitialized" until first boot completes; it names no machine.
    if (machineId && machineId !== 'uninitialized') return machineId
  }
  return MACHINE_ID_UNAVAILABLE
}

async function readFilePrefix(path: string, bytesMax: number): Promise<string | undefined> {
  let handle
  try {
    handle = await open(path, 'r')
    const buffer = Buffer.alloc(bytesMax)
    const { bytesRead } = await handle.read(buffer, 0, bytesMax, 0)
    return buffer.subarray(0, bytesRead).toString('utf8')
  } catch {
    return undefined
  } finally {
    await handle?.close()
  }
}

/**
 * Checks machine facts and returns them normalized: whitespace trimmed and collapsed, hostname and
 * machine id lowercased, so cosmetic differences never change a fingerprint.
 *
 * @example
 * normalizeMachineFacts({ cpuModel: ' Xeon  ', memoryGb: 8, hostname: 'Box', machineId: 'AB' })
 * // { cpuModel: 'Xeon', memoryGb: 8, hostname: 'box', machineId: 'ab' }
 */
export function normalizeMachineFacts(facts: MachineFacts, origin?: string): MachineFacts {
  if (typeof facts !== 'object' || facts === null || Array.isArray(facts))
    throw new IdentityMachineFactsError({ problem: `expected an object, got ${describeValue(facts)}`, origin })
  const { memoryGb } = facts
  if (!Number.isSafeInteger(memoryGb) || memoryGb < 0 || memoryGb > MEMORY_GB_MAX)
    throw new IdentityMachineFactsError({ problem: `memoryGb must be an integer from 0 to ${MEMORY_GB_MAX}, got ${describeValue(memoryGb)}`, origin })
  return {
    cpuModel: normalizeFact('cpuModel', facts.cpuModel, origin),
    memoryGb,
    hostname: normalizeFact('hostname', facts.hostname, origin).toLowerCase(),
    machineId: normalizeFact('machineId', facts.machineId, origin).toLowerCase(),
  }
}

function normalizeFact(name: string, value: unknown, origin: string | undefined): string {
  if (typeof value !== 'string')
    throw new IdentityMachineFactsError({ problem: `${name} must be a string, got ${describeValue(value)}`, origin })
  const normalized = value.trim().replace(/\s+/g, ' ')
  if (normalized.length === 0) throw new IdentityMachineFactsError({ problem: `${name} is empty`, origin })
  if (Buffer.byteLength(normalized, 'utf8') > MACHINE_FACT_BYTES_MAX)
    throw new IdentityMachineFactsError({ problem: `${name} is longer than ${MACHINE_FACT_BYTES_MAX} bytes`, origin })
  return normalized
}

/**
 * Calls a machine-facts source and returns its facts checked and normalized.
 *
 * @example
 * const facts = await loadMachineFacts(readMachineFacts)
 */
export async function loadMachineFacts(source: MachineFactsSource): Promise<MachineFacts> {
  if (typeof source !== 'function')
    throw new IdentityInvalidArgumentError({ argument: 'machineFacts', expected: 'a function returning MachineFacts', received: describeValue(source) })
  let facts: MachineFacts
  try {
    facts = await source()
  } catch (error) {
    throw new IdentityMachineFactsError({ problem: 'the machine-facts source failed', cause: error })
  }
  return normalizeMachineFacts(facts)
}

/**
 * Parses machine facts from JSON text (the CLI's `IPPOC_MACHINE_FACTS` test hook) and returns a
 * source that always gives them.
 *
 * @example
 * const source = machineFactsSourceFromJson('{"cpuModel":"x","memoryGb":8,"hostname":"h","machineId":"m"}', 'IPPOC_MACHINE_FACTS')
 */
export function machineFactsSourceFromJson(json: string, origin: string): MachineFactsSource {
  if (typeof json !== 'string')
    throw new IdentityInvalidArgumentError({ argument: 'json', expected: 'a string', received: describeValue(json) })
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch (error) {
    throw new IdentityMachineFactsError({ problem: 'not valid JSON', origin, cause: error })
  }
  const facts = normalizeMachineFacts(parsed as MachineFacts, origin)
  return () => facts
}

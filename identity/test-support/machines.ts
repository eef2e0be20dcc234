/**
 * Fake machines and throwaway data roots for identity tests.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MachineFacts, MachineFactsSource } from '../machine-facts.ts'

/** The machine most tests run on. */
export const machineA: MachineFacts = { cpuModel: 'AMD EPYC 7B13', memoryGb: 16, hostname: 'node-a', machineId: '0123456789abcdef0123456789abcdef' }
/** Another machine: same model and memory, other hostname and machine id. */
export const machineB: MachineFacts = { cpuModel: 'AMD EPYC 7B13', memoryGb: 16, hostname: 'node-b', machineId: 'fedcba9876543210fedcba9876543210' }

/**
 * A machine-facts source that always returns `facts`.
 *
 * @example
 * await initIdentity({ dataDir, machineFacts: fakeMachine(machineA) })
 */
export function fakeMachine(facts: MachineFacts): MachineFactsSource {
  return () => ({ ...facts })
}

/**
 * Returns a 32-byte seed filled with one byte value, for reproducible node ids.
 *
 * @example
 * await initIdentity({ dataDir, machineFacts: fakeMachine(machineA), seed: seedOf(1) })
 */
export function seedOf(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte)
}

/**
 * Creates an empty temporary folder and returns it with a function that removes it.
 *
 * @example
 * const { path, remove } = await temporaryDirectory()
 * t.after(remove)
 */
export async function temporaryDirectory(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'ippoc-identity-'))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

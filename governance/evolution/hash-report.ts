import { canonicalJson } from './canonical-json.ts'
import { hashBytes } from './hash-patch.ts'
import type { Hash, SimulationReport } from './types.ts'

/**
 * The report hash: SHA-256 of the canonical JSON of the report without its `reportHash` field. Any
 * node can recompute it from a report file to check it is the report that was proposed.
 *
 * @example
 * hashSimulationReport(report) === report.reportHash // true for an untouched report
 */
export function hashSimulationReport(report: Omit<SimulationReport, 'reportHash'> & { reportHash?: Hash }): Hash {
  const { reportHash: _reportHash, ...body } = report
  return hashBytes(new TextEncoder().encode(canonicalJson(body)))
}

/**
 * The evolution sandbox (DESIGN §5): simulate a patch in `sandbox/`, score it, and merge it only when
 * the chain says its proposal was executed; every merge can be reverted.
 */
export { simulateEvolution } from './simulate-evolution.ts'
export type { SimulateEvolutionErrorType, SimulateEvolutionParameters, SimulateEvolutionReturnType } from './simulate-evolution.ts'
export { mergeEvolutionIfExecuted, PATCH_HASH_TRAILER } from './merge-evolution-if-executed.ts'
export type { MergeEvolutionIfExecutedErrorType, MergeEvolutionIfExecutedParameters, MergeEvolutionIfExecutedReturnType, MergeRefusal } from './merge-evolution-if-executed.ts'
export { revertEvolution } from './revert-evolution.ts'
export type { RevertEvolutionErrorType, RevertEvolutionParameters, RevertEvolutionReturnType } from './revert-evolution.ts'
export { readPatch } from './read-patch.ts'
export type { Patch } from './read-patch.ts'
export { hashBytes, isHash } from './hash-patch.ts'
export { hashSimulationReport } from './hash-report.ts'
export { canonicalJson } from './canonical-json.ts'
export { scoreEvolutionRisk } from './score-evolution-risk.ts'
export type { ScoreEvolutionRiskParameters, ScoreEvolutionRiskReturnType } from './score-evolution-risk.ts'
export { detectSandboxCapabilities } from './detect-sandbox-capabilities.ts'
export type { SandboxCapabilities } from './detect-sandbox-capabilities.ts'
export * from './errors.ts'
export * from './constants.ts'
export type { ChangedFile, CheckResult, Hash, MemoryLimitMechanism, NetworkIsolation, SimulationReport } from './types.ts'

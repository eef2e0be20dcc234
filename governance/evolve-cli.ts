/**
 * `ippoc evolve …`: propose a code evolution after simulating it in the sandbox, follow it on chain,
 * merge it only when the chain approved exactly that patch, and revert a merge.
 */
import { writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Command } from 'commander'
import { connectFromOptions, output, parseExactId, toJson, withChainOptions, type ChainOptions, type GovernanceCliDependencies } from './cli-support.ts'
import { EvolutionMergeRefusedError, EvolutionRefusedError, GovernanceArgumentError, NodeNotRegisteredError } from './errors.ts'
import { mergeEvolutionIfExecuted, revertEvolution, simulateEvolution, type SimulationReport } from './evolution/index.ts'
import { getEvolutionStatus, isEvolutionApproved, listEvolutions, proposeEvolution, type EvolutionStatus } from './evolutions.ts'

/** Where sandbox runs go when `--sandbox-dir` is not given. */
export const defaultSandboxDirectory = path.join(os.tmpdir(), 'ippoc-sandbox')

type ProposeOptions = ChainOptions & {
  patch: string
  repo: string
  sandboxDir: string
  check?: string
  timeoutMs?: string
  memoryMb?: string
  summary?: string
  reportOut?: string
}
type MergeOptions = ChainOptions & { patch: string; repo: string }
type RevertOptions = { repo: string; json?: boolean }

/**
 * Adds the `evolve` command group (`propose`, `status`, `merge`, `revert`) to the `ippoc` program.
 * `registerGovernanceCommands` calls it; call it yourself only without the `gov` group.
 *
 * @example
 * registerEvolveCommands(new Command('ippoc'))
 */
export function registerEvolveCommands(program: Command, dependencies: GovernanceCliDependencies = {}): void {
  const evolve = program.command('evolve').description('Self-evolution: simulate a patch, propose it on chain, merge it only once governance approved it.')

  withChainOptions(
    evolve
      .command('propose')
      .description('Simulate a patch in the sandbox; if it passes, record it on chain and open the proposal that approves it. The signer must be a registered node.')
      .requiredOption('--patch <file>', 'a `git diff --binary` or `git format-patch` file')
      .option('--repo <dir>', 'the git repository the patch is for', '.')
      .option('--sandbox-dir <dir>', 'where the sandbox makes its scratch worktree', defaultSandboxDirectory)
      .option('--check <command>', 'the check to run in the patched tree, split on spaces (default: npm test)')
      .option('--timeout-ms <ms>', 'time limit of the check')
      .option('--memory-mb <mb>', 'memory limit of each check process')
      .option('--summary <text>', 'one line saying what the patch does (goes in the proposal description)')
      .option('--report-out <file>', 'also write the simulation report JSON here, for others to re-verify'),
  ).action((options: ProposeOptions) => runPropose(options, dependencies))

  withChainOptions(
    evolve
      .command('status')
      .description("Show an evolution's registry record and its approval proposal, or list all evolutions when no id is given.")
      .argument('[id]', 'evolution id (decimal or 0x hex)'),
  ).action((id: string | undefined, options: ChainOptions) => runStatus(id, options, dependencies))

  withChainOptions(
    evolve
      .command('merge')
      .description('Merge the patch of an evolution into the repository, only if the chain approved exactly this patch.')
      .argument('<id>', 'evolution id')
      .requiredOption('--patch <file>', 'the patch file that was proposed')
      .option('--repo <dir>', 'the git repository to merge into', '.'),
  ).action((id: string, options: MergeOptions) => runMerge(id, options, dependencies))

  evolve
    .command('revert')
    .description('Undo a merged evolution with a new revert commit (history is never rewritten).')
    .argument('<commit>', 'the commit `evolve merge` made')
    .option('--repo <dir>', 'the git repository', '.')
    .option('--json', 'print the result as JSON')
    .action((commit: string, options: RevertOptions) => runRevert(commit, options, dependencies))
}

function parseOptionalInteger(text: string | undefined, argument: string): number | undefined {
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text)) throw new GovernanceArgumentError({ argument, expected: 'a positive integer', received: text })
  return Number(text)
}

async function runPropose(options: ProposeOptions, dependencies: GovernanceCliDependencies): Promise<void> {
  const timeoutMs = parseOptionalInteger(options.timeoutMs, '--timeout-ms')
  const memoryMb = parseOptionalInteger(options.memoryMb, '--memory-mb')
  const checkCommand = options.check === undefined ? undefined : options.check.split(/\s+/).filter((part) => part !== '')
  // Connect and check the node first: a simulation can take minutes, a wrong RPC or account should not.
  const client = await connectFromOptions(options, dependencies, true)
  const account = client.walletClient!.account.address
  if (!(await client.contracts.nodeRegistry.read.isRegistered([account]))) throw new NodeNotRegisteredError({ account, action: 'propose evolutions' })

  const report = await simulateEvolution({ repoDir: options.repo, patchFile: options.patch, sandboxDir: options.sandboxDir, checkCommand, timeoutMs, memoryMb })
  if (options.reportOut !== undefined) await writeFile(options.reportOut, `${toJson(report)}\n`)
  if (!report.passed) throw new EvolutionRefusedError({ patchHash: report.patchHash, riskScore: report.riskScore, reasons: report.reasons })

  const result = await proposeEvolution(client, { patchHash: report.patchHash, reportHash: report.reportHash, riskScoreBps: report.riskScore, summary: options.summary })
  output(
    dependencies,
    options,
    [
      `Proposed evolution ${result.evolutionId}`,
      `  patch        ${report.patchHash} (risk ${report.riskScore} bps, checks passed)`,
      `  report       ${report.reportHash}`,
      `  proposal     ${result.proposalId}`,
      `  next         vote with \`ippoc gov vote ${result.proposalId} for\` (nodes: add --ai), then queue and execute`,
    ].join('\n'),
    { ...result, report: summarizeReport(report) },
  )
}

function summarizeReport(report: SimulationReport) {
  return { patchHash: report.patchHash, reportHash: report.reportHash, riskScore: report.riskScore, passed: report.passed, reasons: report.reasons }
}

/** Renders an evolution status for a terminal. */
export function formatEvolutionStatus(status: EvolutionStatus): string {
  return [
    `Evolution ${status.evolutionId}`,
    `  status       ${status.status}${status.approved ? ' (approved: nodes may merge this patch)' : ''}`,
    `  patch        ${status.patchHash}`,
    `  report       ${status.reportHash}`,
    `  risk         ${status.riskScoreBps} bps`,
    `  proposer     node ${status.proposerNodeId} (${status.proposer})`,
    `  proposal     ${status.proposalId} — ${status.proposalState ?? 'unknown'}`,
  ].join('\n')
}

async function runStatus(id: string | undefined, options: ChainOptions, dependencies: GovernanceCliDependencies): Promise<void> {
  const evolutionId = id === undefined ? undefined : parseExactId(id, 'evolution id')
  const client = await connectFromOptions(options, dependencies, false)
  if (evolutionId !== undefined) {
    const status = await getEvolutionStatus(client, evolutionId)
    output(dependencies, options, formatEvolutionStatus(status), status)
    return
  }
  const evolutions = await listEvolutions(client)
  const statuses = await Promise.all(evolutions.map((item) => getEvolutionStatus(client, item.evolutionId)))
  const text = statuses.length === 0 ? 'No evolutions yet.' : statuses.map((item) => `${item.evolutionId}  ${item.status.padEnd(10)}  patch ${item.patchHash}`).join('\n')
  output(dependencies, options, text, statuses)
}

async function runMerge(id: string, options: MergeOptions, dependencies: GovernanceCliDependencies): Promise<void> {
  const evolutionId = parseExactId(id, 'evolution id')
  const client = await connectFromOptions(options, dependencies, false)
  const status = await getEvolutionStatus(client, evolutionId)
  const result = await mergeEvolutionIfExecuted({
    repoDir: options.repo,
    patchFile: options.patch,
    expectedPatchHash: status.patchHash,
    isExecuted: () => isEvolutionApproved(client, evolutionId, status.patchHash),
  })
  if (!result.merged) throw new EvolutionMergeRefusedError({ evolutionId, refusal: result.refusal, reason: result.reason })
  output(dependencies, options, `Merged evolution ${evolutionId} as commit ${result.commit}`, { evolutionId, ...result })
}

async function runRevert(commit: string, options: RevertOptions, dependencies: GovernanceCliDependencies): Promise<void> {
  const result = await revertEvolution({ repoDir: options.repo, commit })
  output(dependencies, options, `Reverted ${commit} with commit ${result.revertCommit}`, result)
}

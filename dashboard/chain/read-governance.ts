/**
 * Everything the dashboard shows from the chain, read in one pass per new block: proposals with
 * their timeline and tallies (human and AI apart), the treasury, evolutions and ledger anchors.
 */
import { type Address, type Hex, type PublicClient } from 'viem'
import { evolutionRegistryAbi, hybridGovernorAbi, iusdTokenAbi, ledgerAnchorAbi } from '../../governance/abi.ts'
import { evolutionStatusNames, proposalStateNames } from '../../governance/errors.ts'
import type { DashboardConfig } from '../config.ts'
import { describeProposalAction } from './describe-action.ts'
import { createEventScanner, type DecodedLog, type EventScanner } from './scan-events.ts'

/** Vote tallies: against, for, abstain. */
export type Tally = { against: bigint; for: bigint; abstain: bigint }

/** An evolution as the registry records it. */
export type EvolutionView = {
  evolutionId: bigint
  patchHash: Hex
  reportHash: Hex
  proposerNodeId: Hex
  proposalId: bigint
  riskScoreBps: number
  status: string
  proposedAtBlock: bigint
  /** The sandbox report from the dashboard configuration, when it has one. */
  report: unknown
}

/** A proposal with everything the list and the detail view show. */
export type ProposalView = {
  proposalId: bigint
  proposer: Address
  description: string
  targets: readonly Address[]
  values: readonly bigint[]
  calldatas: readonly Hex[]
  state: string
  createdAtBlock: bigint
  voteStart: bigint
  voteEnd: bigint
  queuedAtBlock: bigint | undefined
  etaSeconds: bigint
  executedAtBlock: bigint | undefined
  canceledAtBlock: bigint | undefined
  vetoedAtBlock: bigint | undefined
  human: Tally
  advisory: Tally
  counted: Tally
  quorum: bigint
  quorumReached: boolean
  actions: string[]
  evolution: EvolutionView | undefined
}

/** Which node anchored which root in one epoch. */
export type EpochAnchors = {
  epoch: bigint
  posts: { nodeId: Hex; root: Hex; block: bigint }[]
  /** The root most nodes posted. */
  leadingRoot: Hex
  agreed: boolean
}

/** One read of the chain. */
export type GovernanceSnapshot = {
  blockNumber: bigint
  blockTimestamp: bigint
  guardian: Address
  aiShareMaxBps: bigint
  treasury: { etherWei: bigint; iusd: bigint }
  proposals: ProposalView[]
  evolutions: EvolutionView[]
  anchors: EpochAnchors[]
}

/** Reads snapshots, scanning only new blocks for events. */
export type GovernanceReader = { read(): Promise<GovernanceSnapshot> }

function tally([against, forVotes, abstain]: readonly [bigint, bigint, bigint]): Tally {
  return { against, for: forVotes, abstain }
}

function firstBlockOf(logs: readonly DecodedLog[], eventName: string, proposalId: bigint): bigint | undefined {
  return logs.find((log) => log.eventName === eventName && log.args.proposalId === proposalId)?.blockNumber ?? undefined
}

function groupAnchors(logs: readonly DecodedLog[]): EpochAnchors[] {
  const byEpoch = new Map<bigint, EpochAnchors['posts']>()
  for (const log of logs) {
    if (log.eventName !== 'RootPosted') continue
    const epoch = log.args.epoch as bigint
    const posts = byEpoch.get(epoch) ?? []
    posts.push({ nodeId: log.args.nodeId as Hex, root: log.args.root as Hex, block: log.blockNumber ?? 0n })
    byEpoch.set(epoch, posts)
  }
  return [...byEpoch.entries()]
    .sort(([left], [right]) => (left < right ? 1 : left > right ? -1 : 0))
    .map(([epoch, posts]) => {
      const counts = new Map<Hex, number>()
      for (const post of posts) counts.set(post.root, (counts.get(post.root) ?? 0) + 1)
      const leadingRoot = [...counts.entries()].reduce((best, item) => (item[1] > best[1] ? item : best))[0]
      return { epoch, posts, leadingRoot, agreed: counts.size === 1 }
    })
}

/**
 * Creates a reader of the deployment named by `config`.
 *
 * @example
 * const reader = createGovernanceReader(publicClient, config)
 * const { proposals } = await reader.read()
 */
export function createGovernanceReader(client: PublicClient, config: DashboardConfig): GovernanceReader {
  const { contracts } = config
  const fromBlock = BigInt(config.deployedAt)
  const governorEvents: EventScanner = createEventScanner(client, { address: contracts.governor, abi: hybridGovernorAbi, fromBlock })
  const evolutionEvents = createEventScanner(client, { address: contracts.evolutionRegistry, abi: evolutionRegistryAbi, fromBlock })
  const anchorEvents = createEventScanner(client, { address: contracts.ledgerAnchor, abi: ledgerAnchorAbi, fromBlock })
  const governor = { address: contracts.governor, abi: hybridGovernorAbi } as const

  async function readEvolutions(): Promise<EvolutionView[]> {
    const proposed = evolutionEvents.logs.filter((log) => log.eventName === 'EvolutionProposed')
    return Promise.all(
      proposed.map(async (log) => {
        const evolutionId = log.args.evolutionId as bigint
        const record = await client.readContract({ address: contracts.evolutionRegistry, abi: evolutionRegistryAbi, functionName: 'getEvolution', args: [evolutionId] })
        return {
          evolutionId,
          patchHash: record.patchHash,
          reportHash: record.reportHash,
          proposerNodeId: record.proposerNodeId,
          proposalId: record.governorProposalId,
          riskScoreBps: record.riskScoreBps,
          status: evolutionStatusNames[record.status] ?? `status ${record.status}`,
          proposedAtBlock: BigInt(record.proposedAt),
          report: config.evolutionReports[evolutionId.toString()],
        }
      }),
    )
  }

  async function readProposal(log: DecodedLog, blockNumber: bigint, evolutions: readonly EvolutionView[]): Promise<ProposalView> {
    const args = log.args as { proposalId: bigint; proposer: Address; targets: readonly Address[]; values: readonly bigint[]; calldatas: readonly Hex[]; description: string; voteStart: bigint; voteEnd: bigint }
    const id = args.proposalId
    const [state, counted, human, advisory, etaSeconds] = await Promise.all([
      client.readContract({ ...governor, functionName: 'state', args: [id] }),
      client.readContract({ ...governor, functionName: 'proposalVotes', args: [id] }),
      client.readContract({ ...governor, functionName: 'proposalHumanVotes', args: [id] }),
      client.readContract({ ...governor, functionName: 'proposalAdvisoryVotes', args: [id] }),
      client.readContract({ ...governor, functionName: 'proposalEta', args: [id] }),
    ])
    // Quorum is read at the snapshot, which must be in the past.
    const started = args.voteStart < blockNumber
    const quorum = started ? await client.readContract({ ...governor, functionName: 'quorum', args: [args.voteStart] }) : 0n
    const humanTally = tally(human)
    const logs = governorEvents.logs
    return {
      proposalId: id,
      proposer: args.proposer,
      description: args.description,
      targets: args.targets,
      values: args.values,
      calldatas: args.calldatas,
      state: proposalStateNames[state] ?? `state ${state}`,
      createdAtBlock: log.blockNumber ?? 0n,
      voteStart: args.voteStart,
      voteEnd: args.voteEnd,
      queuedAtBlock: firstBlockOf(logs, 'ProposalQueued', id),
      etaSeconds,
      executedAtBlock: firstBlockOf(logs, 'ProposalExecuted', id),
      canceledAtBlock: firstBlockOf(logs, 'ProposalCanceled', id),
      vetoedAtBlock: firstBlockOf(logs, 'ProposalVetoed', id),
      human: humanTally,
      advisory: tally(advisory),
      counted: tally(counted),
      quorum,
      quorumReached: started && humanTally.for + humanTally.abstain >= quorum,
      actions: args.targets.map((target, index) => describeProposalAction(contracts, target, args.values[index] ?? 0n, args.calldatas[index] ?? '0x')),
      evolution: evolutions.find((item) => item.proposalId === id),
    }
  }

  return {
    async read() {
      const block = await client.getBlock({ blockTag: 'latest' })
      const blockNumber = block.number
      await Promise.all([governorEvents.scanTo(blockNumber), evolutionEvents.scanTo(blockNumber), anchorEvents.scanTo(blockNumber)])
      const [guardian, aiShareMaxBps, etherWei, iusd, evolutions] = await Promise.all([
        client.readContract({ ...governor, functionName: 'proposalGuardian' }),
        client.readContract({ ...governor, functionName: 'AI_SHARE_MAX_BPS' }),
        client.getBalance({ address: contracts.treasury, blockNumber }),
        client.readContract({ address: contracts.iusd, abi: iusdTokenAbi, functionName: 'balanceOf', args: [contracts.treasury] }),
        readEvolutions(),
      ])
      const created = governorEvents.logs.filter((log) => log.eventName === 'ProposalCreated')
      const proposals = (await Promise.all(created.map((log) => readProposal(log, blockNumber, evolutions)))).reverse()
      return { blockNumber, blockTimestamp: block.timestamp, guardian, aiShareMaxBps, treasury: { etherWei, iusd }, proposals, evolutions, anchors: groupAnchors(anchorEvents.logs) }
    },
  }
}

/**
 * Evolutions on chain: a node records its simulated patch in the EvolutionRegistry, linked to the
 * governor proposal whose execution approves it; anyone asks the chain, in one call, whether an
 * exact patch was approved.
 */
import { keccak256, toBytes, type Address, type Hex } from 'viem'
import { evolutionRegistryAbi, hybridGovernorAbi } from './abi.ts'
import { sendTransaction, type GovernanceClient } from './client.ts'
import { GovernanceArgumentError, NodeNotRegisteredError, evolutionStatusNames, proposalStateNames } from './errors.ts'
import { logBlockRangeMax, type ProposalStateName } from './proposals.ts'

/** Risk scores are basis points, 0 to this. */
export const riskScoreMaxBps = 10_000

/** The name of an evolution status value. */
export type EvolutionStatusName = (typeof evolutionStatusNames)[number]

/** The outcome of {@link proposeEvolution}. */
export type ProposeEvolutionReturnType = {
  evolutionId: bigint
  proposalId: bigint
  description: string
  proposeTransaction: Hex
  recordTransaction: Hex
}

/** The description of the approval proposal of an evolution. */
export function evolutionProposalDescription(parameters: { evolutionId: bigint; patchHash: Hex; reportHash: Hex; riskScoreBps: number; summary?: string | undefined }): string {
  const { evolutionId, patchHash, reportHash, riskScoreBps, summary } = parameters
  const title = summary === undefined || summary.trim() === '' ? 'Approve a code evolution' : `Approve evolution: ${summary.trim()}`
  return [title, '', `evolution-id: ${evolutionId}`, `patch-hash: ${patchHash}`, `report-hash: ${reportHash}`, `risk-score-bps: ${riskScoreBps}`].join('\n')
}

/**
 * Proposes an evolution: opens the governor proposal `approveEvolution(id)` as the signing node,
 * then records the evolution linked to it. The signing account must be a registered node.
 *
 * @example
 * const { evolutionId, proposalId } = await proposeEvolution(client, { patchHash, reportHash, riskScoreBps: 1200 })
 */
export async function proposeEvolution(
  client: GovernanceClient,
  parameters: { patchHash: Hex; reportHash: Hex; riskScoreBps: number; summary?: string | undefined },
): Promise<ProposeEvolutionReturnType> {
  const { patchHash, reportHash, riskScoreBps, summary } = parameters
  for (const [argument, hash] of [['patch hash', patchHash], ['report hash', reportHash]] as const) {
    if (!/^0x[0-9a-f]{64}$/i.test(hash)) throw new GovernanceArgumentError({ argument, expected: '0x followed by 64 hex digits', received: hash })
  }
  if (!Number.isSafeInteger(riskScoreBps) || riskScoreBps < 0 || riskScoreBps > riskScoreMaxBps) {
    throw new GovernanceArgumentError({ argument: 'risk score', expected: `an integer from 0 to ${riskScoreMaxBps} (basis points)`, received: String(riskScoreBps) })
  }
  const account = client.walletClient?.account.address
  if (account === undefined) throw new Error('proposeEvolution needs a client with an account')
  const { evolutionRegistry, nodeRegistry, governor } = client.contracts
  const nodeId = await nodeRegistry.read.nodeIdOf([account])
  if (BigInt(nodeId) === 0n) throw new NodeNotRegisteredError({ account, action: 'propose evolutions' })

  const evolutionId = await evolutionRegistry.read.evolutionIdOf([patchHash, reportHash, nodeId])
  const [targets, values, calldatas] = await evolutionRegistry.read.approvalCalls([evolutionId])
  const description = evolutionProposalDescription({ evolutionId, patchHash, reportHash, riskScoreBps, summary })
  const descriptionHash = keccak256(toBytes(description))
  const proposalId = await governor.read.hashProposal([targets, values, calldatas, descriptionHash])

  const proposed = await sendTransaction(client, {
    address: governor.address,
    abi: hybridGovernorAbi,
    functionName: 'propose',
    args: [[...targets], [...values], [...calldatas], description],
    action: 'open the approval proposal',
  })
  const recorded = await sendTransaction(client, {
    address: evolutionRegistry.address,
    abi: evolutionRegistryAbi,
    functionName: 'proposeEvolution',
    args: [patchHash, riskScoreBps, reportHash, descriptionHash],
    action: 'record the evolution',
  })
  return { evolutionId, proposalId, description, proposeTransaction: proposed.transactionHash, recordTransaction: recorded.transactionHash }
}

/** Where an evolution stands: its registry record and its approval proposal. */
export type EvolutionStatus = {
  evolutionId: bigint
  status: EvolutionStatusName
  patchHash: Hex
  reportHash: Hex
  proposerNodeId: Hex
  proposer: Address
  riskScoreBps: number
  proposedAtBlock: bigint
  proposalId: bigint
  proposalState: ProposalStateName | undefined
  /** The one-call answer nodes merge on: approved (or deployed) and not rolled back. */
  approved: boolean
}

/**
 * Reads an evolution's record and its approval proposal's state.
 *
 * @example
 * const status = await getEvolutionStatus(client, evolutionId)
 * if (status.approved) console.log('merge it')
 */
export async function getEvolutionStatus(client: GovernanceClient, evolutionId: bigint): Promise<EvolutionStatus> {
  const { evolutionRegistry, nodeRegistry, governor } = client.contracts
  const record = await evolutionRegistry.read.getEvolution([evolutionId])
  if (record.status === 0) throw new GovernanceArgumentError({ argument: 'evolution id', expected: 'the id of a recorded evolution', received: evolutionId.toString() })
  const [proposer, proposalState, approved] = await Promise.all([
    nodeRegistry.read.accountOf([record.proposerNodeId]),
    governor.read.state([record.governorProposalId]),
    evolutionRegistry.read.isApproved([evolutionId, record.patchHash]),
  ])
  return {
    evolutionId,
    status: evolutionStatusNames[record.status] ?? 'None',
    patchHash: record.patchHash,
    reportHash: record.reportHash,
    proposerNodeId: record.proposerNodeId,
    proposer,
    riskScoreBps: record.riskScoreBps,
    proposedAtBlock: BigInt(record.proposedAt),
    proposalId: record.governorProposalId,
    proposalState: proposalStateNames[proposalState],
    approved,
  }
}

/**
 * Did the chain approve exactly this patch for this evolution (and not roll it back)? One call;
 * pass it to `mergeEvolutionIfExecuted` as `isExecuted`.
 *
 * @example
 * await mergeEvolutionIfExecuted({ repoDir, patchFile, expectedPatchHash, isExecuted: () => isEvolutionApproved(client, id, expectedPatchHash) })
 */
export async function isEvolutionApproved(client: GovernanceClient, evolutionId: bigint, patchHash: Hex): Promise<boolean> {
  return client.contracts.evolutionRegistry.read.isApproved([evolutionId, patchHash])
}

/** Lists recorded evolutions (id, patch hash, proposal), oldest first, from `EvolutionProposed` events. */
export async function listEvolutions(client: GovernanceClient): Promise<{ evolutionId: bigint; patchHash: Hex; proposalId: bigint; riskScoreBps: number }[]> {
  const { publicClient, deployment } = client
  const latest = await publicClient.getBlockNumber()
  const found: { evolutionId: bigint; patchHash: Hex; proposalId: bigint; riskScoreBps: number }[] = []
  for (let fromBlock = BigInt(deployment.deployedAt); fromBlock <= latest; fromBlock += logBlockRangeMax) {
    const toBlock = fromBlock + logBlockRangeMax - 1n < latest ? fromBlock + logBlockRangeMax - 1n : latest
    const events = await publicClient.getContractEvents({
      address: deployment.contracts.evolutionRegistry,
      abi: evolutionRegistryAbi,
      eventName: 'EvolutionProposed',
      fromBlock,
      toBlock,
      strict: true,
    })
    for (const event of events) {
      found.push({ evolutionId: event.args.evolutionId, patchHash: event.args.patchHash, proposalId: event.args.governorProposalId, riskScoreBps: event.args.riskScoreBps })
    }
  }
  return found
}

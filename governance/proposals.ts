/**
 * Governor proposals through their life: build actions, propose, vote (human or AI advisory), veto,
 * queue, execute, and read where a proposal stands. Proposal actions are read back from the
 * standard `ProposalCreated` event, so the governor stores nothing extra when a proposal is made.
 */
import { encodeFunctionData, keccak256, toBytes, type Address, type Hex } from 'viem'
import { hybridGovernorAbi, nodeRegistryAbi, treasuryAbi } from './abi.ts'
import { sendTransaction, type GovernanceClient } from './client.ts'
import { describeContractCall } from './contract-names.ts'
import { GovernanceArgumentError, ProposalNotFoundError, proposalStateNames } from './errors.ts'

/** The widest block range asked of `eth_getLogs` at once (public RPCs cap it). */
export const logBlockRangeMax = 10_000n

/** The most actions one proposal may carry (keeps proposals reviewable and gas bounded). */
export const proposalActionsMax = 32

/** Vote support values, Governor Bravo order. */
export const voteSupport = { against: 0, for: 1, abstain: 2 } as const

/** One of `for`, `against`, `abstain`. */
export type VoteSupportName = keyof typeof voteSupport

/** One call a proposal makes through the timelock. */
export type ProposalAction = { target: Address; value: bigint; calldata: Hex }

/** A proposal as its `ProposalCreated` event tells it. */
export type ProposalRecord = {
  proposalId: bigint
  proposer: Address
  targets: readonly Address[]
  values: readonly bigint[]
  calldatas: readonly Hex[]
  description: string
  descriptionHash: Hex
  voteStart: bigint
  voteEnd: bigint
  createdAtBlock: bigint
}

/** The name of a proposal state value. */
export type ProposalStateName = (typeof proposalStateNames)[number]

/** Builds the action `treasury.releaseEther(to, amountWei)`. */
export function releaseEtherAction(client: GovernanceClient, to: Address, amountWei: bigint): ProposalAction {
  return {
    target: client.deployment.contracts.treasury,
    value: 0n,
    calldata: encodeFunctionData({ abi: treasuryAbi, functionName: 'releaseEther', args: [to, amountWei] }),
  }
}

/** Builds the action `treasury.releaseToken(iUSD, to, amount)`. */
export function releaseIusdAction(client: GovernanceClient, to: Address, amount: bigint): ProposalAction {
  return {
    target: client.deployment.contracts.treasury,
    value: 0n,
    calldata: encodeFunctionData({ abi: treasuryAbi, functionName: 'releaseToken', args: [client.deployment.contracts.iusd, to, amount] }),
  }
}

/** Builds the action `nodeRegistry.registerNode(nodeId, account)`. */
export function registerNodeAction(client: GovernanceClient, nodeId: Hex, account: Address): ProposalAction {
  return {
    target: client.deployment.contracts.nodeRegistry,
    value: 0n,
    calldata: encodeFunctionData({ abi: nodeRegistryAbi, functionName: 'registerNode', args: [nodeId, account] }),
  }
}

/** The outcome of {@link proposeActions}. */
export type ProposeActionsReturnType = { proposalId: bigint; transactionHash: Hex; voteStart: bigint; voteEnd: bigint }

/**
 * Opens a governor proposal with `actions` and `description`.
 *
 * @example
 * const { proposalId } = await proposeActions(client, { actions: [releaseEtherAction(client, to, 10n ** 18n)], description: 'Pay the auditor' })
 */
export async function proposeActions(
  client: GovernanceClient,
  parameters: { actions: readonly ProposalAction[]; description: string },
): Promise<ProposeActionsReturnType> {
  const { actions, description } = parameters
  if (actions.length === 0 || actions.length > proposalActionsMax) {
    throw new GovernanceArgumentError({ argument: 'proposal actions', expected: `1 to ${proposalActionsMax} actions`, received: `${actions.length} actions` })
  }
  if (description.trim() === '') throw new GovernanceArgumentError({ argument: '--description', expected: 'a non-empty description', received: description })
  const targets = actions.map((item) => item.target)
  const values = actions.map((item) => item.value)
  const calldatas = actions.map((item) => item.calldata)
  const { governor } = client.contracts
  const proposalId = await governor.read.hashProposal([targets, values, calldatas, keccak256(toBytes(description))])
  const receipt = await sendTransaction(client, {
    address: governor.address,
    abi: hybridGovernorAbi,
    functionName: 'propose',
    args: [targets, values, calldatas, description],
    action: 'propose',
  })
  const voteStart = await governor.read.proposalSnapshot([proposalId])
  const voteEnd = await governor.read.proposalDeadline([proposalId])
  return { proposalId, transactionHash: receipt.transactionHash, voteStart, voteEnd }
}

/**
 * Reads every proposal of the deployed governor from its `ProposalCreated` events, oldest first.
 *
 * @example
 * for (const proposal of await listProposals(client)) console.log(proposal.proposalId, proposal.description)
 */
export async function listProposals(client: GovernanceClient): Promise<ProposalRecord[]> {
  const { publicClient, deployment } = client
  const latest = await publicClient.getBlockNumber()
  const records: ProposalRecord[] = []
  for (let fromBlock = BigInt(deployment.deployedAt); fromBlock <= latest; fromBlock += logBlockRangeMax) {
    const toBlock = fromBlock + logBlockRangeMax - 1n < latest ? fromBlock + logBlockRangeMax - 1n : latest
    const events = await publicClient.getContractEvents({
      address: deployment.contracts.governor,
      abi: hybridGovernorAbi,
      eventName: 'ProposalCreated',
      fromBlock,
      toBlock,
      strict: true,
    })
    for (const event of events) {
      records.push({
        proposalId: event.args.proposalId,
        proposer: event.args.proposer,
        targets: event.args.targets,
        values: event.args.values,
        calldatas: event.args.calldatas,
        description: event.args.description,
        descriptionHash: keccak256(toBytes(event.args.description)),
        voteStart: event.args.voteStart,
        voteEnd: event.args.voteEnd,
        createdAtBlock: event.blockNumber,
      })
    }
  }
  return records
}

/**
 * Finds a proposal by id, or by a unique prefix of its decimal id (at least 6 digits).
 *
 * @example
 * const proposal = await findProposal(client, '483920')
 */
export async function findProposal(client: GovernanceClient, idOrPrefix: bigint | string): Promise<ProposalRecord> {
  const text = typeof idOrPrefix === 'bigint' ? idOrPrefix.toString() : idOrPrefix.trim()
  const proposals = await listProposals(client)
  const exact = parseProposalId(text)
  const byId = proposals.find((item) => item.proposalId === exact)
  if (byId !== undefined) return byId
  if (/^\d{6,}$/.test(text)) {
    const matches = proposals.filter((item) => item.proposalId.toString().startsWith(text))
    if (matches.length === 1) return matches[0]!
    if (matches.length > 1) {
      throw new GovernanceArgumentError({ argument: 'proposal id', expected: 'a prefix matching one proposal', received: `${text} (matches ${matches.length})` })
    }
  }
  throw new ProposalNotFoundError({ proposalId: exact ?? 0n })
}

/** Parses a decimal or 0x-hex proposal id; undefined when it is neither. */
export function parseProposalId(text: string): bigint | undefined {
  if (/^\d+$/.test(text) || /^0x[0-9a-fA-F]+$/.test(text)) {
    const value = BigInt(text)
    return value < 2n ** 256n ? value : undefined
  }
  return undefined
}

/**
 * Casts the account's vote: a human vote with its constitutional tokens, or, with `advisory`, the
 * AI advisory vote of a registered node.
 *
 * @example
 * await castVote(client, { proposalId, support: 'for', advisory: true, reason: 'patch re-verified' })
 */
export async function castVote(
  client: GovernanceClient,
  parameters: { proposalId: bigint; support: VoteSupportName; reason?: string | undefined; advisory?: boolean | undefined },
): Promise<{ transactionHash: Hex; weight: bigint }> {
  const { proposalId, support, reason = '', advisory = false } = parameters
  const { governor } = client.contracts
  const receipt = advisory
    ? await sendTransaction(client, {
        address: governor.address,
        abi: hybridGovernorAbi,
        functionName: 'castAdvisoryVote',
        args: [proposalId, voteSupport[support], reason],
        action: 'cast an AI advisory vote',
      })
    : reason === ''
      ? await sendTransaction(client, {
          address: governor.address,
          abi: hybridGovernorAbi,
          functionName: 'castVote',
          args: [proposalId, voteSupport[support]],
          action: 'vote',
        })
      : await sendTransaction(client, {
          address: governor.address,
          abi: hybridGovernorAbi,
          functionName: 'castVoteWithReason',
          args: [proposalId, voteSupport[support], reason],
          action: 'vote',
        })
  const logs = await client.publicClient.getContractEvents({
    address: governor.address,
    abi: hybridGovernorAbi,
    eventName: advisory ? 'VoteCastWithParams' : 'VoteCast',
    blockHash: receipt.blockHash,
    strict: true,
  })
  const cast = logs.find((log) => log.transactionHash === receipt.transactionHash)
  return { transactionHash: receipt.transactionHash, weight: cast?.args.weight ?? 0n }
}

/** Sends `functionName(targets, values, calldatas, descriptionHash)` to the governor for a known proposal. */
async function sendProposalCall(
  client: GovernanceClient,
  proposal: ProposalRecord,
  functionName: 'cancel' | 'queue' | 'execute',
  action: string,
): Promise<Hex> {
  const receipt = await sendTransaction(client, {
    address: client.contracts.governor.address,
    abi: hybridGovernorAbi,
    functionName,
    args: [[...proposal.targets], [...proposal.values], [...proposal.calldatas], proposal.descriptionHash],
    action,
  })
  return receipt.transactionHash
}

/**
 * Vetoes a proposal: the guardian cancels it in any state before execution (a queued proposal's
 * timelock operation is cancelled too).
 *
 * @example
 * await vetoProposal(guardianClient, proposalId)
 */
export async function vetoProposal(client: GovernanceClient, proposalId: bigint): Promise<{ transactionHash: Hex }> {
  const proposal = await findProposal(client, proposalId)
  return { transactionHash: await sendProposalCall(client, proposal, 'cancel', 'veto the proposal') }
}

/**
 * Queues a succeeded proposal in the timelock; returns when it can execute.
 *
 * @example
 * const { etaSeconds } = await queueProposal(client, proposalId)
 */
export async function queueProposal(client: GovernanceClient, proposalId: bigint): Promise<{ transactionHash: Hex; etaSeconds: bigint }> {
  const proposal = await findProposal(client, proposalId)
  const transactionHash = await sendProposalCall(client, proposal, 'queue', 'queue the proposal')
  return { transactionHash, etaSeconds: await client.contracts.governor.read.proposalEta([proposalId]) }
}

/**
 * Executes a queued proposal whose timelock delay has passed.
 *
 * @example
 * await executeProposal(client, proposalId)
 */
export async function executeProposal(client: GovernanceClient, proposalId: bigint): Promise<{ transactionHash: Hex }> {
  const proposal = await findProposal(client, proposalId)
  return { transactionHash: await sendProposalCall(client, proposal, 'execute', 'execute the proposal') }
}

/** Vote tallies: against, for, abstain. */
export type Tally = { against: bigint; for: bigint; abstain: bigint }

/** Where a proposal stands, everything a user or dashboard needs. */
export type ProposalStatus = {
  proposal: ProposalRecord
  state: ProposalStateName
  currentBlock: bigint
  /** Counted votes: human plus the AI votes that count under the bound. These decide. */
  counted: Tally
  human: Tally
  /** AI advisory votes as cast, before the bound. */
  advisory: Tally
  aiShareMaxBps: bigint
  /** Human for + abstain votes needed. */
  quorum: bigint
  quorumReached: boolean
  /** Unix seconds after which a queued proposal can execute; 0 if not queued. */
  etaSeconds: bigint
  guardian: Address
  /** Each action in words, e.g. `treasury.releaseEther(0xabc…, 1000000000000000000)`. */
  actions: string[]
}

function tally([against, forVotes, abstain]: readonly [bigint, bigint, bigint]): Tally {
  return { against, for: forVotes, abstain }
}

/**
 * Reads the full status of a proposal in one go.
 *
 * @example
 * const status = await getProposalStatus(client, proposalId)
 * console.log(status.state, status.counted.for)
 */
export async function getProposalStatus(client: GovernanceClient, proposalId: bigint): Promise<ProposalStatus> {
  const proposal = await findProposal(client, proposalId)
  const { governor } = client.contracts
  const id = proposal.proposalId
  const currentBlock = await client.publicClient.getBlockNumber()
  const [state, counted, human, advisory, aiShareMaxBps, etaSeconds, guardian] = await Promise.all([
    governor.read.state([id]),
    governor.read.proposalVotes([id]),
    governor.read.proposalHumanVotes([id]),
    governor.read.proposalAdvisoryVotes([id]),
    governor.read.AI_SHARE_MAX_BPS(),
    governor.read.proposalEta([id]),
    governor.read.proposalGuardian(),
  ])
  // Quorum is read at the snapshot, which must be in the past.
  const quorum = proposal.voteStart < currentBlock ? await governor.read.quorum([proposal.voteStart]) : 0n
  const humanTally = tally(human)
  return {
    proposal,
    state: proposalStateNames[state] ?? 'Pending',
    currentBlock,
    counted: tally(counted),
    human: humanTally,
    advisory: tally(advisory),
    aiShareMaxBps,
    quorum,
    quorumReached: proposal.voteStart < currentBlock && humanTally.for + humanTally.abstain >= quorum,
    etaSeconds,
    guardian,
    actions: proposal.targets.map((target, index) => describeAction(client, target, proposal.values[index] ?? 0n, proposal.calldatas[index] ?? '0x')),
  }
}

/**
 * Renders one action in words when its target is a known contract, e.g.
 * `treasury.releaseEther(0xabc…, 1000000000000000000)`; raw otherwise.
 */
export function describeAction(client: GovernanceClient, target: Address, value: bigint, calldata: Hex): string {
  return describeContractCall(client.deployment.contracts, target, value, calldata)
}

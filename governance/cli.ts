/**
 * `ippoc gov …`: propose, vote (human or AI advisory), veto, queue, execute and inspect proposals of
 * the IPPOC governor, plus `register-node` and, on the local chain, `advance`. Also registers the
 * `ippoc evolve …` group (governance/evolve-cli.ts).
 */
import type { Command } from 'commander'
import { nodeRegistryAbi } from './abi.ts'
import { localChainId } from './accounts.ts'
import {
  collect,
  connectFromOptions,
  formatAmount,
  output,
  parseAddress,
  parseAddressAmount,
  parseIdText,
  parseNodeId,
  parseRawCall,
  parseSupport,
  withChainOptions,
  type ChainOptions,
  type GovernanceCliDependencies,
} from './cli-support.ts'
import { sendTransaction, type GovernanceClient } from './client.ts'
import { GovernanceArgumentError, proposalStateNames } from './errors.ts'
import { registerEvolveCommands } from './evolve-cli.ts'
import {
  castVote,
  executeProposal,
  findProposal,
  getProposalStatus,
  listProposals,
  proposeActions,
  queueProposal,
  registerNodeAction,
  releaseEtherAction,
  releaseIusdAction,
  vetoProposal,
  type ProposalAction,
  type ProposalStatus,
} from './proposals.ts'

export type { GovernanceCliDependencies } from './cli-support.ts'

type ProposeOptions = ChainOptions & {
  description?: string
  releaseEth?: string[]
  releaseIusd?: string[]
  registerNode?: string[]
  call?: string[]
}
type VoteOptions = ChainOptions & { ai?: boolean; reason?: string }
type AdvanceOptions = ChainOptions & { blocks: string; seconds: string }

/**
 * Adds the `gov` command group and the `evolve` command group to the `ippoc` program.
 *
 * @example
 * const program = new Command('ippoc')
 * registerGovernanceCommands(program)
 * await program.parseAsync(['gov', 'status'], { from: 'user' })
 */
export function registerGovernanceCommands(program: Command, dependencies: GovernanceCliDependencies = {}): void {
  const gov = program.command('gov').description('On-chain governance: hybrid human + AI votes, a human veto, a timelock, the treasury.')

  withChainOptions(
    gov
      .command('propose')
      .description('Open a proposal. Each action option may repeat; at least one action is needed.')
      .requiredOption('-d, --description <text>', 'what the proposal does and why')
      .option('--release-eth <to:amount>', 'pay AMOUNT ETH from the treasury to TO', collect)
      .option('--release-iusd <to:amount>', 'pay AMOUNT iUSD from the treasury to TO', collect)
      .option('--register-node <nodeId:address>', 'register node NODE_ID (64 hex digits) acting through ADDRESS', collect)
      .option('--call <target:value:calldata>', 'a raw call: TARGET, VALUE in wei, CALLDATA hex', collect),
  ).action((options: ProposeOptions) => runPropose(options, dependencies))

  withChainOptions(
    gov
      .command('vote')
      .description('Vote on an active proposal: with your constitutional tokens, or with --ai as a registered node.')
      .argument('<id>', 'proposal id (or a unique prefix of at least 6 digits)')
      .argument('<support>', 'for, against or abstain')
      .option('--ai', 'cast the AI advisory vote of a registered node (bounded to 20 % of the counted weight)')
      .option('--reason <text>', 'why (stored in the vote event)'),
  ).action((id: string, support: string, options: VoteOptions) => runVote(id, support, options, dependencies))

  withChainOptions(
    gov
      .command('veto')
      .description('Guardian only: cancel a proposal in any state before execution (a queued one leaves the timelock too).')
      .argument('<id>', 'proposal id (or a unique prefix)'),
  ).action((id: string, options: ChainOptions) => runProposalStep(id, options, dependencies, 'veto'))

  withChainOptions(
    gov
      .command('queue')
      .description('Queue a succeeded proposal in the timelock.')
      .argument('<id>', 'proposal id (or a unique prefix)'),
  ).action((id: string, options: ChainOptions) => runProposalStep(id, options, dependencies, 'queue'))

  withChainOptions(
    gov
      .command('execute')
      .description('Execute a queued proposal once its timelock delay has passed.')
      .argument('<id>', 'proposal id (or a unique prefix)'),
  ).action((id: string, options: ChainOptions) => runProposalStep(id, options, dependencies, 'execute'))

  withChainOptions(
    gov
      .command('status')
      .description('Show a proposal (state, votes, quorum, actions), or list all proposals when no id is given.')
      .argument('[id]', 'proposal id (or a unique prefix)'),
  ).action((id: string | undefined, options: ChainOptions) => runStatus(id, options, dependencies))

  withChainOptions(
    gov
      .command('register-node')
      .description('Registrar or local operator: register a node (Ed25519 public key) and the account it votes with.')
      .argument('<nodeId>', 'the node id: its Ed25519 public key as 64 hex digits')
      .argument('<address>', 'the EVM account acting for the node'),
  ).action((nodeId: string, address: string, options: ChainOptions) => runRegisterNode(nodeId, address, options, dependencies))

  withChainOptions(
    gov
      .command('advance')
      .description('Local chain only: mine blocks and move time forward, to end a vote or a timelock delay.')
      .option('--blocks <n>', 'blocks to mine', '1')
      .option('--seconds <n>', 'seconds to add before mining', '0'),
  ).action((options: AdvanceOptions) => runAdvance(options, dependencies))

  registerEvolveCommands(program, dependencies)
}

/** Parses the action options (before connecting, so typos fail fast) into action builders. */
function parseProposalActions(options: ProposeOptions): ((client: GovernanceClient) => ProposalAction)[] {
  const builders: ((client: GovernanceClient) => ProposalAction)[] = []
  for (const text of options.releaseEth ?? []) {
    const { to, amount } = parseAddressAmount(text, '--release-eth', 'ether')
    builders.push((client) => releaseEtherAction(client, to, amount))
  }
  for (const text of options.releaseIusd ?? []) {
    const { to, amount } = parseAddressAmount(text, '--release-iusd', 'token')
    builders.push((client) => releaseIusdAction(client, to, amount))
  }
  for (const text of options.registerNode ?? []) {
    const [nodeIdText = '', addressText = ''] = text.split(':')
    const nodeId = parseNodeId(nodeIdText)
    const account = parseAddress(addressText, '--register-node address')
    builders.push((client) => registerNodeAction(client, nodeId, account))
  }
  for (const text of options.call ?? []) {
    const action = parseRawCall(text)
    builders.push(() => action)
  }
  return builders
}

async function runPropose(options: ProposeOptions, dependencies: GovernanceCliDependencies): Promise<void> {
  const builders = parseProposalActions(options)
  if (builders.length === 0) {
    throw new GovernanceArgumentError({ argument: 'actions', expected: 'at least one of --release-eth, --release-iusd, --register-node, --call', received: 'none' })
  }
  const client = await connectFromOptions(options, dependencies, true)
  const result = await proposeActions(client, { actions: builders.map((build) => build(client)), description: options.description ?? '' })
  output(
    dependencies,
    options,
    [`Proposed ${result.proposalId}`, `  voting from block ${result.voteStart + 1n} to ${result.voteEnd}`, `  transaction ${result.transactionHash}`].join('\n'),
    result,
  )
}

async function runVote(id: string, supportText: string, options: VoteOptions, dependencies: GovernanceCliDependencies): Promise<void> {
  const support = parseSupport(supportText)
  parseIdText(id, 'proposal id')
  const client = await connectFromOptions(options, dependencies, true)
  const { proposalId } = await findProposal(client, id)
  const result = await castVote(client, { proposalId, support, reason: options.reason, advisory: options.ai === true })
  const kind = options.ai === true ? 'AI advisory vote' : 'vote'
  output(
    dependencies,
    options,
    [`Cast ${kind} ${support} on ${proposalId} with weight ${formatAmount(result.weight)}`, `  transaction ${result.transactionHash}`].join('\n'),
    { proposalId, support, advisory: options.ai === true, ...result },
  )
}

async function runProposalStep(id: string, options: ChainOptions, dependencies: GovernanceCliDependencies, step: 'veto' | 'queue' | 'execute'): Promise<void> {
  parseIdText(id, 'proposal id')
  const client = await connectFromOptions(options, dependencies, true)
  const { proposalId } = await findProposal(client, id)
  if (step === 'queue') {
    const result = await queueProposal(client, proposalId)
    const eta = new Date(Number(result.etaSeconds) * 1000).toISOString()
    output(dependencies, options, [`Queued ${proposalId}`, `  executable after ${eta}`, `  transaction ${result.transactionHash}`].join('\n'), { proposalId, ...result })
    return
  }
  const result = step === 'veto' ? await vetoProposal(client, proposalId) : await executeProposal(client, proposalId)
  const verb = step === 'veto' ? 'Vetoed' : 'Executed'
  output(dependencies, options, [`${verb} ${proposalId}`, `  transaction ${result.transactionHash}`].join('\n'), { proposalId, ...result })
}

/** Renders a proposal status for a terminal. */
export function formatProposalStatus(status: ProposalStatus): string {
  const { proposal, counted, human, advisory } = status
  const votes = (tally: { for: bigint; against: bigint; abstain: bigint }) =>
    `for ${formatAmount(tally.for)} · against ${formatAmount(tally.against)} · abstain ${formatAmount(tally.abstain)}`
  const lines = [
    `Proposal ${proposal.proposalId}`,
    `  state        ${status.state} (block ${status.currentBlock}; voting blocks ${proposal.voteStart + 1n}–${proposal.voteEnd})`,
    `  proposer     ${proposal.proposer}`,
    `  description  ${proposal.description.split('\n')[0] ?? ''}`,
    ...status.actions.map((text, index) => `  action ${index + 1}     ${text}`),
    `  counted      ${votes(counted)}`,
    `  human        ${votes(human)}`,
    `  AI advisory  ${votes(advisory)} (as cast; at most ${Number(status.aiShareMaxBps) / 100} % of the counted weight)`,
    `  quorum       ${formatAmount(status.quorum)} human for+abstain ${status.quorumReached ? '(reached)' : '(not reached)'}`,
  ]
  if (status.state === 'Queued') lines.push(`  executable   after ${new Date(Number(status.etaSeconds) * 1000).toISOString()}`)
  if (!['Canceled', 'Defeated', 'Expired', 'Executed'].includes(status.state)) lines.push(`  veto         guardian ${status.guardian} can still veto`)
  return lines.join('\n')
}

async function runStatus(id: string | undefined, options: ChainOptions, dependencies: GovernanceCliDependencies): Promise<void> {
  if (id !== undefined) parseIdText(id, 'proposal id')
  const client = await connectFromOptions(options, dependencies, false)
  if (id !== undefined) {
    const { proposalId } = await findProposal(client, id)
    const status = await getProposalStatus(client, proposalId)
    output(dependencies, options, formatProposalStatus(status), status)
    return
  }
  const proposals = await listProposals(client)
  const rows = await Promise.all(
    proposals.map(async (proposal) => ({ proposal, state: proposalStateNames[await client.contracts.governor.read.state([proposal.proposalId])] ?? 'Pending' })),
  )
  const text =
    rows.length === 0
      ? 'No proposals yet.'
      : rows.map(({ proposal, state }) => `${proposal.proposalId}  ${state.padEnd(9)}  ${proposal.description.split('\n')[0] ?? ''}`).join('\n')
  output(dependencies, options, text, rows.map(({ proposal, state }) => ({ ...proposal, state })))
}

async function runRegisterNode(nodeIdText: string, addressText: string, options: ChainOptions, dependencies: GovernanceCliDependencies): Promise<void> {
  const nodeId = parseNodeId(nodeIdText)
  const account = parseAddress(addressText, 'address')
  const client = await connectFromOptions(options, dependencies, true)
  const receipt = await sendTransaction(client, {
    address: client.contracts.nodeRegistry.address,
    abi: nodeRegistryAbi,
    functionName: 'registerNode',
    args: [nodeId, account],
    action: 'register the node',
  })
  output(dependencies, options, [`Registered node ${nodeId} acting through ${account}`, `  transaction ${receipt.transactionHash}`].join('\n'), {
    nodeId,
    account,
    transactionHash: receipt.transactionHash,
  })
}

async function runAdvance(options: AdvanceOptions, dependencies: GovernanceCliDependencies): Promise<void> {
  const blocks = Number(options.blocks)
  const seconds = Number(options.seconds)
  if (!Number.isSafeInteger(blocks) || blocks < 1 || blocks > 100_000) throw new GovernanceArgumentError({ argument: '--blocks', expected: 'an integer from 1 to 100000', received: options.blocks })
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new GovernanceArgumentError({ argument: '--seconds', expected: 'a non-negative integer', received: options.seconds })
  const client = await connectFromOptions(options, dependencies, false)
  if (client.deployment.chainId !== localChainId) {
    throw new GovernanceArgumentError({ argument: 'chain', expected: `the local chain (${localChainId})`, received: String(client.deployment.chainId) })
  }
  const request = client.publicClient.request as (arguments_: { method: string; params: unknown[] }) => Promise<unknown>
  if (seconds > 0) await request({ method: 'evm_increaseTime', params: [seconds] })
  await request({ method: 'hardhat_mine', params: [`0x${blocks.toString(16)}`] })
  const block = await client.publicClient.getBlock()
  output(dependencies, options, `Now at block ${block.number}, time ${new Date(Number(block.timestamp) * 1000).toISOString()}`, {
    blockNumber: block.number,
    timestamp: block.timestamp,
  })
}

/**
 * Gas benchmark: a stock OpenZeppelin governor (contracts/bench/BaselineGovernor.sol) beside IPPOC's
 * HybridGovernor on one in-process Hardhat network, same proposal, same voter setup.
 *
 * Measures `propose` and the first `castVote` on a proposal (human), plus our AI advisory vote.
 * The last line printed is one JSON object (see `GasBenchResult`).
 *
 * Run: `npm run bench -- gas` (or `node bench/gas.ts` with Node 22).
 */
import hre from 'hardhat'
import { encodeFunctionData, getContract, keccak256, parseAbi, parseEther, toBytes, type Address, type Hash } from 'viem'
import { constitutionTokenAbi, guardedTimelockAbi, hybridGovernorAbi, nodeRegistryAbi } from '../governance/abi.ts'

/** The JSON line this benchmark prints last. */
export type GasBenchResult = {
  bench: 'gas'
  oz_propose: number
  ours_propose: number
  oz_castVote: number
  ours_castVote_human: number
  ours_castVote_ai: number
  propose_ratio: number
  castVote_ratio: number
}

const votingDelayBlocks = 1
const votingPeriodBlocks = 50
const quorumPercent = 4n
const timelockDelaySeconds = 60n
const humanSupply = parseEther('1000000')
const description = 'Benchmark proposal: transfer 1 token from the timelock'

/** The stock OpenZeppelin contracts' functions the benchmark calls (contracts/bench/). */
const baselineGovernorAbi = parseAbi([
  'function propose(address[] targets, uint256[] values, bytes[] calldatas, string description) returns (uint256)',
  'function hashProposal(address[] targets, uint256[] values, bytes[] calldatas, bytes32 descriptionHash) pure returns (uint256)',
  'function castVote(uint256 proposalId, uint8 support) returns (uint256)',
])
const baselineTokenAbi = parseAbi(['function delegate(address delegatee)'])
const baselineTimelockAbi = parseAbi(['function grantRole(bytes32 role, address account)', 'function PROPOSER_ROLE() view returns (bytes32)'])

await hre.tasks.getTask('build').run({ quiet: true, noTests: true })
const { viem, networkHelpers } = await hre.network.create()
const publicClient = await viem.getPublicClient()
const [deployer, voter, node] = await viem.getWalletClients()
if (!deployer || !voter || !node) throw new Error('The in-process network has fewer than 3 accounts.')
const client = { public: publicClient, wallet: deployer }
const descriptionHash = keccak256(toBytes(description))

/** Deploys `contractName` and returns it typed with `abi`. */
async function deploy<const TAbi extends readonly unknown[]>(contractName: string, abi: TAbi, args: readonly unknown[]) {
  const { address } = await viem.deployContract(contractName, args as unknown[])
  return getContract({ address, abi, client })
}

async function gasOf(hash: Promise<Hash>): Promise<number> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash })
  if (receipt.status !== 'success') throw new Error(`Transaction ${receipt.transactionHash} reverted.`)
  return Number(receipt.gasUsed)
}

/** The same one-action proposal for both governors: a token transfer from the timelock. */
function proposalActions(token: Address, recipient: Address): [Address[], bigint[], `0x${string}`[]] {
  const calldata = encodeFunctionData({
    abi: [{ type: 'function', name: 'transfer', stateMutability: 'nonpayable', inputs: [{ name: 'to', type: 'address' }, { name: 'value', type: 'uint256' }], outputs: [{ type: 'bool' }] }],
    functionName: 'transfer',
    args: [recipient, 1n],
  })
  return [[token], [0n], [calldata]]
}

const measureBaseline = async (): Promise<{ propose: number; castVote: number }> => {
  const token = await deploy('BaselineVotesToken', baselineTokenAbi, [voter.account.address, humanSupply])
  await token.write.delegate([voter.account.address], { account: voter.account })
  const timelock = await deploy('BaselineTimelock', baselineTimelockAbi, [timelockDelaySeconds, [], [], deployer.account.address])
  const governor = await deploy('BaselineGovernor', baselineGovernorAbi, [token.address, timelock.address, votingDelayBlocks, votingPeriodBlocks, quorumPercent])
  await timelock.write.grantRole([await timelock.read.PROPOSER_ROLE(), governor.address])
  await networkHelpers.mine(1)

  const [targets, values, calldatas] = proposalActions(token.address, voter.account.address)
  const propose = await gasOf(governor.write.propose([targets, values, calldatas, description], { account: voter.account }))
  const proposalId = await governor.read.hashProposal([targets, values, calldatas, descriptionHash])
  await networkHelpers.mine(votingDelayBlocks + 1)
  const castVote = await gasOf(governor.write.castVote([proposalId, 1], { account: voter.account }))
  return { propose, castVote }
}

const measureOurs = async (): Promise<{ propose: number; castVoteHuman: number; castVoteAi: number }> => {
  const timelock = await deploy('GuardedTimelock', guardedTimelockAbi, [timelockDelaySeconds, 1n, deployer.account.address])
  const token = await deploy('ConstitutionToken', constitutionTokenAbi, [timelock.address, voter.account.address, humanSupply])
  await token.write.delegate([voter.account.address], { account: voter.account })
  const nodeRegistry = await deploy('NodeRegistry', nodeRegistryAbi, [timelock.address, deployer.account.address])
  await nodeRegistry.write.registerNode([`0x${'11'.repeat(32)}`, node.account.address])
  const governor = await deploy('HybridGovernor', hybridGovernorAbi, [
    token.address,
    timelock.address,
    nodeRegistry.address,
    deployer.account.address,
    votingDelayBlocks,
    votingPeriodBlocks,
    0n,
    quorumPercent,
  ])
  await timelock.write.grantRole([await timelock.read.PROPOSER_ROLE(), governor.address])
  await networkHelpers.mine(1)

  const [targets, values, calldatas] = proposalActions(token.address, voter.account.address)
  const propose = await gasOf(governor.write.propose([targets, values, calldatas, description], { account: voter.account }))
  const proposalId = await governor.read.hashProposal([targets, values, calldatas, descriptionHash])
  await networkHelpers.mine(votingDelayBlocks + 1)
  const castVoteHuman = await gasOf(governor.write.castVote([proposalId, 1], { account: voter.account }))
  const castVoteAi = await gasOf(governor.write.castAdvisoryVote([proposalId, 1, ''], { account: node.account }))
  return { propose, castVoteHuman, castVoteAi }
}

function ratio(ours: number, baseline: number): number {
  return Math.round((ours / baseline) * 1000) / 1000
}

const baseline = await measureBaseline()
const ours = await measureOurs()
console.log(`stock OpenZeppelin governor: propose ${baseline.propose} gas, castVote ${baseline.castVote} gas`)
console.log(`HybridGovernor:              propose ${ours.propose} gas, castVote (human) ${ours.castVoteHuman} gas, castAdvisoryVote (AI) ${ours.castVoteAi} gas`)
const result: GasBenchResult = {
  bench: 'gas',
  oz_propose: baseline.propose,
  ours_propose: ours.propose,
  oz_castVote: baseline.castVote,
  ours_castVote_human: ours.castVoteHuman,
  ours_castVote_ai: ours.castVoteAi,
  propose_ratio: ratio(ours.propose, baseline.propose),
  castVote_ratio: ratio(ours.castVoteHuman, baseline.castVote),
}
console.log(JSON.stringify(result))

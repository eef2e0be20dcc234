/**
 * Ignition module: the whole IPPOC governance system, wired together.
 *
 * Deploys the constitutional token, the guarded timelock, the node registry, the hybrid governor,
 * the evolution registry, iUSD, the treasury and the ledger anchor; gives the governor its timelock
 * roles (proposer, executor, canceller); moves every admin right to the timelock; and makes the
 * deployer renounce the timelock admin role. Parameters (all optional) are listed in
 * `IppocGovernanceParameters`.
 *
 * @example
 * // hardhat ignition deploy ignition/modules/IppocGovernance.ts --network localhost --build-profile default
 */
import { buildModule } from '@nomicfoundation/hardhat-ignition/modules'
import { keccak256, parseEther, toBytes, zeroHash } from 'viem'

/** Parameters of the `IppocGovernance` module, with their defaults (tuned for a local chain). */
export type IppocGovernanceParameters = {
  /** Blocks between a proposal and its vote snapshot. Default 1. */
  votingDelayBlocks?: number
  /** Blocks a vote stays open. Default 20. */
  votingPeriodBlocks?: number
  /** Human votes needed to propose, in base units. Default 0. */
  proposalThreshold?: bigint
  /** Quorum in percent of the constitutional supply, met by human votes. Default 4. */
  quorumPercent?: number
  /** Timelock delay in seconds. Default 60. */
  timelockDelaySeconds?: number
  /** The smallest timelock delay governance may ever set, in seconds. Default 10. */
  timelockDelayFloorSeconds?: number
  /** Constitutional tokens minted to the deployer (who self-delegates), in base units. Default 1,000,000e18. */
  constitutionSupply?: bigint
  /** iUSD minted into the treasury, in base units. Default 1,000,000e18. */
  iusdSupply?: bigint
  /** The veto holder. Default: the deployer. */
  guardian?: `0x${string}`
  /** An operator allowed to register nodes beside governance; the zero address for none. Default: the deployer. */
  registrar?: `0x${string}`
}

/** AccessControl role ids of OpenZeppelin's TimelockController. */
export const timelockRoles = {
  admin: zeroHash,
  proposer: keccak256(toBytes('PROPOSER_ROLE')),
  executor: keccak256(toBytes('EXECUTOR_ROLE')),
  canceller: keccak256(toBytes('CANCELLER_ROLE')),
} as const

export default buildModule('IppocGovernance', (m) => {
  const deployer = m.getAccount(0)
  const votingDelayBlocks = m.getParameter('votingDelayBlocks', 1)
  const votingPeriodBlocks = m.getParameter('votingPeriodBlocks', 20)
  const proposalThreshold = m.getParameter('proposalThreshold', 0n)
  const quorumPercent = m.getParameter('quorumPercent', 4)
  const timelockDelaySeconds = m.getParameter('timelockDelaySeconds', 60)
  const timelockDelayFloorSeconds = m.getParameter('timelockDelayFloorSeconds', 10)
  const constitutionSupply = m.getParameter('constitutionSupply', parseEther('1000000'))
  const iusdSupply = m.getParameter('iusdSupply', parseEther('1000000'))
  const guardian = m.getParameter('guardian', deployer)
  const registrar = m.getParameter('registrar', deployer)

  const timelock = m.contract('GuardedTimelock', [timelockDelaySeconds, timelockDelayFloorSeconds, deployer])
  const constitutionToken = m.contract('ConstitutionToken', [timelock, deployer, constitutionSupply])
  m.call(constitutionToken, 'delegate', [deployer], { id: 'DeployerDelegatesToSelf' })
  const nodeRegistry = m.contract('NodeRegistry', [timelock, registrar])
  const governor = m.contract('HybridGovernor', [
    constitutionToken,
    timelock,
    nodeRegistry,
    guardian,
    votingDelayBlocks,
    votingPeriodBlocks,
    proposalThreshold,
    quorumPercent,
  ])

  const grantProposer = m.call(timelock, 'grantRole', [timelockRoles.proposer, governor], { id: 'GrantProposerToGovernor' })
  const grantExecutor = m.call(timelock, 'grantRole', [timelockRoles.executor, governor], { id: 'GrantExecutorToGovernor' })
  const grantCanceller = m.call(timelock, 'grantRole', [timelockRoles.canceller, governor], { id: 'GrantCancellerToGovernor' })
  m.call(timelock, 'renounceRole', [timelockRoles.admin, deployer], {
    id: 'DeployerRenouncesTimelockAdmin',
    after: [grantProposer, grantExecutor, grantCanceller],
  })

  const evolutionRegistry = m.contract('EvolutionRegistry', [governor, nodeRegistry])
  const iusd = m.contract('IusdToken', [timelock, deployer, iusdSupply])
  const treasury = m.contract('Treasury', [timelock, iusd])
  m.call(iusd, 'transfer', [treasury, iusdSupply], { id: 'FundTreasuryWithIusd' })
  const ledgerAnchor = m.contract('LedgerAnchor', [nodeRegistry])

  return { constitutionToken, timelock, nodeRegistry, governor, evolutionRegistry, iusd, treasury, ledgerAnchor }
})

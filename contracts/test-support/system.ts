/**
 * Test helpers (no tests here): deploys the whole governance system with the real Ignition module
 * on an in-process Hardhat network and drives proposals through their life.
 */
import { network } from 'hardhat'
import { encodeFunctionData, getContract, keccak256, parseEther, toBytes, type Abi, type Address, type Hex } from 'viem'
import {
  constitutionTokenAbi,
  evolutionRegistryAbi,
  guardedTimelockAbi,
  hybridGovernorAbi,
  iusdTokenAbi,
  ledgerAnchorAbi,
  nodeRegistryAbi,
  treasuryAbi,
} from '../../governance/abi.ts'
import IppocGovernance from '../../ignition/modules/IppocGovernance.ts'

/** Governance settings the tests use (small numbers keep the chain short). */
export const settings = {
  votingDelayBlocks: 1,
  votingPeriodBlocks: 20,
  quorumPercent: 4,
  timelockDelaySeconds: 60,
  timelockDelayFloorSeconds: 10,
  constitutionSupply: parseEther('1000000'),
  iusdSupply: parseEther('500000'),
} as const

/** Vote support values (Governor Bravo order). */
export const Support = { Against: 0, For: 1, Abstain: 2 } as const

/** IGovernor.ProposalState values. */
export const ProposalState = {
  Pending: 0,
  Active: 1,
  Canceled: 2,
  Defeated: 3,
  Succeeded: 4,
  Queued: 5,
  Expired: 6,
  Executed: 7,
} as const

/** A proposal's actions and description, as `propose` takes them. */
export type Proposal = {
  targets: Address[]
  values: bigint[]
  calldatas: Hex[]
  description: string
}

/** Builds one proposal action calling `functionName` on a contract. */
export function action<const TAbi extends Abi>(target: Address, abi: TAbi, functionName: string, args: readonly unknown[], value = 0n) {
  const calldata = encodeFunctionData({ abi: abi as Abi, functionName, args } as Parameters<typeof encodeFunctionData>[0])
  return { target, value, calldata }
}

/** Builds a proposal from actions. */
export function proposal(description: string, ...actions: { target: Address; value: bigint; calldata: Hex }[]): Proposal {
  return {
    targets: actions.map((item) => item.target),
    values: actions.map((item) => item.value),
    calldatas: actions.map((item) => item.calldata),
    description,
  }
}

/** A deterministic fake Ed25519 node id. */
export function nodeIdOf(index: number): Hex {
  return keccak256(toBytes(`node-${index}`))
}

/**
 * Connects to a fresh in-process network. Each test file calls this once and then
 * `loadFixture(deploySystem)` in every test.
 */
export async function connectToTestNetwork() {
  const connection = await network.create()
  const { viem, networkHelpers, ignition } = connection
  const publicClient = await viem.getPublicClient()
  const wallets = await viem.getWalletClients()
  const [deployer, human, outsider, guardian] = wallets
  if (!deployer || !human || !outsider || !guardian || wallets.length < 20) throw new Error('Expected 20 test accounts.')
  /** Accounts 10..19 act as nodes. */
  const nodeWallets = wallets.slice(10, 20)

  async function deploySystem() {
    const deployed = await ignition.deploy(IppocGovernance, {
      parameters: {
        IppocGovernance: {
          ...settings,
          guardian: guardian!.account.address,
          registrar: deployer!.account.address,
        },
      },
    })
    const client = { public: publicClient, wallet: deployer! }
    // Typed through our generated ABIs: Hardhat's artifact types are not part of the type-checked program.
    const addressOf = (contract: unknown) => (contract as { address: Address }).address
    return {
      governor: getContract({ address: addressOf(deployed.governor), abi: hybridGovernorAbi, client }),
      timelock: getContract({ address: addressOf(deployed.timelock), abi: guardedTimelockAbi, client }),
      token: getContract({ address: addressOf(deployed.constitutionToken), abi: constitutionTokenAbi, client }),
      nodeRegistry: getContract({ address: addressOf(deployed.nodeRegistry), abi: nodeRegistryAbi, client }),
      evolutionRegistry: getContract({ address: addressOf(deployed.evolutionRegistry), abi: evolutionRegistryAbi, client }),
      iusd: getContract({ address: addressOf(deployed.iusd), abi: iusdTokenAbi, client }),
      treasury: getContract({ address: addressOf(deployed.treasury), abi: treasuryAbi, client }),
      ledgerAnchor: getContract({ address: addressOf(deployed.ledgerAnchor), abi: ledgerAnchorAbi, client }),
    }
  }

  type System = Awaited<ReturnType<typeof deploySystem>>

  /** Loads a fresh system (snapshot-restored after the first deployment). */
  async function loadSystem(): Promise<System> {
    return networkHelpers.loadFixture(deploySystem)
  }

  /** Waits for `hash` and fails unless it succeeded. */
  async function mined(hash: Promise<Hex>) {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash })
    if (receipt.status !== 'success') throw new Error(`transaction ${receipt.transactionHash} reverted`)
    return receipt
  }

  /** Registers nodes 0..count-1 (accounts 10.. first, then fresh addresses) through the registrar. */
  async function registerNodes(system: System, count: number): Promise<Address[]> {
    const accounts: Address[] = []
    for (let index = 0; index < count; index++) {
      const account = nodeWallets[index]?.account.address ?? (`0x${(0xa000 + index).toString(16).padStart(40, '0')}` as Address)
      await mined(system.nodeRegistry.write.registerNode([nodeIdOf(index), account]))
      accounts.push(account)
    }
    return accounts
  }

  /** Proposes `item` as the deployer (the main human holder) and returns its id. */
  async function propose(system: System, item: Proposal, proposer: Address = deployer!.account.address): Promise<bigint> {
    await mined(system.governor.write.propose([item.targets, item.values, item.calldatas, item.description], { account: proposer }))
    return system.governor.read.hashProposal([item.targets, item.values, item.calldatas, keccak256(toBytes(item.description))])
  }

  /** Mines past the voting delay so the proposal is Active. */
  async function startVoting() {
    await networkHelpers.mine(settings.votingDelayBlocks + 1)
  }

  /** Mines past the voting period so the outcome is final. */
  async function endVoting() {
    await networkHelpers.mine(settings.votingPeriodBlocks + 1)
  }

  /** Queues a succeeded proposal and waits out the timelock delay. */
  async function queueAndWait(system: System, item: Proposal) {
    await mined(system.governor.write.queue([item.targets, item.values, item.calldatas, keccak256(toBytes(item.description))]))
    await networkHelpers.time.increase(settings.timelockDelaySeconds + 1)
  }

  /** Executes a queued proposal (returns the promise so tests can assert a revert). */
  function execute(system: System, item: Proposal) {
    return system.governor.write.execute([item.targets, item.values, item.calldatas, keccak256(toBytes(item.description))])
  }

  /** Proposes, votes for with the deployer's whole weight, and queues: ready to execute. */
  async function passAndQueue(system: System, item: Proposal): Promise<bigint> {
    const proposalId = await propose(system, item)
    await startVoting()
    await mined(system.governor.write.castVote([proposalId, Support.For]))
    await endVoting()
    await queueAndWait(system, item)
    return proposalId
  }

  return {
    connection,
    viem,
    networkHelpers,
    publicClient,
    deployer: deployer!,
    human: human!,
    outsider: outsider!,
    guardian: guardian!,
    nodeWallets,
    loadSystem,
    mined,
    registerNodes,
    propose,
    startVoting,
    endVoting,
    queueAndWait,
    execute,
    passAndQueue,
  }
}

/**
 * The typed governance client: viem clients bound to the deployed contracts of one chain, plus
 * `sendTransaction`, which simulates a write first so a refusal is reported in words before
 * anything is sent.
 */
import {
  createPublicClient,
  createWalletClient,
  getContract,
  http,
  type Abi,
  type Account,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hex,
  type PublicClient,
  type Transport,
  type TransactionReceipt,
  type WalletClient,
} from 'viem'
import {
  constitutionTokenAbi,
  evolutionRegistryAbi,
  guardedTimelockAbi,
  hybridGovernorAbi,
  iusdTokenAbi,
  ledgerAnchorAbi,
  nodeRegistryAbi,
  treasuryAbi,
} from './abi.ts'
import { resolveAccount } from './accounts.ts'
import { deploymentPathFor, readDeployment, type Deployment } from './deployment.ts'
import { ChainUnreachableError, DeploymentMismatchError, TransactionRevertedError, describeChainError } from './errors.ts'

/** The RPC URL used when none is given: the local chain of `npm run chain`. */
export const defaultRpcUrl = 'http://127.0.0.1:8545'

/** How often to poll for receipts and blocks (a local chain mines at once; testnets take seconds). */
export const pollingIntervalMs = 500

/** Creates the typed contract instances of a deployment. */
function bindContracts(publicClient: PublicClient, deployment: Deployment) {
  const client = { public: publicClient }
  const { contracts } = deployment
  return {
    governor: getContract({ address: contracts.governor, abi: hybridGovernorAbi, client }),
    timelock: getContract({ address: contracts.timelock, abi: guardedTimelockAbi, client }),
    constitutionToken: getContract({ address: contracts.constitutionToken, abi: constitutionTokenAbi, client }),
    nodeRegistry: getContract({ address: contracts.nodeRegistry, abi: nodeRegistryAbi, client }),
    evolutionRegistry: getContract({ address: contracts.evolutionRegistry, abi: evolutionRegistryAbi, client }),
    iusd: getContract({ address: contracts.iusd, abi: iusdTokenAbi, client }),
    treasury: getContract({ address: contracts.treasury, abi: treasuryAbi, client }),
    ledgerAnchor: getContract({ address: contracts.ledgerAnchor, abi: ledgerAnchorAbi, client }),
  }
}

/** A connection to one deployment, optionally with an account to sign with. */
export type GovernanceClient = {
  rpcUrl: string
  deployment: Deployment
  publicClient: PublicClient
  /** Present when the client can send transactions. */
  walletClient: WalletClient<Transport, Chain | undefined, Account> | undefined
  contracts: ReturnType<typeof bindContracts>
}

/** Parameters of {@link createGovernanceClient}. */
export type CreateGovernanceClientParameters = {
  transport: Transport
  deployment: Deployment
  account?: Account | undefined
  /** Shown in error messages. */
  rpcUrl?: string | undefined
}

/**
 * Binds viem clients over `transport` to a deployment. No network access.
 *
 * @example
 * const client = createGovernanceClient({ transport: http('http://127.0.0.1:8545'), deployment })
 * const state = await client.contracts.governor.read.state([proposalId])
 */
export function createGovernanceClient(parameters: CreateGovernanceClientParameters): GovernanceClient {
  const { transport, deployment, account, rpcUrl = '(custom transport)' } = parameters
  const publicClient = createPublicClient({ transport, pollingInterval: pollingIntervalMs }) as PublicClient
  const walletClient = account === undefined ? undefined : createWalletClient({ transport, account, pollingInterval: pollingIntervalMs })
  return { rpcUrl, deployment, publicClient, walletClient, contracts: bindContracts(publicClient, deployment) }
}

/** Parameters of {@link connectGovernance}. */
export type ConnectGovernanceParameters = {
  rpcUrl?: string | undefined
  /** Deployment file; `governance/deployments/<chainId>.json` by default. */
  deploymentFile?: string | undefined
  /** Development account index (local chain only); otherwise `IPPOC_PRIVATE_KEY`, then account 0 locally. */
  accountIndex?: number | undefined
  /** Set to false for read-only commands, which then need no key. */
  needsAccount?: boolean | undefined
  /** The transport to use instead of HTTP to `rpcUrl` (tests pass an in-process provider). */
  transport?: Transport | undefined
  environment?: Record<string, string | undefined>
}

/**
 * Connects to the chain at `rpcUrl`, loads its deployment file and checks the contracts are there.
 *
 * @example
 * const client = await connectGovernance({ rpcUrl: 'http://127.0.0.1:8545', accountIndex: 1 })
 */
export async function connectGovernance(parameters: ConnectGovernanceParameters = {}): Promise<GovernanceClient> {
  const { rpcUrl = defaultRpcUrl, deploymentFile, accountIndex, needsAccount = true, environment } = parameters
  const transport = parameters.transport ?? http(rpcUrl, { retryCount: 0, timeout: 10_000 })
  const probe = createPublicClient({ transport })
  let chainId: number
  try {
    chainId = await probe.getChainId()
  } catch (cause) {
    throw new ChainUnreachableError({ rpcUrl, cause })
  }
  const file = deploymentFile ?? deploymentPathFor(chainId)
  const deployment = await readDeployment(file, chainId)
  if (deployment.chainId !== chainId) {
    throw new DeploymentMismatchError({ path: file, problem: `the file is for chain ${deployment.chainId}, the RPC serves chain ${chainId}` })
  }
  const code = await probe.getCode({ address: deployment.contracts.governor }).catch((cause: unknown) => {
    throw describeChainError(cause, { rpcUrl })
  })
  if (code === undefined || code === '0x') {
    throw new DeploymentMismatchError({ path: file, problem: `no contract at the governor address ${deployment.contracts.governor}` })
  }
  const account = needsAccount ? resolveAccount({ chainId, accountIndex, environment }) : undefined
  return createGovernanceClient({ transport, deployment, account, rpcUrl })
}

/** Parameters of {@link sendTransaction}: one contract write. */
export type SendTransactionParameters<TAbi extends Abi, TFunctionName extends ContractFunctionName<TAbi, 'nonpayable' | 'payable'>> = {
  address: `0x${string}`
  abi: TAbi
  functionName: TFunctionName
  args: ContractFunctionArgs<TAbi, 'nonpayable' | 'payable', TFunctionName>
  value?: bigint | undefined
  /** What the transaction does, in words, for messages. */
  action: string
}

/**
 * Simulates a contract write (so a revert is explained before sending), sends it with the client's
 * account and waits for the receipt. Every chain error comes out in words.
 *
 * @example
 * const receipt = await sendTransaction(client, { address, abi: hybridGovernorAbi, functionName: 'castVote', args: [id, 1], action: 'vote' })
 */
export async function sendTransaction<TAbi extends Abi, TFunctionName extends ContractFunctionName<TAbi, 'nonpayable' | 'payable'>>(
  client: GovernanceClient,
  parameters: SendTransactionParameters<TAbi, TFunctionName>,
): Promise<TransactionReceipt> {
  const { walletClient, publicClient, rpcUrl } = client
  if (walletClient === undefined) throw new Error('sendTransaction needs a client with an account')
  let hash: Hex
  try {
    const { request } = await publicClient.simulateContract({
      address: parameters.address,
      abi: parameters.abi as Abi,
      functionName: parameters.functionName as string,
      args: parameters.args as readonly unknown[],
      value: parameters.value,
      account: walletClient.account,
    } as Parameters<PublicClient['simulateContract']>[0])
    hash = await walletClient.writeContract({ ...request, account: walletClient.account, chain: null } as Parameters<typeof walletClient.writeContract>[0])
  } catch (error) {
    throw describeChainError(error, { rpcUrl })
  }
  const receipt = await publicClient.waitForTransactionReceipt({ hash }).catch((error: unknown) => {
    throw describeChainError(error, { rpcUrl })
  })
  if (receipt.status !== 'success') throw new TransactionRevertedError({ transactionHash: hash, action: parameters.action })
  return receipt
}

/**
 * Deploys the governance system with Ignition and writes `governance/deployments/<chainId>.json`.
 *
 *   npm run deploy                          # the local chain of `npm run chain` (127.0.0.1:8545)
 *   npm run deploy -- --network testnet     # RPC URL and key from IPPOC_TESTNET_RPC_URL / IPPOC_TESTNET_PRIVATE_KEY
 *
 * Options: `--guardian ADDRESS` (default: the deployer), `--registrar ADDRESS|none` (default: the
 * deployer), `--parameters FILE` (Ignition parameters JSON; default `ignition/parameters/<network>.json`
 * when it exists). A local deployment always starts fresh, since a restarted local chain has
 * forgotten the previous one, and puts `localTreasuryEther` in the treasury so proposals have
 * something to release; a testnet deployment resumes Ignition's journal and sends no ETH.
 */
import { existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { getAddress, isAddress, parseEther, zeroAddress, type Address } from 'viem'
import { BaseError, formatErrorForUser } from '../common/base-error.ts'
import IppocGovernance, { type IppocGovernanceParameters } from '../ignition/modules/IppocGovernance.ts'
import { localChainId } from './accounts.ts'
import { contractNames, deploymentPathFor, readDeployment, writeDeployment, type ContractName, type Deployment } from './deployment.ts'
import { ChainUnreachableError } from './errors.ts'

/** The networks `deploy` knows (see hardhat.config.ts). */
export const deployNetworks = ['localhost', 'testnet'] as const

/** ETH a local deployment deposits in the treasury (a testnet treasury is funded by people). */
export const localTreasuryEther = parseEther('10')

/** The environment variables a testnet deployment needs. */
export const testnetVariables = ['IPPOC_TESTNET_RPC_URL', 'IPPOC_TESTNET_PRIVATE_KEY'] as const

/** The deployment cannot start: a setting is missing or wrong. */
export class DeployConfigurationError extends BaseError {
  override name = 'DeployConfigurationError'
}

/** Ignition module results by deployment-file contract name. */
const resultKeys: Record<ContractName, string> = {
  governor: 'governor',
  timelock: 'timelock',
  constitutionToken: 'constitutionToken',
  nodeRegistry: 'nodeRegistry',
  evolutionRegistry: 'evolutionRegistry',
  iusd: 'iusd',
  treasury: 'treasury',
  ledgerAnchor: 'ledgerAnchor',
}

type DeployOptions = {
  network: (typeof deployNetworks)[number]
  guardian?: Address
  registrar?: Address
  parametersFile?: string
  /** Ignition's progress display; true by default (callers with their own progress turn it off). */
  displayUi?: boolean
}

/** Parses the command line; refuses unknown networks and malformed addresses. */
export function parseDeployArguments(argv: readonly string[], environment: Record<string, string | undefined> = process.env): DeployOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      network: { type: 'string', default: 'localhost' },
      guardian: { type: 'string' },
      registrar: { type: 'string' },
      parameters: { type: 'string' },
    },
    strict: true,
  })
  const network = values.network as DeployOptions['network']
  if (!deployNetworks.includes(network)) {
    throw new DeployConfigurationError(`Unknown network ${JSON.stringify(values.network)}.`, { hints: [`Use one of: ${deployNetworks.join(', ')}.`] })
  }
  if (network === 'testnet') {
    const missing = testnetVariables.filter((name) => (environment[name] ?? '') === '')
    if (missing.length > 0) {
      throw new DeployConfigurationError(`Deploying to the testnet needs ${missing.join(' and ')}.`, {
        details: 'IPPOC_TESTNET_RPC_URL is the testnet JSON-RPC URL; IPPOC_TESTNET_PRIVATE_KEY the 0x-prefixed key of a funded deployer account.',
        hints: [`Set them, e.g. \`export ${testnetVariables[0]}=https://… ${testnetVariables[1]}=0x…\`, then run \`npm run deploy -- --network testnet\` again.`],
      })
    }
  }
  const address = (text: string | undefined, option: string): Address | undefined => {
    if (text === undefined) return undefined
    if (option === '--registrar' && text === 'none') return zeroAddress
    if (!isAddress(text, { strict: false })) throw new DeployConfigurationError(`${option} must be an address, got ${JSON.stringify(text)}.`)
    return getAddress(text)
  }
  return { network, guardian: address(values.guardian, '--guardian'), registrar: address(values.registrar, '--registrar'), parametersFile: values.parameters }
}

async function readParameters(options: DeployOptions): Promise<IppocGovernanceParameters> {
  const file = options.parametersFile ?? path.join(import.meta.dirname, '..', 'ignition', 'parameters', `${options.network}.json`)
  if (options.parametersFile === undefined && !existsSync(file)) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'))
  } catch (cause) {
    throw new DeployConfigurationError(`Cannot read the parameters file ${file}.`, { cause, details: cause instanceof Error ? cause.message : undefined })
  }
  const moduleParameters = (parsed as { IppocGovernance?: Record<string, unknown> }).IppocGovernance ?? {}
  // Ignition files write big numbers as "123n"; the module takes bigints.
  return Object.fromEntries(
    Object.entries(moduleParameters).map(([key, value]) => [key, typeof value === 'string' && /^\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value]),
  ) as IppocGovernanceParameters
}

/**
 * Deploys (or, on a testnet, resumes) the governance system and writes its deployment file.
 *
 * @example
 * const deployment = await deployGovernance({ network: 'localhost' })
 */
export async function deployGovernance(options: DeployOptions): Promise<{ deployment: Deployment; file: string }> {
  const parameters = await readParameters(options)
  if (options.guardian !== undefined) parameters.guardian = options.guardian
  if (options.registrar !== undefined) parameters.registrar = options.registrar

  const { default: hre } = await import('hardhat')
  await hre.tasks.getTask('build').run({ quiet: true, noTests: true })
  const rpcUrl = options.network === 'testnet' ? (process.env.IPPOC_TESTNET_RPC_URL ?? 'testnet') : 'http://127.0.0.1:8545'
  let connection: Awaited<ReturnType<typeof hre.network.create>>
  let chainId: number
  let firstBlock: bigint
  try {
    connection = await hre.network.create(options.network)
    const publicClient = await connection.viem.getPublicClient()
    chainId = await publicClient.getChainId()
    firstBlock = (await publicClient.getBlockNumber()) + 1n
  } catch (cause) {
    const hints =
      options.network === 'testnet'
        ? ['Check IPPOC_TESTNET_RPC_URL and that the testnet endpoint is up.']
        : ['Start the local chain first with `npm run chain` (in another terminal).']
    throw new ChainUnreachableError({ rpcUrl, cause, hints })
  }
  if (chainId === localChainId) {
    await rm(path.join(hre.config.paths.ignition, 'deployments', `chain-${chainId}`), { recursive: true, force: true })
  }

  const deployed = (await connection.ignition.deploy(IppocGovernance, { parameters: { IppocGovernance: parameters }, displayUi: options.displayUi ?? true })) as Record<string, { address: Address }>
  const contracts = Object.fromEntries(contractNames.map((name) => [name, getAddress(deployed[resultKeys[name]]!.address)])) as Record<ContractName, Address>

  if (chainId === localChainId) {
    // A plain transfer from the deployer (the treasury's `receive`); Ignition's `m.send` is avoided
    // because Hardhat's local-key signer fails on its empty calldata.
    const [wallet] = await connection.viem.getWalletClients()
    const publicClient = await connection.viem.getPublicClient()
    if (wallet !== undefined) await publicClient.waitForTransactionReceipt({ hash: await wallet.sendTransaction({ to: contracts.treasury, value: localTreasuryEther }) })
  }

  const file = deploymentPathFor(chainId)
  const previous = existsSync(file) ? await readDeployment(file).catch(() => undefined) : undefined
  const resumed = previous !== undefined && previous.contracts.governor === contracts.governor
  const deployment: Deployment = { chainId, contracts, deployedAt: resumed ? previous.deployedAt : Number(firstBlock) }
  return { deployment, file: await writeDeployment(deployment) }
}

if (import.meta.main) {
  try {
    const { deployment, file } = await deployGovernance(parseDeployArguments(process.argv.slice(2)))
    console.log(`\nWrote ${path.relative(process.cwd(), file)} (chain ${deployment.chainId}, from block ${deployment.deployedAt}):`)
    for (const [name, address] of Object.entries(deployment.contracts)) console.log(`  ${name.padEnd(18)} ${address}`)
    process.exit(0)
  } catch (error) {
    console.error(formatErrorForUser(error))
    if (process.env.IPPOC_DEBUG) console.error(error)
    process.exit(1)
  }
}

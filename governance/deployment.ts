/**
 * The deployment file `governance/deployments/<chainId>.json`: where the contracts of one chain
 * live, written by `governance/deploy.ts` and read by the CLI, the node and the dashboard.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { getAddress, isAddress, type Address } from 'viem'
import { DeploymentInvalidError, DeploymentNotFoundError } from './errors.ts'

import { contractNames, type ContractName } from './contract-names.ts'

export { contractNames, type ContractName }

/** The contents of a deployment file. */
export type Deployment = {
  chainId: number
  contracts: Record<ContractName, Address>
  /** A block at or before the first deployment transaction: where log scans start. */
  deployedAt: number
}

/** The folder holding deployment files. */
export const deploymentsDirectory = path.join(import.meta.dirname, 'deployments')

/**
 * The path of the deployment file for `chainId`.
 *
 * @example
 * deploymentPathFor(31337) // '…/governance/deployments/31337.json'
 */
export function deploymentPathFor(chainId: number, directory: string = deploymentsDirectory): string {
  return path.join(directory, `${chainId}.json`)
}

/**
 * Checks parsed JSON against the deployment shape and normalizes addresses to checksum form.
 *
 * @example
 * const deployment = parseDeployment(JSON.parse(text), 'governance/deployments/31337.json')
 */
export function parseDeployment(value: unknown, source: string): Deployment {
  const fail = (problem: string): never => {
    throw new DeploymentInvalidError({ path: source, problem })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('expected a JSON object')
  const record = value as Record<string, unknown>
  const { chainId, deployedAt, contracts } = record
  if (typeof chainId !== 'number' || !Number.isSafeInteger(chainId) || chainId <= 0) return fail('`chainId` must be a positive integer')
  if (typeof deployedAt !== 'number' || !Number.isSafeInteger(deployedAt) || deployedAt < 0) return fail('`deployedAt` must be a block number')
  if (typeof contracts !== 'object' || contracts === null) return fail('`contracts` must be an object of addresses')
  const addresses = {} as Record<ContractName, Address>
  for (const name of contractNames) {
    const address = (contracts as Record<string, unknown>)[name]
    if (typeof address !== 'string' || !isAddress(address, { strict: false })) return fail(`\`contracts.${name}\` must be an address`)
    addresses[name] = getAddress(address)
  }
  return { chainId, contracts: addresses, deployedAt }
}

/**
 * Reads and checks a deployment file.
 *
 * @example
 * const deployment = await readDeployment(deploymentPathFor(31337))
 */
export async function readDeployment(file: string, chainId?: number): Promise<Deployment> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    throw new DeploymentNotFoundError({ path: file, chainId, cause })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new DeploymentInvalidError({ path: file, problem: 'it is not JSON' })
  }
  return parseDeployment(value, file)
}

/**
 * Writes a deployment file atomically (a reader never sees half a file). Returns its path.
 *
 * @example
 * await writeDeployment({ chainId: 31337, contracts, deployedAt: 1 })
 */
export async function writeDeployment(deployment: Deployment, directory: string = deploymentsDirectory): Promise<string> {
  const checked = parseDeployment(deployment, 'the deployment to write')
  await mkdir(directory, { recursive: true })
  const file = deploymentPathFor(checked.chainId, directory)
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, `${JSON.stringify(checked, null, 2)}\n`)
  await rename(temporary, file)
  return file
}

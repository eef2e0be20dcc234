/**
 * The dashboard's configuration, `GET /config.json` next to the page: which chain, where its
 * contracts are, which swarm nodes to watch, and the sandbox reports of evolutions. Browser-safe.
 */
import { getAddress, isAddress, type Address } from 'viem'
import { BaseError } from '../common/base-error.ts'
import { contractNames, type ContractName } from '../governance/contract-names.ts'

/** The contracts the dashboard reads, as keys of `contracts`: the names of a deployment file. */
export const dashboardContractNames = contractNames

/** One of {@link dashboardContractNames}. */
export type DashboardContractName = ContractName

/** The most swarm nodes one dashboard polls (each costs five requests every poll). */
export const dashboardNodesMax = 32

/** The most evolution reports a configuration may carry. */
export const evolutionReportsMax = 256

/** The contents of `/config.json`. */
export type DashboardConfig = {
  chainId: number
  /** The JSON-RPC URL the browser talks to (CORS must allow the page's origin; Hardhat's node does). */
  rpcUrl: string
  contracts: Record<DashboardContractName, Address>
  /** A block at or before the deployment: where event scans start. Default 0. */
  deployedAt: number
  /** Base URLs of swarm node HTTP APIs; the page reaches them through the dashboard server (`/node/<index>/…`). */
  nodes: string[]
  /** Sandbox reports by decimal evolution id, as `ippoc evolve propose` wrote them. */
  evolutionReports: Record<string, unknown>
}

/** `/config.json` is missing a field or has one of the wrong form. */
export class DashboardConfigInvalidError extends BaseError {
  override name = 'DashboardConfigInvalidError'
  constructor({ source, problem }: { source: string; problem: string }) {
    super(`The dashboard configuration from ${source} is not valid: ${problem}.`, {
      hints: ['Serve it with `startDashboardServer({ config })`, which checks it before serving.'],
    })
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseHttpUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined
  } catch {
    return undefined
  }
}

/**
 * Checks parsed JSON against {@link DashboardConfig}; addresses come out in checksum form and node
 * URLs without a trailing slash.
 *
 * @example
 * const config = parseDashboardConfig(await (await fetch('config.json')).json(), '/config.json')
 */
export function parseDashboardConfig(value: unknown, source: string): DashboardConfig {
  const fail = (problem: string): never => {
    throw new DashboardConfigInvalidError({ source, problem })
  }
  if (!isRecord(value)) return fail('expected a JSON object')
  const { chainId, rpcUrl, contracts, deployedAt = 0, nodes = [], evolutionReports = {} } = value
  if (typeof chainId !== 'number' || !Number.isSafeInteger(chainId) || chainId <= 0) return fail('`chainId` must be a positive integer')
  if (parseHttpUrl(rpcUrl) === undefined) return fail('`rpcUrl` must be an http(s) URL')
  if (typeof deployedAt !== 'number' || !Number.isSafeInteger(deployedAt) || deployedAt < 0) return fail('`deployedAt` must be a block number')
  if (!isRecord(contracts)) return fail('`contracts` must be an object of addresses')
  const addresses = {} as Record<DashboardContractName, Address>
  for (const name of dashboardContractNames) {
    const address = contracts[name]
    if (typeof address !== 'string' || !isAddress(address, { strict: false })) return fail(`\`contracts.${name}\` must be an address`)
    addresses[name] = getAddress(address)
  }
  if (!Array.isArray(nodes) || nodes.length > dashboardNodesMax) return fail(`\`nodes\` must be a list of at most ${dashboardNodesMax} URLs`)
  const nodeUrls = nodes.map((node, index) => {
    const url = parseHttpUrl(node)
    return url === undefined ? fail(`\`nodes[${index}]\` must be an http(s) URL`) : url.href.replace(/\/+$/, '')
  })
  if (!isRecord(evolutionReports) || Object.keys(evolutionReports).length > evolutionReportsMax) {
    return fail(`\`evolutionReports\` must be an object of at most ${evolutionReportsMax} reports`)
  }
  for (const key of Object.keys(evolutionReports)) if (!/^\d+$/.test(key)) fail(`\`evolutionReports\` keys must be decimal evolution ids, got ${JSON.stringify(key)}`)
  return { chainId, rpcUrl: rpcUrl as string, contracts: addresses, deployedAt, nodes: nodeUrls, evolutionReports }
}

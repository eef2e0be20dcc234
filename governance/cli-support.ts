/**
 * What the `gov` and `evolve` command groups share: the chain options every command takes, how a
 * command connects, argument parsers that say what they expected, and output helpers.
 */
import type { Command } from 'commander'
import { formatEther, getAddress, isAddress, parseEther, parseUnits, type Address, type Hex, type Transport } from 'viem'
import { connectGovernance, defaultRpcUrl, type GovernanceClient } from './client.ts'
import { GovernanceArgumentError } from './errors.ts'
import { voteSupport, type VoteSupportName } from './proposals.ts'

/** What the governance commands get from outside; tests replace them. */
export type GovernanceCliDependencies = {
  /** The transport for an RPC URL; HTTP when absent. Tests pass an in-process provider. */
  transportFor?: ((rpcUrl: string) => Transport) | undefined
  /** Prints one line of results; stdout when absent. */
  print?: ((line: string) => void) | undefined
  /** Environment variables (`IPPOC_PRIVATE_KEY`, `IPPOC_RPC_URL`); `process.env` when absent. */
  environment?: Record<string, string | undefined> | undefined
}

/** The options every chain command takes. */
export type ChainOptions = { rpcUrl?: string; deployment?: string; accountIndex?: number; json?: boolean }

/** Adds `--rpc-url`, `--deployment`, `--account-index` and `--json` to a command. */
export function withChainOptions(command: Command): Command {
  return command
    .option('--rpc-url <url>', `JSON-RPC endpoint (default: $IPPOC_RPC_URL or ${defaultRpcUrl})`)
    .option('--deployment <file>', 'deployment file (default: governance/deployments/<chainId>.json)')
    .option('--account-index <n>', 'sign with development account N of the local chain (default: $IPPOC_PRIVATE_KEY, else account 0 locally)', parseAccountIndex)
    .option('--json', 'print the result as JSON')
}

/** Connects a command to the chain and its deployment. */
export async function connectFromOptions(
  options: ChainOptions,
  dependencies: GovernanceCliDependencies,
  needsAccount: boolean,
): Promise<GovernanceClient> {
  const environment = dependencies.environment ?? process.env
  const rpcUrl = options.rpcUrl ?? environment.IPPOC_RPC_URL ?? defaultRpcUrl
  return connectGovernance({
    rpcUrl,
    deploymentFile: options.deployment,
    accountIndex: options.accountIndex,
    needsAccount,
    transport: dependencies.transportFor?.(rpcUrl),
    environment,
  })
}

/** Prints `text` (or `value` as JSON with `--json`). */
export function output(dependencies: GovernanceCliDependencies, options: ChainOptions, text: string, value: unknown): void {
  const print = dependencies.print ?? ((line: string) => console.log(line))
  print(options.json === true ? toJson(value) : text)
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_, item: unknown) => (typeof item === 'bigint' ? item.toString() : item), 2)
}

/** Parses `--account-index`. */
export function parseAccountIndex(text: string): number {
  if (!/^\d{1,2}$/.test(text)) throw new GovernanceArgumentError({ argument: '--account-index', expected: 'a small non-negative integer', received: text })
  return Number(text)
}

/** Parses a proposal or evolution id: decimal, 0x hex, or (for proposals) a unique decimal prefix. */
export function parseIdText(text: string, argument: string): string {
  if (!/^\d+$/.test(text) && !/^0x[0-9a-fA-F]{1,64}$/.test(text)) {
    throw new GovernanceArgumentError({ argument, expected: 'a decimal or 0x-hex id', received: text })
  }
  return text
}

/** Parses an id that must be exact (decimal or 0x hex). */
export function parseExactId(text: string, argument: string): bigint {
  parseIdText(text, argument)
  const value = BigInt(text)
  if (value >= 2n ** 256n) throw new GovernanceArgumentError({ argument, expected: 'a uint256', received: text })
  return value
}

/** Parses vote support: for, against or abstain. */
export function parseSupport(text: string): VoteSupportName {
  const name = text.toLowerCase()
  if (name in voteSupport) return name as VoteSupportName
  throw new GovernanceArgumentError({ argument: 'vote', expected: 'for, against or abstain', received: text })
}

/** Parses an EVM address. */
export function parseAddress(text: string, argument: string): Address {
  if (!isAddress(text, { strict: false })) throw new GovernanceArgumentError({ argument, expected: 'an address (0x and 40 hex digits)', received: text })
  return getAddress(text)
}

/** Parses a node id (an Ed25519 public key: 64 hex digits, with or without 0x) into bytes32. */
export function parseNodeId(text: string): Hex {
  const hex = text.startsWith('0x') ? text.slice(2) : text
  if (!/^[0-9a-fA-F]{64}$/.test(hex) || /^0+$/.test(hex)) {
    throw new GovernanceArgumentError({ argument: 'node id', expected: 'a non-zero Ed25519 public key as 64 hex digits', received: text })
  }
  return `0x${hex.toLowerCase()}`
}

/** Parses `ADDRESS:AMOUNT` where AMOUNT is in whole units with up to 18 decimals (ETH or iUSD). */
export function parseAddressAmount(text: string, argument: string, unit: 'ether' | 'token'): { to: Address; amount: bigint } {
  const [addressText = '', amountText = '', ...rest] = text.split(':')
  if (rest.length > 0 || !/^\d+(\.\d{1,18})?$/.test(amountText)) {
    throw new GovernanceArgumentError({ argument, expected: 'ADDRESS:AMOUNT, e.g. 0xabc…:1.5', received: text })
  }
  const amount = unit === 'ether' ? parseEther(amountText) : parseUnits(amountText, 18)
  return { to: parseAddress(addressText, argument), amount }
}

/** Parses `TARGET:VALUE_WEI:CALLDATA` for a raw proposal action. */
export function parseRawCall(text: string): { target: Address; value: bigint; calldata: Hex } {
  const [targetText = '', valueText = '', calldata = '', ...rest] = text.split(':')
  if (rest.length > 0 || !/^\d+$/.test(valueText) || !/^0x([0-9a-fA-F]{2})*$/.test(calldata)) {
    throw new GovernanceArgumentError({ argument: '--call', expected: 'TARGET:VALUE_WEI:CALLDATA, e.g. 0xabc…:0:0x1234abcd', received: text })
  }
  return { target: parseAddress(targetText, '--call target'), value: BigInt(valueText), calldata: calldata as Hex }
}

/** Collects a repeatable option into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

/** Formats an 18-decimals amount for people, e.g. `1000000` or `0.25`. */
export function formatAmount(value: bigint): string {
  return formatEther(value)
}

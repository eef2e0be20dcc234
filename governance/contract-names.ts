/**
 * The governance contracts by name, with their ABIs, and a proposal action in words. Browser-safe
 * (no `node:` imports): the CLI and the dashboard both use it.
 */
import { decodeFunctionData, type Abi, type Address, type Hex } from 'viem'
import { constitutionTokenAbi, evolutionRegistryAbi, guardedTimelockAbi, hybridGovernorAbi, iusdTokenAbi, ledgerAnchorAbi, nodeRegistryAbi, treasuryAbi } from './abi.ts'

/** The contracts a deployment names, as keys of `contracts`. */
export const contractNames = ['governor', 'timelock', 'constitutionToken', 'nodeRegistry', 'evolutionRegistry', 'iusd', 'treasury', 'ledgerAnchor'] as const

/** One of {@link contractNames}. */
export type ContractName = (typeof contractNames)[number]

/** The ABI of each contract. */
export const abisByContract: Record<ContractName, Abi> = {
  governor: hybridGovernorAbi,
  timelock: guardedTimelockAbi,
  constitutionToken: constitutionTokenAbi,
  nodeRegistry: nodeRegistryAbi,
  evolutionRegistry: evolutionRegistryAbi,
  iusd: iusdTokenAbi,
  treasury: treasuryAbi,
  ledgerAnchor: ledgerAnchorAbi,
}

/**
 * Renders one action in words when its target is a known contract, e.g.
 * `treasury.releaseEther(0xabc…, 1000000000000000000)`; the raw selector otherwise.
 *
 * @example
 * describeContractCall(deployment.contracts, target, 0n, calldata) // 'treasury.releaseEther(0x7099…, 2000000000000000000)'
 */
export function describeContractCall(
  contracts: Readonly<Record<ContractName, Address>>,
  target: Address,
  value: bigint,
  calldata: Hex,
  options: { readonly formatValue?: ((value: bigint) => string) | undefined } = {},
): string {
  const valueText = value > 0n ? (options.formatValue ?? ((wei) => ` with ${wei} wei`))(value) : ''
  const entry = Object.entries(contracts).find(([, address]) => address.toLowerCase() === target.toLowerCase())
  if (entry !== undefined) {
    const name = entry[0] as ContractName
    try {
      const { functionName, args } = decodeFunctionData({ abi: abisByContract[name], data: calldata })
      return `${name}.${functionName}(${(args ?? []).map((arg) => String(arg)).join(', ')})${valueText}`
    } catch {
      return `${name} call ${calldata.slice(0, 10)}…${valueText}`
    }
  }
  return `${target} call ${calldata.length > 2 ? calldata.slice(0, 10) + '…' : '(no data)'}${valueText}`
}

/**
 * A proposal action in words, with values in ETH (governance/contract-names.ts does the decoding).
 */
import { formatEther, type Address, type Hex } from 'viem'
import { describeContractCall } from '../../governance/contract-names.ts'
import type { DashboardContractName } from '../config.ts'

/**
 * Renders one action in words when its target is a known contract, e.g.
 * `treasury.releaseEther(0xabc…, 1000000000000000000)`; the raw selector otherwise.
 *
 * @example
 * describeProposalAction(config.contracts, treasury, 0n, calldata) // 'treasury.releaseEther(0x7099…, 2000000000000000000)'
 */
export function describeProposalAction(contracts: Record<DashboardContractName, Address>, target: Address, value: bigint, calldata: Hex): string {
  return describeContractCall(contracts, target, value, calldata, { formatValue: (wei) => ` sending ${formatEther(wei)} ETH` })
}

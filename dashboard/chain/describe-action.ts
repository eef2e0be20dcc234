/**
 * A proposal action in words, the dashboard's copy of `describeAction` in governance/proposals.ts
 * (which cannot load in a browser: it imports the Node-only deployment reader).
 */
import { decodeFunctionData, formatEther, type Abi, type Address, type Hex } from 'viem'
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
import type { DashboardContractName } from '../config.ts'

const abisByContract: Record<DashboardContractName, Abi> = {
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
 * describeProposalAction(config.contracts, treasury, 0n, calldata) // 'treasury.releaseEther(0x7099…, 2000000000000000000)'
 */
export function describeProposalAction(contracts: Record<DashboardContractName, Address>, target: Address, value: bigint, calldata: Hex): string {
  const valueText = value > 0n ? ` sending ${formatEther(value)} ETH` : ''
  const entry = Object.entries(contracts).find(([, address]) => address.toLowerCase() === target.toLowerCase())
  if (entry !== undefined) {
    const name = entry[0] as DashboardContractName
    try {
      const { functionName, args } = decodeFunctionData({ abi: abisByContract[name], data: calldata })
      return `${name}.${functionName}(${(args ?? []).map((arg) => String(arg)).join(', ')})${valueText}`
    } catch {
      return `${name} call ${calldata.slice(0, 10)}…${valueText}`
    }
  }
  return `${target} call ${calldata.length > 2 ? calldata.slice(0, 10) + '…' : '(no data)'}${valueText}`
}

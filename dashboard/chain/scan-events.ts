/**
 * Incremental event scans: the dashboard reads each contract's logs once, in block ranges no
 * wider than public RPCs allow, and afterwards only the new blocks.
 */
import type { Abi, Address, Log, PublicClient } from 'viem'

/** The widest block range asked of `eth_getLogs` at once (public RPCs cap it). */
export const logBlockRangeMax = 10_000n

/** The most logs one scanner keeps (older ones are dropped first). */
export const scannedLogsMax = 50_000

/** A decoded log of one contract. */
export type DecodedLog = Log<bigint, number, false> & { eventName: string; args: Record<string, unknown> }

/** Keeps the decoded logs of one contract up to the last scanned block. */
export type EventScanner = {
  readonly logs: readonly DecodedLog[]
  /** Scans up to `latest`; returns true when new logs arrived. */
  scanTo(latest: bigint): Promise<boolean>
}

/**
 * Creates a scanner of every event of `abi` emitted by `address` from `fromBlock` on.
 *
 * @example
 * const governorEvents = createEventScanner(publicClient, { address, abi: hybridGovernorAbi, fromBlock: 0n })
 * await governorEvents.scanTo(await publicClient.getBlockNumber())
 */
export function createEventScanner(client: PublicClient, parameters: { address: Address; abi: Abi; fromBlock: bigint }): EventScanner {
  const { address, abi } = parameters
  let next = parameters.fromBlock
  let logs: DecodedLog[] = []
  return {
    get logs() {
      return logs
    },
    async scanTo(latest) {
      let added = false
      while (next <= latest) {
        const toBlock = next + logBlockRangeMax - 1n < latest ? next + logBlockRangeMax - 1n : latest
        const found = (await client.getContractEvents({ address, abi, fromBlock: next, toBlock, strict: true })) as unknown as DecodedLog[]
        if (found.length > 0) {
          logs = [...logs, ...found].slice(-scannedLogsMax)
          added = true
        }
        next = toBlock + 1n
      }
      return added
    },
  }
}

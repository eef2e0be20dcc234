/**
 * A local swarm on one machine: N nodes in this process on 127.0.0.1, each with its own identity,
 * DuckDB ledger, libp2p host and HTTP API, all bootstrapping from the first; optionally a small
 * workload of metered actions. Each node bootstraps from the few started just before it. Identities are made once in the data root and reused, so a second
 * run continues the same ledgers.
 */
import { initIdentity, listNodeIds } from '../identity/index.ts'
import { InvalidArgumentError } from '../common/base-error.ts'
import { describeValue } from '../common/describe-value.ts'
import type { Logger } from './log.ts'
import { startNode, type RunningNode } from './run-node.ts'

/** Most nodes `ippoc devnet` starts in one process. */
export const DEVNET_NODES_MAX = 100
/** Each node bootstraps from this many of the nodes started before it. */
const DEVNET_BOOTSTRAP_PEERS = 3
/** Devnet genesis allocation per node, in IPPC. */
export const DEVNET_GENESIS_COINS = 1_000_000n

/** Parameters of {@link startDevnet}. */
export type StartDevnetParameters = {
  readonly dataDirectory: string
  readonly nodes: number
  /** HTTP port of the first node; the others take the next ones. 0: free ports. */
  readonly httpPortBase?: number | undefined
  /** Each node meters an action every this many ms (jittered); 0: no workload. */
  readonly workloadIntervalMs?: number | undefined
  readonly logger?: Logger | undefined
  /** Called as nodes come up. */
  readonly onProgress?: ((message: string) => void) | undefined
}

/** A running devnet. */
export type Devnet = {
  readonly nodes: readonly RunningNode[]
  stop(): Promise<void>
}

/**
 * Starts a devnet and, when asked, its workload.
 *
 * @example
 * const devnet = await startDevnet({ dataDirectory: './data/devnet', nodes: 5, workloadIntervalMs: 2_000 })
 * console.log(devnet.nodes.map((node) => node.http.url))
 * await devnet.stop()
 */
export async function startDevnet(parameters: StartDevnetParameters): Promise<Devnet> {
  const { dataDirectory, nodes: count, httpPortBase = 0, workloadIntervalMs = 0, logger, onProgress } = parameters
  if (!Number.isSafeInteger(count) || count < 1 || count > DEVNET_NODES_MAX)
    throw new InvalidArgumentError({ argument: '--nodes', expected: `an integer from 1 to ${DEVNET_NODES_MAX}`, received: describeValue(count) })
  if (!Number.isSafeInteger(httpPortBase) || httpPortBase < 0 || httpPortBase + count - 1 > 65_535)
    throw new InvalidArgumentError({ argument: '--http-port', expected: `0, or a port with ${count - 1} free ports after it`, received: describeValue(httpPortBase) })
  const ids = (await listNodeIds(dataDirectory).catch(() => [] as string[])).slice(0, count)
  while (ids.length < count) {
    const identity = await initIdentity({ dataDir: dataDirectory })
    ids.push(identity.nodeId)
    onProgress?.(`created node ${identity.nodeId.slice(0, 16)}… (${ids.length}/${count})`)
  }
  const running: RunningNode[] = []
  const timers: NodeJS.Timeout[] = []
  const stop = async (): Promise<void> => {
    for (const timer of timers) clearInterval(timer)
    await Promise.all(running.map((node) => node.stop()))
  }
  try {
    for (const [index, nodeId] of ids.entries()) {
      const node = await startNode({
        dataDirectory,
        nodeId,
        // The last few nodes up, not only the first: no hub whose loss splits the swarm.
        bootstrap: running.slice(-DEVNET_BOOTSTRAP_PEERS).flatMap((peer) => peer.multiaddrs()),
        httpPort: httpPortBase === 0 ? 0 : httpPortBase + index,
        genesisCoins: DEVNET_GENESIS_COINS,
        logger,
        // Nodes share the machine's cores; one verifier thread each would oversubscribe them.
        verifyWorkers: 0,
      })
      running.push(node)
      onProgress?.(`node ${index + 1}/${count} up: ${nodeId.slice(0, 16)}…  ${node.http.url}`)
    }
  } catch (error) {
    await stop()
    throw error
  }
  if (workloadIntervalMs > 0)
    for (const node of running) {
      const timer = setInterval(() => {
        try {
          node.node.appendMetered(Math.random() < 0.8 ? { type: 'llm_inference', model: 'devnet-model', tokens: 100 + Math.floor(Math.random() * 2_000) } : { type: 'tool_exec', tool: 'devnet-tool', durationMs: 50 + Math.floor(Math.random() * 500) })
        } catch (error) {
          // Out of IPPC: the node is in worker mode and stops metering; anything else is worth a line.
          logger?.warn({ err: error }, 'workload action refused')
        }
      }, workloadIntervalMs + Math.floor(Math.random() * workloadIntervalMs))
      timer.unref()
      timers.push(timer)
    }
  return { nodes: running, stop }
}

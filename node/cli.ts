/**
 * `ippoc node start` (one node) and `ippoc devnet` (N nodes in one process). Both run until
 * SIGINT/SIGTERM, then stop cleanly: HTTP API closed, network left, ledger flushed and closed.
 */
import type { Command } from 'commander'
import { InvalidArgumentError } from '../common/base-error.ts'
import { startDevnet, DEVNET_GENESIS_COINS } from './devnet.ts'
import { createLogger } from './log.ts'
import { startNode } from './run-node.ts'

type NodeStartOptions = { dataDir: string; node?: string; listen: string[]; bootstrap: string[]; httpPort: string; genesis: boolean }
type DevnetOptions = { dataDir: string; nodes: string; httpPort: string; workload: string }

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

/**
 * Adds `node start` and `devnet` to the `ippoc` program.
 *
 * @example
 * registerNodeCommands(new Command('ippoc'))
 */
export function registerNodeCommands(program: Command): void {
  const node = program.command('node').description('Run a swarm node.')
  node
    .command('start')
    .description('Boot this machine\'s node (identity → ledger → network → HTTP API) and join the swarm until Ctrl-C.')
    .option('--data-dir <dir>', 'swarm data root holding nodes/<id>/', './data')
    .option('--node <id>', 'node id (needed when the data root holds several)')
    .option('--listen <multiaddr>', 'libp2p listen address (repeatable)', collect, [])
    .option('--bootstrap <multiaddr>', 'a peer to join through, with /p2p/<peer id> (repeatable)', collect, [])
    .option('--http-port <port>', 'HTTP API port on 127.0.0.1 (0: any free port)', '0')
    .option('--genesis', `devnet only: mint the node's ${DEVNET_GENESIS_COINS} IPPC genesis allocation if its chain is empty`)
    .action(async (options: NodeStartOptions) => {
      const running = await startNode({
        dataDirectory: options.dataDir,
        nodeId: options.node,
        listen: options.listen.length > 0 ? options.listen : undefined,
        bootstrap: options.bootstrap,
        httpPort: parsePort(options.httpPort),
        genesisCoins: options.genesis ? DEVNET_GENESIS_COINS : 0n,
        logger: createLogger(),
      })
      console.log(
        [
          `node ${running.identity.nodeId}`,
          `  peer id   ${running.transport.peerId}`,
          ...running.multiaddrs().map((address) => `  listening ${address}`),
          `  http api  ${running.http.url}/status  /peers  /balances  /entries  /bans  /metrics`,
          'Ctrl-C stops the node.',
        ].join('\n'),
      )
      await untilSignal()
      await running.stop()
    })

  program
    .command('devnet')
    .description('Start N nodes on 127.0.0.1 in this process, bootstrapped from the first, with a small workload, until Ctrl-C.')
    .option('--data-dir <dir>', 'data root for the devnet nodes (kept between runs)', './data/devnet')
    .option('--nodes <n>', 'how many nodes', '5')
    .option('--http-port <port>', 'HTTP API port of the first node; the others take the next ones (0: any free ports)', '0')
    .option('--workload <ms>', 'each node meters an action about every this many ms (0: none)', '2000')
    .action(async (options: DevnetOptions) => {
      const logger = createLogger()
      const devnet = await startDevnet({
        dataDirectory: options.dataDir,
        nodes: Number(options.nodes),
        httpPortBase: parsePort(options.httpPort),
        workloadIntervalMs: parseNonNegative(options.workload, '--workload'),
        logger,
        onProgress: (message) => console.log(message),
      })
      console.log(
        [
          '',
          `${devnet.nodes.length} nodes are up. Bootstrap another node with:`,
          `  npx ippoc node start --data-dir <dir> --bootstrap ${devnet.nodes[0]!.multiaddrs()[0] ?? ''}`,
          `Status of the first node: curl ${devnet.nodes[0]!.http.url}/status`,
          'Ctrl-C stops every node.',
        ].join('\n'),
      )
      await untilSignal()
      console.log('stopping…')
      await devnet.stop()
    })
}

function parsePort(text: string): number {
  const port = Number(text)
  if (!/^\d{1,5}$/.test(text) || port > 65_535) throw new InvalidArgumentError({ argument: '--http-port', expected: 'a port from 0 to 65535', received: JSON.stringify(text) })
  return port
}

function parseNonNegative(text: string, argument: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new InvalidArgumentError({ argument, expected: 'a non-negative integer', received: JSON.stringify(text) })
  return Number(text)
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals) => {
      process.off('SIGINT', done)
      process.off('SIGTERM', done)
      resolve(signal)
    }
    process.on('SIGINT', done)
    process.on('SIGTERM', done)
  })
}

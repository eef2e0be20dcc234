/**
 * A swarm node on real parts: boots atomically (identity → ledger → network → HTTP API), each
 * step undone if a later one fails, and stops cleanly. The core is the same one the simulator
 * runs; only the clock, randomness, transport and storage differ.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { BaseError } from '../common/base-error.ts'
import { bootIdentity, type NodeIdentity } from '../identity/index.ts'
import { DEVNET_RULES } from '../ledger/index.ts'
import { openLedger, type PersistentLedger } from '../ledger/persistent-ledger.ts'
import { startNodeHttpApi, type NodeHttpApi } from './http/api.ts'
import { createLogger, type Logger } from './log.ts'
import { persistentNodeStore } from './node-store.ts'
import { createLibp2pTransport, type Libp2pTransport } from './p2p/libp2p-transport.ts'
import { tolerateClosedStreamWrites } from './p2p/stream-error-guard.ts'
import { createSwarmNode, type NodeEvent, type SwarmNode, type WarrantLog } from './swarm-node.ts'
import { verifyEntriesOffThread, warmSignaturePool } from './signature-pool.ts'
import { createSystemClock, createSystemRandom } from './system-clock.ts'

/** Parameters of {@link startNode}. */
export type StartNodeParameters = {
  /** The swarm data root holding `nodes/<id>/`. */
  readonly dataDirectory: string
  /** Which node to boot when the data root holds several. */
  readonly nodeId?: string | undefined
  readonly listen?: readonly string[] | undefined
  readonly bootstrap?: readonly string[] | undefined
  /** HTTP API port on 127.0.0.1; 0 picks a free one. */
  readonly httpPort?: number | undefined
  readonly httpHost?: string | undefined
  /** Devnet genesis allocation minted as the node's first entry if its chain is empty; 0n: none. */
  readonly genesisCoins?: bigint | undefined
  readonly syncIntervalMs?: number | undefined
  readonly logger?: Logger | undefined
  /** Passed to the identity boot (tests pin machine facts). */
  readonly machineFacts?: Parameters<typeof bootIdentity>[0]['machineFacts']
  /** Worker threads verifying the ledger on open; default one per core. */
  readonly verifyWorkers?: number | undefined
}

/** A node that is up. */
export type RunningNode = {
  readonly identity: NodeIdentity
  readonly node: SwarmNode
  readonly transport: Libp2pTransport
  readonly http: NodeHttpApi
  readonly ledger: PersistentLedger
  /** The node's libp2p addresses, with `/p2p/<peer id>`: what other nodes bootstrap from. */
  multiaddrs(): string[]
  stop(): Promise<void>
}

/** A boot step failed; everything before it was undone. */
export class NodeBootError extends BaseError {
  override name = 'NodeBootError'
  readonly step: string
  constructor(step: string, cause: unknown) {
    const reason = cause instanceof BaseError ? cause.shortMessage : cause instanceof Error ? cause.message : String(cause)
    super(`The node did not start: ${step} failed (${reason}).`, { cause, hints: cause instanceof BaseError ? cause.hints : ['Nothing was left running; fix the cause and start again.'] })
    this.step = step
  }
}

/**
 * Boots a node and joins the swarm.
 *
 * @example
 * const running = await startNode({ dataDirectory: './data', listen: ['/ip4/127.0.0.1/tcp/4001'], bootstrap: [] })
 * console.log(running.http.url, running.multiaddrs())
 * await running.stop()
 */
export async function startNode(parameters: StartNodeParameters): Promise<RunningNode> {
  const undo: (() => Promise<void>)[] = []
  const step = async <T,>(name: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (error) {
      for (const undoStep of undo.reverse()) await undoStep().catch(() => {})
      throw new NodeBootError(name, error)
    }
  }
  const identity = await step('identity', () => bootIdentity({ dataDir: parameters.dataDirectory, nodeId: parameters.nodeId, machineFacts: parameters.machineFacts }))
  const logger = (parameters.logger ?? createLogger()).child({ nodeId: identity.nodeId.slice(0, 16) })
  tolerateClosedStreamWrites((error) => logger.debug({ err: error }, 'tolerated a write to a closed libp2p stream'))
  const ledger = await step('ledger', () => openLedger({ path: identity.paths.ledgerDb, rules: DEVNET_RULES, verifyWorkers: parameters.verifyWorkers }))
  undo.push(() => ledger.close())
  logger.info({ entries: ledger.openReport.entries, ms: Math.round(ledger.openReport.elapsedMs) }, 'ledger verified')
  const transport = await step('network', () => createLibp2pTransport({ seed: identity.exportSeed(), listen: parameters.listen, bootstrap: parameters.bootstrap }))
  undo.push(() => transport.stop())
  const clock = createSystemClock()
  const node = createSwarmNode(
    { clock, random: createSystemRandom(), transport, store: persistentNodeStore(ledger), verifyBatch: verifyEntriesOffThread, warrantLog: fileWarrantLog(path.join(identity.paths.economy, 'warrants.log')), onEvent: (event) => logEvent(logger, event) },
    { signer: identity, syncIntervalMs: parameters.syncIntervalMs, listen: () => transport.multiaddrs(), peerId: transport.peerId },
  )
  // A starting node usually catches up first: its signature workers start alongside.
  warmSignaturePool()
  await step('network', () => node.start())
  undo.push(() => node.stop())
  const genesisCoins = parameters.genesisCoins ?? 0n
  if (genesisCoins > 0n && ledger.ledger.head(identity.nodeId) === undefined) {
    node.mintGenesis(genesisCoins)
    await node.flush()
  }
  const http = await step('http api', () => startNodeHttpApi({ view: node, host: parameters.httpHost, port: parameters.httpPort, logger }))
  logger.info({ http: http.url, listen: transport.multiaddrs(), bootstrap: parameters.bootstrap ?? [] }, 'node started')
  let stopping: Promise<void> | undefined
  return {
    identity,
    node,
    transport,
    http,
    ledger,
    multiaddrs: () => transport.multiaddrs(),
    stop() {
      stopping ??= (async () => {
        await http.close()
        await node.stop()
        await ledger.close()
        logger.info('node stopped')
      })()
      return stopping
    },
  }
}

function logEvent(logger: Logger, event: NodeEvent): void {
  switch (event.kind) {
    case 'probe':
    case 'durable':
      return
    case 'ban':
      return logger.warn({ peer: event.peer, reason: event.reason }, 'peer banned')
    case 'warrant-issued':
      return logger.warn({ accused: event.accused, kind: event.warrantKind }, 'warrant issued')
    case 'fork':
      return logger.warn({ author: event.author, seq: event.seq }, 'fork detected')
    case 'sync-rejected':
      return logger.info({ peer: event.peer, reason: event.reason }, 'sync message rejected')
    case 'gossip-rejected':
      return logger.info({ peer: event.peer, reason: event.reason }, 'gossip message rejected')
  }
}

/** Warrants as base64url lines; each is checked again when loaded. */
function fileWarrantLog(file: string): WarrantLog {
  return {
    load: () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => /^[A-Za-z0-9_-]+$/.test(line)).map((line) => new Uint8Array(Buffer.from(line, 'base64url'))) : []),
    append: (warrant) => appendFileSync(file, `${Buffer.from(warrant).toString('base64url')}\n`, { mode: 0o600 }),
  }
}

/**
 * Real swarms for the socket tests: nodes booted with `startNode` (identity on disk, DuckDB ledger,
 * libp2p over TCP on 127.0.0.1, HTTP API) in one throwaway data root, bare libp2p transports that
 * play a misbehaving peer, and polling with a deadline instead of sleeps.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initIdentity } from '../../identity/index.ts'
import { fakeMachine, machineA } from '../../identity/test-support/machines.ts'
import type { SignedEntry } from '../../ledger/index.ts'
import { LedgerDoc } from '../ledger-doc.ts'
import { createLogger } from '../log.ts'
import { createLibp2pTransport, type Libp2pTransport } from '../p2p/libp2p-transport.ts'
import { startNode, type RunningNode } from '../run-node.ts'
import type { TransportHandlers } from '../transport.ts'

/** How long a wait may take before it fails, unless told otherwise. */
export const WAIT_TIMEOUT_MS_DEFAULT = 20_000
/** How often a wait checks its condition. */
export const WAIT_POLL_INTERVAL_MS = 25
/** Coins each node mints as its first entry: enough for a few dozen metered entries. */
export const GENESIS_COINS_DEFAULT = 1_000n
/** Anti-entropy period of test nodes: shorter than the default, so catch-up after a heal is quick. */
export const SYNC_INTERVAL_MS_TEST = 250

/** Parameters of {@link waitFor}. */
export type WaitForParameters = {
  /** What is awaited, for the failure message ("5 nodes to agree on the state root"). */
  readonly what: string
  readonly timeoutMs?: number | undefined
  /** The values worth printing when the wait times out (roots, counts, peers). */
  readonly observe?: (() => unknown) | undefined
}

/**
 * Polls `predicate` until it holds; fails after the deadline with what was awaited and the last
 * observed values. A predicate that throws counts as not holding (its error is reported).
 *
 * @example
 * await waitFor(() => swarm.roots().size === 1, { what: 'one state root', observe: () => [...swarm.roots()] })
 */
export async function waitFor(predicate: () => boolean, parameters: WaitForParameters): Promise<void> {
  const { what, timeoutMs = WAIT_TIMEOUT_MS_DEFAULT, observe } = parameters
  const startedAtMs = Date.now()
  let lastError: unknown
  for (;;) {
    try {
      if (predicate()) return
      lastError = undefined
    } catch (error) {
      lastError = error
    }
    if (Date.now() - startedAtMs > timeoutMs) {
      const observed = observe === undefined ? '' : `; last observed: ${describeObserved(observe)}`
      const thrown = lastError === undefined ? '' : `; the check threw: ${lastError instanceof Error ? lastError.message : String(lastError)}`
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${observed}${thrown}`)
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_INTERVAL_MS))
  }
}

function describeObserved(observe: () => unknown): string {
  try {
    return JSON.stringify(observe(), (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))
  } catch (error) {
    return `(observe threw: ${error instanceof Error ? error.message : String(error)})`
  }
}

/** How the nodes of a swarm bootstrap: each from node 0, each from the one before, or each from all before. */
export type SwarmTopology = 'star' | 'chain' | 'mesh'

/** One node of a {@link P2pSwarm}: fixed identity and data directory, running or not. */
export type SwarmMember = {
  readonly index: number
  readonly seed: Uint8Array
  readonly nodeId: string
  readonly bootstrap: readonly string[]
  /** The running node, or undefined while stopped. */
  running: RunningNode | undefined
}

/** Parameters of {@link startP2pSwarm}. */
export type StartP2pSwarmParameters = {
  readonly size: number
  readonly topology: SwarmTopology
  /** Seeds are `[seedBase + index, …]`; distinct bases keep swarms of one process apart. */
  readonly seedBase?: number | undefined
  readonly genesisCoins?: bigint | undefined
  readonly syncIntervalMs?: number | undefined
}

/** A swarm of real nodes sharing one temporary data root. */
export type P2pSwarm = {
  readonly dataDirectory: string
  readonly members: readonly SwarmMember[]
  /** The running node of member `index`; throws if it is stopped. */
  node(index: number): RunningNode
  /** Running nodes, in member order. */
  runningNodes(): RunningNode[]
  /** Stops member `index` (its data stays). */
  stopMember(index: number): Promise<void>
  /** Starts member `index` again from its data directory, with its bootstrap list. */
  restartMember(index: number): Promise<RunningNode>
  /** A bare transport stopped with the swarm; see {@link startBareTransport}. */
  bareTransport(seed: Uint8Array, bootstrap: readonly string[]): Promise<BareTransport>
  /** Stops every node and bare transport, then removes the data root. Safe to call twice. */
  stop(): Promise<void>
}

/**
 * Boots `size` nodes one after the other (each bootstraps from nodes already up) and waits until
 * every node has at least one peer. On any failure the nodes already up are stopped again.
 *
 * @example
 * const swarm = await startP2pSwarm({ size: 5, topology: 'star' })
 * after(() => swarm.stop())
 */
export async function startP2pSwarm(parameters: StartP2pSwarmParameters): Promise<P2pSwarm> {
  const { size, topology, seedBase = 1, genesisCoins = GENESIS_COINS_DEFAULT, syncIntervalMs = SYNC_INTERVAL_MS_TEST } = parameters
  if (!Number.isSafeInteger(size) || size < 1 || seedBase + size > 256) throw new RangeError(`expected 1 ≤ size and seedBase + size ≤ 256, got size ${size}, seedBase ${seedBase}`)
  const dataDirectory = await mkdtemp(join(tmpdir(), 'ippoc-p2p-'))
  const members: SwarmMember[] = []
  const bares: BareTransport[] = []
  let stopping: Promise<void> | undefined

  const boot = (member: SwarmMember): Promise<RunningNode> =>
    startNode({
      dataDirectory,
      nodeId: member.nodeId,
      bootstrap: member.bootstrap,
      genesisCoins,
      syncIntervalMs,
      verifyWorkers: 0,
      machineFacts: fakeMachine(machineA),
      logger: createLogger({ level: 'silent' }),
    })

  const swarm: P2pSwarm = {
    dataDirectory,
    members,
    node(index) {
      const running = members[index]?.running
      if (running === undefined) throw new Error(`swarm member ${index} is not running`)
      return running
    },
    runningNodes: () => members.flatMap((member) => (member.running === undefined ? [] : [member.running])),
    async stopMember(index) {
      const member = members[index]
      if (member?.running === undefined) throw new Error(`swarm member ${index} is not running`)
      const running = member.running
      member.running = undefined
      await running.stop()
    },
    async restartMember(index) {
      const member = members[index]
      if (member === undefined || member.running !== undefined) throw new Error(`swarm member ${index} is missing or still running`)
      member.running = await boot(member)
      return member.running
    },
    async bareTransport(seed, bootstrap) {
      const bare = await startBareTransport({ seed, bootstrap })
      bares.push(bare)
      return bare
    },
    stop() {
      stopping ??= (async () => {
        const results = await Promise.allSettled([
          ...members.map(async (member) => {
            const running = member.running
            member.running = undefined
            await running?.stop()
          }),
          ...bares.map((bare) => bare.transport.stop()),
        ])
        await rm(dataDirectory, { recursive: true, force: true })
        const failed = results.find((result) => result.status === 'rejected')
        if (failed !== undefined) throw failed.reason
      })()
      return stopping
    },
  }

  try {
    for (let index = 0; index < size; index++) {
      const seed = new Uint8Array(32).fill(seedBase + index)
      const identity = await initIdentity({ dataDir: dataDirectory, seed, machineFacts: fakeMachine(machineA) })
      const bootstrap = bootstrapFor(topology, index, members)
      const member: SwarmMember = { index, seed, nodeId: identity.nodeId, bootstrap, running: undefined }
      members.push(member)
      member.running = await boot(member)
    }
    await waitFor(() => swarm.runningNodes().every((running) => running.transport.connectedPeers().length > 0), {
      what: 'every node to have a peer',
      observe: () => swarm.runningNodes().map((running) => running.transport.connectedPeers().length),
    })
  } catch (error) {
    await swarm.stop().catch(() => {})
    throw error
  }
  return swarm
}

function bootstrapFor(topology: SwarmTopology, index: number, members: readonly SwarmMember[]): string[] {
  const addressesOf = (member: SwarmMember | undefined): string[] => member?.running?.multiaddrs() ?? []
  if (index === 0) return []
  if (topology === 'star') return addressesOf(members[0])
  if (topology === 'chain') return addressesOf(members[index - 1])
  return members.flatMap(addressesOf)
}

/** A libp2p transport with no node behind it: it accepts every message and records direct frames. */
export type BareTransport = {
  readonly transport: Libp2pTransport
  readonly directFrames: { readonly from: string; readonly bytes: Uint8Array }[]
}

/**
 * Starts a bare transport that plays a peer under the test's control (a byzantine node, a fuzzer).
 *
 * @example
 * const bare = await startBareTransport({ seed: new Uint8Array(32).fill(200), bootstrap: node.multiaddrs() })
 * bare.transport.publish(TOPICS.entries, garbage)
 */
export async function startBareTransport(parameters: { readonly seed: Uint8Array; readonly bootstrap: readonly string[] }): Promise<BareTransport> {
  const transport = await createLibp2pTransport({ seed: parameters.seed, bootstrap: parameters.bootstrap })
  const directFrames: { from: string; bytes: Uint8Array }[] = []
  const handlers: TransportHandlers = {
    validate: () => 'accept',
    direct: (from, bytes) => void directFrames.push({ from, bytes }),
    peerConnected: () => {},
    peerDisconnected: () => {},
  }
  await transport.start(handlers)
  return { transport, directFrames }
}

/**
 * The change a node would gossip for `entry`, built on a document that holds the author's chain
 * before it (the same construction as the simulated-network tests).
 *
 * @example
 * const change = changeFor(chainOf(x.ledger.ledger, x.node.nodeId), twin)
 */
export function changeFor(chain: readonly SignedEntry[], entry: SignedEntry): Uint8Array {
  const doc = new LedgerDoc({ actorHex: 'ee'.repeat(16) })
  try {
    for (const previous of chain) doc.add(previous)
    const added = doc.add(entry)
    if (added === undefined) throw new Error(`entry ${entry.idHex.slice(0, 12)} does not follow the chain it was given`)
    return added.change
  } finally {
    doc.free()
  }
}

/** The entries of `authorHex` a node's ledger holds, by seq. */
export function chainOf(running: RunningNode, authorHex: string): SignedEntry[] {
  return [...running.ledger.ledger.entries()].filter((entry) => entry.authorHex === authorHex).sort((a, b) => a.body.seq - b.body.seq)
}

/** The state roots of `nodes`, distinct values only (one element: they agree). */
export function distinctRoots(nodes: readonly RunningNode[]): Set<string> {
  return new Set(nodes.map((running) => running.node.stateRootHex()))
}

/** A short, printable summary of each node (for wait failures). */
export function describeNodes(nodes: readonly RunningNode[]): { id: string; root: string; counted: number; peers: number; banned: number }[] {
  return nodes.map((running) => {
    const status = running.node.status()
    return { id: running.node.nodeId.slice(0, 8), root: status.stateRoot.slice(0, 12), counted: status.entries.counted, peers: status.peers, banned: status.banned }
  })
}

/** Parameters of {@link waitForConvergence}. */
export type WaitForConvergenceParameters = {
  readonly what: string
  /** Entry ids (hex) that must count at every node. */
  readonly entryIds: Iterable<string>
  readonly timeoutMs?: number | undefined
}

/**
 * Waits until `nodes` agree on one state root and every entry of `entryIds` counts at each of them.
 *
 * @example
 * await waitForConvergence(swarm.runningNodes(), { what: 'the swarm to converge', entryIds: authored.keys() })
 */
export async function waitForConvergence(nodes: readonly RunningNode[], parameters: WaitForConvergenceParameters): Promise<void> {
  const entryIds = [...parameters.entryIds]
  const missingAt = (running: RunningNode): number => entryIds.filter((idHex) => running.ledger.ledger.standing(idHex)?.status !== 'counted').length
  await waitFor(() => nodes.every((running) => missingAt(running) === 0) && distinctRoots(nodes).size === 1, {
    what: `${parameters.what} (${nodes.length} nodes, one state root, ${entryIds.length} entries counted at each)`,
    timeoutMs: parameters.timeoutMs,
    observe: () => describeNodes(nodes).map((summary, index) => ({ ...summary, missing: missingAt(nodes[index]!) })),
  })
}

/**
 * The swarm's speed, measured on real nodes (libp2p over TCP on 127.0.0.1, one process) against
 * baselines measured in the same run:
 *
 * - (a) `raw_*`: app-signed 400-byte probes over gossipsub to every node (each receiver's validator
 *   verifies the signature): the gossip baseline.
 * - (b) `entry_*`: ledger entries paced like (a), until durable at every node (validated, merged
 *   into the document, applied to the ledger, committed to its store). `p99_ratio` = entry/raw p99.
 * - (c) `heal_ms`: a 50/50 partition, 100 entries written on each side, healed; time from unblock
 *   until every node reports one state root.
 * - (d) `catchup_per_s`: a fresh node syncing a 10,000-entry ledger from one peer, until all are
 *   durable, against `raw_verify_per_s` (bare node:crypto Ed25519 verify on one thread, measured
 *   just before and after the catch-up and averaged). `catchup_ratio` = catchup/raw verify.
 *   It runs first, in a child process of this run: the pair is not part of the 100 nodes, and its
 *   10,000-entry documents must not count in their memory (`catchup_rss_mb` reports the child's).
 * - `rss_mb`: the 100-node process's peak resident memory.
 *
 * Every node verifies every entry and probe itself: nothing is shared between nodes. The swarm starts
 * from a shared genesis (every node's store holds every node's mint, as after a restart): setup,
 * not measured.
 *
 * Run: `npm run bench -- swarm [--nodes 100] [--messages 100] [--interval-ms 500] [--store duckdb|memory]
 * [--catchup-entries 10000]`. The default pace (one message every 500 ms) is one the raw baseline
 * sustains with 100 nodes on 2 cores; at 75 ms the baseline itself saturates them (p50 1.5–3 s). Progress goes to stderr; a summary, then one JSON object as the last
 * stdout line. Targets: p99_ratio ≤ 1.5, heal_ms ≤ 5000, catchup_ratio ≥ 0.6, rss_mb ≤ 1500.
 * `--store memory` keeps the swarm's ledgers in memory (the catch-up pair always uses DuckDB); the
 * stores of one process share one storage worker, ~6.5 MB of resident memory per DuckDB store.
 */
import { createPrivateKey, createPublicKey, randomBytes, randomInt, sign, verify } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createEd25519Signer, verifyEd25519 } from '../identity/ed25519.ts'
import { BASE_UNITS_PER_COIN, buildMetered, buildMint, DEVNET_RULES, devnetGenesisGrant, Ledger, type EntrySigner, type SignedEntry } from '../ledger/index.ts'
import { openLedger, type PersistentLedger } from '../ledger/persistent-ledger.ts'
import { memoryNodeStore, persistentNodeStore } from '../node/node-store.ts'
import { createLibp2pTransport, type Libp2pTransport } from '../node/p2p/libp2p-transport.ts'
import { createSwarmNode, type NodeEvent, type SwarmNode } from '../node/swarm-node.ts'
import { createSystemClock, createSystemRandom } from '../node/system-clock.ts'
import { verifyEntriesOffThread, closeSignaturePool, warmSignaturePool } from '../node/signature-pool.ts'
import { tolerateClosedStreamWrites, toleratedStreamErrors } from '../node/p2p/stream-error-guard.ts'

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '100' },
    messages: { type: 'string', default: '100' },
    'interval-ms': { type: 'string', default: '500' },
    'partition-entries': { type: 'string', default: '100' },
    'catchup-entries': { type: 'string', default: '10000' },
    store: { type: 'string', default: 'duckdb' },
    'catchup-only': { type: 'boolean', default: false },
  },
})
function positiveInteger(name: string, text: string | undefined, minimum = 1): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < minimum) throw new TypeError(`--${name}: expected an integer of at least ${minimum}, got ${text}`)
  return value
}
const nodeCount = positiveInteger('nodes', values.nodes, 4)
const messageCount = positiveInteger('messages', values.messages)
const intervalMs = positiveInteger('interval-ms', values['interval-ms'])
const partitionEntries = positiveInteger('partition-entries', values['partition-entries'])
const catchupEntries = positiveInteger('catchup-entries', values['catchup-entries'], 2)
const storeKind = values.store
if (storeKind !== 'duckdb' && storeKind !== 'memory') throw new TypeError(`--store: expected duckdb or memory, got ${storeKind}`)

const TARGETS = { p99RatioMax: 1.5, healMsMax: 5_000, catchupRatioMin: 0.6, rssMbMax: 1_500 }
const GENESIS_COINS = 1_000_000n
const BOOTSTRAP_PEERS = 4
const START_GROUP_NODES = 8
const MESH_PEERS_MIN = 3
const PROBE_BODY_BYTES = 400
const DELIVERY_WAIT_MS = 15_000
const POLL_MS = 20
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const METERED = { type: 'llm_inference', model: 'bench', tokens: 100 } as const

// Under load, yamux sometimes writes a window update to a stream that has just closed and throws
// outside any caller (a libp2p quirk): tolerated as a real node does (run-node.ts), and counted.
tolerateClosedStreamWrites((error) => {
  if (toleratedStreamErrors() === 1) console.error(`[swarm] uncaught ${error.name}: ${error.message} (counted; later ones not printed)`)
})

const dataRoot = mkdtempSync(join(tmpdir(), 'ippoc-bench-swarm-'))
const benchStartedMs = performance.now()
const progress = (message: string): void => console.error(`[swarm ${((performance.now() - benchStartedMs) / 1000).toFixed(1)} s] ${message}`)
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const rssMb = (): number => process.memoryUsage().rss / 1024 / 1024
let peakRssMb = rssMb()
const rssSampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, rssMb())), 100)
rssSampler.unref()

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) {
      progress(`timed out after ${timeoutMs} ms waiting for ${what}`)
      return false
    }
    await sleep(POLL_MS)
  }
  return true
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!
}

// ---------------------------------------------------------------------------------------------
// Nodes

type BenchNode = {
  readonly index: number
  readonly node: SwarmNode
  readonly transport: Libp2pTransport
  readonly ledger: PersistentLedger | undefined
}

type EventSink = (index: number, event: NodeEvent, atMs: number) => void

/** Fills a node's ledger before its core starts (the core rebuilds its document from the store). */
type Prefill = (ledger: PersistentLedger, signer: EntrySigner) => Promise<void>

type StartOptions = {
  readonly seed?: Uint8Array | undefined
  readonly prefill?: Prefill | undefined
  /** Entries the node's store holds before it starts (the swarm's genesis mints). */
  readonly initial?: readonly SignedEntry[] | undefined
}

async function startBenchNode(index: number, name: string, bootstrap: readonly string[], store: 'duckdb' | 'memory', sink: EventSink, options: StartOptions = {}): Promise<BenchNode> {
  const seed = options.seed ?? new Uint8Array(randomBytes(32))
  const signer = createEd25519Signer(seed)
  const ledger = store === 'duckdb' ? await openLedger({ path: join(dataRoot, `${name}.duckdb`), rules: DEVNET_RULES, verifyWorkers: 0 }) : undefined
  if (options.prefill !== undefined && ledger !== undefined) await options.prefill(ledger, signer)
  const nodeStore = ledger === undefined ? memoryNodeStore(DEVNET_RULES) : persistentNodeStore(ledger)
  for (const entry of options.initial ?? []) nodeStore.admit(entry)
  await nodeStore.flush()
  const transport = await createLibp2pTransport({ seed, bootstrap })
  const node = createSwarmNode(
    {
      clock: createSystemClock(),
      random: createSystemRandom(),
      transport,
      store: nodeStore,
      // As a real node does (run-node.ts): big sync messages are verified in the process's worker pool.
      verifyBatch: verifyEntriesOffThread,
      // The event is emitted where it happens (validator, flush callback): its time is now.
      onEvent: (event) => sink(index, event, performance.now()),
    },
    { signer, listen: () => transport.multiaddrs(), peerId: transport.peerId },
  )
  // As a real node does (run-node.ts).
  warmSignaturePool()
  await node.start()
  return { index, node, transport, ledger }
}

async function stopBenchNodes(nodes: readonly BenchNode[]): Promise<void> {
  for (let first = 0; first < nodes.length; first += START_GROUP_NODES) {
    await Promise.all(
      nodes.slice(first, first + START_GROUP_NODES).map(async ({ node, ledger }) => {
        await node.stop()
        await ledger?.close()
      }),
    )
  }
}

// ---------------------------------------------------------------------------------------------
// Raw Ed25519 verify on this thread (the catch-up's baseline), as bench/ed25519.ts measures it.

function measureRawVerifyPerSecond(windowMs: number): { raw: number; strict: number } {
  const seeds = Array.from({ length: 16 }, () => randomBytes(32))
  const signed = seeds.flatMap((seed) => {
    const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' })
    const publicKeyObject = createPublicKey(privateKey)
    const publicKey = createEd25519Signer(seed).publicKey
    return Array.from({ length: 4 }, () => {
      const message = randomBytes(32)
      return { message, signature: sign(null, message, privateKey), publicKeyObject, publicKey }
    })
  })
  const rate = (operation: (index: number) => boolean): number => {
    for (let index = 0; index < signed.length; index++) if (!operation(index)) throw new Error('a valid signature did not verify')
    const started = performance.now()
    let count = 0
    while (performance.now() - started < windowMs) for (let batch = 0; batch < 16; batch++) operation(count++)
    return count / ((performance.now() - started) / 1000)
  }
  const raw = rate((index) => {
    const each = signed[index % signed.length]!
    return verify(null, each.message, each.publicKeyObject, each.signature)
  })
  const strict = rate((index) => {
    const each = signed[index % signed.length]!
    return verifyEd25519(new Uint8Array(each.signature), each.message, each.publicKey)
  })
  return { raw, strict }
}

/**
 * A genesis mint and metered entries up to `catchupEntries`, appended straight to the ledger in
 * batches: through the core, each append recomputes the state root over every entry (quadratic).
 */
const prefillLedger: Prefill = async (ledger, signer) => {
  const now = Date.now()
  await ledger.append([buildMint(ledger.ledger, signer, { grant: devnetGenesisGrant(signer.publicKey, GENESIS_COINS * BASE_UNITS_PER_COIN), timestamp: now })], { signatureVerified: true })
  for (let built = 1; built < catchupEntries; built++) {
    // Staging applies the entry at once, so the next one is built on it.
    ledger.stage(buildMetered(ledger.ledger, signer, METERED, { timestamp: now }), { signatureVerified: true })
    if (built % 1_000 === 0) await ledger.flush()
  }
  await ledger.flush()
}

// ---------------------------------------------------------------------------------------------
// (d) Catch-up: a source with `catchupEntries` entries (built with nobody listening), then a fresh
// node that dials only the source and syncs. Runs first, with nothing else in the process.

async function measureCatchup(): Promise<{ perSecond: number; appliedMs: number; durableMs: number; durable: number }> {
  progress(`(d) building a ${catchupEntries}-entry ledger on a lone source node`)
  let freshDurable = 0
  let freshDurableAtMs = 0
  const sink: EventSink = (index, event, atMs) => {
    if (index === 1 && event.kind === 'durable') {
      freshDurable += event.entryIds.length
      freshDurableAtMs = atMs
    }
  }
  const source = await startBenchNode(0, 'catchup-source', [], 'duckdb', sink, { prefill: prefillLedger })
  progress(`(d) source holds ${source.node.doc.size} entries in its document; starting a fresh node`)
  const seedBootstrap = source.transport.multiaddrs()
  // The source's start warmed the process's signature workers; the fresh node starts its own
  // inside the timed window, as a node starting alone does.
  await closeSignaturePool()
  // The fresh node starts (and so dials) inside the timed window.
  const started = performance.now()
  const fresh = await startBenchNode(1, 'catchup-fresh', seedBootstrap, 'duckdb', sink)
  let appliedMs = Number.NaN
  const applied = await waitFor(
    'the fresh node to apply every entry',
    () => {
      if (Number.isNaN(appliedMs) && fresh.node.metrics.entriesApplied >= catchupEntries) appliedMs = performance.now() - started
      return freshDurable >= catchupEntries
    },
    120_000,
  )
  const durableMs = freshDurableAtMs - started
  progress(`(d) fresh node: ${fresh.node.metrics.entriesApplied} applied after ${appliedMs.toFixed(0)} ms, ${freshDurable} durable after ${durableMs.toFixed(0)} ms`)
  if (fresh.node.stateRootHex() !== source.node.stateRootHex()) progress('(d) WARNING: the fresh node and the source have different state roots')
  await stopBenchNodes([source, fresh])
  return { perSecond: applied ? catchupEntries / (durableMs / 1000) : 0, appliedMs, durableMs, durable: freshDurable }
}

// ---------------------------------------------------------------------------------------------
// The swarm

type Sample = { readonly sentMs: number; readonly publisher: number; readonly latencies: number[] }

const probes = new Map<number, Sample>()
const entries = new Map<string, Sample>()
let warmupReceived = new Map<number, Set<number>>()

const swarmSink: EventSink = (index, event, atMs) => {
  if (event.kind === 'probe') {
    if (event.body.length !== PROBE_BODY_BYTES) return
    const view = new DataView(event.body.buffer, event.body.byteOffset, event.body.byteLength)
    const kind = view.getUint8(0)
    const messageIndex = view.getUint32(1)
    if (kind === 0) {
      warmupReceived.get(messageIndex)?.add(index)
      return
    }
    const sample = probes.get(messageIndex)
    // The send time travels in the body; sender and receivers share this process's clock.
    if (sample !== undefined) sample.latencies.push(atMs - view.getFloat64(5))
  } else if (event.kind === 'durable') {
    for (const id of event.entryIds) entries.get(id)?.latencies.push(atMs - entries.get(id)!.sentMs)
  }
}

function probeBody(kind: 0 | 1, messageIndex: number): Uint8Array {
  const body = new Uint8Array(PROBE_BODY_BYTES)
  const view = new DataView(body.buffer)
  view.setUint8(0, kind)
  view.setUint32(1, messageIndex)
  view.setFloat64(5, performance.now())
  body.set(randomBytes(PROBE_BODY_BYTES - 13), 13)
  return body
}

/**
 * Every node's genesis mint, built up front: each node's store holds all of them before it starts,
 * as after a restart. Minted over gossip instead, the 100 × 100 deliveries (three signature checks
 * each, a grant's included) took a minute of both cores before anything was measured.
 */
function genesisEntries(seeds: readonly Uint8Array[]): SignedEntry[] {
  const now = Date.now()
  return seeds.map((seed) => {
    const signer = createEd25519Signer(seed)
    return buildMint(new Ledger({ rules: DEVNET_RULES }), signer, { grant: devnetGenesisGrant(signer.publicKey, GENESIS_COINS * BASE_UNITS_PER_COIN), timestamp: now })
  })
}

async function startSwarm(): Promise<BenchNode[]> {
  const nodes: BenchNode[] = []
  const seeds = Array.from({ length: nodeCount }, () => new Uint8Array(randomBytes(32)))
  const genesis = genesisEntries(seeds)
  // The first node starts alone, so every later one has someone to bootstrap from.
  for (let first = 0; first < nodeCount; first += first === 0 ? 1 : START_GROUP_NODES) {
    const groupNodes = first === 0 ? 1 : Math.min(START_GROUP_NODES, nodeCount - first)
    const group = await Promise.all(
      Array.from({ length: groupNodes }, (_, offset) => {
        const index = first + offset
        // Each node bootstraps from a few random nodes started before its group: no hub.
        const earlier = nodes.map((each) => each.transport.multiaddrs()[0]!)
        const bootstrap: string[] = []
        while (bootstrap.length < Math.min(BOOTSTRAP_PEERS, earlier.length)) {
          const pick = earlier[randomInt(earlier.length)]!
          if (!bootstrap.includes(pick)) bootstrap.push(pick)
        }
        return startBenchNode(index, `node-${index}`, bootstrap, storeKind as 'duckdb' | 'memory', swarmSink, { seed: seeds[index], initial: genesis })
      }),
    )
    nodes.push(...group)
    // Dials stay bounded: a group connects before the next one starts.
    if (first > 0) await waitFor(`nodes ${first}–${first + group.length - 1} to connect`, () => group.every((each) => each.transport.connectedPeers().length >= Math.min(BOOTSTRAP_PEERS, first)), 20_000)
    if (first % 40 === 1 || first + group.length >= nodeCount) progress(`${nodes.length}/${nodeCount} nodes started, rss ${rssMb().toFixed(0)} MB`)
  }
  return nodes
}

function sameRoot(nodes: readonly BenchNode[]): boolean {
  const root = nodes[0]!.node.stateRootHex()
  return nodes.every((each) => each.node.stateRootHex() === root)
}

async function warmUp(nodes: readonly BenchNode[]): Promise<void> {
  // Nodes that few later nodes picked dial a few more, so every node has several connections.
  for (const each of nodes) {
    const missing = MESH_PEERS_MIN - each.transport.connectedPeers().length
    for (let extra = 0; extra < missing + 1; extra++) {
      const other = nodes[randomInt(nodes.length)]!
      if (other !== each) await each.transport.dial(other.transport.multiaddrs()[0]!).catch(() => {})
    }
  }
  await waitFor(`every node to have ≥ ${MESH_PEERS_MIN} peers`, () => nodes.every((each) => each.transport.connectedPeers().length >= MESH_PEERS_MIN), 30_000)
  const peers = nodes.map((each) => each.transport.connectedPeers().length).sort((a, b) => a - b)
  progress(`peers per node: min ${peers[0]}, median ${percentile(peers, 0.5)}, max ${peers.at(-1)}`)
  for (let round = 0; round < 20; round++) {
    warmupReceived = new Map()
    for (let messageIndex = 0; messageIndex < 5; messageIndex++) {
      warmupReceived.set(messageIndex, new Set())
      nodes[randomInt(nodes.length)]!.node.publishProbe(probeBody(0, messageIndex))
    }
    const reached = await waitFor('warm-up probes to reach every node', () => [...warmupReceived.values()].every((set) => set.size >= nodeCount - 1), 3_000)
    if (reached) {
      progress(`mesh formed (warm-up round ${round + 1}); rss ${rssMb().toFixed(0)} MB`)
      break
    }
  }
  if (!sameRoot(nodes)) progress('WARNING: the nodes do not start from one state root')
}

/** Publishes `count` things, one every `intervalMs`, from random nodes; waits until each reached every other node. */
async function paced(nodes: readonly BenchNode[], samples: Map<unknown, Sample>, publish: (node: BenchNode, index: number) => void): Promise<void> {
  const started = performance.now()
  for (let index = 0; index < messageCount; index++) {
    // Scheduled from the start, so slow publishes do not stretch the pacing.
    const due = started + index * intervalMs
    if (due > performance.now()) await sleep(due - performance.now())
    publish(nodes[randomInt(nodes.length)]!, index)
  }
  await waitFor('every delivery', () => [...samples.values()].every((sample) => sample.latencies.length >= nodeCount - 1), DELIVERY_WAIT_MS)
}

function summarize(samples: Iterable<Sample>): { p50: number; p99: number; delivered: number; expected: number } {
  const all: number[] = []
  let expected = 0
  for (const sample of samples) {
    all.push(...sample.latencies)
    expected += nodeCount - 1
  }
  all.sort((a, b) => a - b)
  return { p50: percentile(all, 0.5), p99: percentile(all, 0.99), delivered: all.length, expected }
}

/** The groups of `side` that reach each other over open connections. */
function connectedComponents(side: readonly BenchNode[]): BenchNode[][] {
  const byId = new Map(side.map((each) => [each.node.nodeId, each]))
  const seen = new Set<string>()
  const groups: BenchNode[][] = []
  for (const start of side) {
    if (seen.has(start.node.nodeId)) continue
    const group: BenchNode[] = []
    const queue = [start]
    seen.add(start.node.nodeId)
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      group.push(next)
      for (const peer of next.transport.connectedPeers()) {
        const neighbour = byId.get(peer)
        if (neighbour !== undefined && !seen.has(peer)) {
          seen.add(peer)
          queue.push(neighbour)
        }
      }
    }
    groups.push(group)
  }
  return groups
}

async function measurePartition(nodes: readonly BenchNode[]): Promise<number> {
  const shuffled = [...nodes].sort(() => Math.random() - 0.5)
  const sides = [shuffled.slice(0, nodeCount / 2), shuffled.slice(Math.floor(nodeCount / 2))] as const
  const ids = sides.map((side) => side.map((each) => each.node.nodeId))
  sides[0].forEach((each) => each.transport.block(ids[1]!))
  sides[1].forEach((each) => each.transport.block(ids[0]!))
  const crossFree = (): boolean =>
    sides.every((side, sideIndex) => side.every((each) => each.transport.connectedPeers().every((peer) => !ids[1 - sideIndex]!.includes(peer))))
  await waitFor('cross-partition connections to close', crossFree, 10_000)
  const isolated = nodes.filter((each) => each.transport.connectedPeers().length === 0).length
  progress(`(c) partitioned ${sides[0].length}/${sides[1].length}; ${isolated} nodes have no peer on their side`)
  for (let index = 0; index < partitionEntries; index++) {
    for (const side of sides) side[randomInt(side.length)]!.node.appendMetered(METERED)
    await sleep(20)
  }
  const components = sides.flatMap((side) => connectedComponents(side))
  progress(`(c) ${components.length} connected groups during the partition (sizes ${components.map((group) => group.length).join(', ')})`)
  await waitFor('each connected group to agree on its state root', () => components.every((group) => sameRoot(group)), 30_000)
  if (sides[0][0]!.node.stateRootHex() === sides[1][0]!.node.stateRootHex()) progress('(c) WARNING: both sides have the same root while partitioned')
  const healStarted = performance.now()
  for (const [sideIndex, side] of sides.entries()) for (const each of side) each.transport.unblock(ids[1 - sideIndex]!)
  const healed = await waitFor('every node to report one state root', () => sameRoot(nodes), 60_000)
  return healed ? performance.now() - healStarted : Number.POSITIVE_INFINITY
}

// ---------------------------------------------------------------------------------------------

type CatchupResult = { perSecond: number; appliedMs: number; durableMs: number; rawVerifyPerSecond: number; strictVerifyPerSecond: number; rssMb: number }

/** (d) in this process: the catch-up pair, bracketed by raw verify measurements. */
async function measureCatchupHere(): Promise<CatchupResult> {
  const verifyBefore = measureRawVerifyPerSecond(1_000)
  const catchup = await measureCatchup()
  const verifyAfter = measureRawVerifyPerSecond(1_000)
  await closeSignaturePool()
  return {
    ...catchup,
    rawVerifyPerSecond: (verifyBefore.raw + verifyAfter.raw) / 2,
    strictVerifyPerSecond: (verifyBefore.strict + verifyAfter.strict) / 2,
    rssMb: Math.max(rssMb(), process.resourceUsage().maxRSS / 1024),
  }
}

/**
 * (d) in a child process of this run: the catch-up pair is two nodes outside the 100, and its
 * 10,000-entry documents must not count towards the 100-node process's memory.
 */
function measureCatchupInChild(): CatchupResult {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--catchup-only', '--catchup-entries', String(catchupEntries)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 })
  const line = child.stdout.trim().split('\n').at(-1) ?? ''
  if (child.status !== 0 || !line.startsWith('{')) throw new Error(`the catch-up measurement failed (exit ${child.status}): ${line}`)
  return JSON.parse(line).result as CatchupResult
}

if (values['catchup-only']) {
  const result = await measureCatchupHere()
  progress(`(d) catch-up ${result.perSecond.toFixed(0)} entries/s; raw verify ${result.rawVerifyPerSecond.toFixed(0)}/s (strict verifyEd25519 ${result.strictVerifyPerSecond.toFixed(0)}/s)`)
  console.log(JSON.stringify({ bench: 'swarm-catchup', catchup_per_s: Math.round(result.perSecond), raw_verify_per_s: Math.round(result.rawVerifyPerSecond), catchup_ratio: Number((result.perSecond / result.rawVerifyPerSecond).toFixed(3)), result }))
  rmSync(dataRoot, { recursive: true, force: true })
  process.exit(0)
}
const catchup = measureCatchupInChild()
const rawVerifyPerSecond = catchup.rawVerifyPerSecond
progress(`(d) catch-up ${catchup.perSecond.toFixed(0)} entries/s in a child process (peak rss ${Math.round(catchup.rssMb)} MB); raw verify ${rawVerifyPerSecond.toFixed(0)}/s`)
const rssBeforeSwarmMb = rssMb()
progress(`starting ${nodeCount} nodes (${storeKind} stores), rss ${rssBeforeSwarmMb.toFixed(0)} MB`)
const nodes = await startSwarm()
await warmUp(nodes)
const rssMeshMb = rssMb()

progress(`(a) ${messageCount} probes, one every ${intervalMs} ms`)
await paced(nodes, probes as Map<unknown, Sample>, (publisher, index) => {
  const body = probeBody(1, index)
  probes.set(index, { sentMs: new DataView(body.buffer).getFloat64(5), publisher: publisher.index, latencies: [] })
  publisher.node.publishProbe(body)
})
const raw = summarize(probes.values())
progress(`(a) p50 ${raw.p50.toFixed(1)} ms, p99 ${raw.p99.toFixed(1)} ms, ${raw.delivered}/${raw.expected} delivered`)

progress(`(b) ${messageCount} ledger entries, one every ${intervalMs} ms`)
for (const { node } of nodes) node.metrics.drainGossipLatencyMs()
await paced(nodes, entries as Map<unknown, Sample>, (author) => {
  const sentMs = performance.now()
  const entry = author.node.appendMetered(METERED)
  entries.set(entry.idHex, { sentMs, publisher: author.index, latencies: [] })
})
const entry = summarize(entries.values())
{
  // Gossip arrival alone (validated and applied, before the store flush), from the nodes' own metric.
  const arrivals = nodes.flatMap(({ node }) => node.metrics.drainGossipLatencyMs()).sort((a, b) => a - b)
  progress(`(b) gossip arrival p50 ${arrivals[Math.floor(arrivals.length * 0.5)] ?? NaN} ms, p99 ${arrivals[Math.floor(arrivals.length * 0.99)] ?? NaN} ms (${arrivals.length} arrivals)`)
}
progress(`(b) p50 ${entry.p50.toFixed(1)} ms, p99 ${entry.p99.toFixed(1)} ms, ${entry.delivered}/${entry.expected} durable`)

progress(`(c) partition, ${partitionEntries} entries per side, heal`)
const healMs = await measurePartition(nodes)
progress(`(c) healed in ${healMs.toFixed(0)} ms`)

peakRssMb = Math.max(peakRssMb, rssMb(), process.resourceUsage().maxRSS / 1024)
progress('stopping nodes')
await stopBenchNodes(nodes)
rmSync(dataRoot, { recursive: true, force: true })

const p99Ratio = entry.p99 / raw.p99
const catchupRatio = catchup.perSecond / rawVerifyPerSecond
const met = {
  [`p99_ratio ≤ ${TARGETS.p99RatioMax}`]: p99Ratio <= TARGETS.p99RatioMax,
  [`heal_ms ≤ ${TARGETS.healMsMax}`]: healMs <= TARGETS.healMsMax,
  [`catchup_ratio ≥ ${TARGETS.catchupRatioMin}`]: catchupRatio >= TARGETS.catchupRatioMin,
  [`rss_mb ≤ ${TARGETS.rssMbMax}`]: peakRssMb <= TARGETS.rssMbMax,
}
const round1 = (value: number): number => Math.round(value * 10) / 10
console.log(`swarm of ${nodeCount} nodes in one process, ${storeKind} stores (catch-up pair: duckdb)`)
console.log(`(a) raw gossip     p50 ${round1(raw.p50)} ms  p99 ${round1(raw.p99)} ms  (${raw.delivered}/${raw.expected} deliveries)`)
console.log(`(b) entry durable  p50 ${round1(entry.p50)} ms  p99 ${round1(entry.p99)} ms  (${entry.delivered}/${entry.expected})  p99 ratio ${p99Ratio.toFixed(2)}`)
console.log(`(c) heal           ${Math.round(healMs)} ms`)
console.log(`(d) catch-up       ${Math.round(catchup.perSecond)} entries/s (applied after ${Math.round(catchup.appliedMs)} ms, durable after ${Math.round(catchup.durableMs)} ms); raw verify ${Math.round(rawVerifyPerSecond)}/s; ratio ${catchupRatio.toFixed(2)}`)
console.log(`rss peak ${Math.round(peakRssMb)} MB (before swarm ${Math.round(rssBeforeSwarmMb)} MB, mesh formed ${Math.round(rssMeshMb)} MB); catch-up child process ${Math.round(catchup.rssMb)} MB`)
if (toleratedStreamErrors() > 0) console.log(`tolerated libp2p StreamStateError (yamux write after close): ${toleratedStreamErrors()}`)
console.log(`targets: ${Object.entries(met).map(([target, ok]) => `${ok ? 'met' : 'MISSED'} ${target}`).join('; ')}`)
console.log(
  JSON.stringify({
    bench: 'swarm',
    nodes: nodeCount,
    raw_p50_ms: round1(raw.p50),
    raw_p99_ms: round1(raw.p99),
    entry_p50_ms: round1(entry.p50),
    entry_p99_ms: round1(entry.p99),
    p99_ratio: Number(p99Ratio.toFixed(3)),
    heal_ms: Number.isFinite(healMs) ? Math.round(healMs) : null,
    catchup_per_s: Math.round(catchup.perSecond),
    raw_verify_per_s: Math.round(rawVerifyPerSecond),
    catchup_ratio: Number(catchupRatio.toFixed(3)),
    rss_mb: Math.round(peakRssMb),
    store: storeKind,
    raw_delivered: Number((raw.delivered / raw.expected).toFixed(4)),
    entry_delivered: Number((entry.delivered / entry.expected).toFixed(4)),
    catchup_rss_mb: Math.round(catchup.rssMb),
  }),
)

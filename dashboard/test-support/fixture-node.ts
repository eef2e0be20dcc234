/**
 * Test support: a swarm node HTTP API serving fixed JSON (the node/node-view.ts shapes), with
 * entries taken from the ledger's fixed vectors, one of them tampered.
 */
import { createServer } from 'node:http'
import { ENTRY_VECTORS, VECTOR_AUTHOR_HEX } from '../../ledger/entry-vectors.ts'
import type { BalanceJson, BanJson, EntryJson, NodeStatusJson, PeerJson } from '../../node/node-view.ts'

/** Hex to base64url, the encoding of `raw` and `sig` in `/entries`. */
export function hexToBase64Url(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64url')
}

/** The vector entries as `/entries` rows, newest first; with `tamperSeq`, that entry's signature has one bit flipped. */
export function vectorEntries(tamperSeq?: number): EntryJson[] {
  return ENTRY_VECTORS.map((vector, seq) => {
    const sig = Buffer.from(vector.sig, 'hex')
    if (seq === tamperSeq) sig[5]! ^= 0x01
    return {
      id: vector.id,
      author: VECTOR_AUTHOR_HEX,
      seq,
      timestamp: 1_700_000_000_000 + seq,
      action: ['mint', 'llm_inference', 'transfer'][seq] ?? 'transfer',
      standing: 'applied',
      legs: [],
      raw: hexToBase64Url(vector.raw),
      sig: sig.toString('base64url'),
    }
  }).reverse()
}

/** What one fixture node serves. */
export type FixtureNodeData = { status: NodeStatusJson; peers: PeerJson[]; balances: BalanceJson[]; entries: EntryJson[]; bans: BanJson[] }

/**
 * Builds the data of a fixture node.
 *
 * @example
 * const data = fixtureNodeData({ nodeId: 'aa'.repeat(32), stateRoot: '11'.repeat(32) })
 */
export function fixtureNodeData(parameters: { nodeId: string; stateRoot: string; mode?: 'full' | 'worker'; tamperSeq?: number; bans?: BanJson[] }): FixtureNodeData {
  const { nodeId, stateRoot, mode = 'full', tamperSeq, bans = [] } = parameters
  return {
    status: {
      nodeId,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      startedAtMs: 1_700_000_000_000,
      nowMs: 1_700_000_060_000,
      mode,
      stateRoot,
      stateRootChangedAtMs: 1_700_000_050_000,
      entries: { counted: 3, pending: 0, applied: 3, rejected: 0, forks: 0 },
      peers: 1,
      banned: bans.length,
    },
    peers: [{ nodeId: VECTOR_AUTHOR_HEX, connected: true, trust: 0.75, banned: false, evidence: { valid: 3 } }],
    balances: [{ account: VECTOR_AUTHOR_HEX, balances: { IPPC: '973760000' } }, { account: 'swarm:compute', balances: { IPPC: '26240000' } }],
    entries: vectorEntries(tamperSeq),
    bans,
  }
}

/**
 * Serves `data` like a node's HTTP API: GET /status, /peers, /balances, /entries?limit=N, /bans.
 *
 * @example
 * const node = await startFixtureNode(fixtureNodeData({ nodeId, stateRoot }))
 */
export async function startFixtureNode(data: FixtureNodeData): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://node')
    const limit = Number(url.searchParams.get('limit') ?? '50')
    const bodies: Record<string, unknown> = { '/status': data.status, '/peers': data.peers, '/balances': data.balances, '/entries': data.entries.slice(0, limit), '/bans': data.bans }
    const body = bodies[url.pathname]
    if (body === undefined) response.writeHead(404).end()
    else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the fixture node has no TCP address')
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

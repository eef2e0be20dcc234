/**
 * The swarm as its nodes' HTTP APIs tell it (node/node-view.ts is the JSON contract): status,
 * peers with trust, balances, recent entries (each verified here) and bans with their warrants.
 */
import type { BalanceJson, BanJson, EntryJson, NodeStatusJson, PeerJson } from '../../node/node-view.ts'
import { verifyEntryJson, type EntryVerdict } from './verify-entry.ts'

/** Entries asked of each node per poll. */
export const swarmEntriesLimit = 20

/** The most rows kept from any one list a node returns. */
export const swarmRowsMax = 500

/** How long one node request may take before the node shows as unreachable. */
export const nodeRequestTimeoutMs = 2_500

/** One node as seen in one poll. */
export type NodeSnapshot =
  | {
      ok: true
      url: string
      status: NodeStatusJson
      peers: PeerJson[]
      balances: BalanceJson[]
      entries: (EntryJson & { verdict: EntryVerdict })[]
      bans: BanJson[]
    }
  | { ok: false; url: string; error: string }

async function getJson(fetcher: typeof fetch, url: string): Promise<unknown> {
  const response = await fetcher(url, { signal: AbortSignal.timeout(nodeRequestTimeoutMs) })
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`)
  return response.json()
}

function list<T>(value: unknown, what: string): T[] {
  if (!Array.isArray(value)) throw new Error(`${what} is not a list`)
  return value.slice(0, swarmRowsMax) as T[]
}

/**
 * Reads one node through `base` (the dashboard relay `node/<index>` or a node's own URL).
 *
 * @example
 * const snapshot = await readNodeSnapshot('node/0', 'http://127.0.0.1:7001')
 */
export async function readNodeSnapshot(base: string, url: string, fetcher: typeof fetch = fetch): Promise<NodeSnapshot> {
  try {
    const [status, peers, balances, entries, bans] = await Promise.all([
      getJson(fetcher, `${base}/status`),
      getJson(fetcher, `${base}/peers`),
      getJson(fetcher, `${base}/balances`),
      getJson(fetcher, `${base}/entries?limit=${swarmEntriesLimit}`),
      getJson(fetcher, `${base}/bans`),
    ])
    if (typeof status !== 'object' || status === null || typeof (status as NodeStatusJson).nodeId !== 'string') throw new Error('/status has no nodeId')
    return {
      ok: true,
      url,
      status: status as NodeStatusJson,
      peers: list<PeerJson>(peers, '/peers'),
      balances: list<BalanceJson>(balances, '/balances'),
      entries: list<EntryJson>(entries, '/entries').map((entry) => ({ ...entry, verdict: verifyEntryJson(entry) })),
      bans: list<BanJson>(bans, '/bans'),
    }
  } catch (error) {
    return { ok: false, url, error: error instanceof Error ? error.message : String(error) }
  }
}

/**
 * Do the reachable nodes agree on the state root? Returns the roots with the nodes holding each.
 *
 * @example
 * const { agreed, roots } = compareStateRoots(snapshots)
 */
export function compareStateRoots(snapshots: readonly NodeSnapshot[]): { agreed: boolean; roots: Map<string, string[]> } {
  const roots = new Map<string, string[]>()
  for (const snapshot of snapshots) {
    if (!snapshot.ok) continue
    const holders = roots.get(snapshot.status.stateRoot) ?? []
    holders.push(snapshot.status.nodeId)
    roots.set(snapshot.status.stateRoot, holders)
  }
  return { agreed: roots.size <= 1, roots }
}

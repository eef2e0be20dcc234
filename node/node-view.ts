/**
 * The read-only view of a running node that the HTTP API, `/metrics` and the dashboard use. The
 * node core implements it; JSON shapes here are the API's contract (README "Node HTTP API").
 */

/** `GET /status` */
export type NodeStatusJson = {
  readonly nodeId: string
  /** libp2p PeerId (base58), absent on the simulated network. */
  readonly peerId?: string | undefined
  readonly listen: readonly string[]
  readonly startedAtMs: number
  readonly nowMs: number
  /** `full` while the node can pay for its actions, `worker` once its IPPC balance is exhausted. */
  readonly mode: 'full' | 'worker'
  readonly stateRoot: string
  /** When the state root last changed. */
  readonly stateRootChangedAtMs: number
  readonly entries: { readonly counted: number; readonly pending: number; readonly applied: number; readonly rejected: number; readonly forks: number }
  readonly peers: number
  readonly banned: number
}

/** One row of `GET /peers`. */
export type PeerJson = {
  readonly nodeId: string
  readonly connected: boolean
  /** Trust in [0, 1]: 0.5 for a peer we know nothing about. */
  readonly trust: number
  readonly banned: boolean
  readonly evidence: { readonly [kind: string]: number }
}

/** One row of `GET /balances`: an account's balance per currency, in base units as decimal strings. */
export type BalanceJson = { readonly account: string; readonly balances: { readonly [currency: string]: string } }

/** One row of `GET /entries?limit=N`: newest first; raw and sig let a browser verify it. */
export type EntryJson = {
  readonly id: string
  readonly author: string
  readonly seq: number
  readonly timestamp: number
  readonly action: string
  /** `applied`, `pending`, `rejected` or `fork`. */
  readonly standing: string
  readonly legs: readonly { readonly account: string; readonly currency: string; readonly amount: string }[]
  /** base64url canonical bytes and signature. */
  readonly raw: string
  readonly sig: string
}

/** One row of `GET /bans`. */
export type BanJson = {
  readonly nodeId: string
  readonly atMs: number
  /** `warrant:fork`, `warrant:signed-garbage` or `local:<evidence kind>`. */
  readonly reason: string
  /** The warrant, base64url, when the ban rests on one; anyone can verify it. */
  readonly warrant?: string | undefined
}

/** Counters for `/metrics`; monotonic unless said otherwise. */
export type NodeMetrics = {
  readonly entriesApplied: number
  readonly entriesRejected: number
  readonly entriesPending: number
  readonly gossipAccepted: number
  readonly gossipRejected: number
  readonly gossipIgnored: number
  readonly syncMessagesIn: number
  readonly syncMessagesRejected: number
  readonly warrantsIssued: number
  readonly warrantsAccepted: number
  readonly bans: number
  /** Gossip latency samples (ms from the entry's timestamp to its arrival here) since the last read. */
  drainGossipLatencyMs(): number[]
}

/** Everything the HTTP API reads. */
export type NodeView = {
  status(): NodeStatusJson
  peers(): PeerJson[]
  balances(): BalanceJson[]
  entries(limit: number): EntryJson[]
  bans(): BanJson[]
  readonly metrics: NodeMetrics
}

/**
 * What the node core needs from a network, and nothing more: topics with a validator that decides
 * forwarding, a direct message channel per peer (for the Automerge sync protocol), peer events and
 * bans. Two implementations: libp2p over real sockets (`node/p2p/`) and the seeded in-process
 * network (`node/sim/`). Peers are named by node id: the hex of their Ed25519 public key.
 */

/** The gossip topics of a swarm. */
export const TOPICS = {
  /** Ledger entries, each as the canonical Automerge change that adds it, in a signed envelope. */
  entries: 'ippoc/entries/1',
  /** Warrants: self-contained proofs of misbehaviour. */
  warrants: 'ippoc/warrants/1',
  /** App-signed probe messages (the gossip baseline of `npm run bench -- swarm`). */
  probes: 'ippoc/probes/1',
} as const

export type Topic = (typeof TOPICS)[keyof typeof TOPICS]

/** What a validator decides about a gossip message (gossipsub's three answers). */
export type Verdict = 'accept' | 'reject' | 'ignore'

/** What the transport calls into; the core provides it. All handlers must not throw. */
export type TransportHandlers = {
  /**
   * Decides a gossip message: `accept` delivers and forwards it, `reject` drops it and penalizes the
   * peer it came from, `ignore` drops it quietly. Called once per message id.
   */
  validate(topic: Topic, bytes: Uint8Array, from: string): Verdict
  /** A direct message from a connected peer (one Automerge sync message). */
  direct(from: string, bytes: Uint8Array): void
  /** A peer connected (first connection). */
  peerConnected(peer: string): void
  /** A peer's last connection closed. */
  peerDisconnected(peer: string): void
  /**
   * Direct messages `sendDirect` took for `peer` were dropped while the peer stayed connected (their
   * stream did not open, or broke): no answer to them will come. Optional for handlers; the
   * simulated network never calls it (its losses are silent, like a lossy link's). Frames dropped
   * because the peer reads slower than this node sends are not reported: sending again would add to
   * the backlog.
   */
  directDropped?(peer: string): void
}

/** A node's network, as the core sees it. */
export type Transport = {
  /** This node's id (hex public key). */
  readonly nodeId: string
  /** Starts delivering to `handlers`. */
  start(handlers: TransportHandlers): Promise<void>
  /** Publishes to a topic; never throws (a node with no peers publishes to nobody). */
  publish(topic: Topic, bytes: Uint8Array): void
  /** Sends one direct message to a connected peer; dropped if the peer is not connected. */
  sendDirect(to: string, bytes: Uint8Array): void
  /** Peers with an open connection now, sorted. */
  connectedPeers(): string[]
  /** Refuses every future connection with `peer` and closes the open ones. Permanent for this run. */
  ban(peer: string): void
  stop(): Promise<void>
}

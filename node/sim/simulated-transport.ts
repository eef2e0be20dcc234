/**
 * The node core's {@link Transport} over the simulated network: connections the simulator makes
 * and breaks, gossip flooded along connections and forwarded only after the receiver's validator
 * accepts (as gossipsub does), each message validated once per node, and direct messages for
 * the sync protocol. Everything happens on the virtual clock, so a seed replays exactly.
 */
import { createHash } from 'node:crypto'
import { TOPICS, type Topic, type Transport, type TransportHandlers } from '../transport.ts'
import type { SimulatedNetwork } from './simulated-network.ts'
import type { Clock } from './virtual-clock.ts'

const FRAME_GOSSIP = 1
const FRAME_DIRECT = 2
const TOPIC_LIST: readonly Topic[] = [TOPICS.entries, TOPICS.warrants, TOPICS.probes]
/** Message ids each node remembers (gossipsub's seen cache). */
const SEEN_MAX = 200_000

/** The simulator's handle on the swarm's connections. */
export type SimulatedSwarmNetwork = {
  /** A transport for one node; register every node before connecting them. */
  transportFor(nodeId: string): Transport
  /** Opens a connection between two nodes (both see `peerConnected`). No-op if either banned the other. */
  connect(a: string, b: string): void
  disconnect(a: string, b: string): void
  /** Closes every connection across the groups and cuts their links until {@link SimulatedSwarmNetwork.heal}. */
  partition(groupA: readonly string[], groupB: readonly string[]): void
  /** Restores the links and the connections a partition closed. */
  heal(): void
  connectedPeers(nodeId: string): string[]
  /**
   * Delivers a gossip message to `to` as if the connected peer `from` had forwarded it (the
   * simulator's byzantine and clone nodes speak through this).
   */
  injectGossip(from: string, to: string, topic: Topic, bytes: Uint8Array): void
}

type Node = { readonly id: string; handlers: TransportHandlers | undefined; readonly peers: Set<string>; readonly banned: Set<string>; readonly seen: Set<string>; seenOrder: string[] }

/**
 * Creates the swarm's connection layer over a simulated network.
 *
 * @example
 * const swarm = createSimulatedSwarmNetwork({ clock, network })
 * const transport = swarm.transportFor(nodeId)
 */
export function createSimulatedSwarmNetwork(components: { readonly clock: Clock; readonly network: SimulatedNetwork }): SimulatedSwarmNetwork {
  const { clock, network } = components
  const nodes = new Map<string, Node>()
  const cut: [string, string][] = []

  const nodeOf = (id: string): Node => {
    const node = nodes.get(id)
    if (node === undefined) throw new RangeError(`node ${id} has no transport on this network`)
    return node
  }
  const notify = (node: Node, peer: string, connected: boolean): void => {
    clock.setTimer(0, () => {
      if (node.handlers === undefined) return
      if (connected && node.peers.has(peer)) node.handlers.peerConnected(peer)
      if (!connected && !node.peers.has(peer)) node.handlers.peerDisconnected(peer)
    })
  }
  const link = (a: string, b: string, up: boolean): void => {
    const nodeA = nodeOf(a)
    const nodeB = nodeOf(b)
    if (a === b || nodeA.peers.has(b) === up) return
    if (up && (nodeA.banned.has(b) || nodeB.banned.has(a))) return
    if (up) {
      nodeA.peers.add(b)
      nodeB.peers.add(a)
    } else {
      nodeA.peers.delete(b)
      nodeB.peers.delete(a)
    }
    notify(nodeA, b, up)
    notify(nodeB, a, up)
  }
  const markSeen = (node: Node, id: string): boolean => {
    if (node.seen.has(id)) return false
    node.seen.add(id)
    node.seenOrder.push(id)
    if (node.seenOrder.length > SEEN_MAX) {
      for (const old of node.seenOrder.splice(0, SEEN_MAX / 2)) node.seen.delete(old)
    }
    return true
  }
  const gossipFrame = (topic: Topic, bytes: Uint8Array): Uint8Array => {
    const frame = new Uint8Array(bytes.length + 2)
    frame[0] = FRAME_GOSSIP
    frame[1] = TOPIC_LIST.indexOf(topic)
    frame.set(bytes, 2)
    return frame
  }
  const forward = (node: Node, frame: Uint8Array, except: string | undefined): void => {
    for (const peer of [...node.peers].sort()) if (peer !== except) network.send(node.id, peer, frame)
  }
  const receive = (node: Node, from: string, frame: Uint8Array): void => {
    // Only connected, unbanned peers reach a node, as with a real connection gater.
    if (node.handlers === undefined || !node.peers.has(from) || node.banned.has(from) || frame.length === 0) return
    const payload = frame.subarray(frame[0] === FRAME_GOSSIP ? 2 : 1)
    if (frame[0] === FRAME_DIRECT) return node.handlers.direct(from, payload.slice())
    const topic = TOPIC_LIST[frame[1] ?? 255]
    if (frame[0] !== FRAME_GOSSIP || topic === undefined) return
    const id = createHash('sha256').update(frame.subarray(1)).digest('hex')
    if (!markSeen(node, id)) return
    if (node.handlers.validate(topic, payload.slice(), from) === 'accept') forward(node, frame, from)
  }

  return {
    transportFor(nodeId) {
      if (nodes.has(nodeId)) throw new RangeError(`node ${nodeId} has a transport already`)
      const node: Node = { id: nodeId, handlers: undefined, peers: new Set(), banned: new Set(), seen: new Set(), seenOrder: [] }
      nodes.set(nodeId, node)
      let unregister: (() => void) | undefined
      return {
        nodeId,
        async start(handlers) {
          node.handlers = handlers
          unregister = network.register(nodeId, (from, bytes) => receive(node, from, bytes))
          for (const peer of [...node.peers].sort()) notify(node, peer, true)
        },
        publish(topic, bytes) {
          const frame = gossipFrame(topic, bytes)
          markSeen(node, createHash('sha256').update(frame.subarray(1)).digest('hex'))
          forward(node, frame, undefined)
        },
        sendDirect(to, bytes) {
          if (!node.peers.has(to)) return
          const frame = new Uint8Array(bytes.length + 1)
          frame[0] = FRAME_DIRECT
          frame.set(bytes, 1)
          network.send(nodeId, to, frame)
        },
        connectedPeers: () => [...node.peers].sort(),
        ban(peer) {
          node.banned.add(peer)
          link(nodeId, peer, false)
        },
        async stop() {
          unregister?.()
          unregister = undefined
          node.handlers = undefined
          for (const peer of [...node.peers]) link(nodeId, peer, false)
        },
      }
    },
    connect: (a, b) => link(a, b, true),
    disconnect: (a, b) => link(a, b, false),
    partition(groupA, groupB) {
      for (const a of groupA)
        for (const b of groupB)
          if (nodeOf(a).peers.has(b)) {
            cut.push([a, b])
            link(a, b, false)
          }
      network.partition(groupA, groupB)
    },
    heal() {
      network.heal()
      for (const [a, b] of cut.splice(0)) link(a, b, true)
    },
    connectedPeers: (nodeId) => [...nodeOf(nodeId).peers].sort(),
    injectGossip(from, to, topic, bytes) {
      network.send(from, to, gossipFrame(topic, bytes))
    },
  }
}

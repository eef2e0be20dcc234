/**
 * The gossipsub service as the swarm configures it, in one place.
 *
 * `@libp2p/gossipsub` is the libp2p team's stopgap libp2p-3 build of ChainSafe's gossipsub, kept in
 * the js-libp2p repository until `@chainsafe/libp2p-gossipsub` publishes a libp2p-3 release. When it
 * does, switching back is the import below and nothing else: both take the same options.
 */
import { createHash } from 'node:crypto'
import { gossipsub } from '@libp2p/gossipsub'
import type { GossipSub, GossipSubComponents, Message } from '@libp2p/gossipsub'

/** Largest gossip payload the swarm publishes or accepts. Entries and warrants are a few KiB. */
export const GOSSIP_MESSAGE_BYTES_MAX = 1024 * 1024
/**
 * Largest gossipsub RPC frame read from a peer: one full payload plus room for its envelope (topic,
 * flags) and piggybacked control messages. A larger frame is not decoded.
 */
export const GOSSIP_RPC_BYTES_MAX = GOSSIP_MESSAGE_BYTES_MAX + 64 * 1024

/** Smallest gossip payload for which peers are told not to send a duplicate (IDONTWANT). */
export const IDONTWANT_MIN_BYTES = 16 * 1024

/**
 * The message id: SHA-256 of the payload. App payloads are signed by the app and carry their own
 * identity, so the same bytes are the same message wherever and whenever they come from, and a
 * replay is a duplicate gossipsub drops before validation (for its seen-cache lifetime, ~2 min).
 *
 * @example
 * gossipMessageId({ type: 'unsigned', topic: 't', data: new Uint8Array() }) // 32 bytes
 */
export function gossipMessageId(message: Message): Uint8Array {
  return new Uint8Array(createHash('sha256').update(message.data).digest())
}

/**
 * The gossipsub service factory for `createLibp2p({ services: { pubsub: createPubsub() } })`.
 *
 * @example
 * const node = await createLibp2p({ ..., services: { identify: identify(), pubsub: createPubsub() } })
 * node.services.pubsub.subscribe(TOPICS.entries)
 */
export function createPubsub(): (components: GossipSubComponents) => GossipSub {
  return gossipsub({
    // The app signs its payloads; libp2p signatures would only add bytes and a second key check.
    globalSignaturePolicy: 'StrictNoSign',
    // A lone node (or one whose peers have not announced subscriptions yet) publishes to nobody.
    allowPublishToZeroTopicPeers: true,
    // Republishing the same bytes is a no-op, not an error.
    ignoreDuplicatePublishError: true,
    emitSelf: false,
    msgIdFn: gossipMessageId,
    maxInboundDataLength: GOSSIP_RPC_BYTES_MAX,
    // All test and simulation nodes share 127.0.0.1; the same-IP penalty would graylist them all.
    // Broken IWANT promises are not scored either: a loaded host answers late, the penalty grows
    // with the square of the count, and past the graylist threshold a busy but honest peer is cut
    // off from gossip. Misbehaviour is judged by the app's own evidence and warrants (trust.ts).
    scoreParams: { IPColocationFactorWeight: 0, behaviourPenaltyWeight: 0 },
    // IDONTWANT (gossipsub 1.2) costs a control message to every mesh peer per message received; it
    // pays off for big messages only. Ours are ~1 kB (entries, probes), where it was pure overhead.
    idontwantMinDataSize: IDONTWANT_MIN_BYTES,
  })
}

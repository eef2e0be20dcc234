/**
 * Trust from evidence (§4). Each peer has a score built only from what this node saw itself.
 * Evidence is of two sorts: first-hand misbehaviour on an authenticated connection that an
 * honest node cannot produce (it validates everything before it forwards or syncs it), which can
 * lead to a local ban; and softer signs (an entry the ledger refused) that lower trust but never
 * ban, because an honest node's view can lag. Warrants ban at once: they are proofs.
 */
import { TRUST_BAN_THRESHOLD, TRUST_PEERS_MAX } from './constants.ts'

/** Kinds of evidence and their weight. `bans` marks first-hand kinds that count towards a local ban. */
export const EVIDENCE = {
  /** A gossip payload without a valid envelope, from the peer that forwarded it to us. */
  'invalid-envelope': { weight: -10, bans: true },
  /** A validly enveloped entry change that is not canonical here. */
  'non-canonical-change': { weight: -10, bans: true },
  /** A sync message with an invalid change or signature, from the peer that sent it. */
  'invalid-sync': { weight: -25, bans: true },
  /** A warrant that does not verify, from the peer that forwarded it. */
  'false-warrant': { weight: -25, bans: true },
  /** An entry the ledger refused, against its author. */
  'rejected-entry': { weight: -2, bans: false },
  /** An entry that counted, for its author. */
  'valid-entry': { weight: 1, bans: false },
} as const

export type EvidenceKind = keyof typeof EVIDENCE

const SCORE_MIN = -100
const SCORE_MAX = 100

type PeerRecord = { score: number; strikes: number; readonly evidence: Record<string, number> }

/** The trust manager of one node. */
export type TrustManager = {
  /** Records evidence; returns true when it just crossed the local ban threshold. */
  record(peer: string, kind: EvidenceKind): boolean
  /** Trust in [0, 1]; 0.5 for a peer with no evidence. */
  trust(peer: string): number
  evidence(peer: string): { readonly [kind: string]: number }
  peers(): string[]
}

/**
 * Creates a trust manager.
 *
 * @example
 * const trust = createTrustManager()
 * if (trust.record(peer, 'invalid-sync')) ban(peer, 'local:invalid-sync')
 */
export function createTrustManager(): TrustManager {
  const peers = new Map<string, PeerRecord>()
  const recordOf = (peer: string): PeerRecord | undefined => {
    let record = peers.get(peer)
    if (record === undefined && peers.size < TRUST_PEERS_MAX) {
      record = { score: 0, strikes: 0, evidence: {} }
      peers.set(peer, record)
    }
    return record
  }
  return {
    record(peer, kind) {
      const record = recordOf(peer)
      if (record === undefined) return false
      const { weight, bans } = EVIDENCE[kind]
      record.evidence[kind] = (record.evidence[kind] ?? 0) + 1
      record.score = Math.min(SCORE_MAX, Math.max(SCORE_MIN, record.score + weight))
      if (!bans) return false
      const before = record.strikes
      record.strikes += weight
      return before > TRUST_BAN_THRESHOLD && record.strikes <= TRUST_BAN_THRESHOLD
    },
    trust: (peer) => ((peers.get(peer)?.score ?? 0) - SCORE_MIN) / (SCORE_MAX - SCORE_MIN),
    evidence: (peer) => ({ ...peers.get(peer)?.evidence }),
    peers: () => [...peers.keys()].sort(),
  }
}

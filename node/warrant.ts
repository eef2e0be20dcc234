/**
 * Warrants (§4): self-contained proofs of misbehaviour that any node checks by itself before it
 * bans anyone, so a liar cannot get an honest node banned. Two kinds:
 * - `fork`: two validly signed entries of one author with the same seq (a ledger fork proof);
 * - `signed-garbage`: an envelope validly signed by its publisher whose body is garbage on its own
 *   (not a canonical entry change, someone else's entry, or an entry with a bad signature).
 * Anything that depends on a node's state (an overdraft, a missing prev) is never a warrant.
 */
import { decode, encode } from 'cborg'
import { decodeForkProof, decodeSignedEntry, encodeForkProof, toHex, verifyEntrySignature, verifyForkProof, type ForkProof, type SignedEntry } from '../ledger/index.ts'
import { WARRANT_BYTES_MAX } from './constants.ts'
import { ENVELOPE_KINDS, openEnvelope, verifyEnvelope, type Envelope } from './envelope.ts'
import { decodeEntryChange } from './ledger-doc.ts'

const WARRANT_TAG = 'ippoc/warrant/v1'

export type WarrantKind = 'fork' | 'signed-garbage'

/** A checked warrant. */
export type Warrant = {
  readonly kind: WarrantKind
  /** The node id the warrant proves misbehaved. */
  readonly accusedHex: string
  readonly reason: string
  /** The warrant's bytes, as gossiped. */
  readonly bytes: Uint8Array
  /** The signed entries the proof consists of (a fork's two entries; none for signed garbage). */
  readonly entries: readonly SignedEntry[]
}

/**
 * Why a validly signed envelope's body is garbage on its own, or undefined when it is not (a
 * well-formed entry change, or a probe).
 */
export function envelopeGarbageReason(envelope: Envelope): string | undefined {
  if (envelope.kind !== ENVELOPE_KINDS.entryChange) return undefined
  const decoded = decodeEntryChange(envelope.body)
  if (decoded.kind === 'invalid') return decoded.reason
  if (decoded.kind === 'chunk') return 'a chunk change published as an entry'
  if (decoded.entry.authorHex !== envelope.publisherHex) return 'an entry of another author'
  if (!verifyEntrySignature(decoded.entry)) return 'an entry whose signature does not verify'
  return undefined
}

/** Builds a fork warrant. */
export function forkWarrant(proof: ForkProof): Uint8Array {
  return encode([WARRANT_TAG, 'fork', encodeForkProof(proof)])
}

/** Builds a signed-garbage warrant from the offending envelope's bytes. */
export function signedGarbageWarrant(envelopeBytes: Uint8Array): Uint8Array {
  return encode([WARRANT_TAG, 'signed-garbage', envelopeBytes])
}

/**
 * Decodes and checks a warrant. Never throws: anything that is not a complete, valid proof is
 * `ok: false`, and must not lead to a ban.
 *
 * @example
 * const checked = checkWarrant(bytes)
 * if (checked.ok) transport.ban(checked.warrant.accusedHex)
 */
export function checkWarrant(bytes: Uint8Array): { readonly ok: true; readonly warrant: Warrant } | { readonly ok: false; readonly reason: string } {
  if (!(bytes instanceof Uint8Array)) return { ok: false, reason: 'not bytes' }
  if (bytes.length > WARRANT_BYTES_MAX) return { ok: false, reason: `larger than ${WARRANT_BYTES_MAX} bytes` }
  let value: unknown
  try {
    value = decode(bytes, { strict: true, rejectDuplicateMapKeys: true, allowUndefined: false, allowInfinity: false, allowNaN: false })
  } catch {
    return { ok: false, reason: 'not canonical CBOR' }
  }
  if (!Array.isArray(value) || value.length !== 3 || value[0] !== WARRANT_TAG || !(value[2] instanceof Uint8Array)) return { ok: false, reason: 'not a warrant' }
  const [, kind, payload] = value as [string, unknown, Uint8Array]
  if (kind === 'fork') {
    let proof: ForkProof
    try {
      proof = decodeForkProof(payload)
    } catch {
      return { ok: false, reason: 'the fork proof does not decode' }
    }
    if (!verifyForkProof(proof)) return { ok: false, reason: 'the fork proof does not verify' }
    const entries = [decodeSignedEntry(proof.a.raw, proof.a.sig), decodeSignedEntry(proof.b.raw, proof.b.sig)]
    return { ok: true, warrant: { kind, accusedHex: toHex(proof.author), reason: `two entries at seq ${proof.seq}`, bytes, entries } }
  }
  if (kind === 'signed-garbage') {
    const opened = openEnvelope(payload)
    if (!opened.ok) return { ok: false, reason: `the envelope does not decode: ${opened.reason}` }
    if (!verifyEnvelope(opened.envelope)) return { ok: false, reason: 'the envelope is not signed by its publisher' }
    const reason = envelopeGarbageReason(opened.envelope)
    if (reason === undefined) return { ok: false, reason: 'the envelope holds a well-formed payload' }
    return { ok: true, warrant: { kind, accusedHex: opened.envelope.publisherHex, reason, bytes, entries: [] } }
  }
  return { ok: false, reason: `unknown warrant kind ${JSON.stringify(kind)}` }
}

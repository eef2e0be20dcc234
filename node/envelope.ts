/**
 * The signed envelope every gossip payload travels in: `version ‖ kind ‖ publisher ‖ body ‖ sig`,
 * with `sig = Ed25519(publisher, "ippoc/envelope/1" ‖ kind ‖ body)`. The envelope makes a payload
 * attributable: a validly enveloped payload that is garbage is proof its publisher misbehaved (a
 * warrant), while a payload without a valid envelope proves nothing about anyone.
 */
import { verifyEd25519 } from '../identity/ed25519.ts'
import { toHex, type EntrySigner } from '../ledger/index.ts'
import { ENVELOPE_BYTES_MAX } from './constants.ts'

export const ENVELOPE_VERSION = 1
/** What an envelope carries. */
export const ENVELOPE_KINDS = {
  /** A canonical Automerge change adding one of the publisher's own ledger entries. */
  entryChange: 1,
  /** A benchmark probe: any bytes. */
  probe: 2,
} as const
export type EnvelopeKind = (typeof ENVELOPE_KINDS)[keyof typeof ENVELOPE_KINDS]

const DOMAIN = new TextEncoder().encode('ippoc/envelope/1')
const HEADER_BYTES = 2 + 32
const SIGNATURE_BYTES = 64

/** A decoded envelope; the signature is not checked by decoding. */
export type Envelope = {
  readonly kind: EnvelopeKind
  readonly publisher: Uint8Array
  readonly publisherHex: string
  readonly body: Uint8Array
  readonly sig: Uint8Array
  /** The envelope's bytes as received. */
  readonly bytes: Uint8Array
}

function signedBytes(kind: number, body: Uint8Array): Uint8Array {
  const message = new Uint8Array(DOMAIN.length + 1 + body.length)
  message.set(DOMAIN, 0)
  message[DOMAIN.length] = kind
  message.set(body, DOMAIN.length + 1)
  return message
}

/**
 * Wraps and signs a body.
 *
 * @example
 * transport.publish(TOPICS.entries, sealEnvelope(ENVELOPE_KINDS.entryChange, change, identity))
 */
export function sealEnvelope(kind: EnvelopeKind, body: Uint8Array, signer: EntrySigner): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + body.length + SIGNATURE_BYTES)
  if (bytes.length > ENVELOPE_BYTES_MAX) throw new RangeError(`an envelope holds at most ${ENVELOPE_BYTES_MAX} bytes, this one would be ${bytes.length}`)
  bytes[0] = ENVELOPE_VERSION
  bytes[1] = kind
  bytes.set(signer.publicKey, 2)
  bytes.set(body, HEADER_BYTES)
  bytes.set(signer.sign(signedBytes(kind, body)), HEADER_BYTES + body.length)
  return bytes
}

/** Decodes an envelope; returns the reason instead of throwing. */
export function openEnvelope(bytes: Uint8Array): { readonly ok: true; readonly envelope: Envelope } | { readonly ok: false; readonly reason: string } {
  if (!(bytes instanceof Uint8Array)) return { ok: false, reason: 'not bytes' }
  if (bytes.length > ENVELOPE_BYTES_MAX) return { ok: false, reason: `larger than ${ENVELOPE_BYTES_MAX} bytes` }
  if (bytes.length < HEADER_BYTES + SIGNATURE_BYTES) return { ok: false, reason: 'truncated' }
  if (bytes[0] !== ENVELOPE_VERSION) return { ok: false, reason: `unknown version ${bytes[0]}` }
  const kind = bytes[1]
  if (kind !== ENVELOPE_KINDS.entryChange && kind !== ENVELOPE_KINDS.probe) return { ok: false, reason: `unknown kind ${kind}` }
  const publisher = bytes.slice(2, HEADER_BYTES)
  const body = bytes.slice(HEADER_BYTES, bytes.length - SIGNATURE_BYTES)
  const sig = bytes.slice(bytes.length - SIGNATURE_BYTES)
  return { ok: true, envelope: { kind, publisher, publisherHex: toHex(publisher), body, sig, bytes } }
}

/** Whether the envelope's signature is its publisher's (strict RFC 8032 rules, as everywhere). */
export function verifyEnvelope(envelope: Envelope): boolean {
  return verifyEd25519(envelope.sig, signedBytes(envelope.kind, envelope.body), envelope.publisher)
}

/**
 * Fork proofs: two validly signed, well-formed entries by one author with the same seq and
 * different ids. The pair proves on its own that the author signed two histories; anyone can check
 * it with {@link verifyForkProof}, without a ledger.
 */
import { decode, encode } from 'cborg'
import { verifyEd25519 } from '../identity/ed25519.ts'
import { decodeEntryBody, entryId, equalBytes, toHex, type SignedEntry } from './entry.ts'
import { EntryMalformedError } from './errors.ts'
import type { SignatureVerifier } from './grant.ts'

/** One signed entry as it travels: canonical bytes and signature. */
export type SignedEntryBytes = { readonly raw: Uint8Array; readonly sig: Uint8Array }

/** Evidence that `author` signed two entries at `seq`. `a` has the smaller id. */
export type ForkProof = {
  readonly author: Uint8Array
  readonly seq: number
  readonly a: SignedEntryBytes
  readonly b: SignedEntryBytes
}

/**
 * Builds the proof for two conflicting entries (same author and seq, different ids), in canonical
 * order so that one pair has one proof.
 *
 * @example
 * const proof = createForkProof(entry, conflictingEntry)
 * verifyForkProof(proof) // true
 */
export function createForkProof(first: SignedEntry, second: SignedEntry): ForkProof {
  if (first.authorHex !== second.authorHex || first.body.seq !== second.body.seq || first.idHex === second.idHex)
    throw new TypeError('a fork proof needs two different entries with the same author and seq')
  const [a, b] = first.idHex < second.idHex ? [first, second] : [second, first]
  return { author: a.body.author, seq: a.body.seq, a: { raw: a.raw, sig: a.sig }, b: { raw: b.raw, sig: b.sig } }
}

/**
 * Checks a fork proof on its own: both halves decode canonically, name the proof's author and seq,
 * have different ids (in canonical order) and carry the author's valid signature. Never throws.
 *
 * @example
 * verifyForkProof(proof) // true; false once any byte is changed
 */
export function verifyForkProof(proof: ForkProof, verify: SignatureVerifier = verifyEd25519): boolean {
  try {
    if (!(proof.author instanceof Uint8Array) || proof.author.length !== 32) return false
    const ids: string[] = []
    for (const half of [proof.a, proof.b]) {
      if (!(half.sig instanceof Uint8Array) || half.sig.length !== 64) return false
      const body = decodeEntryBody(half.raw)
      if (!equalBytes(body.author, proof.author) || body.seq !== proof.seq) return false
      const id = entryId(half.raw)
      if (!verify(half.sig, id, proof.author)) return false
      ids.push(toHex(id))
    }
    return (ids[0] as string) < (ids[1] as string)
  } catch {
    return false
  }
}

/**
 * Encodes a fork proof as canonical CBOR, for gossip and warrants.
 *
 * @example
 * decodeForkProof(encodeForkProof(proof)) // deep-equals proof
 */
export function encodeForkProof(proof: ForkProof): Uint8Array {
  return encode(['ippoc/fork-proof/v1', proof.author, proof.seq, proof.a.raw, proof.a.sig, proof.b.raw, proof.b.sig])
}

/** Decodes {@link encodeForkProof}'s bytes; throws {@link EntryMalformedError}. Does not verify. */
export function decodeForkProof(bytes: Uint8Array): ForkProof {
  let value: unknown
  try {
    value = decode(bytes, { strict: true, rejectDuplicateMapKeys: true, allowUndefined: false, allowInfinity: false, allowNaN: false })
  } catch (error) {
    throw new EntryMalformedError(`fork proof is not canonical CBOR (${(error as Error).message})`)
  }
  if (!Array.isArray(value) || value.length !== 7 || value[0] !== 'ippoc/fork-proof/v1') throw new EntryMalformedError('not a fork proof')
  const [, author, seq, aRaw, aSig, bRaw, bSig] = value as [string, ...unknown[]]
  const isBytes = (item: unknown): item is Uint8Array => item instanceof Uint8Array
  if (!isBytes(author) || typeof seq !== 'number' || !isBytes(aRaw) || !isBytes(aSig) || !isBytes(bRaw) || !isBytes(bSig))
    throw new EntryMalformedError('fork proof fields have the wrong types')
  return { author, seq, a: { raw: aRaw, sig: aSig }, b: { raw: bRaw, sig: bSig } }
}

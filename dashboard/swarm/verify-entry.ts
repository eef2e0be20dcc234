/**
 * Checks a ledger entry from a node's `/entries` in the browser: the bytes decode as a canonical
 * entry (ledger/entry.ts), its id is SHA-256 of the bytes, and the signature over the id is the
 * author's under the strict Ed25519 rule (identity/ed25519-noble.ts), exactly as
 * ledger/validate.ts checks it on the node.
 */
import { verifyEd25519Noble } from '../../identity/ed25519-noble.ts'
import { decodeSignedEntry } from '../../ledger/entry.ts'
import type { EntryJson } from '../../node/node-view.ts'

/** The verdict on one entry. */
export type EntryVerdict = { valid: true } | { valid: false; reason: string }

/**
 * Decodes base64url (no padding needed).
 *
 * @example
 * base64UrlToBytes('AQI') // Uint8Array [1, 2]
 */
export function base64UrlToBytes(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) throw new Error('not base64url')
  const binary = atob(text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/'))
  const bytes = new Uint8Array(binary.length)
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index)
  return bytes
}

/**
 * Verifies one entry as a node serves it. Never throws.
 *
 * @example
 * verifyEntryJson(entry) // { valid: true }
 */
export function verifyEntryJson(entry: EntryJson): EntryVerdict {
  let raw: Uint8Array
  let sig: Uint8Array
  try {
    raw = base64UrlToBytes(entry.raw)
    sig = base64UrlToBytes(entry.sig)
  } catch {
    return { valid: false, reason: 'raw or sig is not base64url' }
  }
  let decoded: ReturnType<typeof decodeSignedEntry>
  try {
    decoded = decodeSignedEntry(raw, sig)
  } catch (error) {
    return { valid: false, reason: `the bytes are not a canonical entry (${error instanceof Error ? error.message : String(error)})` }
  }
  if (decoded.idHex !== entry.id.toLowerCase()) return { valid: false, reason: 'the id is not SHA-256 of the bytes' }
  if (decoded.authorHex !== entry.author.toLowerCase()) return { valid: false, reason: 'the author shown is not the author signed' }
  if (decoded.body.seq !== entry.seq) return { valid: false, reason: 'the seq shown is not the seq signed' }
  if (!verifyEd25519Noble(decoded.sig, decoded.id, decoded.body.author)) return { valid: false, reason: "the signature is not the author's" }
  return { valid: true }
}

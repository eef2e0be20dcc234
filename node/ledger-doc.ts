/**
 * The replicated ledger document (§3): an Automerge document whose `chunks` map holds, for each
 * author, lists of at most {@link LEDGER_DOC_CHUNK_ENTRIES} entries, each an `ImmutableString` of
 * `base64url(raw).base64url(sig)`. Automerge only merges containers; whether an entry counts is
 * decided by the {@link Ledger} it is fed to, so a bad entry in the document never counts.
 */
import * as Automerge from '@automerge/automerge'
import { decodeSignedEntry, type AddVerdict, type Ledger, type SignedEntry } from '../ledger/index.ts'
import {
  LEDGER_DOC_CHUNK_ENTRIES,
  LEDGER_DOC_CHUNKS_MAX,
  LEDGER_DOC_ENCODED_ENTRY_CHARS_MAX,
  LEDGER_DOC_ENTRIES_MAX,
  SYNC_MESSAGE_BYTES_MAX,
} from './constants.ts'

/** The document's shape. Chunk keys are `<author hex>.<chunk index>`. */
export type LedgerDocument = { chunks: { [chunkKey: string]: Automerge.ImmutableString[] } }

/** An Automerge document holding ledger entries. */
export type LedgerDoc = Automerge.Doc<LedgerDocument>

/** The Automerge sync state kept for one peer. */
export type LedgerSyncState = Automerge.SyncState

// The genesis change is made by this fixed actor at time 0, so every node builds the same bytes.
const GENESIS_ACTOR = '00'.repeat(16)
const SIGNATURE_BASE64URL_CHARS = 86
const ENCODED_ENTRY = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/**
 * The genesis document: the empty `chunks` map, created once. Every replica is a clone of it, so
 * no two replicas create the same container (which would conflict on merge).
 *
 * @example
 * const doc = openLedgerDoc(createLedgerGenesis(), aliceHex)
 */
export function createLedgerGenesis(): LedgerDoc {
  return Automerge.change(Automerge.init<LedgerDocument>({ actor: GENESIS_ACTOR }), { time: 0 }, (draft) => {
    draft.chunks = {}
  })
}

/**
 * A writable replica of `genesis` for one node. `actorHex` (even-length hex, e.g. the node's key)
 * names its changes; it must be unique per writer.
 *
 * @example
 * const doc = openLedgerDoc(genesis, toHex(signer.publicKey))
 */
export function openLedgerDoc(genesis: LedgerDoc, actorHex: string): LedgerDoc {
  return Automerge.clone(genesis, { actor: actorHex })
}

/**
 * Encodes an entry as it is stored in the document: `base64url(raw).base64url(sig)`.
 *
 * @example
 * encodeDocEntry(entry) // 'omF2AWZhdXRob3JYI….Zk3t…'
 */
export function encodeDocEntry(entry: SignedEntry): string {
  return `${Buffer.from(entry.raw).toString('base64url')}.${Buffer.from(entry.sig).toString('base64url')}`
}

/**
 * Decodes a stored entry; returns the reason instead of throwing. Checks the encoding and the
 * entry's canonical bytes, not its signature (the ledger does that).
 *
 * @example
 * const decoded = decodeDocEntry(text)
 * if (decoded.ok) ledger.add(decoded.entry)
 */
export function decodeDocEntry(text: unknown): { readonly ok: true; readonly entry: SignedEntry } | { readonly ok: false; readonly reason: string } {
  if (typeof text !== 'string') return { ok: false, reason: `expected a string, got ${typeof text}` }
  if (text.length > LEDGER_DOC_ENCODED_ENTRY_CHARS_MAX) return { ok: false, reason: `longer than ${LEDGER_DOC_ENCODED_ENTRY_CHARS_MAX} characters` }
  if (!ENCODED_ENTRY.test(text)) return { ok: false, reason: 'not base64url(raw).base64url(sig)' }
  const [rawText = '', sigText = ''] = text.split('.')
  if (sigText.length !== SIGNATURE_BASE64URL_CHARS) return { ok: false, reason: 'the signature is not 64 bytes' }
  const raw = new Uint8Array(Buffer.from(rawText, 'base64url'))
  const sig = new Uint8Array(Buffer.from(sigText, 'base64url'))
  // Node's decoder skips stray bits; re-encoding rejects every non-canonical spelling of the same bytes.
  if (Buffer.from(raw).toString('base64url') !== rawText || Buffer.from(sig).toString('base64url') !== sigText)
    return { ok: false, reason: 'non-canonical base64url' }
  try {
    return { ok: true, entry: decodeSignedEntry(raw, sig) }
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.name : 'undecodable entry' }
  }
}

/**
 * Appends this node's own entry to its author's current chunk (seq ÷ chunk size), creating the
 * chunk when it is the first entry of it. Returns the new document; the old handle is outdated.
 * `timeMs` is the change's timestamp (the clock's, so a simulation stays deterministic).
 *
 * @example
 * doc = appendDocEntry(doc, entry, { timeMs: clock.now() })
 */
export function appendDocEntry(doc: LedgerDoc, entry: SignedEntry, options: { readonly timeMs: number }): LedgerDoc {
  const key = chunkKey(entry.authorHex, Math.floor(entry.body.seq / LEDGER_DOC_CHUNK_ENTRIES))
  const encoded = new Automerge.ImmutableString(encodeDocEntry(entry))
  return Automerge.change(doc, { time: Math.floor(options.timeMs / 1000) }, (draft) => {
    const chunk = draft.chunks[key]
    if (chunk === undefined) draft.chunks[key] = [encoded]
    else chunk.push(encoded)
  })
}

/** The key of an author's chunk. */
export function chunkKey(authorHex: string, chunkIndex: number): string {
  return `${authorHex}.${chunkIndex}`
}

/**
 * Merges another replica's changes into `local`. Returns the new document.
 *
 * @example
 * doc = mergeLedgerDocs(doc, otherDoc)
 */
export function mergeLedgerDocs(local: LedgerDoc, remote: LedgerDoc): LedgerDoc {
  return Automerge.merge(local, remote)
}

/** A place in the document that holds something other than a decodable entry. */
export type MalformedDocItem = { readonly chunkKey: string; readonly index: number; readonly reason: string }

/** Every string found in the document's chunks, in (chunk key, conflict, index) order, within the limits. */
export type DocItems = { readonly texts: readonly string[]; readonly malformed: readonly MalformedDocItem[] }

/**
 * Reads every item of every chunk, including chunks hidden by a conflict (a peer that creates an
 * author's chunk key a second time must not hide that author's entries). Stops at the limits.
 */
export function readDocItems(doc: LedgerDoc): DocItems {
  const texts: string[] = []
  const malformed: MalformedDocItem[] = []
  const chunks: unknown = doc.chunks
  if (typeof chunks !== 'object' || chunks === null) return { texts, malformed: [{ chunkKey: '', index: -1, reason: 'chunks is not a map' }] }
  const keys = Object.keys(chunks).sort().slice(0, LEDGER_DOC_CHUNKS_MAX)
  for (const key of keys) {
    const conflicts = Automerge.getConflicts(doc.chunks, key)
    const values: unknown[] = conflicts === undefined ? [doc.chunks[key]] : Object.keys(conflicts).sort().map((opId) => conflicts[opId])
    for (const value of values) {
      if (!Array.isArray(value)) {
        malformed.push({ chunkKey: key, index: -1, reason: 'the chunk is not a list' })
        continue
      }
      for (let index = 0; index < value.length && texts.length < LEDGER_DOC_ENTRIES_MAX; index++) {
        const item: unknown = value[index]
        if (Automerge.isImmutableString(item)) texts.push(item.val)
        // Values read through getConflicts come back as plain strings; the decoder checks them all the same.
        else if (typeof item === 'string') texts.push(item)
        else malformed.push({ chunkKey: key, index, reason: 'the item is not an immutable string' })
      }
    }
  }
  return { texts, malformed }
}

/** What one {@link LedgerFeed.feed} did. */
export type FeedReport = {
  /** New items read from the document. */
  readonly read: number
  readonly verdicts: { readonly [status in AddVerdict['status']]: number }
  /** Items that could not be decoded: evidence against whoever wrote them. */
  readonly malformed: readonly MalformedDocItem[]
}

/** Feeds a document's entries to a ledger, each item once. */
export type LedgerFeed = {
  /** Adds every item not fed before; never throws for bad content. */
  feed(doc: LedgerDoc): FeedReport
  /** Records an entry the node already gave its ledger (its own), so no later feed decodes it again. */
  markFed(entry: SignedEntry): void
}

/**
 * Creates a feed from ledger documents into `ledger`. The ledger decides what counts: an invalid,
 * forked or malformed entry in the document changes nothing but the report.
 *
 * @example
 * const feed = createLedgerFeed(ledger)
 * const report = feed.feed(doc) // report.verdicts.applied, report.verdicts.rejected, …
 */
export function createLedgerFeed(ledger: Ledger): LedgerFeed {
  // Items already fed, by their text: the document only grows, so this is at most its size.
  const seen = new Set<string>()
  return {
    feed(doc) {
      const items = readDocItems(doc)
      const verdicts = { applied: 0, pending: 0, duplicate: 0, rejected: 0, fork: 0 }
      const malformed: MalformedDocItem[] = [...items.malformed]
      let read = 0
      for (const text of items.texts) {
        if (seen.has(text)) continue
        if (seen.size >= LEDGER_DOC_ENTRIES_MAX) break
        seen.add(text)
        read++
        const decoded = decodeDocEntry(text)
        if (!decoded.ok) {
          malformed.push({ chunkKey: '', index: -1, reason: decoded.reason })
          continue
        }
        verdicts[ledger.add(decoded.entry).status]++
      }
      return { read, verdicts, malformed }
    },
    markFed(entry) {
      if (seen.size < LEDGER_DOC_ENTRIES_MAX) seen.add(encodeDocEntry(entry))
    },
  }
}

/** The verdict on a received sync message: accepted with the new document, or rejected unchanged. */
export type SyncVerdict =
  | { readonly status: 'accept'; readonly doc: LedgerDoc; readonly syncState: LedgerSyncState }
  | { readonly status: 'reject'; readonly reason: string }

/**
 * A fresh sync state for a peer (also what to use after reconnecting, so messages lost on the way
 * are sent again).
 */
export function initLedgerSyncState(): LedgerSyncState {
  return Automerge.initSyncState()
}

/**
 * The next sync message for a peer, or null when there is nothing to say.
 *
 * @example
 * const [nextState, message] = generateLedgerSyncMessage(doc, state)
 */
export function generateLedgerSyncMessage(doc: LedgerDoc, syncState: LedgerSyncState): [LedgerSyncState, Uint8Array | null] {
  return Automerge.generateSyncMessage(doc, syncState)
}

/**
 * Applies a sync message from a peer. Never throws: bytes that are too large or not a sync message
 * are a `reject` verdict, and the document and sync state the caller holds stay as they were.
 *
 * @example
 * const verdict = receiveLedgerSyncMessage(doc, state, bytes)
 * if (verdict.status === 'accept') ({ doc, syncState: state } = verdict)
 */
export function receiveLedgerSyncMessage(doc: LedgerDoc, syncState: LedgerSyncState, bytes: Uint8Array): SyncVerdict {
  if (!(bytes instanceof Uint8Array)) return { status: 'reject', reason: 'not bytes' }
  if (bytes.length > SYNC_MESSAGE_BYTES_MAX) return { status: 'reject', reason: `larger than ${SYNC_MESSAGE_BYTES_MAX} bytes` }
  try {
    // Decoding first refuses malformed bytes before the document is touched.
    Automerge.decodeSyncMessage(bytes)
    const [nextDoc, nextState] = Automerge.receiveSyncMessage(doc, syncState, bytes)
    return { status: 'accept', doc: nextDoc, syncState: nextState }
  } catch (error) {
    return { status: 'reject', reason: error instanceof Error ? `${error.name}: ${error.message}` : 'undecodable sync message' }
  }
}

/**
 * Forgets what was sent to a peer but not acknowledged, keeping what both sides are known to have.
 * Used on a timer over a lossy link: a lost message would otherwise leave both sides waiting.
 */
export function resetInFlight(syncState: LedgerSyncState): LedgerSyncState {
  return Automerge.decodeSyncState(Automerge.encodeSyncState(syncState))
}

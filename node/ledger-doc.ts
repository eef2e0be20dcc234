/**
 * The replicated ledger document (§3): an Automerge document whose root `chunks` map holds, per
 * author, maps of at most {@link LEDGER_DOC_CHUNK_ENTRIES} entries keyed by seq, each entry an
 * immutable string `base64url(raw).base64url(sig)`.
 *
 * Every change in the document is **canonical**: a pure function of signed data. The change that
 * adds entry e is made by actor `e.id[0..16]`, seq 1, at time 0, with op counter `3 + e.seq`, and
 * depends on the change that created its chunk and on the change of its author's previous entry.
 * A chunk is created by the actor `SHA-256(chunk key)[0..16]`, which every node computes alike.
 * So a receiver checks a change by rebuilding it from the entry it carries and comparing bytes:
 * nobody can slip an op into the document that is not "this validly signed entry, here", a forged
 * change can never collide with the honest one, and two entries forking one author's chain are
 * two actors writing one key: an Automerge conflict that keeps both, which the ledger then proves.
 * Automerge merges containers; whether an entry counts is decided by the ledger it is fed to.
 */
import { createHash } from 'node:crypto'
import { decodeSignedEntry, toHex, verifyEntrySignature, type SignedEntry } from '../ledger/index.ts'
import { decodeMapSetChange, encodeMapSetChange, mapSetChangeHash, type MapSetChange } from './canonical-change.ts'
import { automergeBackend, type BackendDoc, type BackendSyncState, type DecodedChange, type DecodedSyncMessage } from './automerge-backend.ts'
import {
  LEDGER_DOC_CHANGE_BYTES_MAX,
  LEDGER_DOC_CHUNK_ENTRIES,
  LEDGER_DOC_CHUNKS_MAX,
  LEDGER_DOC_ENCODED_ENTRY_CHARS_MAX,
  LEDGER_DOC_ENTRIES_MAX,
  LEDGER_DOC_WAITING_MAX,
  SYNC_MESSAGE_BYTES_MAX,
} from './constants.ts'

const GENESIS_ACTOR = '00'.repeat(16)
const CHUNKS_OBJECT = `1@${GENESIS_ACTOR}`
/** A chunk map is the op 2 of its actor (the genesis change made op 1). */
const CHUNK_OBJECT_COUNTER = 2
const SIGNATURE_BASE64URL_CHARS = 86
const ENCODED_ENTRY = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const CHUNK_KEY = /^[0-9a-f]{64}\.[0-9]{1,9}$/

/** The genesis change: the empty `chunks` map, made once by a fixed actor so every node has the same bytes. */
export const LEDGER_GENESIS_CHANGE: Uint8Array = automergeBackend.encodeChange({
  actor: GENESIS_ACTOR,
  seq: 1,
  startOp: 1,
  time: 0,
  message: null,
  deps: [],
  ops: [{ action: 'makeMap', obj: '_root', key: 'chunks', pred: [] }],
})
const GENESIS_HASH = automergeBackend.decodeChange(LEDGER_GENESIS_CHANGE).hash

/**
 * Encodes an entry as it is stored in the document: `base64url(raw).base64url(sig)`.
 *
 * @example
 * encodeDocEntry(entry) // 'omF2AWZhdXRob3JYI….Zk3t…'
 */
export function encodeDocEntry(entry: SignedEntry): string {
  return `${Buffer.from(entry.raw).toString('base64url')}.${signatureText(entry)}`
}

/** How the document spells an entry's signature: the part of its value after the dot. */
function signatureText(entry: SignedEntry): string {
  return Buffer.from(entry.sig.buffer, entry.sig.byteOffset, entry.sig.byteLength).toString('base64url')
}

/**
 * Decodes a stored entry; returns the reason instead of throwing. Checks the encoding and the
 * entry's canonical bytes, not its signature.
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

/** The key of an author's chunk in the `chunks` map. */
export function chunkKey(authorHex: string, seq: number): string {
  return `${authorHex}.${Math.floor(seq / LEDGER_DOC_CHUNK_ENTRIES)}`
}

type ChunkChange = { readonly key: string; readonly bytes: Uint8Array; readonly hash: string; readonly actor: string; readonly object: string }

// Canonical chunk changes are pure functions of their key; computing one costs ~50 µs, so keep them.
const chunkChangeCache = new Map<string, ChunkChange>()

/** The canonical change that creates a chunk. */
function chunkChange(key: string): ChunkChange {
  const cached = chunkChangeCache.get(key)
  if (cached !== undefined) return cached
  const actor = createHash('sha256').update(`ippoc/ledger-doc/chunk/${key}`).digest('hex').slice(0, 32)
  const bytes = automergeBackend.encodeChange({ actor, seq: 1, startOp: CHUNK_OBJECT_COUNTER, time: 0, message: null, deps: [GENESIS_HASH], ops: [{ action: 'makeMap', obj: CHUNKS_OBJECT, key, pred: [] }] })
  const change = { key, bytes, hash: automergeBackend.decodeChange(bytes).hash, actor, object: `${CHUNK_OBJECT_COUNTER}@${actor}` }
  if (chunkChangeCache.size < LEDGER_DOC_CHUNKS_MAX) chunkChangeCache.set(key, change)
  return change
}

/** The canonical change that adds `entry`, and its hash, given the hash of the change that added its prev. */
function entryChange(entry: SignedEntry, prevChangeHash: string | undefined): { readonly bytes: Uint8Array; readonly hash: string } {
  const change = entryMapSetChange(entry, prevChangeHash, encodeDocEntry(entry))
  const fast = encodeMapSetChange(change)
  if (fast !== undefined) return fast
  // The chunk's actor is the entry's own (a 128-bit coincidence): Automerge's encoder handles it.
  const bytes = automergeBackend.encodeChange({ actor: change.actor, seq: 1, startOp: change.startOp, time: 0, message: null, deps: [...change.deps], ops: [{ action: 'set', obj: `${change.objectCounter}@${change.objectActor}`, key: change.key, value: change.value, pred: [] }] })
  return { bytes, hash: changeHash(bytes) }
}

/**
 * The hash of {@link entryChange}'s change, without keeping its bytes: what checking a change
 * needs. `value` is the entry's document text when the caller holds it (it decoded the entry from
 * it, and only the one spelling decodes), saving its encoding again.
 */
function entryChangeHash(entry: SignedEntry, prevChangeHash: string | undefined, value: string = encodeDocEntry(entry)): string {
  return mapSetChangeHash(entryMapSetChange(entry, prevChangeHash, value)) ?? entryChange(entry, prevChangeHash).hash
}

function entryMapSetChange(entry: SignedEntry, prevChangeHash: string | undefined, value: string): MapSetChange {
  const chunk = chunkChange(chunkKey(entry.authorHex, entry.body.seq))
  const deps = prevChangeHash === undefined ? [chunk.hash] : chunk.hash < prevChangeHash ? [chunk.hash, prevChangeHash] : [prevChangeHash, chunk.hash]
  return { actor: entry.idHex.slice(0, 32), startOp: 3 + entry.body.seq, deps, objectCounter: CHUNK_OBJECT_COUNTER, objectActor: chunk.actor, key: String(entry.body.seq), value }
}

/**
 * The Automerge hash of a change. For an uncompressed change chunk (what `encodeChange` makes) it is
 * SHA-256 of the chunk after magic and checksum, ~20× cheaper than decoding it.
 */
function changeHash(change: Uint8Array): string {
  if (change[CHUNK_TYPE_OFFSET] === CHUNK_TYPE_CHANGE) return createHash('sha256').update(change.subarray(CHUNK_TYPE_OFFSET)).digest('hex')
  return automergeBackend.decodeChange(change).hash
}

/**
 * The changes a sync message carries. Automerge sends a whole document chunk instead of changes
 * to a peer that has nothing; it is loaded into a scratch document and taken apart into changes,
 * so every one is checked like any other.
 */
function changesOf(message: DecodedSyncMessage, appliedDocuments: ReadonlySet<string>): { readonly ok: true; readonly changes: Uint8Array[]; readonly documents: string[] } | { readonly ok: false; readonly reason: string } {
  const changes: Uint8Array[] = []
  const documents: string[] = []
  for (const item of message.changes) {
    const chunks = splitChunks(item)
    if (chunks === undefined) return { ok: false, reason: 'a change is not a sequence of Automerge chunks' }
    for (const chunk of chunks) {
      if (chunk[CHUNK_TYPE_OFFSET] !== CHUNK_TYPE_DOCUMENT) {
        changes.push(chunk)
        continue
      }
      const digest = createHash('sha256').update(chunk).digest('hex')
      if (appliedDocuments.has(digest)) continue
      documents.push(digest)
      let scratch: BackendDoc | undefined
      try {
        scratch = automergeBackend.load(chunk)
        changes.push(...scratch.getChanges([]))
      } catch {
        return { ok: false, reason: 'a document chunk does not load' }
      } finally {
        scratch?.free()
      }
    }
    if (changes.length > LEDGER_DOC_ENTRIES_MAX) return { ok: false, reason: `more than ${LEDGER_DOC_ENTRIES_MAX} changes` }
  }
  return { ok: true, changes, documents }
}

/**
 * A sync message's lone whole-document chunk, loaded, with the entries its state holds: how a
 * fresh node catches up. Instead of taking the document apart into changes and applying them
 * again, its canonical form is checked from its heads and the loaded document is kept.
 */
type CarriedDocument = {
  readonly kind: 'document'
  readonly chunk: Uint8Array
  readonly digest: string
  readonly handle: BackendDoc
  /** Every entry in the document (winners of conflicting keys only), in ledger order, and its chunks. */
  readonly read: Extract<DocumentRead, { ok: true }>
  /** The entries the receiving document holds: reading and checking this one takes them as they are. */
  readonly known: KnownEntries
  /** Set by the first check: the change hash of every entry (and every entry) when canonical, else the reason. */
  canonical?: CanonicalDocument | string
}

/** Loose changes (a whole-document chunk among them is taken apart). */
type CarriedChanges = {
  readonly kind: 'changes'
  /** The changes it carries that this document lacks. */
  readonly changes: readonly Uint8Array[]
  /** Hashes of the chunk-creation changes among them. */
  readonly structural: readonly string[]
  /** The entry changes among them, in order. */
  readonly items: readonly EntryItem[]
  /** Digests of the whole-document chunks it carries. */
  readonly documents: readonly string[]
}

/** Entries of a loaded document are handed on (to signature checks) in slices of this many as they are decoded. */
const DOCUMENT_SLICE_ENTRIES = 1024

/**
 * The entries a document holds already, so a document that carries them again (Automerge sends the
 * whole document when most of it is news, e.g. after a partition heals) does not decode them or
 * rebuild their changes again. A match needs no further check: the heads comparison in
 * {@link canonicalHashes} rebuilds the document's history from what the lookups return, so a value
 * that is not byte for byte the known entry's, or a change that is not its canonical change, makes
 * the heads differ and the document is refused.
 */
type KnownEntries = {
  /** The entry whose signature is this base64url text, if held. */
  bySignature(signatureText: string): SignedEntry | undefined
  /** The canonical change hash of a held entry, by entry id. */
  changeHash(idHex: string): string | undefined
}

type DocumentRead =
  | { readonly ok: true; readonly entries: SignedEntry[]; readonly chunkKeys: string[]; /** The document text of each entry decoded from it (held ones are not). */ readonly texts: ReadonlyMap<SignedEntry, string> }
  | { readonly ok: false; readonly reason: string }

/**
 * The entries a loaded ledger document holds, read from its state, each checked to sit where its
 * author and seq put it. `conflicts` reads every value of a key (a fork keeps two); without it, only
 * the winner (~6× cheaper: Automerge materializes the state in one call), and then `onSlice` sees
 * the decoded entries as they come, so checking their signatures can start before the last one.
 */
function readDocumentEntries(handle: BackendDoc, conflicts: boolean, known: KnownEntries, onSlice?: (slice: readonly SignedEntry[], total: number) => void): DocumentRead {
  const entries: SignedEntry[] = []
  const chunkKeys: string[] = []
  const texts = new Map<SignedEntry, string>()
  const take = (key: string, seqKey: string, value: unknown): string | undefined => {
    let entry = typeof value === 'string' && value.length > SIGNATURE_BASE64URL_CHARS ? known.bySignature(value.slice(-SIGNATURE_BASE64URL_CHARS)) : undefined
    if (entry === undefined) {
      const decoded = decodeDocEntry(value)
      if (!decoded.ok) return `an entry does not decode: ${decoded.reason}`
      entry = decoded.entry
      texts.set(entry, value as string)
    }
    if (String(entry.body.seq) !== seqKey || chunkKey(entry.authorHex, entry.body.seq) !== key) return 'an entry is not where its author and seq put it'
    entries.push(entry)
    return undefined
  }
  if (conflicts) {
    for (const key of handle.keys(CHUNKS_OBJECT)) {
      if (!CHUNK_KEY.test(key)) return { ok: false, reason: 'a chunk key is not author.index' }
      chunkKeys.push(key)
      for (const [type, object] of handle.getAll(CHUNKS_OBJECT, key)) {
        if (type !== 'map' || typeof object !== 'string') return { ok: false, reason: 'a chunk is not a map' }
        for (const seqKey of handle.keys(object)) {
          for (const [, value] of handle.getAll(object, seqKey)) {
            const wrong = take(key, seqKey, value)
            if (wrong !== undefined) return { ok: false, reason: wrong }
          }
        }
      }
    }
    return { ok: true, entries: inLedgerOrder(entries), chunkKeys, texts }
  }
  const chunks = (handle.materialize('/') as { chunks?: unknown }).chunks
  if (typeof chunks !== 'object' || chunks === null) return { ok: false, reason: 'the document has no chunks map' }
  const values: [string, string, unknown][] = []
  for (const [key, chunk] of Object.entries(chunks)) {
    if (!CHUNK_KEY.test(key)) return { ok: false, reason: 'a chunk key is not author.index' }
    if (typeof chunk !== 'object' || chunk === null) return { ok: false, reason: 'a chunk is not a map' }
    chunkKeys.push(key)
    for (const [seqKey, value] of Object.entries(chunk)) values.push([key, seqKey, value])
  }
  for (const [index, [key, seqKey, value]] of values.entries()) {
    const wrong = take(key, seqKey, value)
    if (wrong !== undefined) return { ok: false, reason: wrong }
    if (onSlice !== undefined && ((index + 1) % DOCUMENT_SLICE_ENTRIES === 0 || index + 1 === values.length)) onSlice(entries.slice(-((index % DOCUMENT_SLICE_ENTRIES) + 1)), values.length)
  }
  return { ok: true, entries: inLedgerOrder(entries), chunkKeys, texts }
}

/**
 * Sorts entries by timestamp, then seq, then author: roughly the order things happened in (an
 * author's own timestamps rise with its seq), so the ledger admits them with the fewest waits for
 * a prev or a funding entry. Any order is correct: the ledger holds what comes early.
 */
function inLedgerOrder(entries: SignedEntry[]): SignedEntry[] {
  return entries.sort((a, b) => a.body.timestamp - b.body.timestamp || a.body.seq - b.body.seq || (a.authorHex < b.authorHex ? -1 : a.authorHex > b.authorHex ? 1 : 0))
}

/**
 * The change hash of every entry, when the document is exactly the canonical changes of `entries`
 * and the chunks holding them; else undefined. Automerge change hashes cover their deps, so a
 * document's heads fix its whole history: if the heads of the canonical changes rebuilt from the
 * entries equal the loaded document's heads, its history is those changes and nothing else (and a
 * checked load guarantees its state is that history's).
 */
function canonicalHashes(handle: BackendDoc, read: Extract<DocumentRead, { ok: true }>, known: KnownEntries): Map<string, string> | undefined {
  const { entries, chunkKeys, texts } = read
  const hashes = new Map<string, string>()
  const notHeads = new Set<string>()
  const bySeq = [...entries].sort((a, b) => a.body.seq - b.body.seq)
  for (const entry of bySeq) {
    const prevHash = entry.body.seq === 0 ? undefined : hashes.get(toHex(entry.body.prev!))
    if (entry.body.seq !== 0 && prevHash === undefined) return undefined
    // A held entry's change is canonical, and the canonical change is a function of the entry alone.
    const hash = known.changeHash(entry.idHex) ?? entryChangeHash(entry, prevHash, texts.get(entry))
    hashes.set(entry.idHex, hash)
    if (prevHash !== undefined) notHeads.add(prevHash)
    notHeads.add(chunkChange(chunkKey(entry.authorHex, entry.body.seq)).hash)
  }
  const heads = [...hashes.values()].filter((hash) => !notHeads.has(hash))
  for (const key of chunkKeys) if (!notHeads.has(chunkChange(key).hash)) heads.push(chunkChange(key).hash)
  if (chunkKeys.length === 0) heads.push(GENESIS_HASH)
  const actual = handle.getHeads()
  if (actual.length !== heads.length) return undefined
  heads.sort()
  return [...actual].sort().every((hash, index) => hash === heads[index]) ? hashes : undefined
}

type CanonicalDocument = { readonly hashes: ReadonlyMap<string, string>; readonly entries: readonly SignedEntry[] }

/**
 * Checks a carried document once: read with winners only first; only if that fails, with every
 * conflicting value (a fork's other entry then joins `entries`).
 */
function checkDocument(carried: CarriedDocument): CanonicalDocument | string {
  if (carried.canonical !== undefined) return carried.canonical
  let checked: CanonicalDocument | undefined
  const hashes = canonicalHashes(carried.handle, carried.read, carried.known)
  if (hashes !== undefined) checked = { hashes, entries: carried.read.entries }
  else {
    const all = readDocumentEntries(carried.handle, true, carried.known)
    const allHashes = all.ok ? canonicalHashes(carried.handle, all, carried.known) : undefined
    if (all.ok && allHashes !== undefined) checked = { hashes: allHashes, entries: all.entries }
  }
  carried.canonical = checked ?? 'the document is not made of canonical changes of its entries'
  return carried.canonical
}

// Automerge's storage format: magic (4) ‖ checksum (4) ‖ type (1) ‖ LEB128 length ‖ data.
const CHUNK_MAGIC = [0x85, 0x6f, 0x4a, 0x83]
const CHUNK_TYPE_OFFSET = 8
const CHUNK_TYPE_DOCUMENT = 0
const CHUNK_TYPE_CHANGE = 1

/**
 * Splits bytes into Automerge chunks (a sync message may carry several changes, or a whole
 * document, in one item). Undefined when the bytes are not chunks end to end.
 */
function splitChunks(bytes: Uint8Array): Uint8Array[] | undefined {
  const chunks: Uint8Array[] = []
  let offset = 0
  while (offset < bytes.length) {
    if (bytes.length - offset < CHUNK_TYPE_OFFSET + 2) return undefined
    for (let index = 0; index < 4; index++) if (bytes[offset + index] !== CHUNK_MAGIC[index]) return undefined
    let length = 0
    let cursor = offset + CHUNK_TYPE_OFFSET + 1
    for (let shift = 0; ; shift += 7) {
      if (cursor >= bytes.length || shift > 28) return undefined
      const byte = bytes[cursor++]!
      length += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) break
    }
    const end = cursor + length
    if (end > bytes.length) return undefined
    chunks.push(bytes.subarray(offset, end))
    offset = end
  }
  return chunks
}

/** What a change from the wire is. */
export type ChangeCheck =
  /** A canonical change adding a validly signed entry; stage it with {@link LedgerDoc.stageChecked}. */
  | { readonly status: 'valid'; readonly entry: SignedEntry; readonly change: Uint8Array; readonly hash: string }
  /** A validly signed entry whose prev is not in the document yet; it waits. */
  | { readonly status: 'waiting'; readonly entry: SignedEntry }
  /**
   * The document has this entry already; `canonical` when these are the very bytes of its change
   * (safe to pass on: a node that learned the entry by sync still forwards its gossip).
   */
  | { readonly status: 'known'; readonly entry: SignedEntry; readonly canonical: boolean }
  /** A canonical chunk-creation change (or the genesis change, key ''). */
  | { readonly status: 'chunk'; readonly key: string }
  /**
   * Not a canonical change of a validly signed entry. `entry` is set when the change carried a
   * decodable entry (whose signature may be bad: see `badSignature`).
   */
  | { readonly status: 'invalid'; readonly reason: string; readonly entry?: SignedEntry | undefined; readonly badSignature?: boolean | undefined }

/** A change decoded and shape-checked, its entry's signature not checked yet. */
export type DecodedEntryChange =
  | { readonly kind: 'entry'; readonly bytes: Uint8Array; readonly hash: string; readonly entry: SignedEntry; /** The entry's document text, as the change carries it. */ readonly value: string }
  | { readonly kind: 'chunk'; readonly bytes: Uint8Array; readonly key: string }
  | { readonly kind: 'invalid'; readonly reason: string }

/**
 * Decodes a change and checks what needs no state and no signature: size, shape, that the actor,
 * op counter and key match the entry it carries. Never throws.
 */
export function decodeEntryChange(bytes: Uint8Array): DecodedEntryChange {
  if (!(bytes instanceof Uint8Array)) return { kind: 'invalid', reason: 'not bytes' }
  if (bytes.length > LEDGER_DOC_CHANGE_BYTES_MAX) return { kind: 'invalid', reason: `larger than ${LEDGER_DOC_CHANGE_BYTES_MAX} bytes` }
  // The exact layout of a canonical entry change is read without Automerge's decoder (4.7× faster,
  // on every node for every gossiped entry); anything else, chunk and compressed changes included,
  // goes to Automerge. Like Automerge, neither checks the checksum: the hash covers the same bytes.
  const canonical = decodeMapSetChange(bytes)
  if (canonical !== undefined) return entryOf(bytes, changeHash(bytes), canonical.actor, canonical.startOp, canonical.key, canonical.value)
  let decoded: DecodedChange & { hash: string }
  try {
    decoded = automergeBackend.decodeChange(bytes)
  } catch {
    return { kind: 'invalid', reason: 'not an Automerge change' }
  }
  if (decoded.hash === GENESIS_HASH) return { kind: 'chunk', bytes, key: '' }
  const op = decoded.ops.length === 1 ? decoded.ops[0] : undefined
  if (op === undefined) return { kind: 'invalid', reason: `expected one op, got ${decoded.ops.length}` }
  if (op.action === 'makeMap' && op.obj === CHUNKS_OBJECT && typeof op.key === 'string' && CHUNK_KEY.test(op.key)) {
    // Hashes, not bytes: the same change may travel compressed. The hash covers the whole content.
    return decoded.hash === chunkChange(op.key).hash ? { kind: 'chunk', bytes, key: op.key } : { kind: 'invalid', reason: 'a non-canonical chunk change' }
  }
  if (op.action !== 'set' || typeof op.value !== 'string') return { kind: 'invalid', reason: `unexpected op ${String(op.action)}` }
  return entryOf(bytes, decoded.hash, decoded.actor, decoded.startOp, op.key, op.value)
}

/** The entry a one-op change sets, checked to be where its change must put it. */
function entryOf(bytes: Uint8Array, hash: string, actor: string, startOp: number, key: unknown, value: unknown): DecodedEntryChange {
  const text = decodeDocEntry(value)
  if (!text.ok) return { kind: 'invalid', reason: `the entry does not decode: ${text.reason}` }
  const { entry } = text
  if (actor !== entry.idHex.slice(0, 32) || key !== String(entry.body.seq) || startOp !== 3 + entry.body.seq) return { kind: 'invalid', reason: 'the change does not match the entry it carries' }
  // It decoded, so it is the entry's text.
  return { kind: 'entry', bytes, hash, entry, value: value as string }
}

/** What {@link LedgerDoc.receiveSyncMessage} did. */
export type SyncReceipt =
  /** The message was applied; `entries` are the new validly signed entries it brought, in causal order. */
  | { readonly status: 'accept'; readonly entries: readonly SignedEntry[]; readonly waiting: number }
  /** The message was refused whole; the document and the sync state are unchanged. */
  | { readonly status: 'reject'; readonly reason: string; readonly badSignature?: SignedEntry | undefined }

type EntryItem = Extract<DecodedEntryChange, { kind: 'entry' }>

/** A sync message decoded by {@link LedgerDoc.prepareSyncMessage}, waiting for its signatures to be checked. */
export type PreparedSync = {
  readonly status: 'prepared'
  readonly bytes: Uint8Array
  readonly message: DecodedSyncMessage
  /** The entries it brings that this document lacks, in order: their signatures must be checked. */
  readonly entries: readonly SignedEntry[]
  /** Loose changes, or one whole document (a fresh node's catch-up). */
  readonly carried: CarriedChanges | CarriedDocument
  /** The signature verdicts (entry id hex → valid), when they are being checked off this thread. */
  readonly verdicts?: Promise<ReadonlyMap<string, boolean>> | undefined
}

/** Checks entry signatures elsewhere (worker threads); resolves with one verdict per entry, in order. */
export type SignatureBatchVerifier = (entries: readonly SignedEntry[]) => Promise<boolean[]>

/** Where {@link LedgerDoc.prepareSyncMessage} may check signatures. */
export type PrepareOptions = {
  readonly verify: SignatureBatchVerifier
  /** Fewer new entries than this are checked on this thread: handing them off costs more. */
  readonly minEntries: number
}

/**
 * The verdicts of checks handed off, by entry id. Marked handled: a caller may take them up only
 * after earlier work (or drop them); a failed check must not count as an unhandled rejection.
 */
function verdictsOf(parts: readonly { readonly entries: readonly SignedEntry[]; readonly valid: Promise<boolean[]> }[]): Promise<ReadonlyMap<string, boolean>> {
  const verdicts = collectVerdicts(parts)
  verdicts.catch(() => {})
  return verdicts
}

async function collectVerdicts(parts: readonly { readonly entries: readonly SignedEntry[]; readonly valid: Promise<boolean[]> }[]): Promise<ReadonlyMap<string, boolean>> {
  const verdicts = new Map<string, boolean>()
  for (const part of parts) {
    const valid = await part.valid
    part.entries.forEach((entry, index) => verdicts.set(entry.idHex, valid[index] === true))
  }
  return verdicts
}

const APPLIED_DOCUMENTS_MAX = 64

/** Adds `value` to an insertion-ordered set, dropping the oldest past `max`. */
export function rememberBounded(set: Set<string>, value: string, max: number): void {
  if (set.size >= max) set.delete(set.values().next().value!)
  set.add(value)
}

/** A sync state for one peer. */
export type LedgerSyncState = BackendSyncState

/**
 * One node's copy of the ledger document, with an index from entry id to the change that added it.
 * Own and gossiped entries are staged and applied to Automerge in batches (one change at a time
 * costs 0.3–0.6 ms, a batch ~25 µs per change); anything that reads the document flushes first.
 */
export class LedgerDoc {
  readonly #actorHex: string
  /** Replaced when a catch-up adopts a loaded whole document. */
  #handle: BackendDoc
  /** Entry id hex → hash of the change that added it (in the document or staged). */
  readonly #changeHashes = new Map<string, string>()
  /** Held entries by the text of their signature, filled when a document is read (off the gossip path). */
  readonly #bySignature = new Map<string, SignedEntry>()
  /** Entries indexed since the last document read, not yet in {@link LedgerDoc.#bySignature}. */
  #unspelled: SignedEntry[] = []
  readonly #known: KnownEntries = {
    bySignature: (text) => {
      if (this.#unspelled.length > 0) {
        for (const entry of this.#unspelled) this.#bySignature.set(signatureText(entry), entry)
        this.#unspelled = []
      }
      return this.#bySignature.get(text)
    },
    changeHash: (idHex) => this.#changeHashes.get(idHex),
  }
  readonly #chunks = new Set<string>()
  #staged: Uint8Array[] = []
  /** Entries waiting for their prev, by the prev's id hex. */
  readonly #waiting = new Map<string, SignedEntry[]>()
  #waitingCount = 0
  /** Hashes of every change in the document (or staged): entries, chunks and genesis. */
  readonly #knownChanges = new Set<string>([GENESIS_HASH])
  /** Digests of whole-document chunks already applied: Automerge may send one twice; it is not decoded again. */
  readonly #appliedDocuments = new Set<string>()

  /**
   * @param actorHex this replica's Automerge actor (the node id's first 16 bytes will do: it never writes under it).
   */
  constructor(options: { readonly actorHex: string }) {
    this.#actorHex = options.actorHex
    this.#handle = automergeBackend.create({ actor: options.actorHex })
    this.#handle.applyChanges([LEDGER_GENESIS_CHANGE])
  }

  /** Entries in the document (staged included). */
  get size(): number {
    return this.#changeHashes.size
  }

  /** Entries waiting for their prev. */
  get waiting(): number {
    return this.#waitingCount
  }

  has(entryIdHex: string): boolean {
    return this.#changeHashes.has(entryIdHex)
  }

  /** Whether the entry's prev is in the document (true for a first entry). */
  canAdd(entry: SignedEntry): boolean {
    return this.#prevChangeHash(entry) !== null
  }

  /**
   * Adds an entry the caller has checked (its own, or one whose signature was verified) and returns
   * the canonical change to gossip, or undefined when the document has it already. Entries that
   * waited for this one are added too (they were checked when they arrived). Throws when its prev
   * is missing: check {@link LedgerDoc.canAdd} first.
   */
  add(entry: SignedEntry): { readonly change: Uint8Array; readonly released: readonly SignedEntry[] } | undefined {
    if (this.#changeHashes.has(entry.idHex)) return undefined
    const prevHash = this.#prevChangeHash(entry)
    if (prevHash === null) throw new RangeError(`entry ${entry.idHex} cannot be added before its prev`)
    if (this.#changeHashes.size >= LEDGER_DOC_ENTRIES_MAX) throw new RangeError(`the ledger document holds ${LEDGER_DOC_ENTRIES_MAX} entries already`)
    const change = entryChange(entry, prevHash)
    this.#stage(entry, change.bytes, change.hash)
    return { change: change.bytes, released: this.#release(entry) }
  }

  /**
   * Checks a change from the wire (gossip). A `valid` change is not in the document until
   * {@link LedgerDoc.stageChecked}; a `waiting` one is kept and released by the `add` of its prev.
   */
  checkChange(bytes: Uint8Array): ChangeCheck {
    const decoded = decodeEntryChange(bytes)
    if (decoded.kind === 'invalid') return { status: 'invalid', reason: decoded.reason }
    if (decoded.kind === 'chunk') return { status: 'chunk', key: decoded.key }
    const { entry } = decoded
    const knownHash = this.#changeHashes.get(entry.idHex)
    if (knownHash !== undefined) return { status: 'known', entry, canonical: knownHash === decoded.hash }
    if (!verifyEntrySignature(entry)) return { status: 'invalid', reason: 'the entry signature does not verify', entry, badSignature: true }
    const prevHash = this.#prevChangeHash(entry)
    if (prevHash === null) {
      this.#wait(entry)
      return { status: 'waiting', entry }
    }
    if (decoded.hash !== entryChangeHash(entry, prevHash, decoded.value)) return { status: 'invalid', reason: 'a non-canonical change', entry }
    return { status: 'valid', entry, change: bytes, hash: decoded.hash }
  }

  /** Stages a change {@link LedgerDoc.checkChange} found valid; returns the entries it released. */
  stageChecked(check: Extract<ChangeCheck, { status: 'valid' }>): readonly SignedEntry[] {
    if (this.#changeHashes.has(check.entry.idHex)) return []
    this.#stage(check.entry, check.change, check.hash)
    return this.#release(check.entry)
  }

  /** Applies staged changes to Automerge. */
  flush(): void {
    if (this.#staged.length === 0) return
    const staged = this.#staged
    this.#staged = []
    this.#handle.applyChanges(staged)
  }

  heads(): string[] {
    this.flush()
    return this.#handle.getHeads()
  }

  /** A fresh sync state (also after a reconnect, so messages lost on the way are sent again). */
  static initSyncState(): LedgerSyncState {
    return automergeBackend.initSyncState()
  }

  /**
   * The same sync state without what was sent but not acknowledged, so it is sent again: used on a
   * timer, because over a lossy link a lost message would otherwise leave both sides waiting.
   */
  static resetInFlight(state: LedgerSyncState): LedgerSyncState {
    return automergeBackend.decodeSyncState(automergeBackend.encodeSyncState(state))
  }

  /** The next sync message for a peer, or null when there is nothing to say. */
  generateSyncMessage(state: LedgerSyncState): Uint8Array | null {
    this.flush()
    return this.#handle.generateSyncMessage(state)
  }

  /**
   * Decodes a sync message and every change it carries without changing the document: the first
   * half of {@link LedgerDoc.receiveSyncMessage}. With `options`, the signatures of the new
   * entries (`entries`) go to `options.verify` (worker threads), a whole document's slice by slice
   * while it is read, and `verdicts` resolves with them while the document keeps working.
   */
  prepareSyncMessage(bytes: Uint8Array, options?: PrepareOptions): PreparedSync | { readonly status: 'reject'; readonly reason: string } {
    if (!(bytes instanceof Uint8Array)) return { status: 'reject', reason: 'not bytes' }
    if (bytes.length > SYNC_MESSAGE_BYTES_MAX) return { status: 'reject', reason: `larger than ${SYNC_MESSAGE_BYTES_MAX} bytes` }
    let message: DecodedSyncMessage
    try {
      message = automergeBackend.decodeSyncMessage(bytes)
    } catch (error) {
      return { status: 'reject', reason: `not a sync message (${error instanceof Error ? error.message : 'undecodable'})` }
    }
    // A whole document's entries go to the signature check slice by slice as they are decoded.
    const parts: { entries: readonly SignedEntry[]; valid: Promise<boolean[]> }[] = []
    const onSlice = (slice: readonly SignedEntry[], total: number): void => {
      const fresh = slice.filter((entry) => !this.#changeHashes.has(entry.idHex))
      if (options === undefined || total < options.minEntries || fresh.length === 0) return
      const valid = options.verify(fresh)
      // Marked handled: if the document is refused further on, nobody awaits these.
      valid.catch(() => {})
      parts.push({ entries: fresh, valid })
    }
    const document = this.#loneDocument(message, onSlice)
    if (document !== undefined) {
      if ('reason' in document) return { status: 'reject', reason: document.reason }
      const entries = document.read.entries.filter((entry) => !this.#changeHashes.has(entry.idHex))
      return { status: 'prepared', bytes, message, entries, carried: document, verdicts: parts.length > 0 ? verdictsOf(parts) : undefined }
    }
    const carried = changesOf(message, this.#appliedDocuments)
    if (!carried.ok) return { status: 'reject', reason: carried.reason }
    const items: EntryItem[] = []
    const changes: Uint8Array[] = []
    const structural: string[] = []
    for (const change of carried.changes) {
      // A change whose hash this document holds is that very change (the hash covers all of it):
      // peers resend what they think we lack, and decoding it again would be wasted work.
      const hash = changeHash(change)
      if (this.#knownChanges.has(hash)) continue
      const decoded = decodeEntryChange(change)
      if (decoded.kind === 'invalid') return { status: 'reject', reason: `a change is invalid: ${decoded.reason}` }
      if (decoded.kind === 'chunk') {
        changes.push(change)
        structural.push(hash)
      } else if (!this.#changeHashes.has(decoded.entry.idHex)) {
        changes.push(change)
        items.push(decoded)
      }
    }
    const entries = items.map((item) => item.entry)
    const verdicts = options !== undefined && entries.length >= options.minEntries ? verdictsOf([{ entries, valid: options.verify(entries) }]) : undefined
    return { status: 'prepared', bytes, message, entries, carried: { kind: 'changes', changes, structural, items, documents: carried.documents }, verdicts }
  }

  /**
   * Runs the checks of a prepared message that do not depend on this document's state (a whole
   * document's canonical form), so a caller can overlap them with the signature check;
   * {@link LedgerDoc.receiveSyncMessage} runs them otherwise. Returns the reason when they fail.
   */
  static precheck(prepared: PreparedSync): string | undefined {
    if (prepared.carried.kind !== 'document') return undefined
    const checked = checkDocument(prepared.carried)
    return typeof checked === 'string' ? checked : undefined
  }

  /**
   * Applies a sync message after checking every change it carries: each must be canonical and its
   * entry validly signed, or the whole message is refused and nothing changes. Changes whose prev
   * is neither here nor in the message wait outside Automerge. Never throws.
   *
   * `verdicts`, when given, are the signature verdicts by entry id (what `prepared.verdicts`
   * resolved to); entries without one are checked here.
   */
  receiveSyncMessage(state: LedgerSyncState, input: Uint8Array | PreparedSync, verdicts?: ReadonlyMap<string, boolean>): SyncReceipt {
    const prepared = input instanceof Uint8Array ? this.prepareSyncMessage(input) : input
    if (prepared.status === 'reject') return prepared
    // Entries that arrived by other paths since preparation are known now, not news; an entry
    // without a verdict (a fork's other side, found by the document check) is checked here.
    const signatureOk = (entry: SignedEntry): boolean => this.#changeHashes.has(entry.idHex) || (verdicts?.get(entry.idHex) ?? verifyEntrySignature(entry))
    const { carried } = prepared
    if (carried.kind === 'document') {
      const checked = checkDocument(carried)
      const refusal: SyncReceipt | undefined =
        typeof checked === 'string'
          ? { status: 'reject', reason: checked }
          : this.#changeHashes.size + checked.entries.length > LEDGER_DOC_ENTRIES_MAX
            ? { status: 'reject', reason: `the ledger document would exceed ${LEDGER_DOC_ENTRIES_MAX} entries` }
            : undefined
      const bad = refusal !== undefined || typeof checked === 'string' ? undefined : checked.entries.find((entry) => !signatureOk(entry))
      if (refusal !== undefined || bad !== undefined || typeof checked === 'string') {
        carried.handle.free()
        return refusal ?? { status: 'reject', reason: 'an entry signature does not verify', badSignature: bad }
      }
      let entries: SignedEntry[]
      try {
        entries = this.#adoptDocument(carried, checked)
        this.#handle.receiveSyncMessage(state, automergeBackend.encodeSyncMessage({ ...prepared.message, changes: [] }))
      } catch (error) {
        return { status: 'reject', reason: `Automerge refused the message (${error instanceof Error ? error.message : 'unknown'})` }
      }
      for (const entry of [...entries]) entries.push(...this.#release(entry))
      return { status: 'accept', entries, waiting: 0 }
    }
    const items = carried.items.filter((item) => !this.#changeHashes.has(item.entry.idHex))
    const bad = items.find((item) => !signatureOk(item.entry))
    if (bad !== undefined) return { status: 'reject', reason: 'an entry signature does not verify', badSignature: bad.entry }
    // Causal order: an entry's change is rebuilt once its prev's change hash is known.
    const known = new Map<string, string>()
    const hashOf = (idHex: string): string | undefined => this.#changeHashes.get(idHex) ?? known.get(idHex)
    const accepted: EntryItem[] = []
    let remaining = items
    for (let progress = true; progress && remaining.length > 0; ) {
      progress = false
      const next: EntryItem[] = []
      for (const item of remaining) {
        const { entry } = item
        const prevHash = this.#prevChangeHash(entry, hashOf)
        if (prevHash === null) {
          next.push(item)
          continue
        }
        if (item.hash !== entryChangeHash(entry, prevHash, item.value)) return { status: 'reject', reason: 'a non-canonical change' }
        if (!known.has(entry.idHex)) {
          known.set(entry.idHex, item.hash)
          accepted.push(item)
        }
        progress = true
      }
      remaining = next
    }
    if (this.#changeHashes.size + accepted.length > LEDGER_DOC_ENTRIES_MAX) return { status: 'reject', reason: `the ledger document would exceed ${LEDGER_DOC_ENTRIES_MAX} entries` }
    this.flush()
    // Every change checked: they go into the document in one batch (the message's whole-document
    // chunk, if any, is not parsed a second time), then the message without its changes updates
    // the peer's sync state. Changes still waiting for their prev stay out.
    const waitingBytes = new Set(remaining.map((item) => item.bytes))
    const toApply = carried.changes.filter((change) => !waitingBytes.has(change))
    try {
      if (toApply.length > 0) this.#handle.applyChanges(toApply)
      this.#handle.receiveSyncMessage(state, prepared.message.changes.length === 0 ? prepared.bytes : automergeBackend.encodeSyncMessage({ ...prepared.message, changes: [] }))
    } catch (error) {
      return { status: 'reject', reason: `Automerge refused the message (${error instanceof Error ? error.message : 'unknown'})` }
    }
    for (const digest of carried.documents) rememberBounded(this.#appliedDocuments, digest, APPLIED_DOCUMENTS_MAX)
    for (const hash of carried.structural) this.#knownChanges.add(hash)
    const entries: SignedEntry[] = []
    for (const item of accepted) {
      this.#index(item.entry, item.hash)
      entries.push(item.entry)
    }
    for (const item of accepted) entries.push(...this.#release(item.entry))
    for (const item of remaining) this.#wait(item.entry)
    return { status: 'accept', entries, waiting: remaining.length }
  }

  /** The whole document, as Automerge saves it (for tests and export). */
  save(): Uint8Array {
    this.flush()
    return this.#handle.save()
  }

  /** Frees the wasm memory; the document is unusable afterwards. */
  free(): void {
    this.#handle.free()
  }

  /**
   * A message's lone whole-document chunk, loaded and read; undefined when the message carries
   * anything else, or a document already applied (then it is handled as loose changes).
   */
  #loneDocument(message: DecodedSyncMessage, onSlice: (slice: readonly SignedEntry[], total: number) => void): CarriedDocument | { readonly reason: string } | undefined {
    if (message.changes.length !== 1) return undefined
    const chunks = splitChunks(message.changes[0]!)
    if (chunks?.length !== 1 || chunks[0]![CHUNK_TYPE_OFFSET] !== CHUNK_TYPE_DOCUMENT) return undefined
    const chunk = chunks[0]!
    const digest = createHash('sha256').update(chunk).digest('hex')
    if (this.#appliedDocuments.has(digest)) return undefined
    let handle: BackendDoc
    try {
      handle = automergeBackend.load(chunk, { actor: this.#actorHex })
    } catch {
      return { reason: 'a document chunk does not load' }
    }
    const read = readDocumentEntries(handle, false, this.#known, onSlice)
    const reason = !read.ok ? read.reason : read.entries.length > LEDGER_DOC_ENTRIES_MAX ? `more than ${LEDGER_DOC_ENTRIES_MAX} entries` : undefined
    if (!read.ok || reason !== undefined) {
      handle.free()
      return { reason: reason ?? 'unreadable' }
    }
    return { kind: 'document', chunk, digest, handle, read, known: this.#known }
  }

  /**
   * Takes in a carried document whose entries' signatures were all checked: the loaded document
   * becomes this one (what this one holds beyond it is applied to it), or, when this one is the
   * bigger, the document is applied to this one. Returns the new entries in the document's order.
   */
  #adoptDocument(carried: CarriedDocument, checked: CanonicalDocument): SignedEntry[] {
    this.flush()
    if (this.#changeHashes.size <= checked.entries.length) {
      // Only what the loaded document lacks: after a partition heals, most of this one's changes are in it.
      carried.handle.applyChanges(carried.handle.getChangesAdded(this.#handle))
      this.#handle.free()
      this.#handle = carried.handle
    } else {
      this.#handle.loadIncremental(carried.chunk)
      carried.handle.free()
    }
    rememberBounded(this.#appliedDocuments, carried.digest, APPLIED_DOCUMENTS_MAX)
    for (const key of carried.read.chunkKeys) this.#knownChanges.add(chunkChange(key).hash)
    const added: SignedEntry[] = []
    for (const entry of checked.entries) {
      if (this.#changeHashes.has(entry.idHex)) continue
      this.#index(entry, checked.hashes.get(entry.idHex)!)
      added.push(entry)
    }
    return added
  }

  /** The hash of the change of the entry's prev: undefined for a first entry, null when the prev is not here. */
  #prevChangeHash(entry: SignedEntry, lookup: (idHex: string) => string | undefined = (idHex) => this.#changeHashes.get(idHex)): string | undefined | null {
    if (entry.body.seq === 0) return undefined
    return lookup(toHex(entry.body.prev!)) ?? null
  }

  #index(entry: SignedEntry, hash: string): void {
    this.#changeHashes.set(entry.idHex, hash)
    this.#unspelled.push(entry)
    this.#knownChanges.add(hash)
    this.#chunks.add(chunkKey(entry.authorHex, entry.body.seq))
  }

  #stage(entry: SignedEntry, change: Uint8Array, hash: string): void {
    const key = chunkKey(entry.authorHex, entry.body.seq)
    // Applying a chunk change twice is harmless (same hash); staging it once per node is enough.
    if (!this.#chunks.has(key)) {
      const chunk = chunkChange(key)
      this.#staged.push(chunk.bytes)
      this.#knownChanges.add(chunk.hash)
    }
    this.#staged.push(change)
    this.#index(entry, hash)
  }

  #wait(entry: SignedEntry): void {
    if (this.#waitingCount >= LEDGER_DOC_WAITING_MAX) return
    const prevHex = toHex(entry.body.prev!)
    const list = this.#waiting.get(prevHex) ?? []
    if (list.some((waiting) => waiting.idHex === entry.idHex)) return
    list.push(entry)
    this.#waiting.set(prevHex, list)
    this.#waitingCount++
  }

  /** Adds, in order, every waiting entry that `entry` unblocks (transitively). */
  #release(entry: SignedEntry): SignedEntry[] {
    const released: SignedEntry[] = []
    const queue = [entry]
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      const waiters = this.#waiting.get(next.idHex)
      if (waiters === undefined) continue
      this.#waiting.delete(next.idHex)
      this.#waitingCount -= waiters.length
      for (const waiter of waiters) {
        if (this.#changeHashes.has(waiter.idHex)) continue
        const change = entryChange(waiter, this.#changeHashes.get(next.idHex))
        this.#stage(waiter, change.bytes, change.hash)
        released.push(waiter)
        queue.push(waiter)
      }
    }
    return released
  }
}

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
import { hash as oneShotHash } from 'node:crypto'
import { decodeSignedEntry, toHex, verifyEntrySignature, type SignedEntry } from '../ledger/index.ts'
import { changeChunkHash, decodeMapSetChange, encodeMapSetChange, mapSetChangeHash, type MapSetChange } from './canonical-change.ts'
import { automergeBackend, type BackendDoc, type BackendSyncState, type DecodedChange, type DecodedSyncMessage } from './automerge-backend.ts'
import { isDocumentChunk, readDocumentChunk, splitChunks } from './document-chunk.ts'
import {
  DOCUMENT_COLUMN_BYTES_MAX,
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
const DOT = 0x2e
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
  const dot = text.length - SIGNATURE_BASE64URL_CHARS - 1
  if (dot < 1 || text.charCodeAt(dot) !== DOT) return { ok: false, reason: 'not base64url(raw).base64url(sig) with a 64-byte sig' }
  const rawText = text.slice(0, dot)
  const sigText = text.slice(dot + 1)
  const rawBytes = Buffer.from(rawText, 'base64url')
  const sigBytes = Buffer.from(sigText, 'base64url')
  // Node's decoder skips stray bits and characters outside the alphabet; re-encoding rejects every
  // spelling but the one canonical one of the same bytes.
  if (rawBytes.toString('base64url') !== rawText || sigBytes.toString('base64url') !== sigText) return { ok: false, reason: 'not canonical base64url' }
  try {
    // Copied out of Buffer's shared pool: an entry's bytes must not hold on to (or travel with) others'.
    return { ok: true, entry: decodeSignedEntry(new Uint8Array(rawBytes), new Uint8Array(sigBytes)) }
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
  const actor = oneShotHash('sha256', `ippoc/ledger-doc/chunk/${key}`).slice(0, 32)
  const bytes = automergeBackend.encodeChange({ actor, seq: 1, startOp: CHUNK_OBJECT_COUNTER, time: 0, message: null, deps: [GENESIS_HASH], ops: [{ action: 'makeMap', obj: CHUNKS_OBJECT, key, pred: [] }] })
  const change = { key, bytes, hash: automergeBackend.decodeChange(bytes).hash, actor, object: `${CHUNK_OBJECT_COUNTER}@${actor}` }
  if (chunkChangeCache.size < LEDGER_DOC_CHUNKS_MAX) chunkChangeCache.set(key, change)
  return change
}

/** The canonical change that adds `entry`, and its hash, given the hash of the change that added its prev. */
function entryChange(entry: SignedEntry, prevChangeHash: string | undefined, value: string = encodeDocEntry(entry)): { readonly bytes: Uint8Array; readonly hash: string } {
  const change = entryMapSetChange(entry, prevChangeHash, value)
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

/** The Automerge hash of a change: read off an uncompressed one, else Automerge decodes it. */
function changeHash(change: Uint8Array): string {
  return changeChunkHash(change) ?? automergeBackend.decodeChange(change).hash
}

/**
 * The entries a document holds already, so a document that carries them again (Automerge sends the
 * whole document when most of it is news, e.g. after a partition heals) does not decode them or
 * rebuild their changes again. A value matched by its signature alone is taken as the held entry:
 * whatever else it says, the receiver adds nothing for it.
 */
type KnownEntries = {
  /** The entry whose signature is this base64url text, if held. */
  bySignature(signatureText: string): SignedEntry | undefined
  /** The canonical change hash of a held entry, by entry id. */
  changeHash(idHex: string): string | undefined
}

/** A change rebuilt from an entry; only its hash when the document it came in is adopted loaded (`loadAs`). */
type BuiltChange = { readonly entry: SignedEntry; readonly hash: string; readonly bytes: Uint8Array | undefined }

/**
 * A whole-document chunk a sync message carries: Automerge sends one to a peer that has nothing
 * (a fresh node's catch-up), or when most of a document is news (a healed partition). Its entries
 * are read without loading it (`document-chunk.ts`), so their signature checks start at once; the
 * receiver rebuilds the canonical change of every entry, and takes the chunk only if its declared
 * heads are those changes' heads, which is what an honest node's document declares. It adds the
 * new entries by their canonical changes, or adopts the chunk itself loaded (`loadAs`), which
 * Automerge loads only if its changes hash to those heads: either way, nothing but canonical changes
 * of validly signed entries gets in.
 */
type CarriedDocument = {
  readonly chunk: Uint8Array
  readonly digest: string
  readonly heads: readonly string[]
  /** Every entry it holds: held ones as held (matched by signature), the others decoded. */
  readonly entries: readonly SignedEntry[]
  /** The document text of each decoded entry. */
  readonly texts: ReadonlyMap<SignedEntry, string>
  readonly known: KnownEntries
  /** How many of its entries the receiver lacked when it was read. */
  readonly news: number
  /**
   * Set when the message's only document brings more entries than the receiver holds (a catch-up): once its heads
   * check out, the first check also loads it under this actor, and the receiver adopts it instead
   * of applying its changes one by one (in a catch-up of 10,000 entries, Automerge took ~0.6 s to
   * apply them and ~0.35 s to load the document), while the signatures are still being checked.
   * Automerge frees a dropped one when it is collected.
   */
  loadAs?: string | undefined
  /** Set by the first check: the changes of the entries that were not held, by entry id, or why the chunk is refused. */
  built?: ReadonlyMap<string, BuiltChange> | string
  /** Set by the first check when `loadAs` is: the document, loaded. */
  loaded?: BackendDoc | undefined
}

/** What a sync message carries: loose changes and whole-document chunks. */
type CarriedChanges = {
  /** The loose changes it carries that this document lacks. */
  readonly changes: readonly Uint8Array[]
  /** Hashes of the chunk-creation changes among them. */
  readonly structural: readonly string[]
  /** The entry changes among them, in order. */
  readonly items: readonly EntryItem[]
  /** The whole-document chunks it carries (not ones applied before). */
  readonly documents: readonly CarriedDocument[]
}

/** Entries of a document chunk are handed on (to signature checks) in slices of this many as they are decoded. */
const DOCUMENT_SLICE_ENTRIES = 1024

const DOCUMENT_CHUNK_LIMITS = { stringsMax: LEDGER_DOC_ENTRIES_MAX, columnBytesMax: DOCUMENT_COLUMN_BYTES_MAX }

/**
 * Sorts entries by timestamp, then seq, then author: roughly the order things happened in (an
 * author's own timestamps rise with its seq), so the ledger admits them with the fewest waits for
 * a prev or a funding entry. Any order is correct: the ledger holds what comes early.
 */
function inLedgerOrder<T extends { readonly entry: SignedEntry }>(items: T[]): T[] {
  return items.sort(({ entry: a }, { entry: b }) => a.body.timestamp - b.body.timestamp || a.body.seq - b.body.seq || (a.authorHex < b.authorHex ? -1 : a.authorHex > b.authorHex ? 1 : 0))
}

/**
 * Rebuilds the canonical change of every entry of a carried document that was not held, and checks
 * that the document declares exactly the heads of those changes (with the held ones'). Automerge
 * change hashes cover their deps, so the heads fix a whole history: an honest node's document is
 * the canonical changes of its entries and nothing else. Done once per document.
 */
function buildDocument(document: CarriedDocument): ReadonlyMap<string, BuiltChange> | string {
  if (document.built !== undefined) return document.built
  const { known } = document
  const hashes = new Map<string, string>()
  const built = new Map<string, BuiltChange>()
  const notHeads = new Set<string>()
  // By seq, so every prev in the document comes before its next.
  for (const entry of [...document.entries].sort((a, b) => a.body.seq - b.body.seq)) {
    const prevHex = entry.body.seq === 0 ? undefined : toHex(entry.body.prev!)
    const prevHash = prevHex === undefined ? undefined : (hashes.get(prevHex) ?? known.changeHash(prevHex))
    let hash = known.changeHash(entry.idHex)
    if (hash === undefined) {
      if (prevHex !== undefined && prevHash === undefined) return (document.built = 'an entry whose prev the document lacks')
      const text = document.texts.get(entry)
      // A document adopted loaded needs only the hashes: its changes are in it.
      const change = document.loadAs !== undefined ? { hash: entryChangeHash(entry, prevHash, text), bytes: undefined } : entryChange(entry, prevHash, text)
      built.set(entry.idHex, { entry, ...change })
      hash = change.hash
    }
    hashes.set(entry.idHex, hash)
    if (prevHash !== undefined) notHeads.add(prevHash)
    notHeads.add(chunkChange(chunkKey(entry.authorHex, entry.body.seq)).hash)
  }
  const heads = hashes.size === 0 ? [GENESIS_HASH] : [...new Set(hashes.values())].filter((hash) => !notHeads.has(hash))
  const declared = [...document.heads].sort()
  heads.sort()
  if (declared.length !== heads.length || declared.some((hash, index) => hash !== heads[index])) return (document.built = 'the document is not made of canonical changes of its entries')
  if (document.loadAs !== undefined) {
    // A checked load rebuilds every change from the ops and requires their heads to be the declared
    // ones: so the loaded history is exactly the canonical changes whose heads those are.
    try {
      document.loaded = automergeBackend.load(document.chunk, { actor: document.loadAs })
    } catch {
      return (document.built = 'a document chunk does not load')
    }
  }
  return (document.built = built)
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
  /** What it carries that this document lacks. */
  readonly carried: CarriedChanges
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
   * Hashes of loose changes a prepared message carries, until it is received or discarded: after a
   * partition heals, every peer sends the same news at once, and a second copy need not be decoded
   * or its signature checked again while the first waits for its verdicts.
   */
  readonly #claimed = new Set<string>()

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
    const entries: SignedEntry[] = []
    const parts: { entries: readonly SignedEntry[]; valid: Promise<boolean[]> }[] = []
    let handedOff = 0
    const handOff = (): void => {
      if (options === undefined || handedOff === entries.length) return
      const slice = entries.slice(handedOff)
      handedOff = entries.length
      const valid = options.verify(slice)
      // Marked handled: if the message is refused further on, nobody awaits these.
      valid.catch(() => {})
      parts.push({ entries: slice, valid })
    }
    const changes: Uint8Array[] = []
    const structural: string[] = []
    const items: EntryItem[] = []
    const documents: CarriedDocument[] = []
    // A big document's new entries go off-thread however few they are: checking the document takes
    // this thread a while anyway.
    let bigDocument = false
    for (const item of message.changes) {
      const chunks = splitChunks(item)
      if (chunks === undefined) return { status: 'reject', reason: 'a change is not a sequence of Automerge chunks' }
      for (const chunk of chunks) {
        if (isDocumentChunk(chunk)) {
          // A big document's entries go to the signature check slice by slice as they are decoded.
          const document = this.#readDocument(chunk, (entry, total) => {
            entries.push(entry)
            bigDocument ||= options !== undefined && total >= options.minEntries
            if (bigDocument && entries.length - handedOff >= DOCUMENT_SLICE_ENTRIES) handOff()
          })
          if (typeof document === 'string') return { status: 'reject', reason: document }
          if (document !== undefined) documents.push(document)
          continue
        }
        // A change whose hash this document holds is that very change (the hash covers all of it):
        // peers resend what they think we lack, and decoding it again would be wasted work.
        const hash = changeHash(chunk)
        if (this.#knownChanges.has(hash) || this.#claimed.has(hash)) continue
        const decoded = decodeEntryChange(chunk)
        if (decoded.kind === 'invalid') return { status: 'reject', reason: `a change is invalid: ${decoded.reason}` }
        if (decoded.kind === 'chunk') {
          changes.push(chunk)
          structural.push(hash)
        } else if (!this.#changeHashes.has(decoded.entry.idHex)) {
          changes.push(chunk)
          items.push(decoded)
          entries.push(decoded.entry)
        }
        if (changes.length > LEDGER_DOC_ENTRIES_MAX) return { status: 'reject', reason: `more than ${LEDGER_DOC_ENTRIES_MAX} changes` }
      }
    }
    if (options !== undefined && (bigDocument || entries.length >= options.minEntries)) handOff()
    const lone = documents.length === 1 ? documents[0]! : undefined
    if (lone !== undefined && lone.news > this.#changeHashes.size) lone.loadAs = this.#actorHex
    // Its loose changes are claimed: other messages skip them until it is received or discarded.
    for (const hash of structural) this.#claimed.add(hash)
    for (const item of items) this.#claimed.add(item.hash)
    return { status: 'prepared', bytes, message, entries, carried: { changes, structural, items, documents }, verdicts: parts.length > 0 ? verdictsOf(parts) : undefined }
  }

  /**
   * Runs the checks of a prepared message that need no signature verdicts (rebuilding a whole
   * document's changes and checking its heads), so a caller can overlap them with the signature
   * check; {@link LedgerDoc.receiveSyncMessage} runs them otherwise. Returns the reason when they fail.
   */
  static precheck(prepared: PreparedSync): string | undefined {
    for (const document of prepared.carried.documents) {
      const built = buildDocument(document)
      if (typeof built === 'string') return built
    }
    return undefined
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
    // Whatever the outcome, its changes are in the document, waiting, or refused once this returns.
    this.discard(prepared)
    // Entries that arrived by other paths since preparation are known now, not news.
    const signatureOk = (entry: SignedEntry): boolean => this.#changeHashes.has(entry.idHex) || (verdicts?.get(entry.idHex) ?? verifyEntrySignature(entry))
    const { carried } = prepared
    // A refused message leaves nothing behind: loaded documents are freed at once.
    const refuse = (receipt: Extract<SyncReceipt, { status: 'reject' }>): SyncReceipt => {
      for (const document of carried.documents) {
        document.loaded?.free()
        document.loaded = undefined
      }
      return receipt
    }
    // Whole documents' entries, each by the change rebuilt from it.
    const rebuilt = new Map<string, BuiltChange>()
    for (const document of carried.documents) {
      const built = buildDocument(document)
      if (typeof built === 'string') return refuse({ status: 'reject', reason: built })
      for (const [idHex, change] of built) if (!this.#changeHashes.has(idHex)) rebuilt.set(idHex, change)
    }
    const fromDocuments = inLedgerOrder([...rebuilt.values()])
    const badInDocument = fromDocuments.find((item) => !signatureOk(item.entry))
    if (badInDocument !== undefined) return refuse({ status: 'reject', reason: 'an entry signature does not verify', badSignature: badInDocument.entry })
    const items = carried.items.filter((item) => !this.#changeHashes.has(item.entry.idHex) && !rebuilt.has(item.entry.idHex))
    const bad = items.find((item) => !signatureOk(item.entry))
    if (bad !== undefined) return refuse({ status: 'reject', reason: 'an entry signature does not verify', badSignature: bad.entry })
    // Causal order: an entry's change is rebuilt once its prev's change hash is known. Entries whose
    // prev is known already start; each accepted one releases the entries of this message that
    // follow it. Linear however the message orders its entries (a chain sent newest first took one
    // pass per entry, each over all of them).
    const known = new Map<string, string>()
    const hashOf = (idHex: string): string | undefined => this.#changeHashes.get(idHex) ?? known.get(idHex) ?? rebuilt.get(idHex)?.hash
    // Entries waiting for an entry of this message, by its id; what is left at the end waits outside.
    const followers = new Map<string, EntryItem[]>()
    const ready: { readonly item: EntryItem; readonly prevHex: string | undefined }[] = []
    for (const item of items) {
      const prevHex = item.entry.body.seq === 0 ? undefined : toHex(item.entry.body.prev!)
      if (prevHex === undefined || hashOf(prevHex) !== undefined) {
        ready.push({ item, prevHex })
        continue
      }
      const siblings = followers.get(prevHex)
      if (siblings === undefined) followers.set(prevHex, [item])
      else siblings.push(item)
    }
    const accepted: EntryItem[] = []
    for (let next = 0; next < ready.length; next++) {
      const { item, prevHex } = ready[next]!
      const { entry } = item
      const prevHash = prevHex === undefined ? undefined : hashOf(prevHex)
      if (item.hash !== entryChangeHash(entry, prevHash, item.value)) return refuse({ status: 'reject', reason: 'a non-canonical change' })
      if (known.has(entry.idHex)) continue
      known.set(entry.idHex, item.hash)
      accepted.push(item)
      for (const follower of followers.get(entry.idHex) ?? []) ready.push({ item: follower, prevHex: entry.idHex })
      followers.delete(entry.idHex)
    }
    const remaining = [...followers.values()].flat()
    if (this.#changeHashes.size + fromDocuments.length + accepted.length > LEDGER_DOC_ENTRIES_MAX) return refuse({ status: 'reject', reason: `the ledger document would exceed ${LEDGER_DOC_ENTRIES_MAX} entries` })
    this.flush()
    // Every change checked: they go into the document in one batch, then the message without its
    // changes updates the peer's sync state. Changes still waiting for their prev stay out.
    const chunkKeys = new Set<string>()
    for (const { entry } of fromDocuments) {
      const key = chunkKey(entry.authorHex, entry.body.seq)
      if (!this.#chunks.has(key)) chunkKeys.add(key)
    }
    const waitingBytes = new Set(remaining.map((item) => item.bytes))
    const loose = carried.changes.filter((change) => !waitingBytes.has(change))
    // A lone document loaded ahead holds its changes already: it takes what this one holds beyond
    // them and becomes this one.
    const adopted = carried.documents.length === 1 ? carried.documents[0]!.loaded : undefined
    // Only an adopted document's changes were built as hashes alone.
    const toApply = adopted !== undefined ? loose : [...[...chunkKeys].map((key) => chunkChange(key).bytes), ...fromDocuments.map((item) => item.bytes!), ...loose]
    try {
      if (adopted !== undefined) {
        adopted.applyChanges(adopted.getChangesAdded(this.#handle))
        this.#handle.free()
        this.#handle = adopted
        carried.documents[0]!.loaded = undefined
      }
      if (toApply.length > 0) this.#handle.applyChanges(toApply)
      this.#handle.receiveSyncMessage(state, prepared.message.changes.length === 0 ? prepared.bytes : automergeBackend.encodeSyncMessage({ ...prepared.message, changes: [] }))
    } catch (error) {
      return refuse({ status: 'reject', reason: `Automerge refused the message (${error instanceof Error ? error.message : 'unknown'})` })
    }
    for (const document of carried.documents) document.loaded?.free()
    for (const document of carried.documents) rememberBounded(this.#appliedDocuments, document.digest, APPLIED_DOCUMENTS_MAX)
    for (const hash of carried.structural) this.#knownChanges.add(hash)
    for (const key of chunkKeys) this.#knownChanges.add(chunkChange(key).hash)
    const entries: SignedEntry[] = []
    for (const item of [...fromDocuments, ...accepted]) {
      this.#index(item.entry, item.hash)
      entries.push(item.entry)
    }
    for (const entry of [...entries]) entries.push(...this.#release(entry))
    for (const item of remaining) this.#wait(item.entry)
    return { status: 'accept', entries, waiting: remaining.length }
  }

  /**
   * Drops a prepared message that will not be received (its peer left, its signature check failed):
   * the changes it claimed are taken from other messages again.
   */
  discard(prepared: PreparedSync): void {
    for (const hash of prepared.carried.structural) this.#claimed.delete(hash)
    for (const item of prepared.carried.items) this.#claimed.delete(item.hash)
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
   * Reads a whole-document chunk's entries (held ones by their signature, the others decoded, each
   * new one handed to `onNew` with the number of values in the chunk); undefined for a chunk applied
   * before, the reason when it is not a document of entries.
   */
  #readDocument(chunk: Uint8Array, onNew: (entry: SignedEntry, total: number) => void): CarriedDocument | string | undefined {
    const digest = oneShotHash('sha256', chunk)
    if (this.#appliedDocuments.has(digest)) return undefined
    const read = readDocumentChunk(chunk, DOCUMENT_CHUNK_LIMITS)
    if (!read.ok) return `a document chunk is unreadable (${read.reason})`
    const entries: SignedEntry[] = []
    const texts = new Map<SignedEntry, string>()
    let news = 0
    for (const text of read.strings) {
      const held = text.length > SIGNATURE_BASE64URL_CHARS ? this.#known.bySignature(text.slice(-SIGNATURE_BASE64URL_CHARS)) : undefined
      if (held !== undefined) {
        entries.push(held)
        continue
      }
      const decoded = decodeDocEntry(text)
      if (!decoded.ok) return `an entry does not decode: ${decoded.reason}`
      entries.push(decoded.entry)
      texts.set(decoded.entry, text)
      if (this.#changeHashes.has(decoded.entry.idHex)) continue
      news++
      onNew(decoded.entry, read.strings.length)
    }
    return { chunk, digest, heads: read.heads, entries, texts, known: this.#known, news }
  }

  /** The hash of the change of the entry's prev: undefined for a first entry, null when the prev is not here. */
  #prevChangeHash(entry: SignedEntry): string | undefined | null {
    if (entry.body.seq === 0) return undefined
    return this.#changeHashes.get(toHex(entry.body.prev!)) ?? null
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

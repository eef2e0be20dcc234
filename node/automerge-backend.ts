/**
 * Automerge's low-level (wasm) API, the one `@automerge/automerge` itself is built on. The node
 * uses it directly because it never keeps the ledger document as a JS object: the materialized
 * view costs 0.3–1 ms per applied change once chunks hold thousands of entries (measured), while
 * the node only needs to apply changes, answer the sync protocol and read heads (a whole document
 * that arrives is read without it: `document-chunk.ts`).
 *
 * The package does not export this API, so it is loaded from the file `@automerge/automerge`
 * loads it from (same instance, same version); `automerge-backend.test.ts` fails loudly if a new
 * release moves it.
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

/** One operation of a decoded change (the subset of fields the ledger's changes use). */
export type ChangeOp = {
  readonly action: string
  readonly obj: string
  readonly key?: string | undefined
  readonly value?: unknown
  readonly datatype?: string | undefined
  readonly pred: readonly string[]
  readonly insert?: boolean | undefined
}

/** A change as `decodeChange` returns it and `encodeChange` takes it. */
export type DecodedChange = {
  readonly actor: string
  readonly seq: number
  readonly startOp: number
  readonly time: number
  readonly message: string | null
  readonly deps: readonly string[]
  readonly ops: readonly ChangeOp[]
  readonly hash?: string | undefined
}

/** A decoded sync message. */
export type DecodedSyncMessage = {
  readonly heads: readonly string[]
  readonly need: readonly string[]
  readonly have: readonly unknown[]
  readonly changes: readonly Uint8Array[]
  readonly type?: string | undefined
}

/** The per-peer sync state (a wasm object; free() when the peer is gone). */
export type BackendSyncState = { free(): void; clone(): BackendSyncState }

/** An Automerge document handle. */
export type BackendDoc = {
  applyChanges(changes: readonly Uint8Array[]): void
  getHeads(): string[]
  getMissingDeps(heads?: readonly string[]): string[]
  getChangeByHash(hash: string): Uint8Array | null
  getChanges(haveDeps: readonly string[]): Uint8Array[]
  /** The changes `other` holds and this document does not. */
  getChangesAdded(other: BackendDoc): Uint8Array[]
  generateSyncMessage(state: BackendSyncState): Uint8Array | null
  receiveSyncMessage(state: BackendSyncState, message: Uint8Array): void
  putObject(obj: string, prop: string, value: object): string
  commit(message?: string | null, time?: number | null): string | null
  getLastLocalChange(): Uint8Array | null
  fork(actor?: string): BackendDoc
  save(): Uint8Array
  free(): void
}

/** The functions of the low-level API the node uses. */
export type AutomergeBackend = {
  create(options: { actor: string }): BackendDoc
  load(bytes: Uint8Array, options?: { readonly actor?: string }): BackendDoc
  encodeChange(change: DecodedChange): Uint8Array
  decodeChange(change: Uint8Array): DecodedChange & { readonly hash: string }
  decodeSyncMessage(message: Uint8Array): DecodedSyncMessage
  encodeSyncMessage(message: DecodedSyncMessage): Uint8Array
  initSyncState(): BackendSyncState
  encodeSyncState(state: BackendSyncState): Uint8Array
  decodeSyncState(bytes: Uint8Array): BackendSyncState
}

const entryPoint = fileURLToPath(import.meta.resolve('@automerge/automerge'))
const backendPath = fileURLToPath(new URL('../wasm_bindgen_output/nodejs/automerge_wasm.cjs', `file://${entryPoint}`))

/** The low-level API of the installed `@automerge/automerge`. */
export const automergeBackend = createRequire(import.meta.url)(backendPath) as AutomergeBackend

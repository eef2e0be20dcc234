/**
 * Every way the ledger's storage, its persistent ledger and its export/import refuse. Each error
 * says what went wrong, where, and what to do; code and tests tell them apart by `name`.
 */
import { BaseError, InvalidArgumentError } from '../common/base-error.ts'

/** Where a stored entry sits: enough for a user to find it with `ippoc ledger export`. */
export type StoredEntryLocation = {
  /** Arrival position in the store (0, 1, 2, …). */
  position: number
  /** Author as 64 hex characters, when the row could be read that far. */
  authorHex?: string | undefined
  seq?: number | undefined
  /** Entry id as 64 hex characters, when the row could be read that far. */
  idHex?: string | undefined
}

function describeLocation({ position, authorHex, seq, idHex }: StoredEntryLocation): string {
  const parts = [`position ${position}`]
  if (authorHex !== undefined) parts.push(`author ${authorHex}`)
  if (seq !== undefined) parts.push(`seq ${seq}`)
  if (idHex !== undefined) parts.push(`id ${idHex}`)
  return parts.join(', ')
}

/**
 * A public function of the ledger store got an argument of the wrong type or shape.
 *
 * @example
 * throw new LedgerStoreInvalidArgumentError({ argument: 'path', expected: 'a non-empty string', received: 'number 3' })
 */
export class LedgerStoreInvalidArgumentError extends InvalidArgumentError {
  override name = 'LedgerStoreInvalidArgumentError'
}

/**
 * Another process (or another open handle in this process) holds the ledger file.
 *
 * @example
 * throw new LedgerStoreLockedError({ path: '/srv/ippoc/nodes/ab…/economy/ledger.duckdb', holder: 'PID 4242' })
 */
export class LedgerStoreLockedError extends BaseError {
  override name = 'LedgerStoreLockedError'
  readonly path: string
  constructor({ path, holder, cause }: { path: string; holder: string | undefined; cause?: unknown }) {
    super(`Another process holds the ledger ${path}.`, {
      details: holder === undefined ? 'The file is locked for writing by another open handle.' : `It is held by ${holder}.`,
      hints: [
        'A ledger file is written by one process at a time. Stop the other ippoc process (or wait for it to finish) and try again.',
        'To run a second node on this machine, give it its own --data-dir.',
      ],
      cause,
    })
    this.path = path
  }
}

/**
 * No ledger file exists where one was asked for (and creating one was not allowed).
 *
 * @example
 * throw new LedgerStoreNotFoundError({ path: 'economy/ledger.duckdb' })
 */
export class LedgerStoreNotFoundError extends BaseError {
  override name = 'LedgerStoreNotFoundError'
  constructor({ path }: { path: string }) {
    super(`No ledger at ${path}.`, {
      hints: ['Check --data-dir, or create the ledger first (`ippoc ledger demo` or `ippoc ledger import`).'],
    })
  }
}

/**
 * The file is not an IPPOC ledger, or has a format version this build cannot read.
 *
 * @example
 * throw new LedgerStoreFormatError({ path: 'ledger.duckdb', problem: 'format version 9; this build reads 1' })
 */
export class LedgerStoreFormatError extends BaseError {
  override name = 'LedgerStoreFormatError'
  constructor({ path, problem, cause }: { path: string; problem: string; cause?: unknown }) {
    super(`Not a ledger this build can read: ${path}.`, {
      details: problem,
      hints: ['Run the ippoc version that wrote this ledger, or check that --data-dir points at an IPPOC data root.'],
      cause,
    })
  }
}

/**
 * The stored bytes break an invariant of the store: a row that does not decode, an id that is not
 * the SHA-256 of its bytes, a gap in positions, legs that disagree with the entry, a torn batch, or a
 * database page whose checksum fails. Nothing is dropped: the ledger refuses to open.
 *
 * @example
 * throw new LedgerStoreCorruptError({ path: 'ledger.duckdb', location: { position: 7 }, problem: 'id is not SHA-256(raw)' })
 */
export class LedgerStoreCorruptError extends BaseError {
  override name = 'LedgerStoreCorruptError'
  readonly location: StoredEntryLocation | undefined
  constructor({ path, location, problem, cause }: { path: string; location?: StoredEntryLocation | undefined; problem: string; cause?: unknown }) {
    super(location === undefined ? `Ledger file is corrupt: ${path}.` : `Ledger file is corrupt at stored entry ${location.position}: ${path}.`, {
      details: location === undefined ? problem : `${problem} (${describeLocation(location)}).`,
      hints: [
        'Nothing was changed. Restore economy/ledger.duckdb from a backup, or rebuild it by importing an export from a healthy node (`ippoc ledger import`).',
      ],
      cause,
    })
    this.location = location
  }
}

/**
 * A stored entry decodes but is not valid: bad signature, broken chain, or refused by the ledger
 * rules, or it no longer gets the verdict it got when it arrived. Names the first such entry.
 *
 * @example
 * throw new LedgerStoredEntryInvalidError({ path: 'ledger.duckdb', location: { position: 3, seq: 3 }, problem: 'signature does not verify' })
 */
export class LedgerStoredEntryInvalidError extends BaseError {
  override name = 'LedgerStoredEntryInvalidError'
  readonly location: StoredEntryLocation
  constructor({ path, location, problem, cause }: { path: string; location: StoredEntryLocation; problem: string; cause?: unknown }) {
    super(`Stored ledger entry ${location.position} is invalid: ${withoutFinalPeriod(problem)}.`, {
      details: `${describeLocation(location)}; file ${path}.`,
      hints: [
        'Nothing was changed. The file was tampered with or written by a faulty build: restore economy/ledger.duckdb from a backup, or import an export from a healthy node into a fresh --data-dir.',
      ],
      cause,
    })
    this.location = location
  }
}

/**
 * A write to the ledger file failed (disk full, I/O error). The open ledger stops accepting writes
 * because its memory may now be ahead of the disk.
 *
 * @example
 * throw new LedgerStoreWriteError({ path: 'ledger.duckdb', cause: error })
 */
export class LedgerStoreWriteError extends BaseError {
  override name = 'LedgerStoreWriteError'
  constructor({ path, cause }: { path: string; cause: unknown }) {
    super(`Could not write the ledger ${path}.`, {
      details: cause instanceof Error ? cause.message : String(cause),
      hints: [
        'Entries that were acknowledged before this are safe. Free disk space or fix the I/O problem, then reopen the ledger (the unacknowledged batch was not stored).',
      ],
      cause,
    })
  }
}

/**
 * The ledger was used after `close()` or after a failed write.
 *
 * @example
 * throw new LedgerStoreClosedError({ path: 'ledger.duckdb', reason: 'closed' })
 */
export class LedgerStoreClosedError extends BaseError {
  override name = 'LedgerStoreClosedError'
  constructor({ path, reason, cause }: { path: string; reason: 'closed' | 'failed'; cause?: unknown }) {
    super(reason === 'closed' ? `The ledger ${path} is closed.` : `The ledger ${path} stopped after a failed write.`, {
      hints: [reason === 'closed' ? 'Open it again with openLedger().' : 'Reopen the ledger: it verifies what is on disk and continues from there.'],
      cause,
    })
  }
}

/**
 * The ledger refused an entry of a batch given to `append`. Entries before it in the batch were
 * applied and stored durably; the refused entry and everything after it were not.
 *
 * @example
 * throw new LedgerAppendRefusedError({ index: 2, storedCount: 2, cause: insufficientFunds })
 */
export class LedgerAppendRefusedError extends BaseError {
  override name = 'LedgerAppendRefusedError'
  /** Index in the batch of the refused entry. */
  readonly index: number
  /** How many entries of the batch (those before `index`) were stored. */
  readonly storedCount: number
  constructor({ index, storedCount, cause }: { index: number; storedCount: number; cause: unknown }) {
    const reason = cause instanceof BaseError ? cause.shortMessage : cause instanceof Error ? cause.message : String(cause)
    super(`The ledger refused entry ${index} of the batch: ${reason}`, {
      details: `${storedCount} earlier ${storedCount === 1 ? 'entry of the batch was' : 'entries of the batch were'} stored; the refused entry and the rest of the batch were not.`,
      hints: cause instanceof BaseError ? cause.hints : [],
      cause,
    })
    this.index = index
    this.storedCount = storedCount
  }
}

/**
 * One line of a ledger export is not a valid entry; an import that meets it changes nothing.
 *
 * @example
 * throw new LedgerImportLineError({ file: 'ledger.jsonl', line: 12, problem: 'sig does not verify' })
 */
export class LedgerImportLineError extends BaseError {
  override name = 'LedgerImportLineError'
  /** 1-based line number in the file. */
  readonly line: number
  constructor({ file, line, problem, cause }: { file: string; line: number; problem: string; cause?: unknown }) {
    super(`Import refused: line ${line} of ${file} is invalid: ${withoutFinalPeriod(problem)}.`, {
      details: 'Nothing was imported: a file is imported whole or not at all.',
      hints: ['Export again from the source node (`ippoc ledger export`) and do not edit the file by hand.'],
      cause,
    })
    this.line = line
  }
}

/**
 * A line of the export format does not parse: wrong JSON shape, or a readable field that disagrees
 * with the canonical bytes in `raw`.
 *
 * @example
 * throw new LedgerExportFormatError({ problem: 'field "seq" is 4 but raw says 3' })
 */
export class LedgerExportFormatError extends BaseError {
  override name = 'LedgerExportFormatError'
  constructor({ problem, cause }: { problem: string; cause?: unknown }) {
    super(`Not a ledger export line: ${withoutFinalPeriod(problem)}.`, { cause })
  }
}

/** Problems are often another error's message, which already ends a sentence. */
function withoutFinalPeriod(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text
}

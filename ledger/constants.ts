/**
 * Limits of the ledger format. Every decoded collection and field has one; tests send one past each.
 */

/** Version of the entry encoding; bumping it is a new format. */
export const ENTRY_VERSION = 1

/** Largest canonical entry body, in bytes. */
export const ENTRY_BYTES_MAX = 4096
/** Most legs one entry may carry. */
export const LEGS_MAX = 16
/** Largest absolute leg amount, in base units: fits a signed 64-bit CBOR integer. */
export const LEG_AMOUNT_ABS_MAX = 2n ** 63n - 1n
/** Largest absolute balance, in base units: DuckDB HUGEINT holds it. */
export const BALANCE_ABS_MAX = 2n ** 127n - 1n
/** Largest sequence number (JavaScript safe integer). */
export const SEQ_MAX = Number.MAX_SAFE_INTEGER
/** Largest timestamp, in milliseconds since the Unix epoch (year 2286). */
export const TIMESTAMP_MS_MAX = 9_999_999_999_999
/** Most tokens one inference may meter. */
export const TOKENS_MAX = 1_000_000_000
/** Longest metered sandbox or tool run, in milliseconds (one day). */
export const DURATION_MS_MAX = 86_400_000
/** Longest short text field (model, tool, proposal reference), in characters. */
export const NAME_CHARS_MAX = 64
/** Longest free-text memo, in characters. */
export const MEMO_CHARS_MAX = 140

/** Base units in one whole IPPC or iUSD (micro-units). */
export const BASE_UNITS_PER_COIN = 1_000_000n

/**
 * Most entries a ledger keeps waiting for an entry they reference (prev or receive source). When
 * full, a new waiting entry is refused (`LedgerPendingLimitError`) rather than evicting an old
 * one, so a flood cannot push honest entries out; the sender offers it again later (sync).
 */
export const PENDING_ENTRIES_MAX = 10_000
/** Most waiting entries of one author, so one author cannot fill the whole pending pool. */
export const PENDING_ENTRIES_PER_AUTHOR_MAX = 1_000
/**
 * Most validly signed entries a ledger keeps that never count (refused by a stateful rule, or after
 * a fork): they are evidence, and they decide forks and void receives the same way on every node.
 */
export const EVIDENCE_ENTRIES_MAX = 10_000

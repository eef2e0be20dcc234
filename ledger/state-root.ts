/**
 * The state root nodes compare: equal roots mean no divergence.
 *
 *   entriesRoot  = RFC 6962 Merkle tree hash over the ids of all counted entries in (author hex,
 *                  seq) order: leaf = SHA-256(0x00 || id), node = SHA-256(0x01 || left || right);
 *                  the empty tree is SHA-256(""). Odd node rule: as in RFC 6962, the tree splits at
 *                  the largest power of two below n, which is the same as carrying an unpaired node
 *                  up a level unchanged (never duplicating it, so no two lists share a root).
 *   balancesHash = SHA-256(canonical CBOR of [[account, currency, amount], …]) over the non-zero
 *                  balances sorted by account, then currency.
 *   stateRoot    = SHA-256(entriesRoot || balancesHash)
 *
 * Pure functions of their inputs, so any verifier can recompute a root without the Ledger class.
 */
import { encode } from 'cborg'
import { sha256Digest, type Currency } from './entry.ts'

/** One non-zero balance, as the state root and the ledger report it. */
export type BalanceLine = { readonly account: string; readonly currency: Currency; readonly amount: bigint }

const LEAF_PREFIX = 0x00
const NODE_PREFIX = 0x01

/**
 * RFC 6962 Merkle tree hash of a list of 32-byte ids.
 *
 * @example
 * merkleRoot([]) // SHA-256 of the empty string
 * merkleRoot([id]) // SHA-256(0x00 || id)
 */
export function merkleRoot(ids: readonly Uint8Array[]): Uint8Array {
  return merkleRootOfLeaves(ids.map(leafHash))
}

/** The leaf hash of one id: SHA-256(0x00 || id). */
export function leafHash(id: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + id.length)
  input[0] = LEAF_PREFIX
  input.set(id, 1)
  return sha256Digest(input)
}

/** The RFC 6962 tree hash over leaf hashes already computed (the ledger caches them per entry). */
export function merkleRootOfLeaves(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256Digest(new Uint8Array())
  let level = leaves
  const nodeInput = new Uint8Array(65)
  nodeInput[0] = NODE_PREFIX
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let index = 0; index + 1 < level.length; index += 2) {
      nodeInput.set(level[index] as Uint8Array, 1)
      nodeInput.set(level[index + 1] as Uint8Array, 33)
      next.push(sha256Digest(nodeInput))
    }
    // An unpaired node moves up unchanged: the same tree as RFC 6962's split at a power of two.
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Uint8Array)
    level = next
  }
  return level[0] as Uint8Array
}

/** Orders balance lines by account, then currency (plain code-unit order: all names are ASCII). */
export function compareBalanceLines(a: BalanceLine, b: BalanceLine): number {
  if (a.account !== b.account) return a.account < b.account ? -1 : 1
  if (a.currency !== b.currency) return a.currency < b.currency ? -1 : 1
  return 0
}

/**
 * SHA-256 of the canonical encoding of the non-zero balances (sorted here; zeros dropped).
 *
 * @example
 * balancesHash([{ account: 'swarm:issuance', currency: 'IPPC', amount: -5n }, …])
 */
export function balancesHash(balances: readonly BalanceLine[]): Uint8Array {
  const lines = balances.filter((line) => line.amount !== 0n).sort(compareBalanceLines)
  return sha256Digest(encode(lines.map((line) => [line.account, line.currency, line.amount])))
}

/**
 * The state root from the counted entry ids (already in (author hex, seq) order) and the balances.
 *
 * @example
 * computeStateRoot(ledgerIdsInOrder, ledger.balances()) // equals ledger.stateRoot()
 */
export function computeStateRoot(entryIds: readonly Uint8Array[], balances: readonly BalanceLine[]): Uint8Array {
  return combineStateRoot(merkleRoot(entryIds), balancesHash(balances))
}

/** SHA-256(entriesRoot || balancesHash). */
export function combineStateRoot(entriesRoot: Uint8Array, balancesDigest: Uint8Array): Uint8Array {
  const input = new Uint8Array(64)
  input.set(entriesRoot, 0)
  input.set(balancesDigest, 32)
  return sha256Digest(input)
}

/** Display helpers shared by the panels. */
import { formatEther } from 'viem'

/** `0x1234…abcd` for long hex strings. */
export function shortHex(value: string, keep = 6): string {
  return value.length <= 2 * keep + 3 ? value : `${value.slice(0, keep + 2)}…${value.slice(-keep)}`
}

/** Base units of an 18-decimal token (or wei) as a grouped decimal, e.g. `1,000,000`. */
export function formatToken(value: bigint): string {
  const [whole = '0', fraction] = formatEther(value).split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return fraction === undefined ? grouped : `${grouped}.${fraction.slice(0, 4)}`
}

/** A proposal id shortened for lists (full ids are 77 digits). */
export function shortProposalId(id: bigint): string {
  const text = id.toString()
  return text.length > 12 ? `${text.slice(0, 8)}…${text.slice(-4)}` : text
}

/** Base units of a ledger currency (1 coin = 1,000,000 base units) as coins. */
export function formatLedgerAmount(baseUnits: string): string {
  const negative = baseUnits.startsWith('-')
  const digits = (negative ? baseUnits.slice(1) : baseUnits).padStart(7, '0')
  const whole = digits.slice(0, -6).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const fraction = digits.slice(-6).replace(/0+$/, '')
  return `${negative ? '−' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`
}

/**
 * Amounts: integers of base units (1 IPPC = 1,000,000 base units). These helpers turn them into
 * text and back for people; the ledger itself never sees a fraction or a floating-point number.
 */
import { BASE_UNITS_PER_COIN } from './constants.ts'

const DECIMALS = 6
const DECIMAL_AMOUNT = /^(-)?(\d{1,30})(?:\.(\d{1,6}))?$/

/**
 * Formats base units as a decimal coin amount, trailing zeros dropped.
 *
 * @example
 * formatAmount(1_500_000n) // '1.5'
 * formatAmount(-20_000n, 'IPPC') // '-0.02 IPPC'
 */
export function formatAmount(amount: bigint, currency?: string): string {
  const negative = amount < 0n
  const magnitude = negative ? -amount : amount
  const whole = magnitude / BASE_UNITS_PER_COIN
  const fraction = (magnitude % BASE_UNITS_PER_COIN).toString().padStart(DECIMALS, '0').replace(/0+$/, '')
  const text = `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`
  return currency === undefined ? text : `${text} ${currency}`
}

/**
 * Parses a decimal coin amount ("12", "0.02", "-3.5") into base units; at most 6 decimals.
 * Returns undefined for anything else, so callers choose their own error.
 *
 * @example
 * parseAmount('0.02') // 20_000n
 */
export function parseAmount(text: string): bigint | undefined {
  const match = DECIMAL_AMOUNT.exec(text)
  if (match === null) return undefined
  const [, sign, whole = '0', fraction = ''] = match
  const magnitude = BigInt(whole) * BASE_UNITS_PER_COIN + BigInt(fraction.padEnd(DECIMALS, '0'))
  return sign === '-' ? -magnitude : magnitude
}

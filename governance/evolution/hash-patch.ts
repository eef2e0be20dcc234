import { createHash } from 'node:crypto'
import type { Hash } from './types.ts'

/**
 * SHA-256 of bytes as `0x`-prefixed lowercase hex: the patch hash proposed on chain.
 *
 * @example
 * hashBytes(new TextEncoder().encode('')) // '0xe3b0c442…b855'
 */
export function hashBytes(bytes: Uint8Array): Hash {
  return `0x${createHash('sha256').update(bytes).digest('hex')}`
}

/** True for `0x` followed by exactly 64 hex digits (either case). */
export function isHash(value: unknown): value is Hash {
  return typeof value === 'string' && /^0x[0-9a-fA-F]{64}$/.test(value)
}

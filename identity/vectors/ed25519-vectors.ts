/**
 * Loads the Ed25519 test vectors beside this file for the tests of both implementations.
 */
import { readFileSync } from 'node:fs'

/**
 * One RFC 8032 §7.1 test vector, as bytes.
 *
 * @example
 * const [test1] = rfc8032Vectors() // { name: 'TEST 1', message: Uint8Array(0), … }
 */
export type Rfc8032Vector = {
  name: string
  secretKey: Uint8Array
  publicKey: Uint8Array
  message: Uint8Array
  signature: Uint8Array
}

/**
 * One generated edge case with the strict rule's verdict, as bytes.
 *
 * @example
 * const sPlusL = ed25519EdgeVectors().find((vector) => vector.name === 's-plus-l') // expected: false
 */
export type Ed25519EdgeVector = {
  name: string
  reason: string
  expected: boolean
  message: Uint8Array
  publicKey: Uint8Array
  signature: Uint8Array
}

function bytesFromHex(hex: unknown): Uint8Array {
  if (typeof hex !== 'string' || !/^(?:[0-9a-f]{2})*$/.test(hex)) throw new TypeError(`vector field: expected lowercase hex, got ${String(hex).slice(0, 20)}`)
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

function booleanField(value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`vector field: expected a boolean, got ${typeof value}`)
  return value
}

function readCases(fileName: string): Record<string, unknown>[] {
  const file = JSON.parse(readFileSync(new URL(fileName, import.meta.url), 'utf8')) as { cases: Record<string, unknown>[] }
  return file.cases
}

/**
 * Returns the five RFC 8032 §7.1 Ed25519 vectors (TEST 1, 2, 3, 1024, SHA(abc)).
 *
 * @example
 * for (const vector of rfc8032Vectors()) assert.equal(verifyEd25519(vector.signature, vector.message, vector.publicKey), true)
 */
export function rfc8032Vectors(): Rfc8032Vector[] {
  return readCases('./rfc8032-ed25519.json').map((each) => ({
    name: String(each.name),
    secretKey: bytesFromHex(each.secretKey),
    publicKey: bytesFromHex(each.publicKey),
    message: bytesFromHex(each.message),
    signature: bytesFromHex(each.signature),
  }))
}

/**
 * Returns the generated edge cases (`edge-cases.json`) with their expected verdicts.
 *
 * @example
 * for (const vector of ed25519EdgeVectors()) assert.equal(verifyEd25519Noble(vector.signature, vector.message, vector.publicKey), vector.expected)
 */
export function ed25519EdgeVectors(): Ed25519EdgeVector[] {
  return readCases('./edge-cases.json').map((each) => ({
    name: String(each.name),
    reason: String(each.reason),
    expected: booleanField(each.expected),
    message: bytesFromHex(each.message),
    publicKey: bytesFromHex(each.publicKey),
    signature: bytesFromHex(each.signature),
  }))
}

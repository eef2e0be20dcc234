/**
 * Ed25519 throughput on one core: raw node:crypto verify (the baseline, measured in the same run)
 * against `verifyEd25519` (the strict rule on node:crypto) and `verifyEd25519Noble` (the browser's
 * implementation), plus raw node:crypto sign. `strict_ratio` is strict/raw verify throughput.
 *
 * Run: `npm run bench -- ed25519 [seconds per measurement, default 1]`. The last line is JSON.
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto'
import { createEd25519Signer, verifyEd25519 } from '../identity/ed25519.ts'
import { verifyEd25519Noble } from '../identity/ed25519-noble.ts'

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SIGNER_COUNT = 16
const MESSAGE_BYTES = 32 // a ledger entry id (SHA-256)
const VERIFY_BATCH = 32

type SignedMessage = { message: Uint8Array; signature: Uint8Array; publicKey: Uint8Array; publicKeyObject: KeyObject }

const secondsPerMeasurement = Number(process.argv[2] ?? '1')
if (!(secondsPerMeasurement > 0)) throw new TypeError(`seconds per measurement: expected a positive number, got ${process.argv[2]}`)

/** Calls `operation(i)` for i = 0, 1, … for about `seconds`; returns operations per second. */
function operationsPerSecond(seconds: number, operation: (index: number) => void): number {
  const deadline = performance.now() + seconds * 1000
  const started = performance.now()
  let count = 0
  while (performance.now() < deadline) {
    for (let batch = 0; batch < 16; batch++) operation(count++)
  }
  return count / ((performance.now() - started) / 1000)
}

const seeds = Array.from({ length: SIGNER_COUNT }, () => randomBytes(32))
const signed: SignedMessage[] = seeds.flatMap((seed) => {
  const signer = createEd25519Signer(seed)
  const publicKeyObject = createPublicKey(createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' }))
  return Array.from({ length: 8 }, () => {
    const message = randomBytes(MESSAGE_BYTES)
    return { message, signature: signer.sign(message), publicKey: signer.publicKey, publicKeyObject }
  })
})
const pick = (index: number): SignedMessage => signed[index % signed.length]!

// Warm up: fill the strict public-key caches and let the JIT settle.
for (let index = 0; index < signed.length; index++) {
  const each = pick(index)
  if (!verifyEd25519(each.signature, each.message, each.publicKey)) throw new Error('strict verify rejected a valid signature')
  if (!verifyEd25519Noble(each.signature, each.message, each.publicKey)) throw new Error('noble verify rejected a valid signature')
  if (!verify(null, each.message, each.publicKeyObject, each.signature)) throw new Error('raw verify rejected a valid signature')
}

/** Runs `operation` `VERIFY_BATCH` times; returns the milliseconds it took. */
function batchMilliseconds(firstIndex: number, operation: (each: SignedMessage) => void): number {
  const started = performance.now()
  for (let index = firstIndex; index < firstIndex + VERIFY_BATCH; index++) operation(pick(index))
  return performance.now() - started
}

const rawVerify = (each: SignedMessage) => verify(null, each.message, each.publicKeyObject, each.signature)
const strictVerify = (each: SignedMessage) => verifyEd25519(each.signature, each.message, each.publicKey)

// Raw and strict batches alternate (and swap order every round), so noise from other processes
// hits both alike; the ratio is the median of the per-round ratios.
let rawMilliseconds = 0
let strictMilliseconds = 0
let batchCount = 0
const roundRatios: number[] = []
const verifyDeadline = performance.now() + 2 * secondsPerMeasurement * 1000
while (performance.now() < verifyDeadline) {
  const firstIndex = batchCount * VERIFY_BATCH
  const rawFirst = batchCount % 2 === 0
  const rawRound = rawFirst ? batchMilliseconds(firstIndex, rawVerify) : 0
  const strictRound = batchMilliseconds(firstIndex, strictVerify)
  const rawRoundTime = rawFirst ? rawRound : batchMilliseconds(firstIndex, rawVerify)
  rawMilliseconds += rawRoundTime
  strictMilliseconds += strictRound
  roundRatios.push(rawRoundTime / strictRound)
  batchCount++
}
roundRatios.sort((left, right) => left - right)
const strictRatio = roundRatios[Math.floor(roundRatios.length / 2)] ?? 0
const rawVerifyPerSecond = (batchCount * VERIFY_BATCH) / (rawMilliseconds / 1000)
const strictVerifyPerSecond = (batchCount * VERIFY_BATCH) / (strictMilliseconds / 1000)
const nobleVerifyPerSecond = operationsPerSecond(secondsPerMeasurement, (index) => {
  const each = pick(index)
  verifyEd25519Noble(each.signature, each.message, each.publicKey)
})
const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seeds[0]!]), format: 'der', type: 'pkcs8' })
const rawSignPerSecond = operationsPerSecond(secondsPerMeasurement, (index) => {
  sign(null, pick(index).message, privateKey)
})

const round = (value: number) => Math.round(value)
console.log(`raw node:crypto verify   ${round(rawVerifyPerSecond)}/s`)
console.log(`strict verifyEd25519     ${round(strictVerifyPerSecond)}/s (median round: ${(strictRatio * 100).toFixed(1)} % of raw)`)
console.log(`strict verifyEd25519Noble ${round(nobleVerifyPerSecond)}/s`)
console.log(`raw node:crypto sign     ${round(rawSignPerSecond)}/s`)
console.log(
  JSON.stringify({
    bench: 'ed25519',
    raw_verify_per_s: round(rawVerifyPerSecond),
    strict_verify_per_s: round(strictVerifyPerSecond),
    strict_ratio: Number(strictRatio.toFixed(3)),
    noble_verify_per_s: round(nobleVerifyPerSecond),
    raw_sign_per_s: round(rawSignPerSecond),
  }),
)

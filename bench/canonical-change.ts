/**
 * The ledger document's canonical entry change, built and read by `node/canonical-change.ts`
 * against Automerge's own `encodeChange` / `decodeChange` on the same changes, in the same run
 * (every node rebuilds and reads the change of every entry it receives).
 *
 * Run: `npm run bench -- canonical-change [--changes 10000]`. Last stdout line: one JSON object;
 * `encode_speedup` and `decode_speedup` are Automerge's time over ours (above 1: ours is faster);
 * `hash_us` is ours computing the hash alone (what checking a received change needs).
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { createEd25519Signer } from '../identity/ed25519.ts'
import { buildMetered, buildMint, DEVNET_RULES, devnetGenesisGrant, Ledger, type SignedEntry } from '../ledger/index.ts'
import { automergeBackend } from '../node/automerge-backend.ts'
import { decodeMapSetChange, encodeMapSetChange, mapSetChangeHash, type MapSetChange } from '../node/canonical-change.ts'
import { encodeDocEntry } from '../node/ledger-doc.ts'

const { values } = parseArgs({ options: { changes: { type: 'string', default: '10000' } } })
const count = Number(values.changes)
if (!Number.isSafeInteger(count) || count < 100) throw new TypeError(`--changes: expected an integer of at least 100, got ${values.changes}`)
const ROUNDS = 5

// Real entries (a metered chain), so the values have the size and alphabet of the document's.
const signer = createEd25519Signer(new Uint8Array(randomBytes(32)))
const ledger = new Ledger({ rules: DEVNET_RULES })
const entries: SignedEntry[] = [buildMint(ledger, signer, { grant: devnetGenesisGrant(signer.publicKey, 1_000_000_000_000n), timestamp: 1 })]
ledger.append(entries[0]!, { signatureVerified: true })
while (entries.length < count) {
  const entry = buildMetered(ledger, signer, { type: 'llm_inference', model: 'bench', tokens: 100 }, { timestamp: entries.length })
  ledger.append(entry, { signatureVerified: true })
  entries.push(entry)
}
const objectActor = randomBytes(16).toString('hex')
const changes: MapSetChange[] = entries.map((entry) => ({
  actor: entry.idHex.slice(0, 32),
  startOp: 3 + entry.body.seq,
  deps: [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')].sort(),
  objectCounter: 2,
  objectActor,
  key: String(entry.body.seq),
  value: encodeDocEntry(entry),
}))
const automergeEncode = (change: MapSetChange): Uint8Array =>
  automergeBackend.encodeChange({ actor: change.actor, seq: 1, startOp: change.startOp, time: 0, message: null, deps: [...change.deps], ops: [{ action: 'set', obj: `${change.objectCounter}@${change.objectActor}`, key: change.key, value: change.value, pred: [] }] })
const encoded = changes.map(automergeEncode)

/** Best of ROUNDS, in µs per change (the best round is the one the shared machine disturbed least). */
function microsPerChange(operation: (index: number) => unknown): number {
  let best = Number.POSITIVE_INFINITY
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now()
    for (let index = 0; index < count; index++) operation(index)
    best = Math.min(best, ((performance.now() - started) * 1000) / count)
  }
  return best
}

for (let index = 0; index < count; index += 97) {
  const ours = encodeMapSetChange(changes[index]!)
  if (ours === undefined || Buffer.compare(Buffer.from(ours.bytes), Buffer.from(encoded[index]!)) !== 0) throw new Error(`change ${index}: the encoders disagree`)
}
const automergeEncodeUs = microsPerChange((index) => automergeEncode(changes[index]!))
const oursEncodeUs = microsPerChange((index) => encodeMapSetChange(changes[index]!))
const oursHashUs = microsPerChange((index) => mapSetChangeHash(changes[index]!))
const automergeDecodeUs = microsPerChange((index) => automergeBackend.decodeChange(encoded[index]!))
const oursDecodeUs = microsPerChange((index) => decodeMapSetChange(encoded[index]!))
const round2 = (value: number): number => Math.round(value * 100) / 100
console.error(`encode: Automerge ${automergeEncodeUs.toFixed(1)} µs, ours ${oursEncodeUs.toFixed(1)} µs (hash alone ${oursHashUs.toFixed(1)} µs); decode: Automerge ${automergeDecodeUs.toFixed(1)} µs, ours ${oursDecodeUs.toFixed(1)} µs (per change, ${encoded[0]!.length} B)`)
console.log(
  JSON.stringify({
    bench: 'canonical-change',
    changes: count,
    change_bytes: encoded[0]!.length,
    automerge_encode_us: round2(automergeEncodeUs),
    encode_us: round2(oursEncodeUs),
    encode_speedup: round2(automergeEncodeUs / oursEncodeUs),
    hash_us: round2(oursHashUs),
    automerge_decode_us: round2(automergeDecodeUs),
    decode_us: round2(oursDecodeUs),
    decode_speedup: round2(automergeDecodeUs / oursDecodeUs),
  }),
)

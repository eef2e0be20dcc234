/**
 * Mutations of valid messages for the fuzz tests: each returns a copy of `bytes` with one random
 * flaw (flipped bits, truncation, a tail, an overwritten run, a new first byte) or random bytes.
 */
import type { Random } from '../sim/random.ts'

export function mutate(bytes: Uint8Array, random: Random): Uint8Array {
  const copy = bytes.slice()
  switch (random.nextInt(6)) {
    case 0: {
      const flips = 1 + random.nextInt(3)
      for (let index = 0; index < flips; index++) copy[random.nextInt(copy.length)]! ^= 1 << random.nextInt(8)
      return copy
    }
    case 1:
      return copy.slice(0, random.nextInt(copy.length))
    case 2:
      return Buffer.concat([copy, random.nextBytes(1 + random.nextInt(64))])
    case 3: {
      const at = random.nextInt(copy.length)
      copy.set(random.nextBytes(Math.min(16, copy.length - at)), at)
      return copy
    }
    case 4:
      copy[0] = random.nextInt(256)
      return copy
    default:
      return random.nextBytes(1 + random.nextInt(2 * bytes.length))
  }
}

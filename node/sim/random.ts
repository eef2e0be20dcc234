/**
 * A seeded pseudo-random generator for deterministic simulation: sfc32 (Chris Doty-Humphrey's
 * Small Fast Counter, from PractRand), seeded through splitmix32. Never Math.random: the same seed
 * must give the same run, byte for byte.
 */
import { InvalidArgumentError } from '../../common/base-error.ts'
import { describeValue } from '../../common/describe-value.ts'

/** The randomness a component receives; tests and the simulator pass a seeded one. */
export type Random = {
  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number
  /** A uniform float in [0, 1) with 32 bits of precision. */
  nextFloat(): number
  /** A uniform integer in [0, maxExclusive), without modulo bias. maxExclusive ≤ 2^32. */
  nextInt(maxExclusive: number): number
  /** `count` uniform bytes. */
  nextBytes(count: number): Uint8Array
  /** An independent generator derived from this one's next outputs (for a sub-component). */
  fork(): Random
}

/**
 * Creates an sfc32 generator from a 32-bit seed.
 *
 * @example
 * const random = createSeededRandom(42)
 * random.nextInt(6) // the same die roll on every run with seed 42
 */
export function createSeededRandom(seed: number): Random {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff)
    throw new InvalidArgumentError({ argument: 'seed', expected: 'an integer in [0, 2^32)', received: describeValue(seed) })
  let splitmixState = seed >>> 0
  const splitmix32 = (): number => {
    splitmixState = (splitmixState + 0x9e37_79b9) >>> 0
    let z = splitmixState
    z = Math.imul(z ^ (z >>> 16), 0x85eb_ca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2_ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  return createSfc32(splitmix32(), splitmix32(), splitmix32(), 1)
}

function createSfc32(aSeed: number, bSeed: number, cSeed: number, counterSeed: number): Random {
  let a = aSeed >>> 0
  let b = bSeed >>> 0
  let c = cSeed >>> 0
  let counter = counterSeed >>> 0
  const nextUint32 = (): number => {
    const result = (((a + b) >>> 0) + counter) >>> 0
    counter = (counter + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = ((c << 21) | (c >>> 11)) >>> 0
    c = (c + result) >>> 0
    return result
  }
  // The reference discards the first outputs so that weak seeds are mixed before use.
  for (let round = 0; round < 12; round++) nextUint32()
  const random: Random = {
    nextUint32,
    nextFloat: () => nextUint32() / 0x1_0000_0000,
    nextInt(maxExclusive) {
      if (!Number.isInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > 0x1_0000_0000)
        throw new InvalidArgumentError({ argument: 'maxExclusive', expected: 'an integer in [1, 2^32]', received: describeValue(maxExclusive) })
      // Rejection sampling: values in the last partial bucket would favour small results.
      const limit = 0x1_0000_0000 - (0x1_0000_0000 % maxExclusive)
      for (;;) {
        const value = nextUint32()
        if (value < limit) return value % maxExclusive
      }
    },
    nextBytes(count) {
      if (!Number.isInteger(count) || count < 0)
        throw new InvalidArgumentError({ argument: 'count', expected: 'a non-negative integer', received: describeValue(count) })
      const bytes = new Uint8Array(count)
      for (let index = 0; index < count; index++) bytes[index] = nextUint32() & 0xff
      return bytes
    },
    fork: () => createSfc32(nextUint32(), nextUint32(), nextUint32(), 1),
  }
  return random
}

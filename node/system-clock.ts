/**
 * The real world's clock and randomness, for the node in production (the simulator passes its
 * virtual clock and seeded generator instead).
 */
import { randomBytes, randomInt } from 'node:crypto'
import type { Random } from './sim/random.ts'
import type { Clock } from './sim/virtual-clock.ts'

/** Wall-clock time and real timers. Timer ids are this clock's own, never Node's handles. */
export function createSystemClock(): Clock {
  const timers = new Map<number, NodeJS.Timeout>()
  let nextId = 1
  return {
    now: () => Date.now(),
    setTimer(delayMs, callback) {
      const id = nextId++
      const handle = setTimeout(() => {
        timers.delete(id)
        callback()
      }, delayMs)
      // Timers never keep the process alive on their own; the node's sockets and signals do.
      handle.unref()
      timers.set(id, handle)
      return id
    },
    cancelTimer(id) {
      clearTimeout(timers.get(id))
      timers.delete(id)
    },
  }
}

/** Randomness from the operating system. */
export function createSystemRandom(): Random {
  const random: Random = {
    nextUint32: () => randomBytes(4).readUInt32LE(0),
    nextFloat: () => randomBytes(4).readUInt32LE(0) / 2 ** 32,
    nextInt: (maxExclusive) => (maxExclusive <= 1 ? 0 : maxExclusive > 2 ** 32 - 1 ? Math.floor((randomBytes(4).readUInt32LE(0) / 2 ** 32) * maxExclusive) : randomInt(maxExclusive)),
    nextBytes: (count) => new Uint8Array(randomBytes(count)),
    fork: () => random,
  }
  return random
}

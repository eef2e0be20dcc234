import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createSeededRandom } from './random.ts'

describe('createSeededRandom', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const draw = (seed: number) => {
      const random = createSeededRandom(seed)
      return Array.from({ length: 16 }, () => random.nextUint32())
    }
    assert.deepEqual(draw(1), draw(1))
    assert.notDeepEqual(draw(1), draw(2))
  })

  it('keeps nextInt in range and reaches every value', () => {
    const random = createSeededRandom(9)
    const seen = new Set<number>()
    for (let index = 0; index < 1_000; index++) {
      const value = random.nextInt(7)
      assert.ok(Number.isInteger(value) && value >= 0 && value < 7)
      seen.add(value)
    }
    assert.equal(seen.size, 7)
  })

  it('keeps nextFloat in [0, 1)', () => {
    const random = createSeededRandom(3)
    for (let index = 0; index < 1_000; index++) {
      const value = random.nextFloat()
      assert.ok(value >= 0 && value < 1)
    }
  })

  it('forks independent but reproducible streams', () => {
    const a = createSeededRandom(5).fork()
    const b = createSeededRandom(5).fork()
    assert.deepEqual(a.nextBytes(32), b.nextBytes(32))
  })

  it('refuses bad arguments by name', () => {
    for (const seed of [-1, 1.5, 2 ** 32, Number.NaN]) assert.throws(() => createSeededRandom(seed), { name: 'InvalidArgumentError' })
    const random = createSeededRandom(0)
    for (const max of [0, -3, 0.5, 2 ** 32 + 1]) assert.throws(() => random.nextInt(max), { name: 'InvalidArgumentError' })
    assert.throws(() => random.nextBytes(-1), { name: 'InvalidArgumentError' })
  })
})

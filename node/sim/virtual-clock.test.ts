import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CLOCK_TIMERS_MAX } from '../constants.ts'
import { createVirtualClock } from './virtual-clock.ts'

describe('createVirtualClock', () => {
  it('fires timers by time, then in the order they were set, at their due time', () => {
    const clock = createVirtualClock({ startMs: 100 })
    const fired: string[] = []
    clock.setTimer(20, () => fired.push(`b@${clock.now()}`))
    clock.setTimer(10, () => fired.push(`a@${clock.now()}`))
    clock.setTimer(20, () => fired.push(`c@${clock.now()}`))
    clock.setTimer(0, () => clock.setTimer(10, () => fired.push(`d@${clock.now()}`)))
    clock.runUntilIdle()
    assert.deepEqual(fired, ['a@110', 'd@110', 'b@120', 'c@120'])
    assert.equal(clock.now(), 120)
  })

  it('advances only as far as asked and moves the time there', () => {
    const clock = createVirtualClock()
    const fired: number[] = []
    clock.setTimer(5, () => fired.push(5))
    clock.setTimer(15, () => fired.push(15))
    clock.advance(10)
    assert.deepEqual(fired, [5])
    assert.equal(clock.now(), 10)
    assert.equal(clock.pendingTimers, 1)
  })

  it('does not fire a cancelled timer', () => {
    const clock = createVirtualClock()
    let fired = false
    const id = clock.setTimer(5, () => (fired = true))
    clock.cancelTimer(id)
    clock.runUntilIdle()
    assert.equal(fired, false)
    assert.equal(clock.pendingTimers, 0)
  })

  it('stops a run that never goes idle', () => {
    const clock = createVirtualClock()
    const rearm = (): void => void clock.setTimer(1, rearm)
    rearm()
    assert.throws(() => clock.runUntilIdle(1_000), { name: 'ClockRunawayError' })
  })

  it('refuses one timer past CLOCK_TIMERS_MAX', () => {
    const clock = createVirtualClock()
    for (let index = 0; index < CLOCK_TIMERS_MAX; index++) clock.setTimer(1, () => {})
    assert.throws(() => clock.setTimer(1, () => {}), { name: 'ClockTimerLimitError' })
  })

  it('refuses bad delays by name', () => {
    const clock = createVirtualClock()
    for (const delay of [-1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => clock.setTimer(delay, () => {}), { name: 'InvalidArgumentError' })
    assert.throws(() => clock.advance(-1), { name: 'InvalidArgumentError' })
  })
})

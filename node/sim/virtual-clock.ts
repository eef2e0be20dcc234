/**
 * A virtual clock for deterministic simulation. Time moves only when the simulator says so, and
 * timers due at the same instant fire in the order they were set.
 */
import { InvalidArgumentError } from '../../common/base-error.ts'
import { describeValue } from '../../common/describe-value.ts'
import { CLOCK_RUN_TIMERS_MAX, CLOCK_TIMERS_MAX } from '../constants.ts'
import { ClockRunawayError, ClockTimerLimitError } from '../errors.ts'

/** The clock a component receives: the real one in production, a virtual one in simulation. */
export type Clock = {
  /** Milliseconds since the Unix epoch. */
  now(): number
  /** Calls `callback` once, `delayMs` from now; returns an id for {@link Clock.cancelTimer}. */
  setTimer(delayMs: number, callback: () => void): number
  cancelTimer(timerId: number): void
}

/** A clock driven by the simulator. */
export type VirtualClock = Clock & {
  /** Fires every timer due within `durationMs`, in (time, insertion) order, then sets the time to now + durationMs. */
  advance(durationMs: number): void
  /** Fires timers until none is left; throws {@link ClockRunawayError} past `timersMax`. */
  runUntilIdle(timersMax?: number): void
  /** Timers waiting to fire. */
  readonly pendingTimers: number
}

type Timer = { readonly dueMs: number; readonly order: number; readonly callback: () => void }

/**
 * Creates a virtual clock starting at `startMs`.
 *
 * @example
 * const clock = createVirtualClock({ startMs: 0 })
 * clock.setTimer(10, () => console.log(clock.now())) // 10
 * clock.advance(10)
 */
export function createVirtualClock(parameters: { readonly startMs?: number } = {}): VirtualClock {
  const { startMs = 0 } = parameters
  if (!Number.isSafeInteger(startMs) || startMs < 0)
    throw new InvalidArgumentError({ argument: 'startMs', expected: 'a non-negative safe integer', received: describeValue(startMs) })
  let nowMs = startMs
  let nextOrder = 0
  const heap: Timer[] = []
  // Ids of timers set and neither fired nor cancelled; a cancelled timer stays in the heap until due.
  const live = new Set<number>()

  const fireNext = (untilMs: number): boolean => {
    for (;;) {
      const top = heap[0]
      if (top === undefined || top.dueMs > untilMs) return false
      popTimer(heap)
      if (!live.delete(top.order)) continue
      nowMs = top.dueMs
      top.callback()
      return true
    }
  }

  return {
    now: () => nowMs,
    setTimer(delayMs, callback) {
      if (!Number.isFinite(delayMs) || delayMs < 0)
        throw new InvalidArgumentError({ argument: 'delayMs', expected: 'a finite non-negative number', received: describeValue(delayMs) })
      if (live.size >= CLOCK_TIMERS_MAX) throw new ClockTimerLimitError(CLOCK_TIMERS_MAX)
      const timer = { dueMs: nowMs + Math.ceil(delayMs), order: nextOrder++, callback }
      pushTimer(heap, timer)
      live.add(timer.order)
      return timer.order
    },
    cancelTimer(timerId) {
      live.delete(timerId)
    },
    advance(durationMs) {
      if (!Number.isFinite(durationMs) || durationMs < 0)
        throw new InvalidArgumentError({ argument: 'durationMs', expected: 'a finite non-negative number', received: describeValue(durationMs) })
      const untilMs = nowMs + Math.ceil(durationMs)
      while (fireNext(untilMs));
      nowMs = untilMs
    },
    runUntilIdle(timersMax = CLOCK_RUN_TIMERS_MAX) {
      let fired = 0
      while (fireNext(Number.POSITIVE_INFINITY)) {
        if (++fired >= timersMax && live.size > 0) throw new ClockRunawayError(fired)
      }
    },
    get pendingTimers() {
      return live.size
    },
  }
}

function earlier(a: Timer, b: Timer): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.order < b.order)
}

function pushTimer(heap: Timer[], timer: Timer): void {
  heap.push(timer)
  let index = heap.length - 1
  while (index > 0) {
    const parent = (index - 1) >> 1
    if (!earlier(heap[index]!, heap[parent]!)) break
    ;[heap[index], heap[parent]] = [heap[parent]!, heap[index]!]
    index = parent
  }
}

function popTimer(heap: Timer[]): void {
  const last = heap.pop()
  if (last === undefined || heap.length === 0) return
  heap[0] = last
  let index = 0
  for (;;) {
    const left = index * 2 + 1
    const right = left + 1
    let smallest = index
    if (left < heap.length && earlier(heap[left]!, heap[smallest]!)) smallest = left
    if (right < heap.length && earlier(heap[right]!, heap[smallest]!)) smallest = right
    if (smallest === index) return
    ;[heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!]
    index = smallest
  }
}

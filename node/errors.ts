/**
 * The node core's errors, one class each; code and tests tell them apart by `name`.
 */
import { BaseError } from '../common/base-error.ts'

/** The virtual clock holds {@link CLOCK_TIMERS_MAX} timers already. */
export class ClockTimerLimitError extends BaseError {
  override name = 'ClockTimerLimitError'
  readonly limit: number
  constructor(limit: number) {
    super(`The virtual clock already holds ${limit} timers.`, { hints: ['A component schedules timers without cancelling them; look for a loop that re-arms itself twice.'] })
    this.limit = limit
  }
}

/** `runUntilIdle` fired its limit of timers and the clock is still busy: something re-arms forever. */
export class ClockRunawayError extends BaseError {
  override name = 'ClockRunawayError'
  readonly firedTimers: number
  constructor(firedTimers: number) {
    super(`The virtual clock fired ${firedTimers} timers without going idle.`, { hints: ['Stop periodic components before running until idle, or use advance(ms).'] })
    this.firedTimers = firedTimers
  }
}

/** A node id registered twice, or too many nodes, on the simulated network. */
export class NetworkRegistrationError extends BaseError {
  override name = 'NetworkRegistrationError'
  readonly nodeId: string
  constructor(nodeId: string, reason: string) {
    super(`Cannot register node ${JSON.stringify(nodeId)}: ${reason}.`)
    this.nodeId = nodeId
  }
}

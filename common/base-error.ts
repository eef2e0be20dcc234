/**
 * Parameters of {@link BaseError}: what a user needs besides the short message.
 */
export type BaseErrorParameters = {
  /** Extra facts about what went wrong (a value, a path, an offset). */
  details?: string | undefined
  /** What to do about it: each hint is one sentence a user can act on. */
  hints?: readonly string[] | undefined
  /** The lower-level error that caused this one. */
  cause?: unknown
}

/**
 * The root of every IPPOC error: a short message, optional details and hints, and the cause.
 * Subclasses set `name`; code and tests tell errors apart by `name`, never by message text.
 *
 * @example
 * throw new BaseError('Key file is readable by others.', {
 *   details: 'data/nodes/ab12/data/identity.key has mode 0644',
 *   hints: ['Run `chmod 600 data/nodes/ab12/data/identity.key`.'],
 * })
 */
export class BaseError extends Error {
  override name = 'BaseError'
  /** The one-line message, without details and hints. */
  readonly shortMessage: string
  readonly details: string | undefined
  readonly hints: readonly string[]

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const { details, hints = [], cause } = parameters
    const lines = [shortMessage]
    if (details || hints.length > 0) lines.push('')
    if (details) lines.push(`Details: ${details}`)
    for (const hint of hints) lines.push(`Hint: ${hint}`)
    super(lines.join('\n'), cause === undefined ? undefined : { cause })
    this.shortMessage = shortMessage
    this.details = details
    this.hints = hints
  }
}

/** Formats an error for a terminal: the short message and hints, never a stack. */
export function formatErrorForUser(error: unknown): string {
  if (error instanceof BaseError) {
    const lines = [`error: ${error.shortMessage}`]
    if (error.details) lines.push(`  details: ${error.details}`)
    for (const hint of error.hints) lines.push(`  hint: ${hint}`)
    return lines.join('\n')
  }
  if (error instanceof Error) return `error: ${error.message}`
  return `error: ${String(error)}`
}

/** What {@link InvalidArgumentError} reports: which argument, what was expected, what came. */
export type InvalidArgumentErrorParameters = {
  argument: string
  expected: string
  /** A description of the value, never the value itself (see `describeValue`). */
  received: string
}

/**
 * A public function got an argument of the wrong type or shape. Each part of the system subclasses
 * it with its own `name`, so callers can tell where the bad argument was passed.
 *
 * @example
 * throw new InvalidArgumentError({ argument: 'nodeId', expected: '64 lowercase hex characters', received: '"xyz"' })
 */
export class InvalidArgumentError extends BaseError {
  override name = 'InvalidArgumentError'
  readonly argument: string
  constructor({ argument, expected, received }: InvalidArgumentErrorParameters) {
    super(`Invalid ${argument}: expected ${expected}, got ${received}.`)
    this.argument = argument
  }
}

/**
 * The node's structured logger: JSON lines (`time`, `level`, `msg`, the node id and any child
 * bindings) written by pino. The rest of the code imports this module, never pino, so the logging
 * library can change in one place.
 */
import { pino } from 'pino'
import { InvalidArgumentError } from '../common/base-error.ts'
import { describeValue } from '../common/describe-value.ts'

/** How much a logger writes: everything at or above this level, or nothing (`silent`). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'

/** The levels a {@link LogLevel} may name, lowest first. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent']

/** The environment variable read when {@link createLogger} is given no level. */
export const LOG_LEVEL_ENVIRONMENT_VARIABLE = 'IPPOC_LOG_LEVEL'

/** The level used when neither the option nor the environment names one. */
export const LOG_LEVEL_DEFAULT: LogLevel = 'info'

/** Fields attached to one log line or, through `child`, to every line of a logger. */
export type LogFields = { readonly [field: string]: unknown }

/** Writes one line: a message, or fields and an optional message. */
export type LogMethod = {
  (message: string): void
  (fields: LogFields, message?: string): void
}

/** The logger every part of the node uses. */
export type Logger = {
  readonly debug: LogMethod
  readonly info: LogMethod
  readonly warn: LogMethod
  readonly error: LogMethod
  /** A logger whose every line also carries `bindings`. */
  child(bindings: LogFields): Logger
}

/** Where log lines go: anything with `write(line)`, such as a Node stream or a pino destination. */
export type LogDestination = { write(line: string): unknown }

/** Parameters of {@link createLogger}. */
export type CreateLoggerParameters = {
  /** Bound to every line as `nodeId`. */
  nodeId?: string | undefined
  /** Defaults to `$IPPOC_LOG_LEVEL`, then to `info`. */
  level?: LogLevel | undefined
  /** Defaults to standard error, so logs never mix with a command's output on standard out. */
  destination?: LogDestination | undefined
}

/**
 * Creates the node's structured logger.
 *
 * @example
 * const logger = createLogger({ nodeId, level: 'debug' })
 * logger.child({ component: 'http' }).info({ port: 8080 }, 'listening')
 * // {"level":"info","time":1767225600000,"nodeId":"ab12…","component":"http","port":8080,"msg":"listening"}
 */
export function createLogger(parameters: CreateLoggerParameters = {}): Logger {
  const { nodeId, destination } = parameters
  if (nodeId !== undefined && typeof nodeId !== 'string') throw new InvalidArgumentError({ argument: 'nodeId', expected: 'a string', received: describeValue(nodeId) })
  if (destination !== undefined && typeof destination?.write !== 'function') throw new InvalidArgumentError({ argument: 'destination', expected: 'a stream with write(line)', received: describeValue(destination) })
  const level = resolveLogLevel(parameters.level)
  const instance = pino(
    {
      level,
      base: nodeId === undefined ? {} : { nodeId },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? standardError(),
  )
  return wrapPino(instance)
}

let standardErrorDestination: pino.DestinationStream | undefined

/**
 * One synchronous destination on standard error shared by every logger, so a hundred nodes in one
 * process do not open a hundred streams, and no line is lost when the process exits.
 */
function standardError(): pino.DestinationStream {
  standardErrorDestination ??= pino.destination({ dest: 2, sync: true })
  return standardErrorDestination
}

function resolveLogLevel(level: unknown): LogLevel {
  if (level !== undefined) {
    if (!isLogLevel(level)) throw new InvalidArgumentError({ argument: 'level', expected: `one of ${LOG_LEVELS.join(', ')}`, received: describeValue(level) })
    return level
  }
  const fromEnvironment = process.env[LOG_LEVEL_ENVIRONMENT_VARIABLE]
  if (fromEnvironment === undefined || fromEnvironment === '') return LOG_LEVEL_DEFAULT
  if (!isLogLevel(fromEnvironment)) throw new InvalidArgumentError({ argument: LOG_LEVEL_ENVIRONMENT_VARIABLE, expected: `one of ${LOG_LEVELS.join(', ')}`, received: describeValue(fromEnvironment) })
  return fromEnvironment
}

function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value)
}

function wrapPino(instance: pino.Logger): Logger {
  const method =
    (level: 'debug' | 'info' | 'warn' | 'error'): LogMethod =>
    (fieldsOrMessage: LogFields | string, message?: string): void => {
      if (typeof fieldsOrMessage === 'string') instance[level](fieldsOrMessage)
      else instance[level](fieldsOrMessage, message)
    }
  return {
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    child: (bindings) => wrapPino(instance.child(bindings)),
  }
}

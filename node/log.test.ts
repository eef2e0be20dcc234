import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { LOG_LEVEL_ENVIRONMENT_VARIABLE, createLogger } from './log.ts'
import type { LogLevel } from './log.ts'

type Line = { level: string; time: number; msg?: string; nodeId?: string; [field: string]: unknown }

function createCapture(): { destination: { write(line: string): void }; lines: Line[] } {
  const lines: Line[] = []
  return { lines, destination: { write: (line) => void lines.push(...line.trimEnd().split('\n').map((text) => JSON.parse(text) as Line)) } }
}

describe('createLogger', () => {
  let savedLevel: string | undefined
  beforeEach(() => {
    savedLevel = process.env[LOG_LEVEL_ENVIRONMENT_VARIABLE]
    delete process.env[LOG_LEVEL_ENVIRONMENT_VARIABLE]
  })
  afterEach(() => {
    if (savedLevel === undefined) delete process.env[LOG_LEVEL_ENVIRONMENT_VARIABLE]
    else process.env[LOG_LEVEL_ENVIRONMENT_VARIABLE] = savedLevel
  })

  it('writes one JSON line per call with time, level, msg, the node id and the fields', () => {
    const { destination, lines } = createCapture()
    const logger = createLogger({ nodeId: 'ab12', destination })
    const before = Date.now()
    logger.info('started')
    logger.warn({ peer: 'cd34', count: 2 }, 'peer misbehaved')
    logger.error({ code: 'E' })
    assert.equal(lines.length, 3)
    assert.deepEqual(lines.map(({ time: _time, ...rest }) => rest), [
      { level: 'info', nodeId: 'ab12', msg: 'started' },
      { level: 'warn', nodeId: 'ab12', peer: 'cd34', count: 2, msg: 'peer misbehaved' },
      { level: 'error', nodeId: 'ab12', code: 'E' },
    ])
    for (const line of lines) assert.ok(line.time >= before && line.time <= Date.now())
  })

  it('leaves nodeId out when none is given', () => {
    const { destination, lines } = createCapture()
    createLogger({ destination }).info('hello')
    assert.equal(lines.length, 1)
    assert.equal('nodeId' in (lines[0] ?? {}), false)
  })

  it('writes an error’s message under err', () => {
    const { destination, lines } = createCapture()
    createLogger({ destination }).error({ err: new Error('disk full') }, 'write failed')
    const err = lines[0]?.err as { type: string; message: string } | undefined
    assert.equal(err?.type, 'Error')
    assert.equal(err?.message, 'disk full')
  })

  it('adds child bindings to every line of the child, and not to the parent', () => {
    const { destination, lines } = createCapture()
    const logger = createLogger({ nodeId: 'ab12', destination })
    const child = logger.child({ component: 'http' })
    child.child({ route: '/status' }).info('served')
    logger.info('parent')
    assert.equal(lines[0]?.nodeId, 'ab12')
    assert.equal(lines[0]?.component, 'http')
    assert.equal(lines[0]?.route, '/status')
    assert.equal(lines[1]?.component, undefined)
  })

  it('writes only at or above its level, and nothing when silent', () => {
    const written = (level: LogLevel): string[] => {
      const { destination, lines } = createCapture()
      const logger = createLogger({ level, destination })
      logger.debug('d')
      logger.info('i')
      logger.warn('w')
      logger.error('e')
      return lines.map((line) => line.level)
    }
    assert.deepEqual(written('debug'), ['debug', 'info', 'warn', 'error'])
    assert.deepEqual(written('info'), ['info', 'warn', 'error'])
    assert.deepEqual(written('warn'), ['warn', 'error'])
    assert.deepEqual(written('error'), ['error'])
    assert.deepEqual(written('silent'), [])
  })

  it(`takes the level from ${LOG_LEVEL_ENVIRONMENT_VARIABLE} when none is given, and the option over it`, () => {
    process.env[LOG_LEVEL_ENVIRONMENT_VARIABLE] = 'debug'
    const fromEnvironment = createCapture()
    createLogger({ destination: fromEnvironment.destination }).debug('d')
    assert.equal(fromEnvironment.lines.length, 1)

    const fromOption = createCapture()
    createLogger({ level: 'warn', destination: fromOption.destination }).info('i')
    assert.equal(fromOption.lines.length, 0)

    process.env[LOG_LEVEL_ENVIRONMENT_VARIABLE] = 'silent'
    const silenced = createCapture()
    createLogger({ destination: silenced.destination }).error('e')
    assert.equal(silenced.lines.length, 0)
  })

  it('defaults to info', () => {
    const { destination, lines } = createCapture()
    const logger = createLogger({ destination })
    logger.debug('d')
    logger.info('i')
    assert.deepEqual(lines.map((line) => line.msg), ['i'])
  })

  it('refuses an unknown level, from the option or the environment, by name', () => {
    assert.throws(() => createLogger({ level: 'verbose' as LogLevel }), { name: 'InvalidArgumentError', argument: 'level' })
    process.env[LOG_LEVEL_ENVIRONMENT_VARIABLE] = 'loud'
    assert.throws(() => createLogger(), { name: 'InvalidArgumentError', argument: LOG_LEVEL_ENVIRONMENT_VARIABLE })
  })

  it('refuses a destination without write and a node id that is not a string, by name', () => {
    assert.throws(() => createLogger({ destination: {} as { write(line: string): void } }), { name: 'InvalidArgumentError', argument: 'destination' })
    assert.throws(() => createLogger({ nodeId: 5 as unknown as string }), { name: 'InvalidArgumentError', argument: 'nodeId' })
  })
})

import assert from 'node:assert/strict'
import { tmpdir } from 'node:os'
import { describe, it } from 'node:test'
import { OUTPUT_TAIL_BYTES } from './constants.ts'
import { runLimitedCommand } from './run-limited-command.ts'
import { waitForProcessExit } from './test-support/processes.ts'

const environment = { PATH: process.env.PATH ?? '/usr/bin:/bin' }
const run = (command: readonly string[], timeoutMs = 10_000) => runLimitedCommand({ command, cwd: tmpdir(), environment, timeoutMs })

describe('runLimitedCommand', () => {
  it('returns the exit code, the signal, and the tails of both streams', async () => {
    const ran = await run(['sh', '-c', 'echo out; echo err >&2; exit 3'])
    assert.deepEqual({ ...ran, durationMs: 0 }, { exitCode: 3, signal: null, timedOut: false, durationMs: 0, stdoutTail: 'out\n', stderrTail: 'err\n', spawnError: undefined })
    const killed = await run(['sh', '-c', 'kill -SEGV $$'])
    assert.deepEqual([killed.exitCode, killed.signal], [null, 'SIGSEGV'])
  })

  it('keeps only the last OUTPUT_TAIL_BYTES of a flood of output', async () => {
    const ran = await run([process.execPath, '-e', `process.stdout.write('x'.repeat(${OUTPUT_TAIL_BYTES * 20}) + 'END')`])
    assert.equal(ran.exitCode, 0)
    assert.equal(ran.stdoutTail.length, OUTPUT_TAIL_BYTES)
    assert.ok(ran.stdoutTail.endsWith('xEND'))
  })

  it('passes only the given environment', async () => {
    process.env.IPPOC_TEST_LEAK = 'leak'
    try {
      const ran = await run(['sh', '-c', 'echo "[$IPPOC_TEST_LEAK]"'])
      assert.equal(ran.stdoutTail, '[]\n')
    } finally {
      delete process.env.IPPOC_TEST_LEAK
    }
  })

  it('reports a program that cannot start', async () => {
    const ran = await run(['/nonexistent/ippoc-check'])
    assert.equal(ran.exitCode, null)
    assert.match(ran.spawnError ?? '', /ENOENT/)
  })

  it('kills the process group at the time limit, children included', async () => {
    const ran = await run(['sh', '-c', 'sleep 30 & echo $!; wait'], 300)
    assert.equal(ran.timedOut, true)
    assert.equal(ran.signal, 'SIGKILL')
    assert.ok(ran.durationMs < 5_000)
    assert.equal(await waitForProcessExit(Number(ran.stdoutTail.trim()), 3_000), true)
  })

  it('kills what a finished command left running in its group', async () => {
    const ran = await run(['sh', '-c', 'sleep 30 >/dev/null 2>&1 & echo $!'])
    assert.equal(ran.exitCode, 0)
    assert.equal(await waitForProcessExit(Number(ran.stdoutTail.trim()), 3_000), true)
  })

  it('does not wait forever for a process that left the group but holds the output open', async () => {
    const ran = await run(['sh', '-c', 'setsid sleep 3 & echo started'])
    assert.equal(ran.exitCode, 0)
    assert.ok(ran.durationMs < 2_900, `took ${ran.durationMs} ms`)
  })
})

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RISK_CHECK_FAILED, RISK_CHECK_TIMED_OUT, RISK_INVARIANT_TOUCHED, RISK_LINES_CAP, RISK_SCORE_MAX } from './constants.ts'
import { scoreEvolutionRisk, type ScoreEvolutionRiskParameters } from './score-evolution-risk.ts'
import type { ChangedFile } from './types.ts'

const file = (path: string, fields: Partial<ChangedFile> = {}): ChangedFile => ({ path, status: 'modified', oldMode: '100644', newMode: '100644', binary: false, linesAdded: 1, linesRemoved: 1, ...fields })
const okCheck = { command: ['npm', 'test'], exitCode: 0, signal: null, timedOut: false, durationMs: 10, stdoutTail: 'ok', stderrTail: '' }

function score(overrides: Partial<ScoreEvolutionRiskParameters> = {}) {
  const files = [file('node/peer.ts')]
  return scoreEvolutionRisk({
    changes: { files, linesAdded: 1, linesRemoved: 1 },
    invariantFilesTouched: [],
    check: okCheck,
    failOnInvariantChange: true,
    checkFiles: [],
    timeoutMs: 1000,
    memoryMb: 64,
    ...overrides,
  })
}

describe('scoreEvolutionRisk', () => {
  it('scores a small passing change low and explains each point', () => {
    assert.deepEqual(score(), { riskScore: 54, passed: true, reasons: ['Changes 2 line(s): 1 added, 1 removed (+4 bp).', 'Touches 1 file(s) (+50 bp).'] })
  })

  it('is deterministic', () => {
    assert.deepEqual(score({ check: { ...okCheck, exitCode: 2 } }), score({ check: { ...okCheck, exitCode: 2 } }))
  })

  it('fails a failing, killed, timed-out or unstartable check', () => {
    for (const check of [{ ...okCheck, exitCode: 1 }, { ...okCheck, exitCode: null, signal: 'SIGSEGV' }, { ...okCheck, spawnError: 'spawn npm ENOENT' }]) {
      const verdict = score({ check })
      assert.equal(verdict.passed, false)
      assert.ok(verdict.riskScore >= RISK_CHECK_FAILED)
    }
    const timedOut = score({ check: { ...okCheck, exitCode: null, signal: 'SIGKILL', timedOut: true } })
    assert.equal(timedOut.passed, false)
    assert.ok(timedOut.riskScore >= RISK_CHECK_FAILED + RISK_CHECK_TIMED_OUT)
    assert.match(timedOut.reasons[0] ?? '', /ran past its 1000 ms time limit/)
  })

  it('names a likely cause found in the output', () => {
    const memory = score({ check: { ...okCheck, exitCode: 134, stderrTail: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory' } })
    assert.ok(memory.reasons.includes('Its output suggests it ran out of memory (limit 64 MiB per process).'))
    const network = score({ check: { ...okCheck, exitCode: 1, stderrTail: 'Error: connect ENETUNREACH 140.82.112.3:443' } })
    assert.ok(network.reasons.includes('Its output suggests it tried to reach the network, which the sandbox blocks.'))
  })

  it('fails invariant changes by default, and only scores them when asked', () => {
    const touched = { invariantFilesTouched: ['contracts/Treasury.sol'], changes: { files: [file('contracts/Treasury.sol')], linesAdded: 1, linesRemoved: 1 } }
    assert.equal(score(touched).passed, false)
    const lenient = score({ ...touched, failOnInvariantChange: false })
    assert.equal(lenient.passed, true)
    assert.ok(lenient.riskScore >= RISK_INVARIANT_TOUCHED)
  })

  it('adds binary, deleted, special and test files, each with a cap', () => {
    const files = [
      file('a.bin', { binary: true, linesAdded: 0, linesRemoved: 0 }),
      file('old.ts', { status: 'deleted', newMode: '000000' }),
      file('link', { status: 'added', oldMode: '000000', newMode: '120000' }),
      file('run.sh', { newMode: '100755' }),
      file('node/peer.test.ts'),
    ]
    const verdict = score({ changes: { files, linesAdded: 4, linesRemoved: 4 } })
    assert.equal(verdict.passed, true)
    assert.equal(verdict.riskScore, 16 + 250 + 1000 + 500 + 1000 + 500)
    const manyBinaries = Array.from({ length: 5 }, (_, index) => file(`b${index}.bin`, { binary: true, linesAdded: 0, linesRemoved: 0 }))
    assert.equal(score({ changes: { files: manyBinaries, linesAdded: 0, linesRemoved: 0 } }).riskScore, 250 + 2000)
  })

  it('caps line risk and clamps the total to 10000', () => {
    const big = score({ changes: { files: [file('x.ts')], linesAdded: 1_000_000, linesRemoved: 0 } })
    assert.equal(big.riskScore, RISK_LINES_CAP + 50)
    const everything = score({ invariantFilesTouched: ['x.ts'], check: { ...okCheck, exitCode: null, signal: 'SIGKILL', timedOut: true }, changes: { files: [file('x.ts')], linesAdded: 1_000_000, linesRemoved: 0 } })
    assert.equal(everything.riskScore, RISK_SCORE_MAX)
    assert.match(everything.reasons.at(-1) ?? '', /capped at 10000 bp/)
  })
})

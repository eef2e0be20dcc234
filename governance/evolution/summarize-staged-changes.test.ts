import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseNumstat, parseRawDiff } from './summarize-staged-changes.ts'

describe('parseRawDiff', () => {
  it('reads status and modes of each file, paths with any characters', () => {
    const raw = ':100644 100755 7898192 9ad2ebb M\0a b.txt\0:100644 000000 6178079 0000000 D\0gone\0:000000 120000 0000000 3594e94 A\0link\0'
    assert.deepEqual(parseRawDiff(raw), [
      { path: 'a b.txt', status: 'modified', oldMode: '100644', newMode: '100755' },
      { path: 'gone', status: 'deleted', oldMode: '100644', newMode: '000000' },
      { path: 'link', status: 'added', oldMode: '000000', newMode: '120000' },
    ])
    assert.deepEqual(parseRawDiff(''), [])
  })

  it('refuses a record it does not understand', () => {
    assert.throws(() => parseRawDiff(':100644 100644 a b R100\0x\0'), { name: 'EvolutionGitCommandFailedError' })
  })
})

describe('parseNumstat', () => {
  it('reads line counts and binary files', () => {
    const lines = parseNumstat('1\t0\ta.txt\0-\t-\tbin.dat\0')
    assert.deepEqual([...lines], [['a.txt', { binary: false, linesAdded: 1, linesRemoved: 0 }], ['bin.dat', { binary: true, linesAdded: 0, linesRemoved: 0 }]])
  })
})

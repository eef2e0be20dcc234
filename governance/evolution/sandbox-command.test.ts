import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildSandboxCommand } from './build-sandbox-command.ts'
import { buildSandboxEnvironment } from './build-sandbox-environment.ts'
import { findInvariantFiles } from './find-invariant-files.ts'
import { checkFilesOf } from './run-sandboxed-check.ts'
import { DEFAULT_INVARIANT_PATHS } from './constants.ts'

describe('buildSandboxCommand', () => {
  it('wraps the command in unshare and prlimit, each exec-ing the next', () => {
    const command = buildSandboxCommand({ command: ['npm', 'test'], capabilities: { isolation: 'unshare-net', networkPrefix: ['unshare', '-n', '--'], loopbackUp: false, memoryLimit: 'prlimit-data' }, memoryMb: 512 })
    assert.deepEqual(command, ['unshare', '-n', '--', 'prlimit', '--data=536870912', '--', 'npm', 'test'])
  })

  it('falls back to the shell ulimit, passing the command as arguments, never as shell text', () => {
    const command = buildSandboxCommand({ command: ['node', 'a; rm -rf /'], capabilities: { isolation: 'stripped-env', networkPrefix: [], loopbackUp: false, memoryLimit: 'ulimit-data' }, memoryMb: 64 })
    assert.deepEqual(command, ['sh', '-c', 'ulimit -d "$0" && exec "$@"', '65536', 'node', 'a; rm -rf /'])
  })
})

describe('buildSandboxEnvironment', () => {
  it('keeps PATH and nothing else from the parent', () => {
    const environment = buildSandboxEnvironment({ homeDir: '/s/home', tmpDir: '/s/tmp', gitCeilingDir: '/s', parentEnvironment: { PATH: '/bin', HTTPS_PROXY: 'http://p', AWS_SECRET_ACCESS_KEY: 'k', SSH_AUTH_SOCK: '/a' } })
    assert.equal(environment.PATH, '/bin')
    assert.equal(environment.HOME, '/s/home')
    assert.equal(environment.TMPDIR, '/s/tmp')
    assert.equal(environment.GIT_CEILING_DIRECTORIES, '/s')
    for (const name of ['HTTPS_PROXY', 'AWS_SECRET_ACCESS_KEY', 'SSH_AUTH_SOCK']) assert.equal(environment[name], undefined)
    assert.ok(Object.keys(environment).every((name) => !/proxy/i.test(name)))
  })
})

describe('findInvariantFiles', () => {
  it('matches folders by prefix and files exactly', () => {
    const touched = ['contracts/Treasury.sol', 'contractsX/a.sol', 'package.json', 'docs/package.json', 'governance/evolution/x.ts', 'governance/votes.ts', 'node/peer.ts']
    assert.deepEqual(findInvariantFiles(touched, DEFAULT_INVARIANT_PATHS), ['contracts/Treasury.sol', 'package.json', 'governance/evolution/x.ts'])
    assert.deepEqual(findInvariantFiles(['node/peer.ts', 'node'], ['node']), ['node/peer.ts', 'node'])
  })
})

describe('checkFilesOf', () => {
  it('lists the relative paths a command names', () => {
    assert.deepEqual(checkFilesOf(['node', './test/run.mjs', '--fast', '/usr/bin/x']), ['node', 'test/run.mjs'])
  })
})

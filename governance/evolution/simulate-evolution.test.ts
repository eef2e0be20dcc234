import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, realpath, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { RISK_CHECK_FAILED, RISK_INVARIANT_TOUCHED } from './constants.ts'
import { detectSandboxCapabilities, type SandboxCapabilities } from './detect-sandbox-capabilities.ts'
import { hashSimulationReport } from './hash-report.ts'
import { simulateEvolution } from './simulate-evolution.ts'
import { waitForProcessExit } from './test-support/processes.ts'
import { CHECK_COMMAND, createTempGitRepo, type TempGitRepo } from './test-support/temp-git-repo.ts'

const capabilities = await detectSandboxCapabilities()
const strippedOnly: SandboxCapabilities = { ...capabilities, isolation: 'stripped-env', networkPrefix: [], loopbackUp: false }

const GOOD_ADD = 'export function add(a, b) {\n  return a + b\n}\n\nexport function double(a) {\n  return add(a, a)\n}\n'
const BROKEN_ADD = 'export function add(a, b) {\n  return a - b\n}\n'

describe('simulateEvolution', () => {
  let repo: TempGitRepo
  let before: Awaited<ReturnType<TempGitRepo['snapshot']>>
  beforeEach(async () => {
    repo = await createTempGitRepo()
    before = await repo.snapshot()
  })
  afterEach(async () => {
    // Every case: the main working tree, index and HEAD are as they were, and no worktree is left.
    assert.deepEqual(await repo.snapshot(), before)
    assert.deepEqual(await repo.leftovers(), { sandboxEntries: [], worktrees: [] })
    await repo.cleanup()
  })

  const simulate = (patchFile: string, extra: Partial<Parameters<typeof simulateEvolution>[0]> = {}) =>
    simulateEvolution({ repoDir: repo.repoDir, patchFile, sandboxDir: repo.sandboxDir, checkCommand: CHECK_COMMAND, timeoutMs: 20_000, memoryMb: 256, ...extra })

  it('passes a good patch with a low, explained risk and hashes that can be recomputed', async () => {
    const patchFile = await repo.makePatch('good.patch', { 'src/add.mjs': GOOD_ADD })
    const report = await simulate(patchFile)

    assert.equal(report.passed, true, report.reasons.join('\n'))
    assert.equal(report.isolation, capabilities.isolation)
    assert.equal(report.memoryLimit, capabilities.memoryLimit)
    assert.equal(report.checks.exitCode, 0)
    assert.equal(report.checks.timedOut, false)
    assert.match(report.checks.stdoutTail, /ok/)
    assert.deepEqual(report.touchedFiles, ['src/add.mjs'])
    assert.deepEqual(report.invariantFilesTouched, [])
    assert.equal(report.linesAdded, 4)
    assert.equal(report.linesRemoved, 0)
    assert.equal(report.baseCommit, before.head)
    assert.ok(report.riskScore > 0 && report.riskScore < 1000, `risk ${report.riskScore}`)
    assert.ok(Number.isInteger(report.riskScore))
    assert.ok(report.reasons.some((reason) => reason.includes('4 line(s)')))

    assert.equal(report.patchHash, `0x${createHash('sha256').update(await readFile(patchFile)).digest('hex')}`)
    assert.match(report.reportHash, /^0x[0-9a-f]{64}$/)
    assert.equal(hashSimulationReport(report), report.reportHash)
    assert.notEqual(hashSimulationReport({ ...report, riskScore: report.riskScore + 1 }), report.reportHash)
  })

  it('fails a patch that breaks the tests, with a high risk', async () => {
    const report = await simulate(await repo.makePatch('broken.patch', { 'src/add.mjs': BROKEN_ADD }))
    assert.equal(report.passed, false)
    assert.equal(report.checks.exitCode, 1)
    assert.match(report.checks.stderrTail, /add is broken/)
    assert.ok(report.riskScore >= RISK_CHECK_FAILED)
    assert.ok(report.reasons.some((reason) => reason.includes('exit code 1')))
  })

  it('fails a patch touching an invariant path even when its tests pass', async () => {
    const report = await simulate(await repo.makePatch('contract.patch', { 'contracts/Token.sol': '// SPDX-License-Identifier: MIT\ncontract Token { function mint() public {} }\n' }))
    assert.equal(report.checks.exitCode, 0)
    assert.equal(report.passed, false)
    assert.deepEqual(report.invariantFilesTouched, ['contracts/Token.sol'])
    assert.ok(report.riskScore >= RISK_INVARIANT_TOUCHED)
  })

  it('takes invariant paths from the caller and can score them without failing', async () => {
    const patchFile = await repo.makePatch('good.patch', { 'src/add.mjs': GOOD_ADD })
    const strict = await simulate(patchFile, { invariantPaths: ['./src/'] })
    assert.equal(strict.passed, false)
    assert.deepEqual(strict.invariantFilesTouched, ['src/add.mjs'])
    const lenient = await simulate(patchFile, { invariantPaths: ['src/add.mjs'], failOnInvariantChange: false })
    assert.equal(lenient.passed, true)
    assert.ok(lenient.riskScore >= RISK_INVARIANT_TOUCHED)
  })

  it('scores deleted, binary and test-changing files higher', async () => {
    const small = await simulate(await repo.makePatch('small.patch', { 'src/add.mjs': GOOD_ADD }))
    const wide = await simulate(await repo.makePatch('wide.patch', {
      'src/add.mjs': GOOD_ADD,
      'README.md': null,
      'logo.bin': Buffer.from([0, 1, 2, 0, 255, 0]),
      'check.mjs': "import { add } from './src/add.mjs'\nconsole.log(add(1, 1))\n",
    }))
    assert.equal(wide.passed, true, wide.reasons.join('\n'))
    assert.deepEqual(wide.deletedFiles, ['README.md'])
    assert.deepEqual(wide.binaryFiles, ['logo.bin'])
    assert.deepEqual([...wide.touchedFiles].sort(), ['README.md', 'check.mjs', 'logo.bin', 'src/add.mjs'])
    assert.ok(wide.riskScore >= small.riskScore + 1000 + 500 + 500, `${wide.riskScore} vs ${small.riskScore}`)
    assert.ok(wide.reasons.some((reason) => reason.startsWith('Changes tests or the check itself') && reason.includes('check.mjs')))
  })

  it('kills the whole process group of a check that runs past its time limit', async () => {
    const sleeper = [
      "import { spawn } from 'node:child_process'",
      "const child = spawn('sleep', ['30'], { stdio: 'inherit' })",
      "console.log('grandchild', child.pid)",
      'setTimeout(() => {}, 30_000)',
      '',
    ].join('\n')
    const started = Date.now()
    const report = await simulate(await repo.makePatch('sleep.patch', { 'check.mjs': sleeper }), { timeoutMs: 1_500 })
    assert.ok(Date.now() - started < 15_000)
    assert.equal(report.passed, false)
    assert.equal(report.checks.timedOut, true)
    assert.equal(report.checks.signal, 'SIGKILL')
    assert.equal(report.checks.exitCode, null)
    assert.ok(report.reasons.some((reason) => reason.includes('1500 ms time limit')))
    const grandchild = Number(/grandchild (\d+)/.exec(report.checks.stdoutTail)?.[1])
    assert.ok(grandchild > 0, report.checks.stdoutTail)
    assert.equal(await waitForProcessExit(grandchild, 3_000), true, `grandchild ${grandchild} still runs`)
  })

  for (const memoryLimit of ['prlimit-data', 'ulimit-data'] as const) {
    it(`fails a check that allocates past the memory limit (${memoryLimit})`, async () => {
      const hog = "const chunks = []\nfor (let i = 0; i < 32; i += 1) chunks.push(Buffer.alloc(16 * 1024 * 1024, 1))\nconsole.log('allocated', chunks.length * 16, 'MiB')\n"
      const report = await simulate(await repo.makePatch('hog.patch', { 'check.mjs': hog }), { memoryMb: 96, capabilities: { ...capabilities, memoryLimit } })
      assert.equal(report.memoryLimit, memoryLimit)
      assert.equal(report.passed, false)
      assert.doesNotMatch(report.checks.stdoutTail, /allocated 512 MiB/)
      assert.ok(report.reasons.some((reason) => reason.includes('ran out of memory')), report.reasons.join('\n'))
    })
  }

  describe('network', () => {
    let server: Server
    let connections = 0
    let port = 0
    beforeEach(async () => {
      connections = 0
      server = createServer((socket) => {
        connections += 1
        socket.end()
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      port = (server.address() as { port: number }).port
    })
    afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())))

    const networkCheck = () => [
      "import { connect } from 'node:net'",
      `const socket = connect(${port}, '127.0.0.1')`,
      "socket.on('connect', () => { console.log('connected'); socket.end(); process.exit(0) })",
      "socket.on('error', (error) => { console.error(error.code, error.message); process.exit(1) })",
      '',
    ].join('\n')

    it('cuts a check off from the network (even 127.0.0.1) when unshare works', { skip: capabilities.isolation !== 'unshare-net' && 'unshare -n does not work on this machine' }, async () => {
      const report = await simulate(await repo.makePatch('network.patch', { 'check.mjs': networkCheck() }))
      assert.equal(report.isolation, 'unshare-net')
      assert.equal(report.passed, false)
      assert.equal(connections, 0)
      // With its own loopback up, the namespace's 127.0.0.1 has nothing listening; without, it is unreachable.
      assert.match(report.checks.stderrTail, capabilities.loopbackUp ? /ECONNREFUSED/ : /ENETUNREACH/)
    })

    it('lets a check use its own loopback inside the namespace', { skip: !capabilities.loopbackUp && 'no loopback in the sandbox on this machine' }, async () => {
      const localServer = [
        "import { createServer, connect } from 'node:net'",
        "const server = createServer((socket) => socket.end('pong')).listen(0, '127.0.0.1', () => {",
        "  connect(server.address().port, '127.0.0.1').on('data', (data) => { console.log(String(data)); process.exit(0) })",
        '})',
        '',
      ].join('\n')
      const report = await simulate(await repo.makePatch('loopback.patch', { 'check.mjs': localServer }))
      assert.equal(report.passed, true, report.reasons.join('\n'))
      assert.equal(report.loopbackUp, true)
      assert.match(report.checks.stdoutTail, /pong/)
    })

    // Without a network namespace nothing stops a socket: the stripped environment only guarantees that
    // no proxy, credential or user config reaches the check, and that git cannot find the repository.
    it('without unshare, still strips the environment and hides the repository from git', async () => {
      const secrets = { HTTPS_PROXY: 'http://proxy.invalid:3128', http_proxy: 'http://proxy.invalid:3128', IPPOC_TEST_TOKEN: 'secret' }
      Object.assign(process.env, secrets)
      try {
        const envCheck = [
          "import { execFileSync } from 'node:child_process'",
          'let gitDir',
          "try { gitDir = execFileSync('git', ['rev-parse', '--absolute-git-dir'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() } catch { gitDir = null }",
          'console.log(JSON.stringify({ env: process.env, gitDir }))',
          '',
        ].join('\n')
        const report = await simulate(await repo.makePatch('env.patch', { 'check.mjs': envCheck }), { capabilities: strippedOnly })
        assert.equal(report.isolation, 'stripped-env')
        assert.equal(report.passed, true, report.reasons.join('\n'))
        const seen = JSON.parse(report.checks.stdoutTail) as { env: Record<string, string>; gitDir: string | null }
        for (const name of Object.keys(secrets)) assert.equal(seen.env[name], undefined, name)
        assert.ok(seen.env.HOME?.startsWith(await realpath(repo.sandboxDir)), seen.env.HOME)
        assert.ok(seen.env.TMPDIR?.startsWith(await realpath(repo.sandboxDir)), seen.env.TMPDIR)
        assert.equal(seen.gitDir, null)
      } finally {
        for (const name of Object.keys(secrets)) delete process.env[name]
      }
    })
  })

  it('keeps the main tree untouched when the sandbox folder is inside the repository', async () => {
    const inside = join(repo.repoDir, 'data', 'sandbox')
    await mkdir(inside, { recursive: true })
    const report = await simulateEvolution({ repoDir: repo.repoDir, patchFile: await repo.makePatch('good.patch', { 'src/add.mjs': GOOD_ADD }), sandboxDir: inside, checkCommand: CHECK_COMMAND, timeoutMs: 20_000 })
    assert.equal(report.passed, true, report.reasons.join('\n'))
    assert.deepEqual(await readdir(inside), [])
  })

  it('runs simulations of one repository in parallel, each in its own worktree', async () => {
    // Patches are made one by one: making one edits the main working tree for a moment.
    const patches = [
      await repo.makePatch('a.patch', { 'src/add.mjs': GOOD_ADD }),
      await repo.makePatch('b.patch', { 'src/add.mjs': BROKEN_ADD }),
      await repo.makePatch('c.patch', { 'README.md': '# demo, renamed\n' }),
    ]
    const reports = await Promise.all(patches.map((patchFile) => simulate(patchFile)))
    assert.deepEqual(reports.map((report) => report.passed), [true, false, true])
  })

  it('cleans up after a check that deletes its own worktree', async () => {
    const vandal = "import { rmSync } from 'node:fs'\nrmSync(process.cwd(), { recursive: true, force: true })\n"
    const report = await simulate(await repo.makePatch('vandal.patch', { 'check.mjs': vandal }))
    assert.equal(report.checks.exitCode, 0)
  })

  describe('bad input changes nothing', () => {
    it('refuses a missing patch file', async () => {
      await assert.rejects(simulate(join(repo.root, 'missing.patch')), { name: 'EvolutionPatchNotFoundError' })
    })
    it('refuses a garbage patch', async () => {
      const garbage = join(repo.root, 'garbage.patch')
      await writeFile(garbage, 'this is not a patch\n')
      await assert.rejects(simulate(garbage), { name: 'EvolutionPatchInvalidError' })
      await writeFile(garbage, '')
      await assert.rejects(simulate(garbage), { name: 'EvolutionPatchInvalidError' })
    })
    it('refuses a patch that does not apply to HEAD, and removes its worktree', async () => {
      const patchFile = await repo.makePatch('good.patch', { 'src/add.mjs': GOOD_ADD })
      const stale = patchFile.replace('good', 'stale')
        await writeFile(stale, (await readFile(patchFile, 'utf8')).replace('   return a + b', '   return a * b'))
      await assert.rejects(simulate(stale), { name: 'EvolutionPatchDoesNotApplyError' })
    })
    it('refuses a folder that is not a git repository, or only part of one', async () => {
      const patchFile = await repo.makePatch('good.patch', { 'src/add.mjs': GOOD_ADD })
      await assert.rejects(simulateEvolution({ repoDir: repo.root, patchFile, sandboxDir: repo.sandboxDir }), { name: 'EvolutionRepositoryInvalidError' })
      await assert.rejects(simulateEvolution({ repoDir: join(repo.repoDir, 'src'), patchFile, sandboxDir: repo.sandboxDir }), { name: 'EvolutionRepositoryInvalidError' })
      await assert.rejects(simulateEvolution({ repoDir: join(repo.root, 'nope'), patchFile, sandboxDir: repo.sandboxDir }), { name: 'EvolutionRepositoryInvalidError' })
    })
    it('refuses a sandbox folder that cannot be created', async () => {
      const patchFile = await repo.makePatch('good.patch', { 'src/add.mjs': GOOD_ADD })
      await writeFile(join(repo.root, 'a-file'), 'x')
      await assert.rejects(simulate(patchFile, { sandboxDir: join(repo.root, 'a-file', 'sandbox') }), { name: 'EvolutionSandboxUnavailableError' })
    })
    it('refuses out-of-range limits and malformed commands', async () => {
      const patchFile = await repo.makePatch('good.patch', { 'src/add.mjs': GOOD_ADD })
      for (const extra of [{ timeoutMs: -1 }, { timeoutMs: 1.5 }, { memoryMb: 1 }, { checkCommand: [] }, { checkCommand: ['node', ''] }, { invariantPaths: ['../x'] }, { invariantPaths: ['/etc/'] }, { failOnInvariantChange: 'no' }] as const)
        await assert.rejects(simulate(patchFile, extra as never), { name: 'EvolutionParameterInvalidError' }, JSON.stringify(extra))
    })
  })
})

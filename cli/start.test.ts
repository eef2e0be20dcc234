/**
 * `npm start` end to end, twice: the real program in a child process brings up the chain, the
 * contracts, registered nodes, the evolution proposal and the dashboard, answers over HTTP, and
 * stops cleanly on SIGINT; a second start on the same data root works and continues the ledgers.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import path from 'node:path'
import { after, describe, it } from 'node:test'

const repo = path.resolve(import.meta.dirname, '..')

type Run = { output: () => string; dashboardUrl: string; nodeUrls: string[]; stop: () => Promise<{ code: number | null; output: string }> }

async function start(dataDir: string): Promise<Run> {
  const child = spawn(process.execPath, ['cli/ippoc.ts', 'start', '--data-dir', dataDir, '--nodes', '2', '--workload', '300', '--dashboard-port', '0'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const deadline = Date.now() + 150_000
  while (!/is up in/.test(output)) {
    if (child.exitCode !== null) throw new Error(`npm start exited early with ${child.exitCode}:\n${output}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`npm start was not up after 150 s:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const dashboardUrl = /Dashboard\s+(\S+)/.exec(output)![1]!
  const nodeUrls = [...output.matchAll(/Node \d+\s+(\S+)\/status/g)].map((match) => match[1]!)
  return {
    output: () => output,
    dashboardUrl,
    nodeUrls,
    async stop() {
      child.kill('SIGINT')
      const code = await exited
      return { code, output }
    },
  }
}

describe('npm start', () => {
  let dataDir = ''
  after(async () => {
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true })
  })

  it('brings up chain, contracts, registered nodes, an evolution and the dashboard; Ctrl-C stops it; a second start works', { timeout: 400_000 }, async () => {
    // Inside the repository: the evolution sandbox's worktree resolves the repository's node_modules.
    await mkdir(path.join(repo, 'data'), { recursive: true })
    dataDir = await mkdtemp(path.join(repo, 'data', 'start-test-'))
    const counted: number[] = []
    for (const round of [1, 2]) {
      const run = await start(dataDir)
      try {
        for (let step = 1; step <= 6; step++) assert.match(run.output(), new RegExp(`\\[${step}/6\\]`), `progress step ${step} shown`)
        assert.match(run.output(), /evolution \d+: risk \d+ bps, proposal \d+/)
        const config = (await (await fetch(`${run.dashboardUrl}config.json`)).json()) as { chainId: number; nodes: string[]; evolutionReports: Record<string, { passed: boolean }> }
        assert.equal(config.chainId, 31337)
        assert.deepEqual(config.nodes, run.nodeUrls)
        assert.equal(Object.values(config.evolutionReports)[0]?.passed, true)
        const page = await (await fetch(run.dashboardUrl)).text()
        assert.match(page, /<div id="root">/)
        // The nodes meter work and agree.
        let statuses: { stateRoot: string; entries: { counted: number }; peers: number }[] = []
        const deadline = Date.now() + 30_000
        do {
          await new Promise((resolve) => setTimeout(resolve, 500))
          statuses = await Promise.all(run.nodeUrls.map(async (url) => (await fetch(`${url}/status`)).json() as Promise<(typeof statuses)[number]>))
        } while (Date.now() < deadline && !(statuses.every((status) => status.peers >= 1 && status.entries.counted > (counted.at(-1) ?? 2)) && new Set(statuses.map((status) => status.stateRoot)).size === 1))
        assert.equal(new Set(statuses.map((status) => status.stateRoot)).size, 1, 'the nodes agree')
        assert.ok(statuses[0]!.entries.counted > (counted.at(-1) ?? 2), `round ${round}: the workload adds entries`)
        counted.push(statuses[0]!.entries.counted)
      } finally {
        const { code, output } = await run.stop()
        assert.equal(code, 0, output)
        assert.match(output, /stopped\.\s*$/)
      }
    }
  })
})

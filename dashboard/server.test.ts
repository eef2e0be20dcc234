import assert from 'node:assert/strict'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { dashboardContractNames } from './config.ts'
import { startDashboardServer, type DashboardServer } from './server.ts'
import { fixtureNodeData, startFixtureNode } from './test-support/fixture-node.ts'

describe('startDashboardServer', () => {
  let directory = ''
  let server: DashboardServer
  let node: Awaited<ReturnType<typeof startFixtureNode>>
  const contracts = Object.fromEntries(dashboardContractNames.map((name, index) => [name, `0x${(index + 1).toString(16).padStart(40, '0')}`]))

  before(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'ippoc-dashboard-'))
    await mkdir(path.join(directory, 'dist', 'assets'), { recursive: true })
    await writeFile(path.join(directory, 'dist', 'index.html'), '<!doctype html><title>t</title>')
    await writeFile(path.join(directory, 'dist', 'assets', 'app.js'), 'console.log(1)')
    await writeFile(path.join(directory, 'secret.txt'), 'secret')
    node = await startFixtureNode(fixtureNodeData({ nodeId: 'aa'.repeat(32), stateRoot: '11'.repeat(32) }))
    server = await startDashboardServer({ distDir: path.join(directory, 'dist'), config: { chainId: 31337, rpcUrl: 'http://127.0.0.1:8545', contracts, nodes: [node.url] } })
  })
  after(async () => {
    await server?.close()
    await node?.close()
    await rm(directory, { recursive: true, force: true })
  })

  it('serves the page, its assets and the checked configuration', async () => {
    const page = await fetch(server.url)
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.equal((await fetch(`${server.url}assets/app.js`)).headers.get('content-type'), 'text/javascript; charset=utf-8')
    const config = (await (await fetch(`${server.url}config.json`)).json()) as { deployedAt: number; nodes: string[] }
    assert.equal(config.deployedAt, 0)
    assert.deepEqual(config.nodes, [node.url])
  })

  it('never serves files outside the build folder', async () => {
    const response = await fetch(`${server.url}..%2Fsecret.txt`)
    assert.doesNotMatch(await response.text(), /secret/)
  })

  it('relays the node API endpoints and nothing else', async () => {
    const status = (await (await fetch(`${server.url}node/0/status`)).json()) as { nodeId: string }
    assert.equal(status.nodeId, 'aa'.repeat(32))
    assert.equal(((await (await fetch(`${server.url}node/0/entries?limit=1`)).json()) as unknown[]).length, 1)
    assert.equal((await fetch(`${server.url}node/1/status`)).status, 404)
    assert.equal((await fetch(`${server.url}node/0/metrics`)).status, 404)
  })

  it('refuses an invalid configuration before listening', async () => {
    await assert.rejects(startDashboardServer({ distDir: path.join(directory, 'dist'), config: { chainId: 1 } }), { name: 'DashboardConfigInvalidError' })
  })
})

/**
 * The dashboard end to end in a real browser (Debian chromium through playwright-core): a Hardhat
 * chain with the governance system deployed by the real Ignition module, the page built with
 * Vite and served by `startDashboardServer`, two fixture swarm nodes. Through the UI: connect a dev
 * account, vote (and see voting twice refused in words), queue, execute; the guardian vetoes a
 * second proposal. Screenshots go to test-output/dashboard/.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { chromium, type Browser, type Page } from 'playwright-core'
import { custom, keccak256, parseEther, toBytes, type Address } from 'viem'
import { createGovernanceClient } from '../governance/client.ts'
import { proposeEvolution } from '../governance/evolutions.ts'
import { proposeActions, releaseEtherAction } from '../governance/proposals.ts'
import type { connectToTestNetwork } from '../contracts/test-support/system.ts'
import type { DashboardConfig } from './config.ts'
import { buildDashboard } from './build.ts'
import { startDashboardServer } from './server.ts'
import { fixtureNodeData, startFixtureNode } from './test-support/fixture-node.ts'
import { startRpcBridge } from './test-support/rpc-bridge.ts'

const chromiumPath = '/usr/bin/chromium'
const outputDir = path.join(import.meta.dirname, '..', 'test-output', 'dashboard')
const uiTimeoutMs = 20_000

type Closable = { close(): Promise<void> }

describe('dashboard in a browser', { timeout: 240_000 }, () => {
  const closables: Closable[] = []
  let browser: Browser | undefined
  let page: Page
  let t: Awaited<ReturnType<typeof connectToTestNetwork>>
  let system: Awaited<ReturnType<typeof t.loadSystem>>
  let paymentId: bigint
  let vetoId: bigint
  let evolutionProposalId: bigint
  let recipient: Address

  async function screenshot(name: string): Promise<void> {
    await page.screenshot({ path: path.join(outputDir, `${name}.png`), fullPage: true })
  }

  async function openProposal(id: bigint): Promise<void> {
    await page.getByTestId(`proposal-row-${id}`).click()
    await page.getByTestId('proposal-detail').waitFor()
  }

  async function expectDetailState(state: string): Promise<void> {
    await page.getByTestId('detail-state').filter({ hasText: new RegExp(`^${state}$`) }).waitFor({ timeout: uiTimeoutMs })
  }

  async function clickAndWait(name: string): Promise<void> {
    await page.getByRole('button', { name, exact: true }).click()
    await page.getByTestId('notice').waitFor({ timeout: uiTimeoutMs })
  }

  before(async () => {
    if (!existsSync(chromiumPath)) {
      throw new Error(`No browser at ${chromiumPath}: the dashboard e2e test needs Debian's chromium. Run \`apt-get install chromium\` (as root), then run the tests again.`)
    }
    await mkdir(outputDir, { recursive: true })
    const distDir = await buildDashboard({ outDir: path.join(outputDir, 'dist') })

    const hre = (await import('hardhat')).default
    await hre.tasks.getTask('build').run({ quiet: true, noTests: true })
    const system_ = await import('../contracts/test-support/system.ts')
    t = await system_.connectToTestNetwork()
    closables.push({ close: () => t.connection.close() })
    system = await t.loadSystem()
    const { deployer, human } = t
    recipient = human.account.address
    await t.mined(deployer.sendTransaction({ to: system.treasury.address, value: parseEther('5') }))

    // Three registered nodes anchor epoch 1; the third disagrees.
    const nodeAccounts = await t.registerNodes(system, 3)
    const roots = [keccak256(toBytes('root-a')), keccak256(toBytes('root-a')), keccak256(toBytes('root-b'))]
    for (const [index, account] of nodeAccounts.entries()) await t.mined(system.ledgerAnchor.write.postRoot([1n, roots[index]!], { account }))

    const deployment = {
      chainId: 31337,
      deployedAt: 0,
      contracts: {
        governor: system.governor.address,
        timelock: system.timelock.address,
        constitutionToken: system.token.address,
        nodeRegistry: system.nodeRegistry.address,
        evolutionRegistry: system.evolutionRegistry.address,
        iusd: system.iusd.address,
        treasury: system.treasury.address,
        ledgerAnchor: system.ledgerAnchor.address,
      },
    }
    const transport = custom(t.connection.provider)
    const proposer = createGovernanceClient({ transport, deployment, account: { address: deployer.account.address, type: 'json-rpc' } })
    paymentId = (await proposeActions(proposer, { actions: [releaseEtherAction(proposer, recipient, parseEther('1'))], description: 'Pay the auditor 1 ETH\n\nFor the HybridGovernor review.' })).proposalId
    vetoId = (await proposeActions(proposer, { actions: [releaseEtherAction(proposer, recipient, parseEther('4'))], description: 'Drain most of the treasury' })).proposalId
    const nodeClient = createGovernanceClient({ transport, deployment, account: { address: nodeAccounts[0]!, type: 'json-rpc' } })
    const evolution = await proposeEvolution(nodeClient, { patchHash: keccak256(toBytes('patch')), reportHash: keccak256(toBytes('report')), riskScoreBps: 1200, summary: 'faster gossip' })
    evolutionProposalId = evolution.proposalId
    await t.networkHelpers.mine(2)

    const nodeA = await startFixtureNode(fixtureNodeData({ nodeId: 'aa'.repeat(32), stateRoot: '11'.repeat(32) }))
    const nodeB = await startFixtureNode(
      fixtureNodeData({ nodeId: 'bb'.repeat(32), stateRoot: '22'.repeat(32), mode: 'worker', tamperSeq: 1, bans: [{ nodeId: 'cc'.repeat(32), atMs: 1_700_000_055_000, reason: 'warrant:fork', warrant: 'AAEC' }] }),
    )
    const bridge = await startRpcBridge(t.connection.provider)
    closables.push(nodeA, nodeB, bridge)
    const config: DashboardConfig = {
      chainId: 31337,
      rpcUrl: bridge.url,
      contracts: deployment.contracts,
      deployedAt: 0,
      nodes: [nodeA.url, nodeB.url],
      evolutionReports: { [evolution.evolutionId.toString()]: { passed: true, checks: [{ command: 'npm test', exitCode: 0 }], riskScoreBps: 1200 } },
    }
    const server = await startDashboardServer({ distDir, config })
    closables.push(server)

    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
    page.setDefaultTimeout(uiTimeoutMs)
    await page.goto(server.url)
  })

  after(async () => {
    await browser?.close().catch(() => {})
    for (const closable of closables.reverse()) await closable.close().catch(() => {})
  })

  it('lists proposals with human and AI tallies, the treasury, anchors and the swarm', async () => {
    await page.getByTestId(`proposal-row-${paymentId}`).waitFor()
    await page.getByTestId(`proposal-row-${vetoId}`).getByTestId('row-state').filter({ hasText: 'Active' }).waitFor()
    assert.match(await page.getByTestId('treasury-eth').innerText(), /^5$/)
    assert.match(await page.getByTestId('anchor-epoch-1').innerText(), /disagree/)
    assert.equal(await page.locator('[data-testid=anchor-post].divergent').count(), 1)
    await page.getByTestId('roots-disagree').waitFor()
    await page.locator('[data-testid=entry]').nth(5).waitFor()
    assert.equal(await page.locator('[data-testid=entry][data-valid=true]').count(), 5)
    assert.equal(await page.locator('[data-testid=entry][data-valid=false]').count(), 1)
    assert.match(await page.getByTestId('swarm').innerText(), /warrant:fork/)
    await openProposal(evolutionProposalId)
    const evolutionText = await page.getByTestId('detail-evolution').innerText()
    assert.match(evolutionText, new RegExp(keccak256(toBytes('patch'))))
    assert.match(evolutionText, /risk score 12\.00 %/)
    assert.match(evolutionText, /"npm test"/)
    await screenshot('01-overview')
  })

  it('votes through the UI, refuses a second vote in words, then queues and executes', async () => {
    await page.getByTestId('account-select').selectOption({ index: 1 })
    await page.getByTestId('connected-account').waitFor()
    await openProposal(paymentId)
    assert.match(await page.getByTestId('proposal-detail').innerText(), /treasury\.releaseEther\(0x70997970C51812dc3A010C7d01b50e0d17dc79C8, 1000000000000000000\)/)
    await clickAndWait('Vote for')
    await page.getByTestId('detail-human').filter({ hasText: 'for 1,000,000 ·' }).waitFor()
    const [, humanFor] = await system.governor.read.proposalHumanVotes([paymentId])
    assert.equal(humanFor, parseEther('1000000'))
    await screenshot('02-voted')

    await clickAndWait('Vote for')
    const notice = page.getByTestId('notice')
    assert.equal(await notice.getAttribute('data-error-name'), 'GovernorAlreadyCastVote')
    assert.match(await notice.innerText(), /has already voted on this proposal/)
    assert.doesNotMatch(await notice.innerText(), /0x[0-9a-f]{41,}/i, 'no revert data in hex (addresses are fine)')
    await screenshot('03-error-in-words')

    await t.networkHelpers.mine(21)
    await expectDetailState('Succeeded')
    await clickAndWait('Queue')
    await expectDetailState('Queued')
    await t.networkHelpers.time.increase(61)
    await page.getByTestId('timeline').filter({ hasText: '(ready)' }).waitFor()
    const before = await t.publicClient.getBalance({ address: recipient })
    await clickAndWait('Execute')
    await expectDetailState('Executed')
    assert.equal((await t.publicClient.getBalance({ address: recipient })) - before, parseEther('1'))
    await page.getByTestId('treasury-eth').filter({ hasText: /^4$/ }).waitFor()
    assert.match(await page.getByTestId('timeline').innerText(), /executed block \d+/)
    await screenshot('04-executed')
  })

  it('lets only the guardian veto, through the UI', async () => {
    await openProposal(vetoId)
    assert.equal(await page.getByRole('button', { name: 'Veto' }).count(), 0, 'no veto button for a non-guardian')
    await page.getByTestId('account-select').selectOption({ index: 4 })
    await page.getByTestId('connected-account').filter({ hasText: 'guardian' }).waitFor()
    await clickAndWait('Veto')
    await expectDetailState('Vetoed')
    assert.match(await page.getByTestId('timeline').innerText(), /vetoed by the guardian block \d+/)
    assert.equal(await system.governor.read.state([vetoId]), 2, 'Canceled on chain')
    await screenshot('05-vetoed')
  })
})

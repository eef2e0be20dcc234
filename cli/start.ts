/**
 * `ippoc start` (what `npm start` runs): the whole swarm on one machine. A local chain on
 * 127.0.0.1:8545, the governance contracts deployed with Ignition, five swarm nodes registered on
 * chain and metering a small workload, an evolution simulated in the sandbox and proposed with its
 * report, and the DAO dashboard. Ctrl-C stops everything; the nodes' ledgers are kept in
 * `data/devnet`, the chain starts fresh each time.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Command } from 'commander'
import { createPublicClient, http, type Hex } from 'viem'
import { BaseError } from '../common/base-error.ts'
import { buildDashboard, defaultDashboardOutDir } from '../dashboard/build.ts'
import type { DashboardConfig } from '../dashboard/config.ts'
import { startDashboardServer, type DashboardServer } from '../dashboard/server.ts'
import { nodeRegistryAbi } from '../governance/abi.ts'
import { resolveAccount, localChainId } from '../governance/accounts.ts'
import { connectGovernance, sendTransaction } from '../governance/client.ts'
import { deployGovernance } from '../governance/deploy.ts'
import { simulateEvolution } from '../governance/evolution/index.ts'
import { proposeEvolution } from '../governance/evolutions.ts'
import { startDevnet, type Devnet } from '../node/devnet.ts'
import { untilSignal } from '../node/cli.ts'
import { createLogger } from '../node/log.ts'

/** Where `npm start` serves the local chain (Hardhat's `localhost` network points here). */
export const START_CHAIN_URL = 'http://127.0.0.1:8545'
const CHAIN_READY_TIMEOUT_MS = 60_000
const STEPS = 6

type StartOptions = { dataDir: string; nodes: string; dashboardPort: string; workload: string; evolution: boolean }

/** `npm start` cannot begin: something else holds a port it needs. */
export class StartPortBusyError extends BaseError {
  override name = 'StartPortBusyError'
  constructor(what: string, url: string) {
    super(`${what} cannot start: ${url} is already in use.`, { hints: ['Another `npm start` (or `npm run chain`) may still be running: stop it with Ctrl-C, or find it with `ss -ltnp`.'] })
  }
}

/**
 * Adds `start` to the `ippoc` program.
 *
 * @example
 * registerStartCommand(new Command('ippoc'))
 */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run the whole swarm locally: chain, contracts, 5 nodes with a workload, an evolution proposal and the DAO dashboard, until Ctrl-C.')
    .option('--data-dir <dir>', 'data root of the local swarm nodes (kept between runs)', './data/devnet')
    .option('--nodes <n>', 'swarm nodes to start', '5')
    .option('--dashboard-port <port>', 'dashboard port on 127.0.0.1', '5173')
    .option('--workload <ms>', 'each node meters an action about every this many ms (0: none)', '3000')
    .option('--no-evolution', 'skip the evolution proposal (it runs a test file in the sandbox)')
    .action((options: StartOptions) => runStart(options))
}

async function runStart(options: StartOptions): Promise<void> {
  const started = performance.now()
  const step = (index: number, text: string) => console.log(`[${index}/${STEPS}] ${text} (${((performance.now() - started) / 1000).toFixed(1)} s)`)
  const logDirectory = path.resolve(options.dataDir, 'logs')
  await mkdir(logDirectory, { recursive: true })
  const cleanups: (() => Promise<void>)[] = []
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(`while stopping: ${String(error)}`))
  }
  try {
    step(1, `starting a local chain on ${START_CHAIN_URL}`)
    const chain = await startLocalChain(path.join(logDirectory, 'chain.log'))
    cleanups.push(() => stopChild(chain))

    step(2, 'deploying the governance contracts with Ignition')
    const { deployment } = await deployGovernance({ network: 'localhost', displayUi: false })

    step(3, `starting ${options.nodes} swarm nodes (logs: ${path.relative(process.cwd(), path.join(logDirectory, 'nodes.log'))})`)
    const logFile = createWriteStream(path.join(logDirectory, 'nodes.log'), { flags: 'a' })
    cleanups.push(() => new Promise<void>((resolve) => logFile.end(resolve)))
    const devnet: Devnet = await startDevnet({
      dataDirectory: options.dataDir,
      nodes: Number(options.nodes),
      workloadIntervalMs: Number(options.workload),
      logger: createLogger({ destination: logFile }),
      onProgress: (message) => console.log(`      ${message}`),
    })
    cleanups.push(() => devnet.stop())

    step(4, 'registering the nodes on chain (node i votes through dev account i + 1)')
    const registrar = await connectGovernance({ rpcUrl: START_CHAIN_URL, accountIndex: 0 })
    for (const [index, running] of devnet.nodes.entries()) {
      const account = resolveAccount({ chainId: localChainId, accountIndex: index + 1 }).address
      await sendTransaction(registrar, {
        address: registrar.contracts.nodeRegistry.address,
        abi: nodeRegistryAbi,
        functionName: 'registerNode',
        args: [`0x${running.identity.nodeId}` as Hex, account],
        action: 'register the node',
      })
    }

    const evolutionReports: Record<string, unknown> = {}
    if (options.evolution) {
      step(5, 'simulating a sample evolution in the sandbox and proposing it with its report')
      try {
        const proposal = await proposeSampleEvolution(path.resolve(options.dataDir, 'sandbox'))
        evolutionReports[proposal.evolutionId] = proposal.report
        console.log(`      evolution ${proposal.evolutionId}: risk ${proposal.report.riskScore} bps, proposal ${proposal.proposalId}`)
      } catch (error) {
        console.log(`      skipped: ${error instanceof BaseError ? error.shortMessage : String(error)}`)
      }
    } else step(5, 'evolution proposal skipped (--no-evolution)')

    step(6, 'building and serving the DAO dashboard')
    await buildDashboard({ outDir: defaultDashboardOutDir })
    const config: DashboardConfig = {
      chainId: deployment.chainId,
      rpcUrl: START_CHAIN_URL,
      contracts: deployment.contracts,
      deployedAt: deployment.deployedAt,
      nodes: devnet.nodes.map((running) => running.http.url),
      evolutionReports,
    }
    const dashboard: DashboardServer = await startDashboardServer({ distDir: defaultDashboardOutDir, config, port: Number(options.dashboardPort) }).catch((error: unknown) => {
      throw (error as { code?: string }).code === 'EADDRINUSE' ? new StartPortBusyError('The dashboard', `127.0.0.1:${options.dashboardPort}`) : error
    })
    cleanups.push(() => dashboard.close())

    console.log(
      [
        '',
        `IPPOC Swarm is up in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
        `  Dashboard   ${dashboard.url}`,
        `  Chain       ${START_CHAIN_URL} (chain id ${deployment.chainId})`,
        ...devnet.nodes.map((running, index) => `  Node ${index + 1}      ${running.http.url}/status   /metrics`),
        '',
        'Try:',
        '  - In the dashboard, connect dev account #0 (it holds the constitutional votes), open the evolution',
        '    proposal, read its sandbox report and vote For; `npx ippoc gov advance --blocks 25` ends the vote,',
        '    then Queue, `npx ippoc gov advance --seconds 120`, and Execute. Account #0 is also the guardian: Veto.',
        '  - Watch the Swarm view: balances fall as the nodes meter work, state roots agree, entries verify in the page.',
        `  - curl ${devnet.nodes[0]!.http.url}/peers   trust scores; /metrics for Prometheus.`,
        '',
        'Ctrl-C stops everything (ledgers stay in data/devnet; the chain starts fresh next time).',
      ].join('\n'),
    )
    await untilSignal()
    console.log('stopping…')
  } finally {
    await stopAll()
  }
  console.log('stopped.')
}

/** Starts `hardhat node` on 127.0.0.1:8545 and waits until it answers. */
async function startLocalChain(logPath: string): Promise<ChildProcess> {
  if (await chainAnswers()) throw new StartPortBusyError('The local chain', START_CHAIN_URL)
  const hardhatCli = path.join(path.dirname(new URL(import.meta.resolve('hardhat')).pathname), 'cli.js')
  const cli = existsSync(hardhatCli) ? hardhatCli : path.resolve('node_modules/hardhat/dist/src/cli.js')
  const log = createWriteStream(logPath, { flags: 'a' })
  const child = spawn(process.execPath, [cli, 'node', '--hostname', '127.0.0.1', '--port', '8545'], { stdio: ['ignore', 'pipe', 'pipe'], detached: false })
  child.stdout.pipe(log)
  child.stderr.pipe(log)
  const deadline = Date.now() + CHAIN_READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new StartPortBusyError('The local chain', `${START_CHAIN_URL} (hardhat node exited with code ${child.exitCode}; see ${logPath})`)
    if (await chainAnswers()) return child
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  await stopChild(child)
  throw new Error(`The local chain did not answer within ${CHAIN_READY_TIMEOUT_MS / 1000} s; see ${logPath}.`)
}

async function chainAnswers(): Promise<boolean> {
  try {
    await createPublicClient({ transport: http(START_CHAIN_URL, { retryCount: 0, timeout: 1_000 }) }).getChainId()
    return true
  } catch {
    return false
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

/**
 * Node 1 (dev account 1) proposes a small documentation patch after checking it in the sandbox
 * with one fast test file, as `ippoc evolve propose` would. The sandbox lives under the data root,
 * inside the repository, so the patched tree resolves the repository's node_modules.
 */
async function proposeSampleEvolution(sandboxDir: string): Promise<{ evolutionId: string; proposalId: string; report: Awaited<ReturnType<typeof simulateEvolution>> }> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'ippoc-start-'))
  try {
    const patchFile = path.join(scratch, 'sample.patch')
    await writeFile(
      patchFile,
      [
        'diff --git a/evolutions/README.md b/evolutions/README.md',
        'new file mode 100644',
        '--- /dev/null',
        '+++ b/evolutions/README.md',
        '@@ -0,0 +1,2 @@',
        '+# Evolutions',
        '+Notes merged by approved self-evolutions land here.',
        '',
      ].join('\n'),
    )
    const report = await simulateEvolution({ repoDir: '.', patchFile, sandboxDir, checkCommand: [process.execPath, '--test', 'ledger/cost.test.ts'], timeoutMs: 60_000 })
    if (!report.passed) throw new Error(`the sandbox refused the sample patch: ${report.reasons.join('; ')}`)
    const proposer = await connectGovernance({ rpcUrl: START_CHAIN_URL, accountIndex: 1 })
    const result = await proposeEvolution(proposer, { patchHash: report.patchHash, reportHash: report.reportHash, riskScoreBps: report.riskScore, summary: 'Add evolutions/README.md (a sample evolution from npm start)' })
    return { evolutionId: result.evolutionId.toString(), proposalId: result.proposalId.toString(), report }
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

/**
 * The `ippoc gov` and `ippoc evolve` commands against a real (in-process) chain: the full life of a
 * proposal, AI votes, the veto, chain errors in words, and an evolution from patch to merge.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { Command } from 'commander'
import { custom, getAddress, parseEther, type Address } from 'viem'
import { registerGovernanceCommands } from '../../governance/cli.ts'
import { contractNames, writeDeployment, type ContractName } from '../../governance/deployment.ts'
import { connectToTestNetwork } from '../test-support/system.ts'

const run = promisify(execFile)

describe('ippoc gov / evolve CLI', async () => {
  const t = await connectToTestNetwork()
  const { deployer, human } = t
  let directory = ''
  let deploymentFile = ''

  before(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'ippoc-cli-'))
  })
  after(async () => {
    await rm(directory, { recursive: true, force: true })
  })

  /** Loads a fresh system and writes its deployment file, as `npm run deploy` would. */
  async function deployedSystem() {
    const system = await t.loadSystem()
    const addresses: Record<ContractName, Address> = {
      governor: system.governor.address,
      timelock: system.timelock.address,
      constitutionToken: system.token.address,
      nodeRegistry: system.nodeRegistry.address,
      evolutionRegistry: system.evolutionRegistry.address,
      iusd: system.iusd.address,
      treasury: system.treasury.address,
      ledgerAnchor: system.ledgerAnchor.address,
    }
    assert.deepEqual(Object.keys(addresses).sort(), [...contractNames].sort())
    deploymentFile = await writeDeployment({ chainId: 31337, contracts: addresses, deployedAt: 0 }, directory)
    return system
  }

  /** Runs `ippoc …` in-process against the test chain; returns the printed lines. */
  async function ippoc(...argv: string[]): Promise<string> {
    const lines: string[] = []
    const program = new Command('ippoc').exitOverride()
    registerGovernanceCommands(program, { transportFor: () => custom(t.connection.provider), print: (line) => lines.push(line), environment: {} })
    await program.parseAsync([...argv, '--deployment', deploymentFile], { from: 'user' })
    return lines.join('\n')
  }

  async function ippocJson(...argv: string[]): Promise<Record<string, unknown>> {
    return JSON.parse(await ippoc(...argv, '--json')) as Record<string, unknown>
  }

  it('takes a treasury payment from proposal to execution', async () => {
    const system = await deployedSystem()
    await t.mined(deployer.sendTransaction({ to: system.treasury.address, value: parseEther('5') }))
    const before = await t.publicClient.getBalance({ address: human.account.address })

    const proposed = await ippocJson('gov', 'propose', '-d', 'Pay a human 2 ETH', '--release-eth', `${human.account.address}:2`)
    const id = String(proposed.proposalId)
    assert.match(await ippoc('gov', 'status'), new RegExp(`${id}  Pending +Pay a human 2 ETH`))
    await ippoc('gov', 'advance', '--blocks', '2')
    assert.match(await ippoc('gov', 'vote', id.slice(0, 8), 'for', '--reason', 'needed'), /Cast vote for on \d+ with weight 1000000\b/)
    await ippoc('gov', 'advance', '--blocks', '21')
    assert.match(await ippoc('gov', 'queue', id), /Queued \d+\n {2}executable after /)
    await ippoc('gov', 'advance', '--seconds', '61')
    assert.match(await ippoc('gov', 'execute', id), /Executed \d+/)

    const status = await ippocJson('gov', 'status', id)
    assert.equal(status.state, 'Executed')
    assert.deepEqual(status.actions, [`treasury.releaseEther(${getAddress(human.account.address)}, ${parseEther('2')})`])
    assert.equal((await t.publicClient.getBalance({ address: human.account.address })) - before, parseEther('2'))
  })

  it('casts AI advisory votes from nodes registered with register-node, bounded in the status', async () => {
    await deployedSystem()
    const nodeAccount = t.nodeWallets[0]!.account.address
    await ippoc('gov', 'register-node', 'ab'.repeat(32), nodeAccount)
    const { proposalId } = await ippocJson('gov', 'propose', '-d', 'Register a second node', '--register-node', `${'cd'.repeat(32)}:${t.nodeWallets[1]!.account.address}`)
    const id = String(proposalId)
    await ippoc('gov', 'advance', '--blocks', '2')
    assert.match(await ippoc('gov', 'vote', id, 'against', '--ai', '--account-index', '10'), /Cast AI advisory vote against on \d+ with weight 250000\b/)
    await ippoc('gov', 'vote', id, 'for')
    const text = await ippoc('gov', 'status', id)
    assert.match(text, /counted {6}for 1000000 · against 250000 · abstain 0/)
    assert.match(text, /AI advisory {2}for 0 · against 250000 · abstain 0 \(as cast; at most 20 % of the counted weight\)/)
    assert.match(text, /action 1 {5}nodeRegistry\.registerNode\(0xcdcd/)
  })

  it('lets the guardian veto a queued proposal and shows chain refusals in words', async () => {
    await deployedSystem()
    const { proposalId } = await ippocJson('gov', 'propose', '-d', 'Pay too much', '--release-iusd', `${human.account.address}:1`)
    const id = String(proposalId)
    await ippoc('gov', 'advance', '--blocks', '2')
    await ippoc('gov', 'vote', id, 'for')
    await assert.rejects(ippoc('gov', 'vote', id, 'for'), (error: Error) => error.name === 'ContractRefusedError' && /has already voted on this proposal/.test(error.message))
    await ippoc('gov', 'advance', '--blocks', '21')
    await ippoc('gov', 'queue', id)
    await assert.rejects(ippoc('gov', 'execute', id), (error: Error) => error.name === 'ContractRefusedError' && /timelock operation is not Ready yet/.test(error.message))
    await assert.rejects(ippoc('gov', 'veto', id, '--account-index', '1'), (error: Error) => error.name === 'ContractRefusedError' && /only the guardian can veto/.test(error.message))
    // Account 3 is the guardian of the test deployment.
    assert.match(await ippoc('gov', 'veto', id, '--account-index', '3'), /Vetoed \d+/)
    assert.equal((await ippocJson('gov', 'status', id)).state, 'Canceled')
    await ippoc('gov', 'advance', '--seconds', '61')
    await assert.rejects(ippoc('gov', 'execute', id), (error: Error) => error.name === 'ContractRefusedError' && /The proposal is Canceled; this needs it to be Queued\./.test(error.message))
  })

  it('takes an evolution from patch to merge, only after the chain approved it', async () => {
    await deployedSystem()
    const repository = path.join(directory, 'repository')
    const git = (...args: string[]) => run('git', ['-C', repository, ...args])
    await run('git', ['init', '-q', repository])
    await git('config', 'user.email', 'node@ippoc.test')
    await git('config', 'user.name', 'IPPOC node')
    await writeFile(path.join(repository, 'greeting.txt'), 'hello\n')
    await git('add', '.')
    await git('commit', '-qm', 'initial')
    await writeFile(path.join(repository, 'greeting.txt'), 'hello, swarm\n')
    const patchFile = path.join(directory, 'greeting.patch')
    await writeFile(patchFile, (await git('diff', '--binary')).stdout)
    await git('checkout', '-q', 'greeting.txt')

    const evolve = ['--patch', patchFile, '--repo', repository, '--sandbox-dir', path.join(directory, 'sandbox')]
    await assert.rejects(ippoc('evolve', 'propose', ...evolve, '--check', 'true'), { name: 'NodeNotRegisteredError' })
    await ippoc('gov', 'register-node', 'ef'.repeat(32), t.nodeWallets[0]!.account.address)
    await assert.rejects(ippoc('evolve', 'propose', ...evolve, '--check', 'false', '--account-index', '10'), { name: 'EvolutionRefusedError' })

    const proposed = await ippocJson('evolve', 'propose', ...evolve, '--check', 'true', '--account-index', '10', '--summary', 'greet the swarm')
    const evolutionId = String(proposed.evolutionId)
    const proposalId = String(proposed.proposalId)
    assert.equal((await ippocJson('evolve', 'status', evolutionId)).status, 'Proposed')
    await assert.rejects(ippoc('evolve', 'merge', evolutionId, '--patch', patchFile, '--repo', repository), (error: Error & { refusal?: string }) => error.refusal === 'chain-not-executed')

    await ippoc('gov', 'advance', '--blocks', '2')
    await ippoc('gov', 'vote', proposalId, 'for')
    await ippoc('gov', 'vote', proposalId, 'for', '--ai', '--account-index', '10', '--reason', 're-verified')
    await ippoc('gov', 'advance', '--blocks', '21')
    await ippoc('gov', 'queue', proposalId)
    await ippoc('gov', 'advance', '--seconds', '61')
    await ippoc('gov', 'execute', proposalId)
    assert.match(await ippoc('evolve', 'status', evolutionId), /status {7}Approved \(approved: nodes may merge this patch\)/)

    assert.match(await ippoc('evolve', 'merge', evolutionId, '--patch', patchFile, '--repo', repository), /Merged evolution \d+ as commit [0-9a-f]{40}/)
    assert.equal(await readFile(path.join(repository, 'greeting.txt'), 'utf8'), 'hello, swarm\n')
  })
})

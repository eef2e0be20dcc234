import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Command } from 'commander'
import { registerGovernanceCommands } from './cli.ts'

function program(): Command {
  const root = new Command('ippoc').exitOverride()
  registerGovernanceCommands(root, { print: () => {}, environment: {} })
  return root
}

function subcommand(root: Command, path: string[]): Command {
  let command = root
  for (const name of path) {
    const next = command.commands.find((item) => item.name() === name)
    assert.ok(next, `missing command ${path.join(' ')}`)
    command = next
  }
  return command
}

describe('ippoc gov / ippoc evolve commands', () => {
  const chainCommands = [
    ['gov', 'propose'],
    ['gov', 'vote'],
    ['gov', 'veto'],
    ['gov', 'queue'],
    ['gov', 'execute'],
    ['gov', 'status'],
    ['gov', 'register-node'],
    ['gov', 'advance'],
    ['evolve', 'propose'],
    ['evolve', 'status'],
    ['evolve', 'merge'],
  ]

  it('every command has a description and help, and chain commands take --rpc-url, --deployment, --account-index', () => {
    const root = program()
    for (const path of chainCommands) {
      const help = subcommand(root, path).helpInformation()
      assert.ok(subcommand(root, path).description().length > 10, `${path.join(' ')} has a description`)
      for (const option of ['--rpc-url', '--deployment', '--account-index', '--json', '--help']) {
        assert.match(help, new RegExp(option), `${path.join(' ')} --help lists ${option}`)
      }
    }
    assert.match(subcommand(root, ['evolve', 'revert']).helpInformation(), /--repo/)
  })

  it('refuses bad arguments before touching the chain', async () => {
    const cases: [string[], RegExp][] = [
      [['gov', 'propose', '-d', 'nothing to do'], /at least one of --release-eth/],
      [['gov', 'vote', '123456', 'maybe'], /for, against or abstain/],
      [['gov', 'status', 'not-an-id'], /decimal or 0x-hex id/],
      [['gov', 'register-node', 'ab', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'], /64 hex digits/],
      [['evolve', 'status', 'xyz'], /decimal or 0x-hex id/],
    ]
    for (const [argv, message] of cases) {
      await assert.rejects(program().parseAsync(argv, { from: 'user' }), (error: Error) => error.name === 'GovernanceArgumentError' && message.test(error.message))
    }
  })

  it('reports an unreachable chain in words', async () => {
    await assert.rejects(
      program().parseAsync(['gov', 'status', '--rpc-url', 'http://127.0.0.1:9'], { from: 'user' }),
      (error: Error) => error.name === 'ChainUnreachableError' && /Cannot reach the chain at http:\/\/127\.0\.0\.1:9/.test(error.message),
    )
  })
})

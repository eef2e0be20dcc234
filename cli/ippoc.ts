/**
 * The `ippoc` command line: one program, one sub-command group per part of the system.
 * Each group lives beside the code it drives and registers itself here.
 */
import { Command, CommanderError } from 'commander'
import { formatErrorForUser } from '../common/base-error.ts'
import { registerIdentityCommands } from '../identity/cli.ts'
import { registerLedgerCommands } from '../ledger/cli.ts'
import { registerGovernanceCommands } from '../governance/cli.ts'
import { registerNodeCommands } from '../node/cli.ts'
import { registerDemoCommand } from './demo.ts'
import { registerStartCommand } from './start.ts'

/** Builds the `ippoc` program; tests call it with their own output streams. */
export function createProgram(): Command {
  const program = new Command('ippoc')
    .description('IPPOC Swarm: hardware-bound identities, a signed double-entry ledger, on-chain governance.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
  registerIdentityCommands(program)
  registerLedgerCommands(program)
  registerGovernanceCommands(program)
  registerNodeCommands(program)
  registerDemoCommand(program)
  registerStartCommand(program)
  return program
}

/** Runs the CLI and exits with 0 on success, 2 on usage errors and 1 on any other failure. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await createProgram().parseAsync([...argv], { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed help or the usage error.
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2
    }
    console.error(formatErrorForUser(error))
    if (process.env.IPPOC_DEBUG) console.error(error)
    return 1
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2))
}

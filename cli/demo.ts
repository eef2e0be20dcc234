/**
 * `ippoc demo` (what `npm start` runs): the local demo on embedded defaults. It creates this
 * machine's node identity if there is none, funds it from the devnet genesis once, meters a few
 * actions into its signed ledger, and prints the balances, the state root and what to try next.
 */
import type { Command } from 'commander'
import { runLedgerDemo } from '../ledger/cli.ts'

/** Metered actions one demo run appends: enough to show both kinds, few enough to read. */
export const DEMO_ACTIONS = 12

/**
 * Adds the `demo` command to the `ippoc` program.
 *
 * @example
 * registerDemoCommand(new Command('ippoc'))
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run the local demo: create this node, meter a few actions into its ledger, print balances and the state root.')
    .option('--data-dir <dir>', 'swarm data root holding nodes/<id>/', './data')
    .option('--node <id>', 'node id (needed when the data root holds several)')
    .option('--entries <n>', 'metered actions to append', String(DEMO_ACTIONS))
    .action(async (options: { dataDir: string; node?: string; entries: string }) => {
      await runLedgerDemo(options)
      const dataDir = options.dataDir === './data' ? '' : ` --data-dir ${options.dataDir}`
      console.log(
        [
          '',
          'Try next:',
          `  npx ippoc identity show${dataDir}          the node's identity and its hardware fingerprint`,
          `  npx ippoc ledger verify${dataDir}          re-verify every stored entry (ids, signatures, chain, rules)`,
          `  npx ippoc ledger export${dataDir} | head -2   the signed entries as JSON lines`,
          '  npm run chain  (then, in another terminal)  npm run deploy   the governance contracts on a local chain',
          '  npm start again continues the same ledger; delete ./data to start over.',
        ].join('\n'),
      )
    })
}

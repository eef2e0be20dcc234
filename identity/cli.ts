/**
 * `ippoc identity init` and `ippoc identity show`.
 *
 * Test hook: when the environment variable `IPPOC_MACHINE_FACTS` holds JSON machine facts
 * (`{"cpuModel":…,"memoryGb":…,"hostname":…,"machineId":…}`), both commands use them instead of
 * reading this machine, and say so on stderr. It exists so tests can play another machine; it gives
 * no extra power, since whoever sets a node's environment can also edit its files.
 */
import type { Command } from 'commander'
import { BaseError } from '../common/base-error.ts'
import { bootIdentity } from './boot.ts'
import { IdentityAlreadyExistsError } from './errors.ts'
import { initIdentity } from './init.ts'
import { listNodeIds } from './list-node-ids.ts'
import { machineFactsSourceFromJson, readMachineFacts, type MachineFactsSource } from './machine-facts.ts'
import type { NodeIdentity } from './node-identity.ts'
import { resolveDataDirectory } from './node-paths.ts'

/** Name of the environment variable the CLI reads fake machine facts from (a test hook). */
export const MACHINE_FACTS_ENVIRONMENT_VARIABLE = 'IPPOC_MACHINE_FACTS'
const DEFAULT_DATA_DIRECTORY = './data'

type InitOptions = { dataDir: string; forceNew?: boolean; json?: boolean }
type ShowOptions = { dataDir: string; node?: string; json?: boolean }

/**
 * Adds the `identity` command group (`init`, `show`) to the `ippoc` program.
 *
 * @example
 * const program = new Command('ippoc')
 * registerIdentityCommands(program)
 * await program.parseAsync(['identity', 'show', '--json'], { from: 'user' })
 */
export function registerIdentityCommands(program: Command): void {
  const identity = program
    .command('identity')
    .description("Create and check this machine's hardware-bound node identity.")
  identity
    .command('init')
    .description("Create a node identity bound to this machine, or print this machine's existing one.")
    .option('--data-dir <dir>', 'swarm data root holding nodes/<id>/', DEFAULT_DATA_DIRECTORY)
    .option('--force-new', 'create another node even if this machine already has one (multi-node devnets)')
    .option('--json', 'print the result as JSON')
    .action((options: InitOptions) => runInit(options))
  identity
    .command('show')
    .description('Boot the node identity with every check and print its id, paths and fingerprint status.')
    .option('--data-dir <dir>', 'swarm data root holding nodes/<id>/', DEFAULT_DATA_DIRECTORY)
    .option('--node <id>', 'node id to show (needed when the data root holds several)')
    .option('--json', 'print the result as JSON')
    .action((options: ShowOptions) => runShow(options))
}

async function runInit(options: InitOptions): Promise<void> {
  const machineFacts = machineFactsSource()
  const dataDirectory = resolveDataDirectory(options.dataDir)
  if (!options.forceNew) {
    const existing = await bootExistingNodes(dataDirectory, machineFacts)
    if (existing !== undefined) {
      await printIdentity(existing, options.json === true, { created: false, dataDirectory })
      return
    }
  }
  const identity = await initIdentity({ dataDir: dataDirectory, machineFacts })
  await printIdentity(identity, options.json === true, { created: true, dataDirectory })
}

/**
 * Returns this machine's identity when the data root already holds one that boots, returns
 * undefined when it holds none, and refuses when it holds nodes of which none boots here: a second
 * identity would then be created beside a broken or foreign one without the user asking for it.
 */
async function bootExistingNodes(dataDirectory: string, machineFacts: MachineFactsSource): Promise<NodeIdentity | undefined> {
  const nodeIds = await listNodeIds(dataDirectory)
  if (nodeIds.length === 0) return undefined
  const failures: string[] = []
  for (const nodeId of nodeIds) {
    try {
      return await bootIdentity({ dataDir: dataDirectory, nodeId, machineFacts })
    } catch (error) {
      failures.push(`${nodeId}: ${error instanceof BaseError ? `${error.name}: ${error.shortMessage}` : String(error)}`)
    }
  }
  throw new IdentityAlreadyExistsError({
    dataDirectory,
    nodeIds,
    reason: `${nodeIds.length} node(s) there, none of which boots on this machine`,
    details: failures.join('; '),
    hints: [
      `See why with \`ippoc identity show --data-dir ${dataDirectory} --node <id>\`.`,
      'To add a new node beside them anyway, run init again with --force-new; or use another --data-dir.',
    ],
  })
}

async function runShow(options: ShowOptions): Promise<void> {
  const identity = await bootIdentity({
    dataDir: options.dataDir,
    nodeId: options.node?.toLowerCase(),
    machineFacts: machineFactsSource(),
  })
  await printIdentity(identity, options.json === true, { created: undefined, dataDirectory: resolveDataDirectory(options.dataDir) })
}

function machineFactsSource(): MachineFactsSource {
  const json = process.env[MACHINE_FACTS_ENVIRONMENT_VARIABLE]
  if (json === undefined || json === '') return readMachineFacts
  console.error(`warning: using machine facts from ${MACHINE_FACTS_ENVIRONMENT_VARIABLE} (a test hook), not this machine's.`)
  return machineFactsSourceFromJson(json, `the ${MACHINE_FACTS_ENVIRONMENT_VARIABLE} environment variable`)
}

async function printIdentity(identity: NodeIdentity, json: boolean, { created, dataDirectory }: { created: boolean | undefined; dataDirectory: string }): Promise<void> {
  const peerId = await libp2pPeerId(identity.publicKey)
  const report = {
    ...(created === undefined ? {} : { created }),
    nodeId: identity.nodeId,
    peerId,
    dataDir: dataDirectory,
    fingerprint: { status: 'matches this machine', sha256: identity.fingerprint },
    paths: identity.paths,
  }
  if (json) {
    console.log(JSON.stringify(report, null, 2))
    return
  }
  if (created === true) console.log(`Created node ${identity.nodeId} in ${dataDirectory}.`)
  if (created === false) console.log(`This machine already has a node in ${dataDirectory}; nothing created (use --force-new to add another).`)
  const rows: [string, string][] = [
    ['node id', identity.nodeId],
    ['libp2p peer id', peerId],
    ['fingerprint', `matches this machine (sha256 ${identity.fingerprint})`],
    ['node folder', identity.paths.root],
    ['key file', identity.paths.identityKey],
    ['fingerprint file', identity.paths.fingerprint],
    ['memory', identity.paths.memory],
    ['sandbox', identity.paths.sandbox],
    ['ledger', identity.paths.ledgerDb],
    ['logs', identity.paths.logs],
  ]
  for (const [label, value] of rows) console.log(`${label.padEnd(17)}${value}`)
}

/** The libp2p PeerId string of the key: libp2p uses the identity's seed as its own key. */
async function libp2pPeerId(publicKey: Uint8Array): Promise<string> {
  const { publicKeyFromRaw } = await import('@libp2p/crypto/keys')
  return publicKeyFromRaw(publicKey).toString()
}

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createFingerprintRecord, encodeFingerprintFile } from './fingerprint.ts'
import { listNodeIds } from './list-node-ids.ts'
import { nodePaths } from './node-paths.ts'
import { machineA, machineB, temporaryDirectory } from './test-support/machines.ts'

const REPOSITORY = fileURLToPath(new URL('..', import.meta.url))
const NODE = join(REPOSITORY, 'node_modules/.bin/node')
const ENTRY = join(REPOSITORY, 'cli/ippoc.ts')

type Result = { code: number; stdout: string; stderr: string }

function ippoc(cwd: string, args: string[], environment: Record<string, string> = {}): Promise<Result> {
  const nodeArguments = [ENTRY, ...args]
  const env = { ...process.env, IPPOC_MACHINE_FACTS: JSON.stringify(machineA), ...environment }
  return new Promise((resolve) => {
    execFile(NODE, nodeArguments, { cwd, env }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
    })
  })
}

describe('ippoc identity', { concurrency: true }, () => {
  it('init creates a node in ./data, show boots it, init again prints it instead of making a second', async (t) => {
    const { path: cwd, remove } = await temporaryDirectory()
    t.after(remove)
    const init = await ippoc(cwd, ['identity', 'init'])
    assert.equal(init.code, 0, init.stderr)
    const [nodeId] = await listNodeIds(join(cwd, 'data'))
    assert.ok(nodeId)
    assert.match(init.stdout, new RegExp(`Created node ${nodeId}`))
    assert.match(init.stdout, /libp2p peer id +12D3KooW/)
    assert.match(init.stderr, /IPPOC_MACHINE_FACTS/)

    const show = await ippoc(cwd, ['identity', 'show', '--json'])
    assert.equal(show.code, 0, show.stderr)
    const report = JSON.parse(show.stdout)
    assert.equal(report.nodeId, nodeId)
    assert.match(report.peerId, /^12D3KooW/)
    assert.equal(report.fingerprint.status, 'matches this machine')
    assert.deepEqual(report.paths, nodePaths(join(cwd, 'data'), nodeId))

    const again = await ippoc(cwd, ['identity', 'init'])
    assert.equal(again.code, 0, again.stderr)
    assert.match(again.stdout, /already has a node/)
    assert.deepEqual(await listNodeIds(join(cwd, 'data')), [nodeId])
  })

  it('--force-new adds a node; show then asks which one and shows the chosen one', async (t) => {
    const { path: cwd, remove } = await temporaryDirectory()
    t.after(remove)
    assert.equal((await ippoc(cwd, ['identity', 'init', '--data-dir', 'swarm'])).code, 0)
    const added = await ippoc(cwd, ['identity', 'init', '--data-dir', 'swarm', '--force-new', '--json'])
    assert.equal(added.code, 0, added.stderr)
    assert.equal(JSON.parse(added.stdout).created, true)
    const nodeIds = await listNodeIds(join(cwd, 'swarm'))
    assert.equal(nodeIds.length, 2)
    const ambiguous = await ippoc(cwd, ['identity', 'show', '--data-dir', 'swarm'])
    assert.equal(ambiguous.code, 1)
    assert.match(ambiguous.stderr, /holds 2 nodes; choose one/)
    assert.match(ambiguous.stderr, /--node/)
    const chosen = await ippoc(cwd, ['identity', 'show', '--data-dir', 'swarm', '--node', nodeIds[1] ?? ''])
    assert.equal(chosen.code, 0, chosen.stderr)
    assert.match(chosen.stdout, new RegExp(`node id +${nodeIds[1]}`))
  })

  it('refuses a key file with mode 0644, saying what to do, exit 1', async (t) => {
    const { path: cwd, remove } = await temporaryDirectory()
    t.after(remove)
    await ippoc(cwd, ['identity', 'init'])
    const [nodeId = ''] = await listNodeIds(join(cwd, 'data'))
    const { identityKey } = nodePaths(join(cwd, 'data'), nodeId)
    await chmod(identityKey, 0o644)
    const show = await ippoc(cwd, ['identity', 'show'])
    assert.equal(show.code, 1)
    assert.equal(show.stdout, '')
    assert.match(show.stderr, /error: Key file is accessible by group or others/)
    assert.ok(show.stderr.includes(`hint: Run \`chmod 600 ${identityKey}\``))
    assert.doesNotMatch(show.stderr, /^ +at /m)
  })

  it('refuses a tampered fingerprint and other hardware, exit 1', async (t) => {
    const { path: cwd, remove } = await temporaryDirectory()
    t.after(remove)
    await ippoc(cwd, ['identity', 'init'])
    const [nodeId = ''] = await listNodeIds(join(cwd, 'data'))
    const { fingerprint } = nodePaths(join(cwd, 'data'), nodeId)

    const otherHardware = await ippoc(cwd, ['identity', 'show'], { IPPOC_MACHINE_FACTS: JSON.stringify(machineB) })
    assert.equal(otherHardware.code, 1)
    assert.match(otherHardware.stderr, /error: Node identity belongs to other hardware/)
    assert.match(otherHardware.stderr, /hostname "node-a" \(this machine: "node-b"\)/)

    const initElsewhere = await ippoc(cwd, ['identity', 'init'], { IPPOC_MACHINE_FACTS: JSON.stringify(machineB) })
    assert.equal(initElsewhere.code, 1)
    assert.match(initElsewhere.stderr, /none of which boots on this machine/)
    assert.match(initElsewhere.stderr, /IdentityFingerprintMismatchError/)

    const edited = JSON.parse(await readFile(fingerprint, 'utf8'))
    edited.facts.hostname = 'node-b'
    await writeFile(fingerprint, JSON.stringify(edited))
    const tampered = await ippoc(cwd, ['identity', 'show'], { IPPOC_MACHINE_FACTS: JSON.stringify(machineB) })
    assert.equal(tampered.code, 1)
    assert.match(tampered.stderr, /error: Fingerprint file is corrupt/)
    assert.match(tampered.stderr, /was edited/)

    await writeFile(fingerprint, encodeFingerprintFile(createFingerprintRecord(machineB)))
    const rebound = await ippoc(cwd, ['identity', 'show'])
    assert.equal(rebound.code, 1)
    assert.match(rebound.stderr, /error: Node identity belongs to other hardware/)
  })

  it('explains an empty data dir and bad facts from the test hook', async (t) => {
    const { path: cwd, remove } = await temporaryDirectory()
    t.after(remove)
    const none = await ippoc(cwd, ['identity', 'show', '--data-dir', 'nowhere'])
    assert.equal(none.code, 1)
    assert.match(none.stderr, /error: No node identity in .*nowhere/)
    assert.match(none.stderr, /ippoc identity init --data-dir/)
    const badFacts = await ippoc(cwd, ['identity', 'init'], { IPPOC_MACHINE_FACTS: '{"cpuModel":"x"}' })
    assert.equal(badFacts.code, 1)
    assert.match(badFacts.stderr, /error: Invalid machine facts/)
    assert.deepEqual(await listNodeIds(join(cwd, 'data')), [])
  })

  it('has --help with a one-line description on every command', async (t) => {
    const { path: cwd, remove } = await temporaryDirectory()
    t.after(remove)
    for (const command of [['identity'], ['identity', 'init'], ['identity', 'show']]) {
      const help = await ippoc(cwd, [...command, '--help'])
      assert.equal(help.code, 0, help.stderr)
      assert.match(help.stdout, new RegExp(`Usage: ippoc ${command.join(' ')}`))
      const description = help.stdout.split('\n\n')[1] ?? ''
      assert.ok(description.trim().length > 0, `${command.join(' ')} has a description`)
    }
  })
})

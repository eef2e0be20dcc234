import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { createLedgerSwarm, formatEventLog } from './ledger-swarm-scenario.ts'

function runScenario(seed: number) {
  const swarm = createLedgerSwarm({ seed, nodeCount: 5, dropProbability: 0.1 })
  swarm.scheduleAppends(swarm.replicas, 4, 1_000)
  swarm.clock.advance(5_000)
  const roots = swarm.stateRootsHex()
  swarm.stopAndDrain()
  const log = formatEventLog(swarm.network.events)
  return { log, logHash: createHash('sha256').update(log).digest('hex'), roots, authored: swarm.authored.size, swarm }
}

describe('ledger swarm on the simulated network', () => {
  it('replays byte for byte with the same seed and differs with another seed', () => {
    const first = runScenario(42)
    const second = runScenario(42)
    assert.equal(first.log, second.log)
    assert.deepEqual(first.roots, second.roots)
    const other = runScenario(43)
    assert.notEqual(other.logHash, first.logHash)
  })

  it('converges 5 nodes to one state root despite delays and 10 % loss', () => {
    const { roots, authored, swarm } = runScenario(7)
    assert.equal(new Set(roots).size, 1, `roots: ${roots.join(' ')}`)
    assert.ok(swarm.network.events.some((event) => event.kind === 'drop' && event.reason === 'loss'))
    assert.equal(authored, 5 * (1 + 4))
    for (const replica of swarm.replicas) {
      for (const id of swarm.authored.keys()) assert.equal(replica.ledger.standing(id)?.status, 'counted', `${replica.nodeId.slice(0, 8)} misses ${id}`)
      assert.equal(replica.counters.syncRejected, 0)
    }
  })

  it('keeps every entry made on both sides of a 5/5 partition and converges after it heals', () => {
    const swarm = createLedgerSwarm({ seed: 11, nodeCount: 10, dropProbability: 0.05 })
    swarm.clock.advance(2_000)
    const ids = swarm.replicas.map((replica) => replica.nodeId)
    const left = swarm.replicas.slice(0, 5)
    const right = swarm.replicas.slice(5)
    swarm.network.partition(ids.slice(0, 5), ids.slice(5))
    swarm.scheduleAppends(swarm.replicas, 3, 1_000)
    swarm.clock.advance(3_000)
    const leftRoots = new Set(left.map((replica) => replica.stateRootHex()))
    const rightRoots = new Set(right.map((replica) => replica.stateRootHex()))
    assert.equal(leftRoots.size, 1, 'each side converges on its own')
    assert.equal(rightRoots.size, 1)
    assert.notDeepEqual([...leftRoots], [...rightRoots], 'the sides diverged during the partition')
    swarm.network.heal()
    swarm.clock.advance(5_000)
    assert.equal(new Set(swarm.stateRootsHex()).size, 1)
    assert.equal(swarm.authored.size, 10 * (1 + 3))
    for (const replica of swarm.replicas)
      for (const id of swarm.authored.keys()) assert.equal(replica.ledger.standing(id)?.status, 'counted')
    swarm.stopAndDrain()
  })
})

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { NETWORK_IN_FLIGHT_MAX, NETWORK_MESSAGE_BYTES_MAX } from '../constants.ts'
import { createSeededRandom } from './random.ts'
import { createSimulatedNetwork } from './simulated-network.ts'
import { createVirtualClock } from './virtual-clock.ts'

function setup(options: { dropProbability?: number } = {}) {
  const clock = createVirtualClock()
  const network = createSimulatedNetwork({ clock, random: createSeededRandom(1) }, { latencyMinMs: 5, latencyMaxMs: 20, ...options })
  const received: string[] = []
  for (const id of ['a', 'b', 'c']) network.register(id, (from, bytes) => received.push(`${from}->${id}:${bytes[0]}@${clock.now()}`))
  return { clock, network, received }
}

describe('createSimulatedNetwork', () => {
  it('delivers a copy after a delay within the latency range', () => {
    const { clock, network, received } = setup()
    const bytes = new Uint8Array([7])
    network.send('a', 'b', bytes)
    bytes[0] = 9
    assert.equal(received.length, 0)
    clock.runUntilIdle()
    assert.equal(received.length, 1)
    assert.match(received[0]!, /^a->b:7@/)
    const atMs = Number(received[0]!.split('@')[1])
    assert.ok(atMs >= 5 && atMs <= 20)
  })

  it('drops with the given probability, reproducibly', () => {
    const run = () => {
      const { clock, network, received } = setup({ dropProbability: 0.3 })
      for (let index = 0; index < 1_000; index++) network.send('a', 'b', new Uint8Array([index & 0xff]))
      clock.runUntilIdle()
      return received
    }
    const first = run()
    assert.deepEqual(first, run())
    assert.ok(first.length > 600 && first.length < 800, `delivered ${first.length}`)
  })

  it('cuts partitioned links both ways, including messages on the wire, until healed', () => {
    const { clock, network, received } = setup()
    network.send('a', 'b', new Uint8Array([1]))
    network.partition(['a'], ['b'])
    network.send('b', 'a', new Uint8Array([2]))
    network.send('a', 'c', new Uint8Array([3]))
    clock.runUntilIdle()
    assert.deepEqual(received.map((line) => line.split('@')[0]), ['a->c:3'])
    network.heal()
    network.send('a', 'b', new Uint8Array([4]))
    clock.runUntilIdle()
    assert.equal(received.at(-1)?.split('@')[0], 'a->b:4')
    assert.equal(network.events.filter((event) => event.kind === 'drop' && event.reason === 'partition').length, 2)
  })

  it('drops one message past NETWORK_MESSAGE_BYTES_MAX and one past NETWORK_IN_FLIGHT_MAX', () => {
    const { network } = setup()
    network.send('a', 'b', new Uint8Array(NETWORK_MESSAGE_BYTES_MAX + 1))
    assert.deepEqual(network.events.at(-1), { kind: 'drop', atMs: 0, from: 'a', to: 'b', bytes: NETWORK_MESSAGE_BYTES_MAX + 1, reason: 'too-large' })
    const one = new Uint8Array(1)
    for (let index = 0; index < NETWORK_IN_FLIGHT_MAX; index++) network.send('a', 'b', one)
    assert.equal(network.inFlight, NETWORK_IN_FLIGHT_MAX)
    network.send('a', 'b', one)
    const last = network.events.at(-1)
    assert.ok(last?.kind === 'drop' && last.reason === 'queue-full')
    assert.equal(network.inFlight, NETWORK_IN_FLIGHT_MAX)
  })

  it('refuses a node id registered twice, and drops messages to unknown nodes', () => {
    const { clock, network } = setup()
    assert.throws(() => network.register('a', () => {}), { name: 'NetworkRegistrationError' })
    network.send('a', 'nobody', new Uint8Array([1]))
    clock.runUntilIdle()
    const last = network.events.at(-1)
    assert.ok(last?.kind === 'drop' && last.reason === 'unknown-node')
  })
})

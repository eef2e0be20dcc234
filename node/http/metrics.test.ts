import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { NodeMetrics, NodeStatusJson, NodeView } from '../node-view.ts'
import { createNodeMetricsRegistry } from './metrics.ts'

type MutableMetrics = { -readonly [K in Exclude<keyof NodeMetrics, 'drainGossipLatencyMs'>]: NodeMetrics[K] } & { latencySamplesMs: number[] }

function createFakeView(start: Partial<MutableMetrics> = {}): { view: NodeView; metrics: MutableMetrics; status: { -readonly [K in keyof NodeStatusJson]: NodeStatusJson[K] } } {
  const metrics: MutableMetrics = {
    entriesApplied: 0,
    entriesRejected: 0,
    entriesPending: 0,
    gossipAccepted: 0,
    gossipRejected: 0,
    gossipIgnored: 0,
    syncMessagesIn: 0,
    syncMessagesRejected: 0,
    warrantsIssued: 0,
    warrantsAccepted: 0,
    bans: 0,
    latencySamplesMs: [],
    ...start,
  }
  const status = {
    nodeId: 'a'.repeat(64),
    listen: [],
    startedAtMs: 1_000,
    nowMs: 61_000,
    mode: 'full' as const,
    stateRoot: 'b'.repeat(64),
    stateRootChangedAtMs: 31_000,
    entries: { counted: 7, pending: 0, applied: 7, rejected: 0, forks: 0 },
    peers: 3,
    banned: 1,
  }
  const view: NodeView = {
    status: () => status,
    peers: () => [],
    balances: () => [],
    entries: () => [],
    bans: () => [],
    metrics: {
      get entriesApplied() { return metrics.entriesApplied },
      get entriesRejected() { return metrics.entriesRejected },
      get entriesPending() { return metrics.entriesPending },
      get gossipAccepted() { return metrics.gossipAccepted },
      get gossipRejected() { return metrics.gossipRejected },
      get gossipIgnored() { return metrics.gossipIgnored },
      get syncMessagesIn() { return metrics.syncMessagesIn },
      get syncMessagesRejected() { return metrics.syncMessagesRejected },
      get warrantsIssued() { return metrics.warrantsIssued },
      get warrantsAccepted() { return metrics.warrantsAccepted },
      get bans() { return metrics.bans },
      drainGossipLatencyMs: () => metrics.latencySamplesMs.splice(0),
    },
  }
  return { view, metrics, status }
}

/** Parses Prometheus text exposition into `name{labels}` → value, failing on any line it cannot read. */
function parsePrometheusText(text: string): Map<string, number> {
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line)
    assert.ok(match, `not a Prometheus sample line: ${JSON.stringify(line)}`)
    const value = Number(match[2])
    assert.ok(!Number.isNaN(value), `not a number in ${JSON.stringify(line)}`)
    samples.set(match[1] ?? '', value)
  }
  return samples
}

async function scrape(view: NodeView, registry = createNodeMetricsRegistry(view)): Promise<Map<string, number>> {
  return parsePrometheusText(await registry.metrics())
}

describe('createNodeMetricsRegistry', () => {
  it('reads every counter and gauge from the view when scraped', async () => {
    const { view, metrics, status } = createFakeView()
    const registry = createNodeMetricsRegistry(view)
    Object.assign(metrics, { entriesApplied: 5, entriesRejected: 2, entriesPending: 4, gossipAccepted: 10, gossipRejected: 3, gossipIgnored: 1, syncMessagesIn: 8, syncMessagesRejected: 1, warrantsIssued: 2, warrantsAccepted: 6, bans: 1 })
    const first = await scrape(view, registry)
    assert.deepEqual(
      Object.fromEntries([...first].filter(([name]) => !name.startsWith('ippoc_gossip_latency_seconds'))),
      {
        ippoc_peers: 3,
        ippoc_entries_applied_total: 5,
        ippoc_entries_rejected_total: 2,
        ippoc_entries_pending: 4,
        'ippoc_gossip_messages_total{verdict="accept"}': 10,
        'ippoc_gossip_messages_total{verdict="reject"}': 3,
        'ippoc_gossip_messages_total{verdict="ignore"}': 1,
        ippoc_sync_messages_total: 8,
        ippoc_sync_messages_rejected_total: 1,
        ippoc_warrants_issued_total: 2,
        ippoc_warrants_accepted_total: 6,
        ippoc_bans_total: 1,
        ippoc_banned_peers: 1,
        ippoc_state_root_age_seconds: 30,
        ippoc_ledger_entries_counted: 7,
      },
    )

    Object.assign(metrics, { entriesApplied: 9, gossipIgnored: 4, entriesPending: 0 })
    Object.assign(status, { peers: 5, banned: 2, nowMs: 91_000, entries: { ...status.entries, counted: 9 } })
    const second = await scrape(view, registry)
    assert.equal(second.get('ippoc_entries_applied_total'), 9)
    assert.equal(second.get('ippoc_gossip_messages_total{verdict="ignore"}'), 4)
    assert.equal(second.get('ippoc_entries_pending'), 0)
    assert.equal(second.get('ippoc_peers'), 5)
    assert.equal(second.get('ippoc_banned_peers'), 2)
    assert.equal(second.get('ippoc_state_root_age_seconds'), 60)
    assert.equal(second.get('ippoc_ledger_entries_counted'), 9)
  })

  it('declares the type of every metric', async () => {
    const { view } = createFakeView()
    const text = await createNodeMetricsRegistry(view).metrics()
    const types = Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => [match[1], match[2]]))
    assert.deepEqual(types, {
      ippoc_peers: 'gauge',
      ippoc_entries_applied_total: 'counter',
      ippoc_entries_rejected_total: 'counter',
      ippoc_entries_pending: 'gauge',
      ippoc_gossip_messages_total: 'counter',
      ippoc_sync_messages_total: 'counter',
      ippoc_sync_messages_rejected_total: 'counter',
      ippoc_warrants_issued_total: 'counter',
      ippoc_warrants_accepted_total: 'counter',
      ippoc_bans_total: 'counter',
      ippoc_banned_peers: 'gauge',
      ippoc_gossip_latency_seconds: 'histogram',
      ippoc_state_root_age_seconds: 'gauge',
      ippoc_ledger_entries_counted: 'gauge',
    })
  })

  it('never lets a counter go down when the view’s number does', async () => {
    const { view, metrics } = createFakeView({ entriesApplied: 10, gossipAccepted: 4 })
    const registry = createNodeMetricsRegistry(view)
    assert.equal((await scrape(view, registry)).get('ippoc_entries_applied_total'), 10)
    Object.assign(metrics, { entriesApplied: 3, gossipAccepted: Number.NaN })
    const afterDrop = await scrape(view, registry)
    assert.equal(afterDrop.get('ippoc_entries_applied_total'), 10)
    assert.equal(afterDrop.get('ippoc_gossip_messages_total{verdict="accept"}'), 4)
    Object.assign(metrics, { entriesApplied: 12 })
    assert.equal((await scrape(view, registry)).get('ippoc_entries_applied_total'), 12)
  })

  it('counts drained gossip latency samples in the histogram, once each', async () => {
    const { view, metrics } = createFakeView({ latencySamplesMs: [3, 20, 1_500, -40, Number.NaN] })
    const registry = createNodeMetricsRegistry(view)
    const first = await scrape(view, registry)
    assert.equal(metrics.latencySamplesMs.length, 0)
    assert.equal(first.get('ippoc_gossip_latency_seconds_count'), 4)
    assert.equal(first.get('ippoc_gossip_latency_seconds_bucket{le="0.005"}'), 2)
    assert.equal(first.get('ippoc_gossip_latency_seconds_bucket{le="0.025"}'), 3)
    assert.equal(first.get('ippoc_gossip_latency_seconds_bucket{le="1"}'), 3)
    assert.equal(first.get('ippoc_gossip_latency_seconds_bucket{le="2.5"}'), 4)
    assert.equal(first.get('ippoc_gossip_latency_seconds_bucket{le="10"}'), 4)
    assert.equal(first.get('ippoc_gossip_latency_seconds_bucket{le="+Inf"}'), 4)
    assert.ok(Math.abs((first.get('ippoc_gossip_latency_seconds_sum') ?? 0) - 1.523) < 1e-9)

    const unchanged = await scrape(view, registry)
    assert.equal(unchanged.get('ippoc_gossip_latency_seconds_count'), 4)
    metrics.latencySamplesMs.push(30_000)
    const later = await scrape(view, registry)
    assert.equal(later.get('ippoc_gossip_latency_seconds_count'), 5)
    assert.equal(later.get('ippoc_gossip_latency_seconds_bucket{le="10"}'), 4)
  })

  it('gives each view its own registry, so two nodes in one process do not collide', async () => {
    const one = createFakeView({ entriesApplied: 1, latencySamplesMs: [10] })
    const two = createFakeView({ entriesApplied: 2 })
    const registryOne = createNodeMetricsRegistry(one.view)
    const registryTwo = createNodeMetricsRegistry(two.view)
    assert.notEqual(registryOne, registryTwo)
    const [samplesOne, samplesTwo] = [await scrape(one.view, registryOne), await scrape(two.view, registryTwo)]
    assert.equal(samplesOne.get('ippoc_entries_applied_total'), 1)
    assert.equal(samplesTwo.get('ippoc_entries_applied_total'), 2)
    assert.equal(samplesOne.get('ippoc_gossip_latency_seconds_count'), 1)
    assert.equal(samplesTwo.get('ippoc_gossip_latency_seconds_count'), 0)
  })

  it('refuses something that is not a view by name', () => {
    for (const view of [undefined, null, {}, { status: () => ({}) }]) {
      assert.throws(() => createNodeMetricsRegistry(view as unknown as NodeView), { name: 'InvalidArgumentError' })
    }
  })
})

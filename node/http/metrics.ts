/**
 * The node's Prometheus metrics. Every value is read from the {@link NodeView} when `/metrics` is
 * scraped, so nothing in the node core has to know Prometheus exists.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { InvalidArgumentError } from '../../common/base-error.ts'
import { describeValue } from '../../common/describe-value.ts'
import type { NodeMetrics, NodeView } from '../node-view.ts'

/** Buckets of `ippoc_gossip_latency_seconds`, from 5 ms to 10 s. */
export const GOSSIP_LATENCY_BUCKETS_SECONDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

type MonotonicMetricName = Exclude<keyof NodeMetrics, 'entriesPending' | 'drainGossipLatencyMs'>

/**
 * Creates a registry holding this node's metrics. Each call makes its own `Registry` (never
 * prom-client's global one), so any number of nodes can share one process.
 *
 * @example
 * const registry = createNodeMetricsRegistry(view)
 * response.setHeader('content-type', registry.contentType)
 * response.end(await registry.metrics())
 */
export function createNodeMetricsRegistry(view: NodeView): Registry {
  if (typeof view !== 'object' || view === null || typeof view.status !== 'function' || typeof view.metrics?.drainGossipLatencyMs !== 'function') {
    throw new InvalidArgumentError({ argument: 'view', expected: 'a NodeView', received: describeValue(view) })
  }
  const registry = new Registry()
  const registers = [registry]
  const metrics = view.metrics

  const monotonicCounter = (name: string, help: string, source: MonotonicMetricName): void => {
    const reading = createMonotonicReading()
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.inc(reading(metrics[source]))
      },
    })
  }
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read())
      },
    })
  }

  gauge('ippoc_peers', 'Peers this node is connected to.', () => view.status().peers)
  monotonicCounter('ippoc_entries_applied_total', 'Ledger entries applied to this node’s state.', 'entriesApplied')
  monotonicCounter('ippoc_entries_rejected_total', 'Ledger entries this node rejected.', 'entriesRejected')
  gauge('ippoc_entries_pending', 'Ledger entries held until what they depend on arrives.', () => metrics.entriesPending)
  createGossipVerdictCounter(registers, metrics)
  monotonicCounter('ippoc_sync_messages_total', 'Sync messages received.', 'syncMessagesIn')
  monotonicCounter('ippoc_sync_messages_rejected_total', 'Sync messages rejected.', 'syncMessagesRejected')
  monotonicCounter('ippoc_warrants_issued_total', 'Warrants this node issued against misbehaving peers.', 'warrantsIssued')
  monotonicCounter('ippoc_warrants_accepted_total', 'Warrants from other nodes this node verified and accepted.', 'warrantsAccepted')
  monotonicCounter('ippoc_bans_total', 'Bans this node has imposed.', 'bans')
  gauge('ippoc_banned_peers', 'Peers banned now.', () => view.status().banned)
  new Histogram({
    name: 'ippoc_gossip_latency_seconds',
    help: 'Time from a gossiped entry’s timestamp to its arrival here.',
    buckets: [...GOSSIP_LATENCY_BUCKETS_SECONDS],
    registers,
    collect() {
      for (const latencyMs of metrics.drainGossipLatencyMs()) {
        // Clocks of different machines disagree a little; a sample from the future counts as zero.
        if (Number.isFinite(latencyMs)) this.observe(Math.max(0, latencyMs) / 1000)
      }
    },
  })
  gauge('ippoc_state_root_age_seconds', 'Seconds since the state root last changed.', () => {
    const status = view.status()
    return Math.max(0, status.nowMs - status.stateRootChangedAtMs) / 1000
  })
  gauge('ippoc_ledger_entries_counted', 'Ledger entries counted in balances and the state root.', () => view.status().entries.counted)
  return registry
}

function createGossipVerdictCounter(registers: Registry[], metrics: NodeMetrics): void {
  const verdicts = [
    ['accept', 'gossipAccepted', createMonotonicReading()],
    ['reject', 'gossipRejected', createMonotonicReading()],
    ['ignore', 'gossipIgnored', createMonotonicReading()],
  ] as const
  new Counter({
    name: 'ippoc_gossip_messages_total',
    help: 'Gossip messages received, by validation verdict.',
    labelNames: ['verdict'],
    registers,
    collect() {
      for (const [verdict, source, reading] of verdicts) this.inc({ verdict }, reading(metrics[source]))
    },
  })
}

/**
 * Turns successive readings of a monotonic number into increments for a Prometheus counter. A
 * reading below the highest seen so far (a bug, or a core that restarted its count) adds nothing,
 * so the exported counter never goes down.
 */
function createMonotonicReading(): (value: number) => number {
  let highest = 0
  return (value) => {
    if (!Number.isFinite(value) || value <= highest) return 0
    const increment = value - highest
    highest = value
    return increment
  }
}

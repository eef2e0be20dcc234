/** The swarm from its nodes' HTTP APIs: status, trust, balances, state roots, entries, bans. */
import { useEffect, useState } from 'react'
import type { DashboardConfig } from '../config.ts'
import { compareStateRoots, readNodeSnapshot, type NodeSnapshot } from '../swarm/read-swarm.ts'
import { formatLedgerAmount, shortHex } from './format.ts'

/** How often the page polls every node. */
export const nodePollIntervalMs = 2_000

function NodeCard({ snapshot, divergent }: { snapshot: NodeSnapshot; divergent: boolean }) {
  if (!snapshot.ok) {
    return (
      <div className="panel node down" data-testid="node-card">
        <h3>{snapshot.url}</h3>
        <p className="banner error">unreachable: {snapshot.error}</p>
      </div>
    )
  }
  const { status, peers, balances, entries, bans } = snapshot
  return (
    <div className={`panel node ${divergent ? 'divergent' : ''}`} data-testid="node-card" data-node-id={status.nodeId}>
      <h3>
        <code title={status.nodeId}>{shortHex(status.nodeId)}</code> <span className={`badge mode-${status.mode}`}>{status.mode}</span>
      </h3>
      <p className="muted">{snapshot.url} · {status.peers} peers · {status.entries.counted} entries counted · {status.banned} banned</p>
      <p>
        state root <code title={status.stateRoot} data-testid="node-root">{shortHex(status.stateRoot)}</code> {divergent && <span className="badge bad">differs</span>}
      </p>
      <h4>Peers</h4>
      <ul className="plain">
        {peers.map((peer) => (
          <li key={peer.nodeId}>
            <code>{shortHex(peer.nodeId)}</code> trust {peer.trust.toFixed(2)} {peer.connected ? '' : '(disconnected)'} {peer.banned && <span className="badge bad">banned</span>}
          </li>
        ))}
      </ul>
      <h4>Balances</h4>
      <ul className="plain">
        {balances.map((row) => (
          <li key={row.account}>
            <code title={row.account}>{shortHex(row.account)}</code>{' '}
            {Object.entries(row.balances).map(([currency, amount]) => `${formatLedgerAmount(amount)} ${currency}`).join(' · ')}
          </li>
        ))}
      </ul>
      <h4>Recent entries</h4>
      <ul className="plain entries">
        {entries.map((entry) => (
          <li key={entry.id} data-testid="entry" data-valid={String(entry.verdict.valid)} title={entry.verdict.valid ? 'signature verified in this browser' : entry.verdict.reason}>
            <span className={entry.verdict.valid ? 'good' : 'bad'}>{entry.verdict.valid ? '✓' : '✗'}</span> <code>{shortHex(entry.author, 4)}</code> #{entry.seq} {entry.action} <span className="muted">{entry.standing}</span>
            {!entry.verdict.valid && <span className="bad"> — {entry.verdict.reason}</span>}
          </li>
        ))}
      </ul>
      {bans.length > 0 && (
        <>
          <h4>Bans</h4>
          <ul className="plain">
            {bans.map((ban) => (
              <li key={ban.nodeId} data-testid="ban">
                <code>{shortHex(ban.nodeId)}</code> {ban.reason} at {new Date(ban.atMs).toISOString()}
                {ban.warrant !== undefined && <details><summary>warrant ({Math.floor((ban.warrant.length * 3) / 4)} bytes)</summary><code className="wrap">{ban.warrant}</code></details>}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  )
}

/** Polls every configured node and shows whether their state roots agree. */
export function SwarmPanel({ config }: { config: DashboardConfig }) {
  const [snapshots, setSnapshots] = useState<NodeSnapshot[]>([])
  useEffect(() => {
    if (config.nodes.length === 0) return
    let stopped = false
    const poll = async () => {
      const next = await Promise.all(config.nodes.map((url, index) => readNodeSnapshot(`node/${index}`, url)))
      if (!stopped) setSnapshots(next)
    }
    void poll()
    const timer = setInterval(() => void poll(), nodePollIntervalMs)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [config.nodes])
  if (config.nodes.length === 0) return null
  const { agreed, roots } = compareStateRoots(snapshots)
  const leading = [...roots.entries()].reduce<[string, string[]] | undefined>((best, item) => (best === undefined || item[1].length > best[1].length ? item : best), undefined)?.[0]
  return (
    <section className="swarm" data-testid="swarm">
      <h2>
        Swarm · {config.nodes.length} nodes{' '}
        {snapshots.length > 0 && (agreed ? <span className="badge ok" data-testid="roots-agree">state roots agree</span> : <span className="badge bad" data-testid="roots-disagree">state roots disagree</span>)}
      </h2>
      <div className="nodes">
        {snapshots.map((snapshot) => (
          <NodeCard key={snapshot.url} snapshot={snapshot} divergent={snapshot.ok && !agreed && snapshot.status.stateRoot !== leading} />
        ))}
      </div>
    </section>
  )
}

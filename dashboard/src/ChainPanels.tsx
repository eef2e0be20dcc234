/** Treasury balances, the evolution registry and the ledger anchors per epoch. */
import type { GovernanceSnapshot } from '../chain/read-governance.ts'
import { formatToken, shortHex, shortProposalId } from './format.ts'

/** ETH and iUSD held by the treasury. */
export function TreasuryPanel({ snapshot }: { snapshot: GovernanceSnapshot }) {
  return (
    <div className="panel" data-testid="treasury">
      <h2>Treasury</h2>
      <p><b data-testid="treasury-eth">{formatToken(snapshot.treasury.etherWei)}</b> ETH</p>
      <p><b data-testid="treasury-iusd">{formatToken(snapshot.treasury.iusd)}</b> iUSD</p>
    </div>
  )
}

/** Every recorded evolution with its status and risk. */
export function EvolutionsPanel({ snapshot }: { snapshot: GovernanceSnapshot }) {
  return (
    <div className="panel" data-testid="evolutions">
      <h2>Evolutions</h2>
      {snapshot.evolutions.length === 0 ? (
        <p className="muted">None recorded.</p>
      ) : (
        <ul className="plain">
          {snapshot.evolutions.map((evolution) => (
            <li key={evolution.evolutionId.toString()}>
              <b>{evolution.status}</b> patch <code title={evolution.patchHash}>{shortHex(evolution.patchHash)}</code> · risk {(evolution.riskScoreBps / 100).toFixed(2)} % · proposal {shortProposalId(evolution.proposalId)}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

/** Which node anchored which root per epoch; a node whose root differs from the leading one is flagged. */
export function AnchorsPanel({ snapshot }: { snapshot: GovernanceSnapshot }) {
  return (
    <div className="panel" data-testid="anchors">
      <h2>Ledger anchors</h2>
      {snapshot.anchors.length === 0 ? (
        <p className="muted">No roots anchored yet.</p>
      ) : (
        snapshot.anchors.map((epoch) => (
          <div key={epoch.epoch.toString()} className="epoch" data-testid={`anchor-epoch-${epoch.epoch}`}>
            <h3>
              epoch {epoch.epoch.toString()} {epoch.agreed ? <span className="badge ok">agree</span> : <span className="badge bad">disagree</span>}
            </h3>
            <ul className="plain">
              {epoch.posts.map((post) => (
                <li key={post.nodeId} className={post.root === epoch.leadingRoot ? '' : 'divergent'} data-testid="anchor-post">
                  node <code title={post.nodeId}>{shortHex(post.nodeId)}</code> → <code title={post.root}>{shortHex(post.root)}</code>
                  {post.root !== epoch.leadingRoot && ' ✗ differs'}
                </li>
              ))}
            </ul>
          </div>
        ))
      )}
    </div>
  )
}

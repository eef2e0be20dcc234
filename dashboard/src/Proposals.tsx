/** The proposal list and the detail view with its actions (vote, veto, queue, execute). */
import type { GovernanceSnapshot, ProposalView, Tally } from '../chain/read-governance.ts'
import type { GovernorCall, SigningWallet } from '../chain/send-governor-call.ts'
import { formatToken, shortHex, shortProposalId } from './format.ts'

/** States in which the guardian's veto can still act. */
const vetoableStates = new Set(['Pending', 'Active', 'Succeeded', 'Queued', 'Defeated'])

function stateLabel(proposal: ProposalView): string {
  return proposal.vetoedAtBlock !== undefined ? 'Vetoed' : proposal.state
}

function TallyText({ tally, testId }: { tally: Tally; testId: string }) {
  return (
    <span data-testid={testId}>
      for {formatToken(tally.for)} · against {formatToken(tally.against)} · abstain {formatToken(tally.abstain)}
    </span>
  )
}

/** Every proposal, newest first. */
export function ProposalList(props: { proposals: readonly ProposalView[]; selectedId: bigint | undefined; onSelect: (id: bigint) => void }) {
  const { proposals, selectedId, onSelect } = props
  return (
    <div className="panel">
      <h2>Proposals</h2>
      {proposals.length === 0 ? (
        <p className="muted">No proposals yet.</p>
      ) : (
        <table className="proposals">
          <thead>
            <tr>
              <th>id</th>
              <th>description</th>
              <th>state</th>
              <th>proposer</th>
              <th>human</th>
              <th>AI (as cast)</th>
              <th>quorum</th>
            </tr>
          </thead>
          <tbody>
            {proposals.map((proposal) => {
              const id = proposal.proposalId.toString()
              return (
                <tr key={id} data-testid={`proposal-row-${id}`} className={proposal.proposalId === selectedId ? 'selected' : ''} onClick={() => onSelect(proposal.proposalId)}>
                  <td title={id}>{shortProposalId(proposal.proposalId)}</td>
                  <td>{proposal.description.split('\n')[0]}</td>
                  <td><span className={`badge state-${stateLabel(proposal).toLowerCase()}`} data-testid="row-state">{stateLabel(proposal)}</span></td>
                  <td title={proposal.proposer}>{shortHex(proposal.proposer)}</td>
                  <td><TallyText tally={proposal.human} testId="row-human" /></td>
                  <td><TallyText tally={proposal.advisory} testId="row-ai" /></td>
                  <td>{proposal.quorumReached ? '✓' : '—'} {formatToken(proposal.quorum)}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </div>
  )
}

function Timeline({ proposal, snapshot }: { proposal: ProposalView; snapshot: GovernanceSnapshot }) {
  const now = snapshot.blockTimestamp
  const rows: [string, string][] = [
    ['created', `block ${proposal.createdAtBlock}`],
    ['voting starts', `block ${proposal.voteStart + 1n}`],
    ['voting ends', `block ${proposal.voteEnd}`],
  ]
  if (proposal.queuedAtBlock !== undefined) {
    const wait = proposal.etaSeconds > now ? ` (in ${proposal.etaSeconds - now} s)` : ' (ready)'
    rows.push(['queued', `block ${proposal.queuedAtBlock}, executable after ${new Date(Number(proposal.etaSeconds) * 1000).toISOString()}${proposal.executedAtBlock === undefined ? wait : ''}`])
  }
  if (proposal.executedAtBlock !== undefined) rows.push(['executed', `block ${proposal.executedAtBlock}`])
  if (proposal.vetoedAtBlock !== undefined) rows.push(['vetoed by the guardian', `block ${proposal.vetoedAtBlock}`])
  else if (proposal.canceledAtBlock !== undefined) rows.push(['canceled', `block ${proposal.canceledAtBlock}`])
  return (
    <ol className="timeline" data-testid="timeline">
      {rows.map(([what, when]) => (
        <li key={what}>
          <b>{what}</b> {when}
        </li>
      ))}
    </ol>
  )
}

/** One proposal: description, timeline, tallies, actions, evolution, and what the account can do. */
export function ProposalDetail(props: { proposal: ProposalView; snapshot: GovernanceSnapshot; wallet: SigningWallet | undefined; isGuardian: boolean; busy: boolean; onAct: (call: GovernorCall, label: string) => void }) {
  const { proposal, snapshot, wallet, isGuardian, busy, onAct } = props
  const { evolution } = proposal
  const state = proposal.state
  return (
    <div className="panel detail" data-testid="proposal-detail">
      <h2>
        Proposal <span title={proposal.proposalId.toString()}>{shortProposalId(proposal.proposalId)}</span>{' '}
        <span className={`badge state-${stateLabel(proposal).toLowerCase()}`} data-testid="detail-state">{stateLabel(proposal)}</span>
      </h2>
      <pre className="description">{proposal.description}</pre>
      <p className="muted">proposed by {proposal.proposer}</p>
      <Timeline proposal={proposal} snapshot={snapshot} />
      <table className="tallies">
        <tbody>
          <tr><th>human votes</th><td><TallyText tally={proposal.human} testId="detail-human" /></td></tr>
          <tr><th>AI advisory (as cast)</th><td><TallyText tally={proposal.advisory} testId="detail-ai" /></td></tr>
          <tr><th>counted (AI ≤ {Number(snapshot.aiShareMaxBps) / 100} %)</th><td><TallyText tally={proposal.counted} testId="detail-counted" /></td></tr>
          <tr><th>quorum (human for + abstain)</th><td data-testid="detail-quorum">{formatToken(proposal.quorum)} {proposal.quorumReached ? '✓ reached' : 'not reached'}</td></tr>
        </tbody>
      </table>
      <h3>Actions</h3>
      <ol className="actions">
        {proposal.actions.map((action, index) => (
          <li key={index}><code>{action}</code></li>
        ))}
      </ol>
      {evolution !== undefined && (
        <div className="evolution" data-testid="detail-evolution">
          <h3>Evolution {evolution.evolutionId.toString()}</h3>
          <p>patch hash <code>{evolution.patchHash}</code></p>
          <p>risk score <b>{(evolution.riskScoreBps / 100).toFixed(2)} %</b> · status {evolution.status}</p>
          <p>report hash <code>{evolution.reportHash}</code></p>
          {evolution.report === undefined ? <p className="muted">No sandbox report in the dashboard configuration.</p> : <pre className="report">{JSON.stringify(evolution.report, null, 2)}</pre>}
        </div>
      )}
      <div className="buttons">
        {wallet === undefined && <p className="muted">Connect an account to act on this proposal.</p>}
        {wallet !== undefined && state === 'Active' && (
          <>
            <button type="button" disabled={busy} onClick={() => onAct({ kind: 'vote', proposal, support: 'for' }, 'Vote for')}>Vote for</button>
            <button type="button" disabled={busy} onClick={() => onAct({ kind: 'vote', proposal, support: 'against' }, 'Vote against')}>Vote against</button>
            <button type="button" disabled={busy} onClick={() => onAct({ kind: 'vote', proposal, support: 'abstain' }, 'Abstain')}>Abstain</button>
          </>
        )}
        {wallet !== undefined && state === 'Succeeded' && <button type="button" disabled={busy} onClick={() => onAct({ kind: 'queue', proposal }, 'Queue')}>Queue</button>}
        {wallet !== undefined && state === 'Queued' && <button type="button" disabled={busy} onClick={() => onAct({ kind: 'execute', proposal }, 'Execute')}>Execute</button>}
        {isGuardian && vetoableStates.has(state) && (
          <button type="button" className="danger" disabled={busy} onClick={() => onAct({ kind: 'veto', proposal }, 'Veto')}>Veto</button>
        )}
      </div>
    </div>
  )
}

/** The dashboard: account bar, proposals with their detail, treasury, evolutions, anchors, swarm. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { createPublicClient, http, type Address, type PublicClient } from 'viem'
import type { DashboardConfig } from '../config.ts'
import { connectDevAccount, connectInjectedWallet, devnetChainId, listDevAccounts } from '../chain/connect-wallet.ts'
import { createGovernanceReader, type GovernanceSnapshot } from '../chain/read-governance.ts'
import { sendGovernorCall, type GovernorCall, type SigningWallet } from '../chain/send-governor-call.ts'
import { errorToWords } from '../error-words.ts'
import { AnchorsPanel, EvolutionsPanel, TreasuryPanel } from './ChainPanels.tsx'
import { ProposalDetail, ProposalList } from './Proposals.tsx'
import { SwarmPanel } from './SwarmPanel.tsx'
import { shortHex } from './format.ts'

/** How often the page asks the chain for a new block. */
export const blockPollIntervalMs = 1_000

type Notice = { kind: 'ok' | 'error'; text: string; errorName?: string | undefined }

function AccountBar(props: { config: DashboardConfig; wallet: SigningWallet | undefined; onConnect: (wallet: SigningWallet | undefined) => void; onError: (error: unknown) => void; isGuardian: boolean }) {
  const { config, wallet, onConnect, onError, isGuardian } = props
  const [accounts, setAccounts] = useState<Address[]>([])
  const isDevnet = config.chainId === devnetChainId
  useEffect(() => {
    if (isDevnet) listDevAccounts(config.rpcUrl).then(setAccounts, onError)
  }, [isDevnet, config.rpcUrl, onError])
  return (
    <div className="account-bar" data-testid="account-bar">
      {isDevnet ? (
        <label>
          Account{' '}
          <select data-testid="account-select" value={wallet?.account.address ?? ''} onChange={(event) => onConnect(event.target.value === '' ? undefined : connectDevAccount(config.rpcUrl, event.target.value as Address))}>
            <option value="">— pick a dev account —</option>
            {accounts.map((account, index) => (
              <option key={account} value={account}>
                #{index} {account}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <button type="button" onClick={() => connectInjectedWallet((window as { ethereum?: Parameters<typeof connectInjectedWallet>[0] }).ethereum, config.chainId).then(onConnect, onError)}>
          {wallet === undefined ? 'Connect wallet' : `Connected ${shortHex(wallet.account.address)}`}
        </button>
      )}
      {wallet !== undefined && (
        <span className="connected" data-testid="connected-account">
          {shortHex(wallet.account.address)} {isGuardian && <span className="badge guardian">guardian</span>}
        </span>
      )}
    </div>
  )
}

/** The whole page for one configuration. */
export function App({ config }: { config: DashboardConfig }) {
  const publicClient = useMemo(() => createPublicClient({ transport: http(config.rpcUrl, { retryCount: 0 }), pollingInterval: 250 }) as PublicClient, [config.rpcUrl])
  const reader = useMemo(() => createGovernanceReader(publicClient, config), [publicClient, config])
  const [snapshot, setSnapshot] = useState<GovernanceSnapshot | undefined>(undefined)
  const [chainError, setChainError] = useState<string | undefined>(undefined)
  const [wallet, setWallet] = useState<SigningWallet | undefined>(undefined)
  const [selectedId, setSelectedId] = useState<bigint | undefined>(undefined)
  const [busy, setBusy] = useState<string | undefined>(undefined)
  const [notice, setNotice] = useState<Notice | undefined>(undefined)
  const lastBlock = useRef<bigint | undefined>(undefined)
  const reading = useRef(false)

  const refresh = useCallback(
    async (force: boolean) => {
      if (reading.current) return
      reading.current = true
      try {
        const blockNumber = await publicClient.getBlockNumber({ cacheTime: 0 })
        if (force || blockNumber !== lastBlock.current) {
          const next = await reader.read()
          lastBlock.current = next.blockNumber
          setSnapshot(next)
        }
        setChainError(undefined)
      } catch (error) {
        setChainError(errorToWords(error, config.rpcUrl).message)
      } finally {
        reading.current = false
      }
    },
    [publicClient, reader, config.rpcUrl],
  )

  useEffect(() => {
    void refresh(true)
    const timer = setInterval(() => void refresh(false), blockPollIntervalMs)
    return () => clearInterval(timer)
  }, [refresh])

  const showError = useCallback((error: unknown) => {
    const words = errorToWords(error, config.rpcUrl)
    setNotice({ kind: 'error', text: words.message, errorName: words.errorName })
  }, [config.rpcUrl])

  const act = useCallback(
    async (call: GovernorCall, label: string) => {
      if (wallet === undefined) return
      setBusy(label)
      setNotice(undefined)
      try {
        await sendGovernorCall({ publicClient, wallet, governor: config.contracts.governor }, call)
        setNotice({ kind: 'ok', text: `${label}: done.` })
      } catch (error) {
        showError(error)
      } finally {
        setBusy(undefined)
        await refresh(true)
      }
    },
    [wallet, publicClient, config.contracts.governor, refresh, showError],
  )

  const isGuardian = wallet !== undefined && snapshot !== undefined && wallet.account.address.toLowerCase() === snapshot.guardian.toLowerCase()
  const selected = snapshot?.proposals.find((item) => item.proposalId === selectedId)

  return (
    <main>
      <header>
        <h1>IPPOC Swarm DAO</h1>
        <span className="chain" data-testid="chain-status">
          chain {config.chainId} · {snapshot === undefined ? 'loading…' : <>block <b data-testid="block-number">{snapshot.blockNumber.toString()}</b></>}
        </span>
        <AccountBar config={config} wallet={wallet} onConnect={setWallet} onError={showError} isGuardian={isGuardian} />
      </header>
      {chainError !== undefined && <p className="banner error" data-testid="chain-error">Chain: {chainError}</p>}
      {notice !== undefined && (
        <p className={`banner ${notice.kind}`} data-testid="notice" data-error-name={notice.errorName ?? ''}>
          {notice.text} <button type="button" className="link" onClick={() => setNotice(undefined)}>dismiss</button>
        </p>
      )}
      {busy !== undefined && <p className="banner busy" data-testid="busy">{busy}…</p>}
      <section className="grid">
        <div className="column wide">
          <ProposalList proposals={snapshot?.proposals ?? []} selectedId={selectedId} onSelect={setSelectedId} />
          {selected !== undefined && snapshot !== undefined && (
            <ProposalDetail proposal={selected} snapshot={snapshot} wallet={wallet} isGuardian={isGuardian} busy={busy !== undefined} onAct={act} />
          )}
        </div>
        <div className="column">
          {snapshot !== undefined && <TreasuryPanel snapshot={snapshot} />}
          {snapshot !== undefined && <EvolutionsPanel snapshot={snapshot} />}
          {snapshot !== undefined && <AnchorsPanel snapshot={snapshot} />}
        </div>
      </section>
      <SwarmPanel config={config} />
    </main>
  )
}

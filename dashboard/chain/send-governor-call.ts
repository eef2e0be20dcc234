/**
 * The governor calls the dashboard makes: vote, veto (the guardian's cancel), queue and execute.
 * Each is simulated first, so a refusal is explained in words before anything is signed.
 */
import { keccak256, toBytes, type Account, type Address, type Chain, type Hash, type PublicClient, type Transport, type WalletClient } from 'viem'
import { hybridGovernorAbi } from '../../governance/abi.ts'
import type { ProposalView } from './read-governance.ts'

/** Vote support values, Governor Bravo order. */
export const voteSupport = { against: 0, for: 1, abstain: 2 } as const

/** What the user asked for. */
export type GovernorCall =
  | { kind: 'vote'; proposal: ProposalView; support: keyof typeof voteSupport }
  | { kind: 'veto' | 'queue' | 'execute'; proposal: ProposalView }

/** A wallet that can sign: an unlocked dev account over JSON-RPC or an injected wallet. */
export type SigningWallet = WalletClient<Transport, Chain | undefined, Account>

/** The transaction was mined but reverted (rare after a successful simulation). */
export class TransactionRevertedError extends Error {
  override name = 'TransactionRevertedError'
}

function requestFor(call: GovernorCall, governor: Address) {
  const { proposal } = call
  if (call.kind === 'vote') {
    return { address: governor, abi: hybridGovernorAbi, functionName: 'castVote', args: [proposal.proposalId, voteSupport[call.support]] } as const
  }
  const functionName = call.kind === 'veto' ? 'cancel' : call.kind
  const args = [[...proposal.targets], [...proposal.values], [...proposal.calldatas], keccak256(toBytes(proposal.description))] as const
  return { address: governor, abi: hybridGovernorAbi, functionName, args } as const
}

/**
 * Simulates, sends and waits for one governor call; throws viem errors for `errorToWords`.
 *
 * @example
 * await sendGovernorCall({ publicClient, wallet, governor }, { kind: 'vote', proposal, support: 'for' })
 */
export async function sendGovernorCall(
  clients: { publicClient: PublicClient; wallet: SigningWallet; governor: Address },
  call: GovernorCall,
): Promise<Hash> {
  const { publicClient, wallet, governor } = clients
  const request = requestFor(call, governor)
  await publicClient.simulateContract({ ...request, account: wallet.account } as Parameters<PublicClient['simulateContract']>[0])
  const hash = await wallet.writeContract({ ...request, account: wallet.account, chain: null } as Parameters<SigningWallet['writeContract']>[0])
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 250 })
  if (receipt.status !== 'success') throw new TransactionRevertedError(`The transaction ${hash} was mined but reverted.`)
  return hash
}

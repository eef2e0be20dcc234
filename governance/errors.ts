/**
 * Every way the governance client refuses or fails, and `describeChainError`, which turns a viem
 * error (a revert with custom error data, an unreachable RPC) into one of them in plain words.
 * Code and tests tell errors apart by `name`.
 */
import {
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  HttpRequestError,
  decodeErrorResult,
  type Hex,
} from 'viem'
import { BaseError } from '../common/base-error.ts'
import { governanceErrorsAbi } from './abi.ts'

/** `IGovernor.ProposalState` names, by value. */
export const proposalStateNames = ['Pending', 'Active', 'Canceled', 'Defeated', 'Succeeded', 'Queued', 'Expired', 'Executed'] as const

/** `EvolutionRegistry.EvolutionStatus` names, by value. */
export const evolutionStatusNames = ['None', 'Proposed', 'Approved', 'Vetoed', 'Deployed', 'RolledBack'] as const

/** A command-line argument or option has the wrong form. */
export class GovernanceArgumentError extends BaseError {
  override name = 'GovernanceArgumentError'
  constructor({ argument, expected, received }: { argument: string; expected: string; received: string }) {
    super(`Invalid ${argument}: expected ${expected}, got ${JSON.stringify(received)}.`)
  }
}

/** No deployment file for the chain. */
export class DeploymentNotFoundError extends BaseError {
  override name = 'DeploymentNotFoundError'
  constructor({ path, chainId, cause }: { path: string; chainId?: number | undefined; cause?: unknown }) {
    super(`No deployment file at ${path}.`, {
      details: chainId === undefined ? undefined : `chain id ${chainId}`,
      hints: ['Deploy the contracts first: `npm run deploy` (local chain) or `npm run deploy -- --network testnet`.', 'Or pass `--deployment FILE`.'],
      cause,
    })
  }
}

/** The deployment file is not valid. */
export class DeploymentInvalidError extends BaseError {
  override name = 'DeploymentInvalidError'
  constructor({ path, problem }: { path: string; problem: string }) {
    super(`Deployment file ${path} is not valid: ${problem}.`, {
      hints: ['Redeploy with `npm run deploy`, which rewrites the file.'],
    })
  }
}

/** The deployment file is for another chain, or its contracts are not on this chain (a restarted local chain). */
export class DeploymentMismatchError extends BaseError {
  override name = 'DeploymentMismatchError'
  constructor({ path, problem }: { path: string; problem: string }) {
    super(`The deployment in ${path} does not match the chain: ${problem}.`, {
      hints: ['A restarted local chain forgets its contracts: run `npm run deploy` again.', 'Check `--rpc-url` and `--deployment`.'],
    })
  }
}

/** The RPC endpoint cannot be reached. */
export class ChainUnreachableError extends BaseError {
  override name = 'ChainUnreachableError'
  constructor({ rpcUrl, cause, hints }: { rpcUrl: string; cause?: unknown; hints?: readonly string[] }) {
    super(`Cannot reach the chain at ${rpcUrl}.`, {
      details: cause instanceof ViemBaseError ? cause.shortMessage : cause instanceof Error ? cause.message.split('\n')[0] : undefined,
      hints: hints ?? ['Start a local chain with `npm run chain` (then `npm run deploy`), or pass `--rpc-url`.'],
      cause,
    })
  }
}

/** No account to sign with. */
export class AccountMissingError extends BaseError {
  override name = 'AccountMissingError'
  constructor({ chainId }: { chainId: number }) {
    super(`No account to sign with on chain ${chainId}.`, {
      hints: ['Set IPPOC_PRIVATE_KEY to the 0x-prefixed private key of the account to use.', 'Development accounts (`--account-index N`) exist only on the local chain (31337).'],
    })
  }
}

/** No proposal with this id was created by the deployed governor. */
export class ProposalNotFoundError extends BaseError {
  override name = 'ProposalNotFoundError'
  constructor({ proposalId }: { proposalId: bigint }) {
    super(`No proposal ${proposalId} on this governor.`, {
      hints: ['List the proposals with `ippoc gov status`.'],
    })
  }
}

/** The signing account is not a registered node, but the action needs one. */
export class NodeNotRegisteredError extends BaseError {
  override name = 'NodeNotRegisteredError'
  constructor({ account, action }: { account: string; action: string }) {
    super(`Account ${account} is not a registered node, so it cannot ${action}.`, {
      hints: ['Register it through governance or the registrar: `ippoc gov register-node NODE_ID ADDRESS`.'],
    })
  }
}

/** The sandbox simulation failed, so the evolution is not proposed. */
export class EvolutionRefusedError extends BaseError {
  override name = 'EvolutionRefusedError'
  constructor({ patchHash, riskScore, reasons }: { patchHash: string; riskScore: number; reasons: readonly string[] }) {
    super(`The patch failed its sandbox simulation (risk ${riskScore} bps); it was not proposed.`, {
      details: [`Patch ${patchHash}.`, ...reasons].join(' '),
      hints: ['Fix the patch so the checks pass, then propose it again.'],
    })
  }
}

/** `evolve merge` refused to merge (the chain has not approved the patch, the tree is dirty, …). */
export class EvolutionMergeRefusedError extends BaseError {
  override name = 'EvolutionMergeRefusedError'
  /** Why, for code to branch on (`chain-not-executed`, `working-tree-dirty`, …). */
  readonly refusal: string
  constructor({ evolutionId, refusal, reason }: { evolutionId: bigint; refusal: string; reason: string }) {
    super(`Evolution ${evolutionId} was not merged: ${reason}`)
    this.refusal = refusal
  }
}

/** A transaction was mined but reverted. */
export class TransactionRevertedError extends BaseError {
  override name = 'TransactionRevertedError'
  constructor({ transactionHash, action }: { transactionHash: Hex; action: string }) {
    super(`The transaction to ${action} was mined but reverted.`, { details: `transaction ${transactionHash}` })
  }
}

/** A contract refused a call; the message says why in words. */
export class ContractRefusedError extends BaseError {
  override name = 'ContractRefusedError'
  /** The Solidity custom error name, or undefined for a plain or empty revert. */
  readonly errorName: string | undefined
  /** The decoded custom error arguments. */
  readonly errorArgs: readonly unknown[]
  constructor({ message, errorName, errorArgs = [], details, hints, cause }: { message: string; errorName?: string | undefined; errorArgs?: readonly unknown[]; details?: string | undefined; hints?: readonly string[]; cause?: unknown }) {
    super(message, { details, hints, cause })
    this.errorName = errorName
    this.errorArgs = errorArgs
  }
}

type Explanation = { message: string; hints?: readonly string[] }

function stateName(value: unknown): string {
  return proposalStateNames[Number(value)] ?? `state ${String(value)}`
}

function statusName(value: unknown): string {
  return evolutionStatusNames[Number(value)] ?? `status ${String(value)}`
}

/** Lists the set bits of an OpenZeppelin state bitmap by name. */
function bitmapNames(bitmap: unknown, names: readonly string[]): string {
  const value = BigInt(bitmap as bigint)
  const set = names.filter((_, index) => (value >> BigInt(index)) & 1n)
  return set.length > 0 ? set.join(' or ') : 'none'
}

const operationStateNames = ['Unset', 'Waiting', 'Ready', 'Done'] as const

/** Plain-words explanations of the custom errors users meet, by name. */
const explanations: Record<string, (args: readonly unknown[]) => Explanation> = {
  GovernorUnexpectedProposalState: ([, current, expected]) => ({
    message: `The proposal is ${stateName(current)}; this needs it to be ${bitmapNames(expected, proposalStateNames)}.`,
    hints: ['See where it stands with `ippoc gov status ID`.'],
  }),
  GovernorNonexistentProposal: ([proposalId]) => ({ message: `There is no proposal ${String(proposalId)}.` }),
  GovernorAlreadyCastVote: ([voter]) => ({ message: `${String(voter)} has already voted on this proposal (one vote per account, human or AI).` }),
  GovernorInvalidVoteType: () => ({ message: 'The vote must be for, against or abstain.' }),
  GovernorUnableToCancel: ([, caller]) => ({
    message: `${String(caller)} cannot cancel this proposal: only the guardian can veto, and the proposer only while it is pending.`,
  }),
  GovernorInsufficientProposerVotes: ([proposer, votes, threshold]) => ({
    message: `${String(proposer)} has ${String(votes)} votes; proposing needs ${String(threshold)}.`,
    hints: ['Delegate constitutional tokens to this account first.'],
  }),
  GovernorRestrictedProposer: ([proposer]) => ({ message: `The description reserves this proposal for another proposer than ${String(proposer)}.` }),
  GovernorInvalidProposalLength: () => ({ message: 'A proposal needs at least one action, with as many values and calldatas as targets.' }),
  GovernorOnlyExecutor: ([caller]) => ({ message: `Only an executed proposal can do this; ${String(caller)} is not the timelock.` }),
  HybridGovernorUnregisteredNode: ([account, timepoint]) => ({
    message: `${String(account)} was not a registered node at the proposal snapshot (block ${String(timepoint)}), so it cannot cast an AI vote.`,
    hints: ['Nodes registered after a proposal was made vote from the next proposal on.'],
  }),
  HybridGovernorInvalidVoteParams: () => ({ message: 'The vote params are neither empty (a human vote) nor the AI advisory marker.' }),
  HybridGovernorUnauthorizedGuardian: ([caller]) => ({ message: `Only the guardian can do this; ${String(caller)} is not the guardian.` }),
  HybridGovernorInvalidGuardian: () => ({ message: 'The guardian cannot be the zero address: the veto must always have a holder.' }),
  HybridGovernorClockMismatch: ([tokenClock, registryClock]) => ({ message: `The token clock (${String(tokenClock)}) and the node registry clock (${String(registryClock)}) differ.` }),
  HybridGovernorTimelockLocked: () => ({ message: "The governor's timelock is fixed; no proposal can replace it." }),
  HybridGovernorRelayToTimelock: () => ({ message: 'The governor may not relay calls to the timelock: every timelock operation must be a vetoable proposal.' }),
  GuardedTimelockCancellerPermanent: ([account]) => ({ message: `The cancel right of ${String(account)} is permanent (it carries the guardian's veto).` }),
  GuardedTimelockRoleLocked: ([, account]) => ({ message: `A proposal cannot grant timelock roles other than canceller (refused for ${String(account)}).` }),
  GuardedTimelockDelayBelowFloor: ([delay, floor]) => ({ message: `A timelock delay of ${String(delay)} s is below the floor of ${String(floor)} s.` }),
  TimelockUnexpectedOperationState: ([, expected]) => ({
    message: `The timelock operation is not ${bitmapNames(expected, operationStateNames)} yet (or any more).`,
    hints: ['A queued proposal can execute only after the timelock delay: check its ETA with `ippoc gov status ID`.'],
  }),
  TimelockUnauthorizedCaller: ([caller]) => ({ message: `Only the timelock itself can do this; ${String(caller)} cannot.` }),
  TreasuryUnauthorized: ([caller]) => ({
    message: `Only an executed proposal (the timelock) can release treasury funds; ${String(caller)} cannot.`,
    hints: ['Propose the release: `ippoc gov propose --release-eth TO:AMOUNT -d "..."`.'],
  }),
  TreasuryInsufficientEther: ([requested, available]) => ({ message: `The treasury holds ${String(available)} wei; ${String(requested)} wei were requested.` }),
  TreasuryZeroRecipient: () => ({ message: 'The treasury does not pay the zero address.' }),
  TreasuryEtherTransferFailed: ([to, amount]) => ({ message: `${String(to)} refused the payment of ${String(amount)} wei.` }),
  TreasuryUnsupportedCall: ([selector]) => ({ message: `The treasury has no function ${String(selector)}.` }),
  NodeRegistryUnauthorized: ([caller]) => ({ message: `Only governance or a registrar can change nodes; ${String(caller)} is neither.` }),
  NodeRegistryInvalidNode: () => ({ message: 'A node needs a non-zero node id and account.' }),
  NodeRegistryNodeAlreadyRegistered: ([nodeId, account]) => ({ message: `Node ${String(nodeId)} is already registered to ${String(account)}.` }),
  NodeRegistryAccountInUse: ([account, nodeId]) => ({ message: `Account ${String(account)} already acts for node ${String(nodeId)}.` }),
  NodeRegistryUnknownNode: ([nodeId]) => ({ message: `Node ${String(nodeId)} is not registered.` }),
  NodeRegistryFull: ([limit]) => ({ message: `The node registry is full (${String(limit)} nodes).` }),
  NodeRegistryFutureLookup: ([timepoint, clock]) => ({ message: `Block ${String(timepoint)} is not in the past yet (now ${String(clock)}).` }),
  EvolutionRegistryUnregisteredNode: ([caller]) => ({ message: `${String(caller)} is not a registered node, so it cannot propose evolutions.` }),
  EvolutionRegistryUnauthorized: ([caller]) => ({ message: `Only an executed proposal (the timelock) can change an evolution's status; ${String(caller)} cannot.` }),
  EvolutionRegistryInvalidHash: () => ({ message: 'The patch hash and report hash must not be zero.' }),
  EvolutionRegistryInvalidRiskScore: ([score]) => ({ message: `A risk score of ${String(score)} bps is above the maximum of 10000.` }),
  EvolutionRegistryAlreadyProposed: ([evolutionId]) => ({ message: `Evolution ${String(evolutionId)} is already recorded.` }),
  EvolutionRegistryUnknownEvolution: ([evolutionId]) => ({ message: `There is no evolution ${String(evolutionId)}.` }),
  EvolutionRegistryProposalNotOpen: ([proposalId]) => ({ message: `The approval proposal ${String(proposalId)} does not exist or is no longer open.` }),
  EvolutionRegistryUnexpectedStatus: ([, current, allowed]) => ({
    message: `The evolution is ${statusName(current)}; this needs it to be ${bitmapNames(allowed, evolutionStatusNames)}.`,
  }),
  EvolutionRegistryUnexpectedProposalState: ([, proposalId, state]) => ({
    message: `The linked proposal ${String(proposalId)} is ${stateName(state)}, which does not allow this.`,
  }),
  LedgerAnchorUnregisteredNode: ([caller]) => ({ message: `${String(caller)} is not a registered node, so it cannot anchor ledger roots.` }),
  LedgerAnchorZeroRoot: () => ({ message: 'A ledger root cannot be zero.' }),
  LedgerAnchorAlreadyPosted: ([epoch, nodeId]) => ({ message: `Node ${String(nodeId)} already anchored a root for epoch ${String(epoch)}.` }),
  AccessControlUnauthorizedAccount: ([account, role]) => ({ message: `${String(account)} lacks the role ${String(role)}.` }),
  OwnableUnauthorizedAccount: ([account]) => ({ message: `Only the owner (governance) can do this; ${String(account)} cannot.` }),
  ERC20InsufficientBalance: ([sender, balance, needed]) => ({ message: `${String(sender)} holds ${String(balance)}; ${String(needed)} are needed.` }),
  ERC5805FutureLookup: ([timepoint, clock]) => ({ message: `Block ${String(timepoint)} is not in the past yet (now ${String(clock)}).` }),
  ReentrancyGuardReentrantCall: () => ({ message: 'Re-entering the treasury during a payment is refused.' }),
  FailedCall: () => ({ message: 'A call made by the proposal failed without a reason (for example, a function that does not exist).' }),
}

/** Decoded custom error: name and arguments. */
export type DecodedRevert = { errorName: string; args: readonly unknown[] }

/** Decodes revert data against every IPPOC contract error; undefined when it matches none. */
export function decodeRevertData(data: Hex | undefined): DecodedRevert | undefined {
  if (data === undefined || data.length < 10) return undefined
  try {
    const decoded = decodeErrorResult({ abi: governanceErrorsAbi, data })
    return { errorName: decoded.errorName, args: decoded.args ?? [] }
  } catch {
    return undefined
  }
}

/**
 * Explains a decoded custom error in words.
 *
 * @example
 * explainRevert({ errorName: 'TreasuryUnauthorized', args: ['0xabc…'] }).shortMessage
 * // 'Only an executed proposal (the timelock) can release treasury funds; 0xabc… cannot.'
 */
export function explainRevert(decoded: DecodedRevert, cause?: unknown): ContractRefusedError {
  const explain = explanations[decoded.errorName]
  const rendered = `${decoded.errorName}(${decoded.args.map((value) => String(value)).join(', ')})`
  if (explain === undefined) {
    return new ContractRefusedError({ message: `The contract refused the call: ${rendered}.`, errorName: decoded.errorName, errorArgs: decoded.args, cause })
  }
  const { message, hints } = explain(decoded.args)
  return new ContractRefusedError({ message, errorName: decoded.errorName, errorArgs: decoded.args, details: rendered, hints, cause })
}

/**
 * Turns any error from a chain call into an IPPOC error in words: a contract revert becomes a
 * `ContractRefusedError` (custom errors decoded against every IPPOC contract), an unreachable RPC a
 * `ChainUnreachableError`; IPPOC errors pass through unchanged.
 *
 * @example
 * try { await governor.write.castVote([id, 1]) } catch (error) { throw describeChainError(error, { rpcUrl }) }
 */
export function describeChainError(error: unknown, context: { rpcUrl?: string | undefined } = {}): BaseError {
  if (error instanceof BaseError) return error
  if (!(error instanceof ViemBaseError)) {
    return new BaseError(error instanceof Error ? error.message : String(error), { cause: error })
  }
  const reverted = error.walk((inner) => inner instanceof ContractFunctionRevertedError)
  if (reverted instanceof ContractFunctionRevertedError) {
    if (reverted.data?.errorName !== undefined && reverted.data.errorName !== 'Error' && reverted.data.errorName !== 'Panic') {
      return explainRevert({ errorName: reverted.data.errorName, args: reverted.data.args ?? [] }, error)
    }
    const decoded = decodeRevertData(reverted.raw)
    if (decoded !== undefined) return explainRevert(decoded, error)
    if (reverted.reason !== undefined) return new ContractRefusedError({ message: `The contract refused the call: ${reverted.reason}.`, cause: error })
    return new ContractRefusedError({
      message: 'The contract refused the call without giving a reason.',
      details: reverted.raw === undefined ? undefined : `revert data ${reverted.raw}`,
      cause: error,
    })
  }
  const unreachable = error.walk((inner) => inner instanceof HttpRequestError)
  if (unreachable instanceof HttpRequestError) return new ChainUnreachableError({ rpcUrl: context.rpcUrl ?? unreachable.url, cause: error })
  return new BaseError(error.shortMessage, { details: error.details || undefined, cause: error })
}

/**
 * Any error the page meets (a contract revert, a wallet refusal, an unreachable RPC or node) as one
 * sentence for the user: custom errors are decoded against every IPPOC contract and explained by
 * governance/errors.ts; the user never sees hex revert data or a stack.
 */
import { BaseError as ViemBaseError } from 'viem'
import { describeChainError, ContractRefusedError } from '../governance/errors.ts'

/** An error in words. */
export type ErrorWords = {
  message: string
  /** The Solidity custom error name, when a contract refused (tests assert it). */
  errorName: string | undefined
}

/** EIP-1193 "user rejected the request". */
const userRejectedCode = 4001

/**
 * Explains `error` in one sentence.
 *
 * @example
 * try { await castVote(…) } catch (error) { show(errorToWords(error, config.rpcUrl).message) }
 * // 'The proposal is Pending; this needs it to be Active.'
 */
export function errorToWords(error: unknown, rpcUrl?: string): ErrorWords {
  if (error instanceof ViemBaseError) {
    const rejected = error.walk((inner) => (inner as { code?: unknown }).code === userRejectedCode)
    if (rejected !== null && (rejected as { code?: unknown }).code === userRejectedCode) {
      return { message: 'You rejected the request in your wallet.', errorName: undefined }
    }
  }
  const described = describeChainError(error, { rpcUrl })
  return {
    message: described.shortMessage,
    errorName: described instanceof ContractRefusedError ? described.errorName : undefined,
  }
}

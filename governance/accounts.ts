/**
 * Which account signs governance transactions: a development account of the local chain
 * (`--account-index N`) or the private key in `IPPOC_PRIVATE_KEY`.
 */
import { mnemonicToAccount, privateKeyToAccount, type LocalAccount } from 'viem/accounts'
import { AccountMissingError, GovernanceArgumentError } from './errors.ts'

/** The chain id of Hardhat's local chain, the only one with development accounts. */
export const localChainId = 31337

/** The mnemonic of Hardhat's development accounts (public knowledge: never hold real value with it). */
export const developmentMnemonic = 'test test test test test test test test test test test junk'

/** The environment variable holding the signing key for non-local chains. */
export const privateKeyVariable = 'IPPOC_PRIVATE_KEY'

/** Development account indexes accepted (Hardhat funds 20). */
export const developmentAccountIndexMax = 19

/** Parameters of {@link resolveAccount}. */
export type ResolveAccountParameters = {
  chainId: number
  /** `--account-index`: a development account, local chain only. */
  accountIndex?: number | undefined
  /** The environment to read `IPPOC_PRIVATE_KEY` from. */
  environment?: Record<string, string | undefined>
}

/**
 * Picks the signing account: `--account-index` first (local chain only), then `IPPOC_PRIVATE_KEY`,
 * then development account 0 on the local chain.
 *
 * @example
 * const account = resolveAccount({ chainId: 31337, accountIndex: 2 })
 */
export function resolveAccount(parameters: ResolveAccountParameters): LocalAccount {
  const { chainId, accountIndex, environment = process.env } = parameters
  if (accountIndex !== undefined) {
    if (!Number.isSafeInteger(accountIndex) || accountIndex < 0 || accountIndex > developmentAccountIndexMax) {
      throw new GovernanceArgumentError({ argument: '--account-index', expected: `an integer from 0 to ${developmentAccountIndexMax}`, received: String(accountIndex) })
    }
    if (chainId !== localChainId) throw new AccountMissingError({ chainId })
    return mnemonicToAccount(developmentMnemonic, { addressIndex: accountIndex })
  }
  const privateKey = environment[privateKeyVariable]
  if (privateKey !== undefined && privateKey !== '') {
    if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey)) {
      throw new GovernanceArgumentError({ argument: privateKeyVariable, expected: '0x followed by 64 hex digits', received: `${privateKey.slice(0, 4)}… (${privateKey.length} characters)` })
    }
    return privateKeyToAccount(privateKey as `0x${string}`)
  }
  if (chainId === localChainId) return mnemonicToAccount(developmentMnemonic, { addressIndex: 0 })
  throw new AccountMissingError({ chainId })
}

/**
 * Connecting an account: on the local devnet one of the node's unlocked development accounts
 * (the node signs `eth_sendTransaction`), elsewhere the injected wallet (`window.ethereum`).
 */
import { createWalletClient, custom, getAddress, http, type Address, type EIP1193Provider } from 'viem'
import { BaseError } from '../../common/base-error.ts'
import type { SigningWallet } from './send-governor-call.ts'

/** The chain id of Hardhat's local chain, whose node holds unlocked development accounts. */
export const devnetChainId = 31337

/** The most development accounts the picker lists. */
export const devAccountsMax = 20

/** No injected wallet, or it is on another chain. */
export class WalletUnavailableError extends BaseError {
  override name = 'WalletUnavailableError'
}

/**
 * Lists the unlocked accounts of the chain's node (`eth_accounts`).
 *
 * @example
 * const accounts = await listDevAccounts('http://127.0.0.1:8545') // ['0xf39F…', …]
 */
export async function listDevAccounts(rpcUrl: string): Promise<Address[]> {
  const accounts = await createWalletClient({ transport: http(rpcUrl, { retryCount: 0 }) }).getAddresses()
  return accounts.slice(0, devAccountsMax).map((account) => getAddress(account))
}

/**
 * A wallet that sends through the node as an unlocked `address` (local devnet only).
 *
 * @example
 * const wallet = connectDevAccount(config.rpcUrl, accounts[0])
 */
export function connectDevAccount(rpcUrl: string, address: Address): SigningWallet {
  return createWalletClient({ account: address, transport: http(rpcUrl, { retryCount: 0 }) })
}

/**
 * Asks the injected wallet for an account and checks it is on `chainId`.
 *
 * @example
 * const wallet = await connectInjectedWallet(window.ethereum, config.chainId)
 */
export async function connectInjectedWallet(ethereum: EIP1193Provider | undefined, chainId: number): Promise<SigningWallet> {
  if (ethereum === undefined) {
    throw new WalletUnavailableError('No browser wallet found.', { hints: ['Install or unlock a wallet extension, then reload the page.'] })
  }
  const transport = custom(ethereum)
  const [address] = await createWalletClient({ transport }).requestAddresses()
  if (address === undefined) throw new WalletUnavailableError('The wallet shared no account.')
  const wallet = createWalletClient({ account: address, transport })
  const walletChainId = await wallet.getChainId()
  if (walletChainId !== chainId) throw new WalletUnavailableError(`Your wallet is on chain ${walletChainId}; switch it to chain ${chainId}.`)
  return wallet
}

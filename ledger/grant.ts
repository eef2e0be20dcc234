/**
 * Grants: authorizations to move value out of a system account (mint, burn, bounty payout). Today a
 * mint authority of the rules signs them, standing in for an executed on-chain governance proposal;
 * an on-chain authorizer will implement the same {@link GrantAuthorizer} interface later.
 */
import { hexToBytes } from '@noble/hashes/utils.js'
import { createEd25519Signer, verifyEd25519 } from '../identity/ed25519.ts'
import { grantSigningBytes, sha256Digest, toHex, type Account, type Currency, type EntrySigner, type Grant } from './entry.ts'
import { DEVNET_MINT_AUTHORITY_SEED_HEX, mintAuthoritySet, type LedgerRules } from './rules.ts'

/** Says whether a grant is authorized: undefined when it is, otherwise the reason it is not. */
export type GrantAuthorizer = (grant: Grant) => string | undefined

/** Verifies an Ed25519 signature; the ledger passes its own (node:crypto or noble). */
export type SignatureVerifier = (sig: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean

/**
 * The authorizer of signed grants: the authority must be one of `rules.mintAuthorities` and its
 * signature must verify over {@link grantSigningBytes}.
 *
 * @example
 * const authorize = createAuthorityGrantAuthorizer(DEVNET_RULES)
 * authorize(devnetGrant({ proposal: 'genesis', author, to: authorHex, currency: 'IPPC', amount: 1n })) // undefined
 */
export function createAuthorityGrantAuthorizer(rules: LedgerRules, verify: SignatureVerifier = verifyEd25519): GrantAuthorizer {
  const authorities = mintAuthoritySet(rules)
  return (grant) => {
    if (!authorities.has(toHex(grant.authority))) return `grant authority ${toHex(grant.authority)} is not a mint authority of ${rules.networkId}`
    const { sig, ...unsigned } = grant
    if (!verify(sig, grantSigningBytes(unsigned), grant.authority)) return 'grant signature does not verify'
    return undefined
  }
}

/**
 * A grant's identity: hex SHA-256 of its signing bytes. The signature is left out, so signing the
 * same grant twice does not make a second grant; give each grant its own `proposal`.
 *
 * @example
 * grantId(grant) // '9f86d0…'
 */
export function grantId(grant: Omit<Grant, 'sig'>): string {
  return toHex(sha256Digest(grantSigningBytes(grant)))
}

/** What a grant authorizes, before it is signed. */
export type GrantParameters = {
  /** The governance proposal or genesis allocation it executes; unique per grant. */
  readonly proposal: string
  /** The only author who may use it: 32-byte key or its hex. */
  readonly author: Uint8Array | string
  /** Debited account; `swarm:issuance` (a mint) unless said otherwise. */
  readonly from?: Account | undefined
  readonly to: Account
  readonly currency: Currency
  readonly amount: bigint
}

/**
 * Signs a grant with a mint authority's key.
 *
 * @example
 * const grant = signGrant({ proposal: 'p-7', author, to: 'swarm:bounty', currency: 'IPPC', amount: 5_000_000n }, authority)
 */
export function signGrant(parameters: GrantParameters, authority: EntrySigner): Grant {
  const unsigned: Omit<Grant, 'sig'> = {
    proposal: parameters.proposal,
    author: typeof parameters.author === 'string' ? hexToBytes(parameters.author) : parameters.author,
    from: parameters.from ?? 'swarm:issuance',
    to: parameters.to,
    currency: parameters.currency,
    amount: parameters.amount,
    authority: authority.publicKey,
  }
  return { ...unsigned, sig: authority.sign(grantSigningBytes(unsigned)) }
}

let devnetAuthority: EntrySigner | undefined

/**
 * Signs a grant with the well-known devnet mint authority (its seed is public: devnets, demos and
 * tests only). Genesis allocations are devnet grants.
 *
 * @example
 * const grant = devnetGrant({ proposal: 'genesis/alice', author: alice.publicKey, to: aliceHex, currency: 'IPPC', amount: 1000n * 1_000_000n })
 * ledger.append(buildMint(ledger, alice, { grant }), { signatureVerified: true })
 */
export function devnetGrant(parameters: GrantParameters): Grant {
  devnetAuthority ??= createEd25519Signer(hexToBytes(DEVNET_MINT_AUTHORITY_SEED_HEX))
  return signGrant(parameters, devnetAuthority)
}

/**
 * The proposal name of a node's genesis allocation: one per node, so a node can tell whether it
 * was funded (16 hex characters of the key keep it under the 64-character limit).
 *
 * @example
 * genesisProposal(nodeId) // 'genesis/ab12cd34ef56ab78'
 */
export function genesisProposal(authorHex: string): string {
  return `genesis/${authorHex.slice(0, 16)}`
}

/**
 * The devnet grant of a node's genesis allocation: `amount` IPPC minted to its own account.
 *
 * @example
 * ledger.append(buildMint(ledger, alice, { grant: devnetGenesisGrant(alice.publicKey, 1_000n * 1_000_000n) }), { signatureVerified: true })
 */
export function devnetGenesisGrant(author: Uint8Array, amount: bigint): Grant {
  const authorHex = toHex(author)
  return devnetGrant({ proposal: genesisProposal(authorHex), author, to: authorHex, currency: 'IPPC', amount })
}

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { hexToBytes } from '@noble/hashes/utils.js'
import { createEd25519Signer } from '../identity/ed25519.ts'
import { toHex } from './entry.ts'
import { createAuthorityGrantAuthorizer, devnetGrant, grantId } from './grant.ts'
import { checkLedgerRules, DEVNET_MINT_AUTHORITY_PUBLIC_KEY_HEX, DEVNET_MINT_AUTHORITY_SEED_HEX, DEVNET_RULES, MINT_AUTHORITIES_MAX, type LedgerRules } from './rules.ts'
import { testSigner } from './testing.ts'

describe('rules and grants', () => {
  it('the devnet mint authority is the documented public key of SHA-256("ippoc devnet mint authority")', () => {
    assert.equal(DEVNET_MINT_AUTHORITY_SEED_HEX, createHash('sha256').update('ippoc devnet mint authority').digest('hex'))
    assert.equal(toHex(createEd25519Signer(hexToBytes(DEVNET_MINT_AUTHORITY_SEED_HEX)).publicKey), DEVNET_MINT_AUTHORITY_PUBLIC_KEY_HEX)
    assert.deepEqual(DEVNET_RULES.mintAuthorities.map(toHex), [DEVNET_MINT_AUTHORITY_PUBLIC_KEY_HEX])
    checkLedgerRules(DEVNET_RULES)
  })

  it('devnet grants verify under the devnet rules and nowhere else', () => {
    const alice = testSigner('alice')
    const grant = devnetGrant({ proposal: 'genesis', author: alice.hex, to: alice.hex, currency: 'IPPC', amount: 5n })
    assert.equal(createAuthorityGrantAuthorizer(DEVNET_RULES)(grant), undefined)
    const otherNetwork: LedgerRules = { ...DEVNET_RULES, networkId: 'other', mintAuthorities: [testSigner('other authority').publicKey] }
    assert.match(createAuthorityGrantAuthorizer(otherNetwork)(grant) ?? '', /not a mint authority/)
    assert.equal(grantId(grant), grantId({ ...grant, sig: new Uint8Array(64) } as typeof grant), 'the id leaves the signature out')
    assert.notEqual(grantId(grant), grantId({ ...grant, proposal: 'genesis-2' }))
  })

  it('refuses unusable rules, including one authority past MINT_AUTHORITIES_MAX', () => {
    const key = testSigner('k').publicKey
    const refused = (rules: unknown) => assert.throws(() => checkLedgerRules(rules as LedgerRules), { name: 'LedgerRulesInvalidError' })
    checkLedgerRules({ ...DEVNET_RULES, mintAuthorities: Array.from({ length: MINT_AUTHORITIES_MAX }, () => key) })
    refused({ ...DEVNET_RULES, mintAuthorities: Array.from({ length: MINT_AUTHORITIES_MAX + 1 }, () => key) })
    refused({ ...DEVNET_RULES, mintAuthorities: [key.subarray(1)] })
    refused({ ...DEVNET_RULES, networkId: '' })
    refused(null)
  })
})

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { resolveAccount } from './accounts.ts'

// Hardhat's first two development accounts (public test keys).
const account0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const account1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const key1 = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'

describe('resolveAccount', () => {
  it('uses development account N on the local chain', () => {
    assert.equal(resolveAccount({ chainId: 31337, accountIndex: 1, environment: {} }).address, account1)
  })

  it('prefers --account-index over IPPOC_PRIVATE_KEY, and the key over the default', () => {
    assert.equal(resolveAccount({ chainId: 31337, accountIndex: 0, environment: { IPPOC_PRIVATE_KEY: key1 } }).address, account0)
    assert.equal(resolveAccount({ chainId: 31337, environment: { IPPOC_PRIVATE_KEY: key1 } }).address, account1)
    assert.equal(resolveAccount({ chainId: 31337, environment: {} }).address, account0)
  })

  it('uses IPPOC_PRIVATE_KEY on other chains and refuses development accounts there', () => {
    assert.equal(resolveAccount({ chainId: 11155111, environment: { IPPOC_PRIVATE_KEY: key1 } }).address, account1)
    assert.throws(() => resolveAccount({ chainId: 11155111, environment: {} }), { name: 'AccountMissingError' })
    assert.throws(() => resolveAccount({ chainId: 11155111, accountIndex: 1, environment: {} }), { name: 'AccountMissingError' })
  })

  it('refuses malformed keys and indexes without echoing the key', () => {
    assert.throws(() => resolveAccount({ chainId: 31337, accountIndex: 20, environment: {} }), { name: 'GovernanceArgumentError' })
    assert.throws(
      () => resolveAccount({ chainId: 31337, environment: { IPPOC_PRIVATE_KEY: '0x1234deadbeef' } }),
      (error: Error) => error.name === 'GovernanceArgumentError' && !error.message.includes('deadbeef'),
    )
  })
})

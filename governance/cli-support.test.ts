import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseEther } from 'viem'
import { parseAddressAmount, parseExactId, parseIdText, parseNodeId, parseRawCall, parseSupport, toJson } from './cli-support.ts'

const bob = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

describe('CLI argument parsers', () => {
  it('parse what users type', () => {
    assert.equal(parseSupport('FOR'), 'for')
    assert.deepEqual(parseAddressAmount(`${bob.toLowerCase()}:1.5`, '--release-eth', 'ether'), { to: bob, amount: parseEther('1.5') })
    assert.equal(parseNodeId('ab'.repeat(32)), `0x${'ab'.repeat(32)}`)
    assert.equal(parseNodeId(`0x${'AB'.repeat(32)}`), `0x${'ab'.repeat(32)}`)
    assert.deepEqual(parseRawCall(`${bob}:0:0x12345678`), { target: bob, value: 0n, calldata: '0x12345678' })
    assert.equal(parseExactId('0x10', 'id'), 16n)
    assert.equal(parseIdText('123456', 'id'), '123456')
  })

  it('refuse malformed input with GovernanceArgumentError saying what was expected', () => {
    const refusals: [() => unknown, RegExp][] = [
      [() => parseSupport('maybe'), /for, against or abstain/],
      [() => parseAddressAmount(bob, '--release-eth', 'ether'), /ADDRESS:AMOUNT/],
      [() => parseAddressAmount(`${bob}:-1`, '--release-eth', 'ether'), /ADDRESS:AMOUNT/],
      [() => parseAddressAmount('0x12:1', '--release-iusd', 'token'), /an address/],
      [() => parseNodeId('ab'), /64 hex digits/],
      [() => parseNodeId('0'.repeat(64)), /non-zero/],
      [() => parseRawCall(`${bob}:0:0x123`), /TARGET:VALUE_WEI:CALLDATA/],
      [() => parseIdText('abc', 'proposal id'), /decimal or 0x-hex/],
      [() => parseExactId(`0x1${'0'.repeat(64)}`, 'id'), /decimal or 0x-hex id/],
    ]
    for (const [parse, expected] of refusals) {
      assert.throws(parse, (error: Error) => error.name === 'GovernanceArgumentError' && expected.test(error.message))
    }
  })

  it('prints bigints in JSON as decimal strings', () => {
    assert.equal(toJson({ id: 2n ** 200n }), `{\n  "id": "${2n ** 200n}"\n}`)
  })
})

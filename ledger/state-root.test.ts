import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { toHex } from './entry.ts'
import { balancesHash, merkleRoot, type BalanceLine } from './state-root.ts'

const sha256 = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest())

// RFC 6962 §2.1, literally: MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of two < n.
function rfc6962(ids: readonly Uint8Array[]): Uint8Array {
  if (ids.length === 0) return sha256(new Uint8Array())
  if (ids.length === 1) return sha256(new Uint8Array([0]), ids[0] as Uint8Array)
  let k = 1
  while (k * 2 < ids.length) k *= 2
  return sha256(new Uint8Array([1]), rfc6962(ids.slice(0, k)), rfc6962(ids.slice(k)))
}

describe('state root', () => {
  it('merkleRoot is the RFC 6962 tree hash for every size', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 70 }), (ids) => {
        assert.equal(toHex(merkleRoot(ids)), toHex(rfc6962(ids)))
      }),
      { numRuns: 300 },
    )
  })

  it('never duplicates an odd node: [a, b, c] and [a, b, c, c] differ', () => {
    const [a, b, c] = [1, 2, 3].map((fill) => new Uint8Array(32).fill(fill)) as [Uint8Array, Uint8Array, Uint8Array]
    assert.notEqual(toHex(merkleRoot([a, b, c])), toHex(merkleRoot([a, b, c, c])))
    assert.equal(toHex(merkleRoot([])), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })

  it('balancesHash ignores order and zero balances', () => {
    const lines: BalanceLine[] = [
      { account: 'swarm:issuance', currency: 'IPPC', amount: -5n },
      { account: 'ab'.repeat(32), currency: 'IPPC', amount: 5n },
      { account: 'ab'.repeat(32), currency: 'IUSD', amount: 0n },
    ]
    assert.equal(toHex(balancesHash(lines)), toHex(balancesHash([...lines].reverse().filter((line) => line.amount !== 0n))))
    assert.notEqual(toHex(balancesHash(lines)), toHex(balancesHash([{ ...lines[0], amount: -4n } as BalanceLine, lines[1] as BalanceLine])))
  })
})

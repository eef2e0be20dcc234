import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pureJsCrypto } from '@chainsafe/libp2p-noise'
import { createSeededRandom } from '../sim/random.ts'
import { noiseCrypto } from './noise-crypto.ts'

describe('Noise crypto', () => {
  it('derives the same HKDF keys as the JavaScript implementation it replaces', () => {
    const random = createSeededRandom(3)
    for (let index = 0; index < 200; index++) {
      const ck = random.nextBytes(32)
      const ikm = random.nextBytes(index % 3 === 0 ? 0 : 32 + random.nextInt(40))
      assert.deepEqual(noiseCrypto.getHKDF(ck, ikm).map((key) => [...key]), pureJsCrypto.getHKDF(ck, ikm).map((key) => [...key]))
    }
  })
})

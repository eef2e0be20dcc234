import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { bootIdentity } from './boot.ts'
import { initIdentity } from './init.ts'
import { fakeMachine, machineA, seedOf, temporaryDirectory } from './test-support/machines.ts'

describe('the identity seed is the libp2p key', () => {
  it('gives libp2p the same Ed25519 public key, and a stable PeerId', async (t) => {
    const { path: dataDir, remove } = await temporaryDirectory()
    t.after(remove)
    const created = await initIdentity({ dataDir, machineFacts: fakeMachine(machineA) })
    const booted = await bootIdentity({ dataDir, machineFacts: fakeMachine(machineA) })
    const privateKey = await generateKeyPairFromSeed('Ed25519', booted.exportSeed())
    assert.deepEqual(new Uint8Array(privateKey.publicKey.raw), booted.publicKey)
    assert.equal(Buffer.from(privateKey.publicKey.raw).toString('hex'), created.nodeId)
    // A PeerId's string form is the base58btc identity multihash of the public key.
    const peerId = privateKey.publicKey.toString()
    assert.match(peerId, /^12D3KooW/)
    assert.equal((await generateKeyPairFromSeed('Ed25519', created.exportSeed())).publicKey.toString(), peerId)
  })

  it('pins the PeerId of a fixed seed', async () => {
    const privateKey = await generateKeyPairFromSeed('Ed25519', seedOf(1))
    assert.equal(privateKey.publicKey.toString(), '12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5')
  })

  it('matches the PeerId spec: base58btc of the identity multihash of the protobuf public key', async () => {
    const privateKey = await generateKeyPairFromSeed('Ed25519', seedOf(1))
    // multihash: identity (0x00), length 36; protobuf: field 1 KeyType = Ed25519 (0x08 0x01), field 2 bytes of 32 (0x12 0x20).
    const multihash = new Uint8Array([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...privateKey.publicKey.raw])
    assert.equal(base58btc(multihash), privateKey.publicKey.toString())
  })

  it('derives the same PeerId through @libp2p/peer-id', async () => {
    const privateKey = await generateKeyPairFromSeed('Ed25519', seedOf(1))
    assert.equal(peerIdFromPrivateKey(privateKey).toString(), privateKey.publicKey.toString())
  })
})

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

function base58btc(bytes: Uint8Array): string {
  let value = BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
  let text = ''
  while (value > 0n) {
    text = BASE58_ALPHABET[Number(value % 58n)] + text
    value /= 58n
  }
  const leadingZeros = bytes.findIndex((byte) => byte !== 0)
  return '1'.repeat(leadingZeros) + text
}

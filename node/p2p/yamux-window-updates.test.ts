import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { defaultLogger } from '@libp2p/logger'
import { Uint8ArrayList } from 'uint8arraylist'
import { halveYamuxWindowUpdates } from './yamux-window-updates.ts'

// Frame types of the yamux spec (the package does not export its enum).
const DATA = 0
const WINDOW_UPDATE = 1
const WINDOW = 256 * 1024

type SentHeader = { type: number; flag: number; length: number }

/** An established stream whose sent frames are recorded. */
function establishedStream(): { stream: YamuxStream; sent: SentHeader[] } {
  const sent: SentHeader[] = []
  const stream = new YamuxStream({
    id: '1',
    streamId: 1,
    direction: 'inbound',
    state: StreamState.Established,
    log: defaultLogger().forComponent('test:yamux'),
    sendFrame: (header: SentHeader) => {
      sent.push(header)
      return true
    },
    getRTT: () => -1,
  } as unknown as ConstructorParameters<typeof YamuxStream>[0])
  return { stream, sent }
}

function receive(stream: YamuxStream, bytes: number): void {
  ;(stream as unknown as { handleData(frame: unknown): void }).handleData({ header: { type: DATA, flag: 0, streamID: 1, length: bytes }, data: new Uint8ArrayList(new Uint8Array(bytes)) })
}

describe('yamux window updates', () => {
  it('are sent once half the receive window is used, not after every frame, and restore the whole window', () => {
    halveYamuxWindowUpdates()
    halveYamuxWindowUpdates()
    const { stream, sent } = establishedStream()
    const updates = (): SentHeader[] => sent.filter((header) => header.type === WINDOW_UPDATE)
    // 1 kB frames, like gossip messages: nothing until more than half the window is used.
    let received = 0
    while (received + 1024 < WINDOW / 2) {
      receive(stream, 1024)
      received += 1024
    }
    assert.equal(updates().length, 0, `no update after ${received} bytes`)
    receive(stream, 1024)
    received += 1024
    assert.equal(updates().length, 1)
    assert.equal(updates()[0]!.length, received, 'the update gives back everything used')
    // A sender that keeps going never finds the window exhausted: 2 MB in 1 kB frames.
    for (let frame = 0; frame < 2048; frame++) receive(stream, 1024)
    assert.ok(updates().length >= 15 && updates().length <= 17, `${updates().length} updates for 2 MB`)
  })
})

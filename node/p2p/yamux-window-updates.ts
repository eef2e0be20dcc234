/**
 * js-yamux answers every data frame it receives with a window update: one more frame, encrypted
 * and written on its own. go-yamux (the reference implementation) sends one only once half the
 * receive window is used. Gossip is many small messages, so with 100 nodes in one process these
 * updates took 8.7 % of the main thread (profiled under `npm run bench -- swarm`). This makes
 * js-yamux wait for half its window too; flow control is otherwise unchanged (the sender still
 * stops at an exhausted window, and an update always comes before that).
 *
 * The stream class is a public export of `@chainsafe/libp2p-yamux` (`/stream`); the fields read
 * here are checked at run time, so a release that renames them leaves the original behaviour.
 */
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

type WindowState = { state: StreamState; recvWindow: unknown; recvWindowCapacity: unknown }

let installed = false

/**
 * Makes every yamux stream in this process send window updates only once half its receive
 * window is used (or with a SYN/ACK flag, as before). Idempotent.
 *
 * @example
 * halveYamuxWindowUpdates()
 * createLibp2p({ streamMuxers: [yamux()], … })
 */
export function halveYamuxWindowUpdates(): void {
  if (installed) return
  installed = true
  const prototype = YamuxStream.prototype as unknown as { sendWindowUpdate(this: WindowState): void }
  const original = prototype.sendWindowUpdate
  prototype.sendWindowUpdate = function sendWindowUpdate(this: WindowState): void {
    // Only an established stream sends updates without flags (opening ones carry SYN or ACK).
    const { state, recvWindow, recvWindowCapacity } = this
    if (state === StreamState.Established && typeof recvWindow === 'number' && typeof recvWindowCapacity === 'number' && recvWindowCapacity > recvWindow / 2) return
    original.call(this)
  }
}

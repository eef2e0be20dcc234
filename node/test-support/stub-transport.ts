/**
 * A transport that hands the test the core's handlers and keeps what the core publishes and sends: for tests
 * about the core's handling of bytes, not about sockets.
 */
import type { Transport, TransportHandlers } from '../transport.ts'

export function stubTransport(nodeId: string): Transport & { handlers(): TransportHandlers; published: Uint8Array[]; sent: { to: string; bytes: Uint8Array }[] } {
  let handlers: TransportHandlers | undefined
  const published: Uint8Array[] = []
  const sent: { to: string; bytes: Uint8Array }[] = []
  return {
    nodeId,
    published,
    sent,
    handlers: () => handlers!,
    async start(given) {
      handlers = given
    },
    publish: (_topic, bytes) => void published.push(bytes),
    sendDirect: (to, bytes) => void sent.push({ to, bytes }),
    connectedPeers: () => [],
    ban() {},
    async stop() {},
  }
}

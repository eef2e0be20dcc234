/**
 * Test support: serves an in-process Hardhat network's EIP-1193 provider as a JSON-RPC HTTP
 * endpoint on 127.0.0.1 (with CORS, like `hardhat node`), so a browser can reach the chain.
 */
import { createServer } from 'node:http'

/** The provider side the bridge needs. */
export type RequestProvider = { request(arguments_: { method: string; params?: unknown }): Promise<unknown> }

/** The largest JSON-RPC request body accepted. */
export const rpcRequestBytesMax = 1024 * 1024

type RpcRequest = { id?: unknown; method?: unknown; params?: unknown }

function errorObject(error: unknown): { code: number; message: string; data?: unknown } {
  const record = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown; data?: unknown }
  const code = typeof record.code === 'number' ? record.code : -32603
  const message = typeof record.message === 'string' ? record.message : String(error)
  return record.data === undefined ? { code, message } : { code, message, data: record.data }
}

async function answer(provider: RequestProvider, request: RpcRequest) {
  try {
    const result = await provider.request({ method: String(request.method), params: request.params as unknown[] | undefined })
    return { jsonrpc: '2.0', id: request.id ?? null, result: result ?? null }
  } catch (error) {
    return { jsonrpc: '2.0', id: request.id ?? null, error: errorObject(error) }
  }
}

/**
 * Starts the bridge on a free port.
 *
 * @example
 * const bridge = await startRpcBridge(connection.provider)
 * // config.rpcUrl = bridge.url
 */
export async function startRpcBridge(provider: RequestProvider): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const headers = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'POST, OPTIONS' }
    if (request.method === 'OPTIONS') {
      response.writeHead(204, headers).end()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > rpcRequestBytesMax) request.destroy()
      else chunks.push(chunk)
    })
    request.on('end', () => {
      void (async () => {
        let body: unknown
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        } catch {
          response.writeHead(400, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } }))
          return
        }
        const result = Array.isArray(body) ? await Promise.all(body.map((item: RpcRequest) => answer(provider, item))) : await answer(provider, body as RpcRequest)
        response.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(result, (_key, value: unknown) => (typeof value === 'bigint' ? `0x${value.toString(16)}` : value)))
      })()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the RPC bridge has no TCP address')
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

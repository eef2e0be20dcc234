/**
 * The node's read-only HTTP API: JSON views of the node for the dashboard and the CLI, a liveness
 * probe and Prometheus metrics. It only ever reads the {@link NodeView}; nothing here changes the node.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { BaseError, InvalidArgumentError } from '../../common/base-error.ts'
import { describeValue } from '../../common/describe-value.ts'
import type { Logger } from '../log.ts'
import type { NodeView } from '../node-view.ts'
import { createNodeMetricsRegistry } from './metrics.ts'

/** Entries `GET /entries` returns when no `limit` is given. */
export const ENTRIES_LIMIT_DEFAULT = 50
/** Most entries one `GET /entries` may ask for. */
export const ENTRIES_LIMIT_MAX = 1_000
/** A request that has not completed after this long is answered 408 and its connection closed. */
export const HTTP_REQUEST_TIMEOUT_MS = 10_000
/** Longest request line plus headers the server reads. */
export const HTTP_HEADER_BYTES_MAX = 16 * 1024

/** The host the API listens on unless told otherwise: this machine only. */
export const HTTP_HOST_DEFAULT = '127.0.0.1'

/** The routes, for the 404 hint and the README. */
export const HTTP_API_ROUTES = ['/status', '/peers', '/balances', '/entries', '/bans', '/healthz', '/metrics'] as const

const ALLOWED_METHODS = 'GET, HEAD'
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'
const COMMON_HEADERS = {
  'cache-control': 'no-store',
  // The dashboard is served from another port; the API is read-only, so any origin may read it.
  'access-control-allow-origin': '*',
  'x-content-type-options': 'nosniff',
} as const

/** Parameters of {@link startNodeHttpApi}. */
export type StartNodeHttpApiParameters = {
  view: NodeView
  /** Defaults to `127.0.0.1`; anything else exposes the node's view to the network. */
  host?: string | undefined
  /** Defaults to 0: any free port (read it back from the result). */
  port?: number | undefined
  logger?: Logger | undefined
}

/** What {@link startNodeHttpApi} returns: where it listens, and how to stop it. */
export type NodeHttpApi = {
  /** `http://host:port`, without a trailing slash. */
  readonly url: string
  /** The address the server is bound to, as the operating system reports it. */
  readonly host: string
  readonly port: number
  /** Stops listening and closes every connection, idle keep-alive ones included. */
  close(): Promise<void>
}

/** The server could not listen (the port is taken, the host is not an address of this machine). */
export class HttpApiListenError extends BaseError {
  override name = 'HttpApiListenError'
  constructor(host: string, port: number, cause: unknown) {
    const code = (cause as { code?: unknown } | undefined)?.code
    super(`The node HTTP API cannot listen on ${host}:${port}.`, {
      details: typeof code === 'string' ? code : undefined,
      hints: code === 'EADDRINUSE' ? ['Another process uses this port: pick another one, or 0 for any free port.'] : ['Check that the host is an address of this machine.'],
      cause,
    })
  }
}

/**
 * Starts the node's HTTP API and resolves once it listens.
 *
 * @example
 * const api = await startNodeHttpApi({ view: node.view, port: 8080 })
 * console.log(`status at ${api.url}/status`)
 * await api.close()
 */
export async function startNodeHttpApi(parameters: StartNodeHttpApiParameters): Promise<NodeHttpApi> {
  const { view, host = HTTP_HOST_DEFAULT, port = 0, logger } = parameters
  if (typeof host !== 'string' || host === '') throw new InvalidArgumentError({ argument: 'host', expected: 'a non-empty string', received: describeValue(host) })
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidArgumentError({ argument: 'port', expected: 'an integer from 0 to 65535', received: describeValue(port) })
  const handle = createRequestHandler(view, logger)
  const server = createServer({ requestTimeout: HTTP_REQUEST_TIMEOUT_MS, maxHeaderSize: HTTP_HEADER_BYTES_MAX }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger?.error({ err: error }, 'HTTP API could not send a reply')
      response.destroy()
    })
  })
  await listen(server, host, port)
  server.on('error', (error) => logger?.error({ err: error }, 'HTTP API server error'))
  const address = server.address() as AddressInfo
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
  logger?.info({ url }, 'HTTP API listening')
  return { url, host: address.address, port: address.port, close: () => closeServer(server) }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: unknown): void => reject(new HttpApiListenError(host, port, error))
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve()
    server.close(() => resolve())
    // Idle keep-alive connections would otherwise hold close() open until they time out.
    server.closeAllConnections()
  })
}

type Reply = { readonly statusCode: number; readonly contentType: string; readonly body: string; readonly headers?: { readonly [name: string]: string } }

type Route = (url: URL) => Reply | Promise<Reply>

function createRequestHandler(view: NodeView, logger: Logger | undefined): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const registry = createNodeMetricsRegistry(view)
  const routes = new Map<string, Route>([
    ['/status', () => jsonReply(200, view.status())],
    ['/peers', () => jsonReply(200, view.peers())],
    ['/balances', () => jsonReply(200, view.balances())],
    ['/bans', () => jsonReply(200, view.bans())],
    [
      '/entries',
      (url) => {
        const limit = parseEntriesLimit(url.searchParams.getAll('limit'))
        return typeof limit === 'number' ? jsonReply(200, view.entries(limit)) : limit
      },
    ],
    ['/healthz', () => jsonReply(200, { ok: true })],
    ['/metrics', async () => ({ statusCode: 200, contentType: registry.contentType, body: await registry.metrics() })],
  ])
  return async (request, response) => {
    const isHead = request.method === 'HEAD'
    let reply: Reply
    const url = parseRequestUrl(request.url)
    const route = url === undefined ? undefined : routes.get(url.pathname)
    if (url === undefined || route === undefined) {
      reply = jsonReply(404, { error: 'No such route.', hint: `The API serves ${HTTP_API_ROUTES.join(', ')}.` })
    } else if (request.method !== 'GET' && !isHead) {
      reply = { ...jsonReply(405, { error: `Method ${request.method ?? ''} is not allowed.`, hint: 'The API is read-only: use GET or HEAD.' }), headers: { allow: ALLOWED_METHODS } }
    } else {
      try {
        reply = await route(url)
      } catch (error) {
        logger?.error({ err: error, path: url.pathname }, 'HTTP API route failed')
        reply = jsonReply(500, { error: `The node could not answer ${url.pathname}.` })
      }
    }
    send(response, reply, isHead)
  }
}

/** A limit in 1..{@link ENTRIES_LIMIT_MAX}, or the 400 reply saying why the query's is not one. */
function parseEntriesLimit(values: readonly string[]): number | Reply {
  if (values.length === 0) return ENTRIES_LIMIT_DEFAULT
  const hint = `Give limit as a whole number from 1 to ${ENTRIES_LIMIT_MAX}, e.g. /entries?limit=${ENTRIES_LIMIT_DEFAULT}.`
  if (values.length > 1) return jsonReply(400, { error: 'limit is given more than once.', hint })
  const value = values[0] ?? ''
  // Digits only: Number() would also accept '1e3', '0x10', ' 5' and '5.0'.
  const limit = /^[0-9]{1,4}$/.test(value) ? Number(value) : Number.NaN
  if (!(limit >= 1 && limit <= ENTRIES_LIMIT_MAX)) return jsonReply(400, { error: `limit must be from 1 to ${ENTRIES_LIMIT_MAX}, got ${describeValue(value)}.`, hint })
  return limit
}

function parseRequestUrl(target: string | undefined): URL | undefined {
  if (target === undefined || !target.startsWith('/')) return undefined
  try {
    return new URL(target, 'http://localhost')
  } catch {
    return undefined
  }
}

function jsonReply(statusCode: number, value: unknown): Reply {
  // The view already gives amounts as strings; a bigint that slips through still must not crash.
  const body = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item)) ?? 'null'
  return { statusCode, contentType: JSON_CONTENT_TYPE, body }
}

function send(response: ServerResponse, reply: Reply, isHead: boolean): void {
  response.writeHead(reply.statusCode, {
    ...COMMON_HEADERS,
    ...reply.headers,
    'content-type': reply.contentType,
    'content-length': Buffer.byteLength(reply.body),
  })
  response.end(isHead ? undefined : reply.body)
}

/**
 * The dashboard's run-time server: the built page (static files), `/config.json`, and
 * `/node/<index>/<endpoint>`, which relays GETs to the configured swarm nodes so the page needs no
 * CORS from them. No dev server, no build at run time.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { readFile, realpath } from 'node:fs/promises'
import path from 'node:path'
import { parseDashboardConfig, type DashboardConfig } from './config.ts'

/** Node API endpoints the relay forwards; anything else is refused. */
export const relayedNodeEndpoints = ['status', 'peers', 'balances', 'entries', 'bans'] as const

/** The largest node response the relay passes on. */
export const relayResponseBytesMax = 4 * 1024 * 1024

/** How long the relay waits for a node. */
export const relayTimeoutMs = 3_000

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
}

/** Parameters of {@link startDashboardServer}. */
export type StartDashboardServerParameters = {
  /** The folder `vite build` wrote (holds `index.html`). */
  distDir: string
  /** Served as `/config.json`; checked first. */
  config: DashboardConfig | Record<string, unknown>
  host?: string | undefined
  /** 0 picks a free port. */
  port?: number | undefined
}

/** A running dashboard server. */
export type DashboardServer = { url: string; close(): Promise<void> }

function send(response: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
  response.end(body)
}

async function relayToNode(nodeUrl: string, endpoint: string, search: string, response: ServerResponse): Promise<void> {
  try {
    const upstream = await fetch(`${nodeUrl}/${endpoint}${search}`, { signal: AbortSignal.timeout(relayTimeoutMs) })
    const body = new Uint8Array(await upstream.arrayBuffer())
    if (body.length > relayResponseBytesMax) return send(response, 502, 'text/plain', `node response over ${relayResponseBytesMax} bytes`)
    send(response, upstream.status, upstream.headers.get('content-type') ?? 'application/json', body)
  } catch (cause) {
    send(response, 502, 'text/plain', `node ${nodeUrl} unreachable: ${cause instanceof Error ? cause.message : String(cause)}`)
  }
}

async function serveFile(root: string, pathname: string, response: ServerResponse): Promise<void> {
  const relative = decodeURIComponent(pathname).replace(/^\/+/, '') || 'index.html'
  const candidate = path.resolve(root, relative)
  // Any path that leaves the build folder (.., symlinks) is answered with the page itself.
  let file = path.join(root, 'index.html')
  try {
    const real = await realpath(candidate)
    if (real.startsWith(root + path.sep)) file = real
  } catch {
    // Unknown paths fall back to the page, which routes on the client.
  }
  const type = contentTypes[path.extname(file)] ?? 'application/octet-stream'
  send(response, 200, type, await readFile(file))
}

/**
 * Serves a built dashboard and its configuration over HTTP.
 *
 * @example
 * const server = await startDashboardServer({ distDir: 'dashboard/dist', config })
 * console.log(`open ${server.url}`)
 * await server.close()
 */
export async function startDashboardServer(parameters: StartDashboardServerParameters): Promise<DashboardServer> {
  const { distDir, host = '127.0.0.1', port = 0 } = parameters
  const config = parseDashboardConfig(parameters.config, 'startDashboardServer')
  const root = await realpath(distDir)
  await readFile(path.join(root, 'index.html')).catch((cause: unknown) => {
    throw new Error(`No built dashboard in ${distDir} (index.html missing): run \`node dashboard/build.ts\` first.`, { cause })
  })
  const configBody = JSON.stringify(config)

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain', 'only GET')
    const { pathname, search } = new URL(request.url ?? '/', 'http://dashboard')
    if (pathname === '/config.json') return send(response, 200, contentTypes['.json']!, configBody)
    const relay = /^\/node\/(\d+)\/([a-z]+)$/.exec(pathname)
    if (relay !== null) {
      const nodeUrl = config.nodes[Number(relay[1])]
      const endpoint = relay[2]!
      if (nodeUrl === undefined || !(relayedNodeEndpoints as readonly string[]).includes(endpoint)) return send(response, 404, 'text/plain', 'no such node endpoint')
      return relayToNode(nodeUrl, endpoint, search, response)
    }
    return serveFile(root, pathname, response)
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, 'text/plain', error instanceof Error ? error.message : String(error))
      else response.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the dashboard server has no TCP address')
  return {
    url: `http://${host}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

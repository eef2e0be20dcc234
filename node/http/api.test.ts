import assert from 'node:assert/strict'
import { Agent, get } from 'node:http'
import { connect } from 'node:net'
import { networkInterfaces } from 'node:os'
import { after, before, describe, it } from 'node:test'
import { createLogger } from '../log.ts'
import type { BalanceJson, BanJson, EntryJson, NodeStatusJson, NodeView, PeerJson } from '../node-view.ts'
import { ENTRIES_LIMIT_DEFAULT, ENTRIES_LIMIT_MAX, startNodeHttpApi } from './api.ts'
import type { NodeHttpApi } from './api.ts'

const STATUS: NodeStatusJson = {
  nodeId: 'a'.repeat(64),
  peerId: '12D3KooWExample',
  listen: ['/ip4/127.0.0.1/tcp/4001'],
  startedAtMs: 1_000,
  nowMs: 61_000,
  mode: 'full',
  stateRoot: 'b'.repeat(64),
  stateRootChangedAtMs: 31_000,
  entries: { counted: 7, pending: 1, applied: 7, rejected: 2, forks: 0 },
  peers: 2,
  banned: 1,
}
const PEERS: PeerJson[] = [{ nodeId: 'c'.repeat(64), connected: true, trust: 0.5, banned: false, evidence: {} }]
const BALANCES: BalanceJson[] = [{ account: 'node:' + 'a'.repeat(64), balances: { IPPC: '1000000000' } }]
const BANS: BanJson[] = [{ nodeId: 'd'.repeat(64), atMs: 50_000, reason: 'warrant:fork', warrant: 'AAAA' }]

function entryAt(seq: number): EntryJson {
  return { id: seq.toString(16).padStart(64, '0'), author: 'a'.repeat(64), seq, timestamp: 1_000 + seq, action: 'inference', standing: 'applied', legs: [], raw: 'AA', sig: 'BB' }
}

type FakeView = NodeView & { failing: Set<string>; entriesApplied: number; entryLimits: number[] }

function createFakeView(): FakeView {
  const failing = new Set<string>()
  const entryLimits: number[] = []
  const answer = <T>(route: string, value: T): T => {
    if (failing.has(route)) throw new Error(`${route} exploded at /secret/path/file.ts:12`)
    return value
  }
  const view: FakeView = {
    failing,
    entryLimits,
    entriesApplied: 0,
    status: () => answer('status', STATUS),
    peers: () => answer('peers', PEERS),
    balances: () => answer('balances', BALANCES),
    bans: () => answer('bans', BANS),
    entries: (limit) => {
      entryLimits.push(limit)
      return answer('entries', Array.from({ length: Math.min(limit, 3) }, (_, seq) => entryAt(seq)))
    },
    metrics: {
      get entriesApplied() { return view.entriesApplied },
      entriesRejected: 0,
      entriesPending: 0,
      gossipAccepted: 0,
      gossipRejected: 0,
      gossipIgnored: 0,
      syncMessagesIn: 0,
      syncMessagesRejected: 0,
      warrantsIssued: 0,
      warrantsAccepted: 0,
      bans: 0,
      drainGossipLatencyMs: () => [],
    },
  }
  return view
}

function assertJsonHeaders(response: Response): void {
  assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8')
  assert.equal(response.headers.get('cache-control'), 'no-store')
  assert.equal(response.headers.get('access-control-allow-origin'), '*')
}

describe('startNodeHttpApi', () => {
  const view = createFakeView()
  const logLines: string[] = []
  let api: NodeHttpApi

  before(async () => {
    api = await startNodeHttpApi({ view, logger: createLogger({ level: 'error', destination: { write: (line) => logLines.push(line) } }) })
  })
  after(() => api.close())

  it('listens on 127.0.0.1 by default', () => {
    assert.equal(api.host, '127.0.0.1')
    assert.equal(api.url, `http://127.0.0.1:${api.port}`)
    assert.ok(api.port > 0)
  })

  it('is not reachable on the machine’s other addresses', async (t) => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal)
    if (external === undefined) return t.skip('this machine has no non-loopback IPv4 address')
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: external.address, port: api.port })
      socket.once('connect', () => (socket.destroy(), resolve(false)))
      socket.once('error', () => resolve(true))
    })
    assert.equal(refused, true)
  })

  for (const [path, body] of [
    ['/status', STATUS],
    ['/peers', PEERS],
    ['/balances', BALANCES],
    ['/bans', BANS],
    ['/healthz', { ok: true }],
  ] as const) {
    it(`answers GET ${path} with the view’s JSON`, async () => {
      const response = await fetch(api.url + path)
      assert.equal(response.status, 200)
      assertJsonHeaders(response)
      assert.deepEqual(await response.json(), body)
    })
  }

  it('answers HEAD with the headers of GET and no body', async () => {
    const getResponse = await fetch(`${api.url}/status`)
    const getBody = await getResponse.text()
    const headResponse = await fetch(`${api.url}/status`, { method: 'HEAD' })
    assert.equal(headResponse.status, 200)
    assertJsonHeaders(headResponse)
    assert.equal(headResponse.headers.get('content-length'), String(Buffer.byteLength(getBody)))
    assert.equal(await headResponse.text(), '')
  })

  it(`answers GET /entries with ${ENTRIES_LIMIT_DEFAULT} entries by default, and with 1 up to ${ENTRIES_LIMIT_MAX} when asked`, async () => {
    view.entryLimits.length = 0
    for (const query of ['', '?limit=1', `?limit=${ENTRIES_LIMIT_MAX}`, '?limit=7&other=x']) {
      const response = await fetch(`${api.url}/entries${query}`)
      assert.equal(response.status, 200, query)
      assertJsonHeaders(response)
      const entries = (await response.json()) as EntryJson[]
      assert.deepEqual(entries[0], entryAt(0))
    }
    assert.deepEqual(view.entryLimits, [ENTRIES_LIMIT_DEFAULT, 1, ENTRIES_LIMIT_MAX, 7])
  })

  it('refuses a bad entries limit with 400, an error and a hint, without asking the view', async () => {
    view.entryLimits.length = 0
    for (const limit of ['0', '1001', 'abc', '1e3', '-1', '', ' 5', '5.0', '0x10', '99999999999999999999']) {
      const response = await fetch(`${api.url}/entries?limit=${encodeURIComponent(limit)}`)
      assert.equal(response.status, 400, `limit=${JSON.stringify(limit)}`)
      assertJsonHeaders(response)
      const body = (await response.json()) as { error: unknown; hint: unknown }
      assert.equal(typeof body.error, 'string')
      assert.match(String(body.hint), /1 to 1000/)
    }
    const repeated = await fetch(`${api.url}/entries?limit=1&limit=2`)
    assert.equal(repeated.status, 400)
    assert.deepEqual(view.entryLimits, [])
  })

  it('answers an unknown path with 404 JSON', async () => {
    for (const path of ['/', '/status/', '/nope', '/STATUS', '/metrics/x']) {
      const response = await fetch(api.url + path)
      assert.equal(response.status, 404, path)
      assertJsonHeaders(response)
      const body = (await response.json()) as { error: unknown; hint: unknown }
      assert.equal(typeof body.error, 'string')
      assert.match(String(body.hint), /\/status/)
    }
  })

  it('answers any method but GET and HEAD with 405 JSON and an Allow header', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const response = await fetch(`${api.url}/status`, { method })
      assert.equal(response.status, 405, method)
      assertJsonHeaders(response)
      assert.equal(response.headers.get('allow'), 'GET, HEAD')
      const body = (await response.json()) as { error: unknown; hint: unknown }
      assert.equal(typeof body.error, 'string')
      assert.equal(typeof body.hint, 'string')
    }
  })

  it('answers 500 with a short message when the view throws, logs the cause, and keeps serving', async () => {
    logLines.length = 0
    view.failing.add('status')
    try {
      const response = await fetch(`${api.url}/status`)
      assert.equal(response.status, 500)
      assertJsonHeaders(response)
      const text = await response.text()
      assert.deepEqual(JSON.parse(text), { error: 'The node could not answer /status.' })
      assert.doesNotMatch(text, /exploded|secret|\.ts:/)
    } finally {
      view.failing.delete('status')
    }
    const logged = logLines.map((line) => JSON.parse(line) as { level: string; path: string; err: { message: string } })
    assert.equal(logged.length, 1)
    assert.equal(logged[0]?.level, 'error')
    assert.equal(logged[0]?.path, '/status')
    assert.match(logged[0]?.err.message ?? '', /exploded/)

    const next = await fetch(`${api.url}/status`)
    assert.equal(next.status, 200)
    assert.deepEqual(await next.json(), STATUS)
  })

  it('answers /metrics in Prometheus text with values read at scrape time', async () => {
    view.entriesApplied = 4
    const first = await fetch(`${api.url}/metrics`)
    assert.equal(first.status, 200)
    assert.match(first.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4; charset=utf-8$/)
    assert.equal(first.headers.get('cache-control'), 'no-store')
    const text = await first.text()
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue
      assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eEInfNa]+$/)
    }
    for (const name of [
      'ippoc_peers',
      'ippoc_entries_applied_total',
      'ippoc_entries_rejected_total',
      'ippoc_entries_pending',
      'ippoc_gossip_messages_total',
      'ippoc_sync_messages_total',
      'ippoc_sync_messages_rejected_total',
      'ippoc_warrants_issued_total',
      'ippoc_warrants_accepted_total',
      'ippoc_bans_total',
      'ippoc_banned_peers',
      'ippoc_gossip_latency_seconds',
      'ippoc_state_root_age_seconds',
      'ippoc_ledger_entries_counted',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name)
    }
    assert.match(text, /^ippoc_entries_applied_total 4$/m)
    assert.match(text, /^ippoc_peers 2$/m)
    assert.match(text, /^ippoc_state_root_age_seconds 30$/m)

    view.entriesApplied = 9
    assert.match(await (await fetch(`${api.url}/metrics`)).text(), /^ippoc_entries_applied_total 9$/m)
  })

  it('answers 500 on /metrics when the view throws while scraped', async () => {
    view.failing.add('status')
    try {
      const response = await fetch(`${api.url}/metrics`)
      assert.equal(response.status, 500)
      assertJsonHeaders(response)
    } finally {
      view.failing.delete('status')
    }
    assert.equal((await fetch(`${api.url}/metrics`)).status, 200)
  })
})

describe('startNodeHttpApi, beyond one running server', () => {
  it('writes a bigint that slips into the view as a decimal string', async () => {
    const view = createFakeView()
    view.balances = () => [{ account: 'x', balances: { IPPC: 5n } }] as unknown as BalanceJson[]
    const api = await startNodeHttpApi({ view })
    try {
      assert.deepEqual(await (await fetch(`${api.url}/balances`)).json(), [{ account: 'x', balances: { IPPC: '5' } }])
    } finally {
      await api.close()
    }
  })

  it('closes promptly while a keep-alive connection is open, and twice is fine', async () => {
    const api = await startNodeHttpApi({ view: createFakeView() })
    const agent = new Agent({ keepAlive: true })
    try {
      await new Promise<void>((resolve, reject) => {
        get(`${api.url}/healthz`, { agent }, (response) => {
          response.resume()
          response.on('end', resolve)
        }).on('error', reject)
      })
      await new Promise((resolve) => setImmediate(resolve))
      assert.equal(Object.values(agent.freeSockets).flat().length, 1, 'the keep-alive socket stays open')
      const startedMs = performance.now()
      await api.close()
      assert.ok(performance.now() - startedMs < 1_000, 'close() waited for the idle connection')
      await api.close()
      await assert.rejects(fetch(`${api.url}/healthz`))
    } finally {
      agent.destroy()
    }
  })

  it('closes promptly while a client is halfway through sending a request', async () => {
    const api = await startNodeHttpApi({ view: createFakeView() })
    const socket = connect({ host: '127.0.0.1', port: api.port })
    try {
      await new Promise((resolve) => socket.once('connect', resolve))
      socket.write('GET /status HTTP/1.1\r\nhost: 127.0.0.1\r\n')
      await new Promise((resolve) => setTimeout(resolve, 20))
      const startedMs = performance.now()
      await api.close()
      assert.ok(performance.now() - startedMs < 1_000, 'close() waited for the busy connection')
    } finally {
      socket.destroy()
    }
  })

  it('gives two servers for two views their own metrics', async () => {
    const [viewOne, viewTwo] = [createFakeView(), createFakeView()]
    viewOne.entriesApplied = 1
    viewTwo.entriesApplied = 2
    const [one, two] = await Promise.all([startNodeHttpApi({ view: viewOne }), startNodeHttpApi({ view: viewTwo })])
    try {
      assert.notEqual(one.port, two.port)
      assert.match(await (await fetch(`${one.url}/metrics`)).text(), /^ippoc_entries_applied_total 1$/m)
      assert.match(await (await fetch(`${two.url}/metrics`)).text(), /^ippoc_entries_applied_total 2$/m)
    } finally {
      await Promise.all([one.close(), two.close()])
    }
  })

  it('refuses a host that is not a string and a port outside 0..65535 by name', async () => {
    const view = createFakeView()
    for (const host of [42, null, '', {}]) {
      await assert.rejects(startNodeHttpApi({ view, host: host as unknown as string }), { name: 'InvalidArgumentError', argument: 'host' })
    }
    for (const port of [-1, 65_536, 1.5, Number.NaN, '80']) {
      await assert.rejects(startNodeHttpApi({ view, port: port as unknown as number }), { name: 'InvalidArgumentError', argument: 'port' })
    }
    await assert.rejects(startNodeHttpApi({ view: undefined as unknown as NodeView }), { name: 'InvalidArgumentError', argument: 'view' })
  })

  it('says so by name when the port is taken', async () => {
    const view = createFakeView()
    const first = await startNodeHttpApi({ view })
    try {
      await assert.rejects(startNodeHttpApi({ view, port: first.port }), { name: 'HttpApiListenError', details: 'EADDRINUSE' })
    } finally {
      await first.close()
    }
  })
})

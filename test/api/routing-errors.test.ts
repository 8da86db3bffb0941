import { beforeAll, describe, expect, it } from 'vitest'
import type { InjectOptions } from 'fastify'
import { scoringTestConfig, useTestApp } from '../helpers/app.js'
import { randomAddress } from '../helpers/factories/accounts.js'
import { createTestApiKey } from '../helpers/factories/scoring.js'
import { setUpCeramicCache, type CeramicCacheSetup } from '../helpers/jwt.js'
import { sendRaw } from '../fuzz/raw-http.js'

// D18 (405 with Allow; HEAD like GET without a body) and D24 (the router's and the HTTP parser's
// errors in the `{"detail": …}` envelope).

const INTERNAL = { authorization: 'internal-test-token' }
let ceramic: CeramicCacheSetup
let communityId: number
let apiKey: string

const ctx = useTestApp({
  config: async ({ sql }) => {
    ceramic = await setUpCeramicCache(sql, { weights: { Google: 1 } })
    communityId = ceramic.communityId
    apiKey = (await createTestApiKey(sql, ceramic.accountId)).key
    return scoringTestConfig(ceramic.env)
  },
})

describe('known path, wrong method (D18)', () => {
  it.each([
    ['PUT', '/health/', 'GET, HEAD'],
    ['POST', '/ceramic-cache/stamp?address=0x0', 'GET, HEAD'],
    ['GET', '/internal/check-bans', 'POST'],
    ['DELETE', '/internal/check-revocations', 'POST'],
    ['GET', '/ceramic-cache/stamps/bulk', 'POST, PATCH, DELETE'],
    ['PUT', '/ceramic-cache/stamps/bulk', 'POST, PATCH, DELETE'],
    ['POST', '/internal/score/v2/1/0xabc', 'GET, HEAD'],
    ['DELETE', '/v2/stamps/1/score/0xabc', 'GET, HEAD'],
    ['PATCH', '/internal/embed/stamps/0xabc', 'POST'],
    ['POST', '/v2/stamps/1/score/0xabc/history', 'GET, HEAD'],
    ['DELETE', '/v2/stamps/0xabc', 'GET, HEAD'],
    ['PUT', '/v2/stamps/metadata', 'GET, HEAD'],
    ['POST', '/v2/models/score/0xabc', 'GET, HEAD'],
  ])('%s %s → 405 {"detail": "Method Not Allowed"}, Allow: %s, before authentication', async (method, url, allow) => {
    const response = await ctx.app.inject({ method: method as InjectOptions['method'], url })
    expect({
      status: response.statusCode,
      allow: response.headers.allow,
      type: response.headers['content-type'],
      body: response.json(),
    }).toEqual({
      status: 405,
      allow,
      type: 'application/json; charset=utf-8',
      body: { detail: 'Method Not Allowed' },
    })
  })

  it('HEAD on a POST-only path → 405 with Allow and no body', async () => {
    const response = await ctx.app.inject({ method: 'HEAD', url: '/internal/check-bans' })
    expect({ status: response.statusCode, allow: response.headers.allow, body: response.body }).toEqual({
      status: 405,
      allow: 'POST',
      body: '',
    })
  })

  it.each([
    ['POST', '/nope'],
    ['PUT', '/internal/check-bans/'], // Django routes are exact: the trailing slash is another path
    ['POST', '/internal/allow-list//0xabc'], // no Django converter matches an empty segment
    ['GET', '/internal/check-bans/extra'],
  ])('%s %s → 404 {"detail": "Not Found"} (no route has this path)', async (method, url) => {
    const response = await ctx.app.inject({ method: method as InjectOptions['method'], url })
    expect({ status: response.statusCode, allow: response.headers.allow, body: response.json() }).toEqual({
      status: 404,
      allow: undefined,
      body: { detail: 'Not Found' },
    })
  })
})

describe('HEAD on a GET route (D18)', () => {
  // Every GET route of src/api, with inputs it accepts. Fastify serves HEAD with the GET handler, so
  // the status and headers are GET's, without the body.
  const getRequests = (address: string, jwt: Record<string, string>): [string, Record<string, string>][] => [
    ['/health/', {}],
    [`/v2/stamps/${communityId}/score/${address}`, { 'x-api-key': apiKey }],
    [`/internal/score/v2/${communityId}/${address}`, INTERNAL],
    [`/internal/embed/score/${communityId}/${address}`, {}],
    ['/internal/embed/validate-api-key', { 'x-api-key': apiKey }],
    [`/internal/embed/weights?community_id=${communityId}`, {}],
    [`/internal/allow-list/list/${address}`, INTERNAL],
    ['/internal/customization/credential/unknown', INTERNAL],
    [`/internal/stake/gtc/${address}`, INTERNAL],
    [`/internal/stake/legacy-gtc/${address}/1`, INTERNAL],
    [`/internal/cgrants/contributor_statistics?address=${address}`, INTERNAL],
    [`/ceramic-cache/stamp?address=${address}`, {}],
    [`/ceramic-cache/score/${address}`, jwt],
    ['/ceramic-cache/weights', {}],
    ['/internal/customization/credential/%00', INTERNAL],
    [`/ceramic-cache/score/${address}?alternate_scorer_id=Infinity`, jwt],
    ['/internal/embed/weights?community_id=abc', {}],
    [`/v2/stamps/${communityId}/score/${address}/history?created_at=2024-01-01`, { 'x-api-key': apiKey }],
    [`/v2/stamps/${address}?limit=2`, { 'x-api-key': apiKey }],
    [`/v2/models/score/${address}?model=nope`, { 'x-api-key': apiKey }],
  ]

  it('answers like GET: same status, content type and length, empty body — also for the inputs that used to be 500s', async () => {
    const address = randomAddress()
    const jwt = await ceramic.bearer(address)
    for (const [url, headers] of getRequests(address, jwt)) {
      const get = await ctx.app.inject({ method: 'GET', url, headers })
      const head = await ctx.app.inject({ method: 'HEAD', url, headers })
      const summary = (response: typeof get) => ({
        url,
        status: response.statusCode,
        type: response.headers['content-type'],
        length: response.headers['content-length'],
      })
      expect(summary(head)).toEqual(summary(get))
      expect(head.body).toBe('')
      expect(get.statusCode).toBeLessThan(500)
    }
  })
})

describe('router errors in the envelope (D24)', () => {
  it('bad percent-encoding in the path → 400 naming it', async () => {
    for (const url of ['/internal/customization/credential/%zz', '/internal/allow-list/a%/b', '/nope/%E0%A4%A']) {
      const response = await ctx.app.inject({ method: 'GET', url, headers: INTERNAL })
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: { detail: 'Invalid percent-encoding in the URL path' },
      })
    }
  })

  it('a 150-character segment reaches the route (its own answer), a 1001-character one is 414', async () => {
    const address = randomAddress()
    const list = await ctx.app.inject({
      method: 'GET',
      url: `/internal/allow-list/${'l'.repeat(150)}/${address}`,
      headers: INTERNAL,
    })
    expect({ status: list.statusCode, body: list.json() }).toEqual({ status: 200, body: { is_member: false } })
    const credential = await ctx.app.inject({
      method: 'GET',
      url: `/internal/customization/credential/${'c'.repeat(1000)}`,
      headers: INTERNAL,
    })
    expect({ status: credential.statusCode, body: credential.json() }).toEqual({
      status: 404,
      body: { detail: 'Not Found' },
    })
    const tooLong = await ctx.app.inject({
      method: 'GET',
      url: `/internal/customization/credential/${'c'.repeat(1001)}`,
      headers: INTERNAL,
    })
    expect({ status: tooLong.statusCode, body: tooLong.json() }).toEqual({
      status: 414,
      body: { detail: 'A path segment is longer than 1000 characters' },
    })
  })
})

describe('HTTP parser errors in the envelope (D24)', () => {
  const CASES: { name: string; bytes: string; status: number; detail: string }[] = [
    {
      name: 'NUL in a header value',
      bytes: 'GET /health/ HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n',
      status: 400,
      detail: 'Malformed HTTP request: Invalid header value char',
    },
    {
      name: 'Content-Length with Transfer-Encoding',
      bytes:
        'POST /internal/check-bans HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      status: 400,
      detail: "Malformed HTTP request: Transfer-Encoding can't be present with Content-Length",
    },
    {
      name: 'bad chunk size',
      bytes: 'POST /internal/check-bans HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      status: 400,
      detail: 'Malformed HTTP request: Invalid character in chunk size',
    },
    {
      name: 'headers over 16 KiB',
      bytes: `GET /health/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      status: 431,
      detail: 'Request Header Fields Too Large',
    },
    {
      name: 'unknown method',
      bytes: 'BREW /health/ HTTP/1.1\r\nHost: x\r\n\r\n',
      status: 400,
      detail: 'Malformed HTTP request: Invalid method encountered',
    },
    {
      name: 'CONNECT',
      bytes: 'CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n',
      status: 400,
      detail: 'CONNECT is not supported',
    },
  ]

  let port: number
  beforeAll(async () => {
    await ctx.app.listen({ host: '127.0.0.1', port: 0 })
    ;({ port } = ctx.app.server.address() as { port: number })
  })

  it.each(CASES)('$name → $status JSON envelope, connection closed', async ({ bytes, status, detail }) => {
    const response = await sendRaw(port, bytes, { untilClosed: true })
    expect({
      status: response.status,
      type: response.headers['content-type'],
      connection: response.headers.connection,
      body: JSON.parse(response.body) as unknown,
      closed: response.closed,
    }).toEqual({
      status,
      type: 'application/json; charset=utf-8',
      connection: 'close',
      body: { detail },
      closed: true,
    })
  })

  it('an unknown Expect → 417 JSON envelope', async () => {
    const response = await sendRaw(
      port,
      'POST /internal/check-bans HTTP/1.1\r\nHost: x\r\nExpect: fly\r\nContent-Length: 0\r\n\r\n',
    )
    expect({ status: response.status, body: JSON.parse(response.body) as unknown }).toEqual({
      status: 417,
      body: { detail: 'Expectation Failed' },
    })
  })
})

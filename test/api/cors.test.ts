import { describe, expect, it } from 'vitest'
import type { InjectOptions } from 'fastify'
import { testConfig, useTestApp } from '../helpers/app.js'

// D23 / endpoints §1.10: django-cors-headers with CORS_ALLOW_ALL_ORIGINS, as Python configures it.

const ORIGIN = 'https://app.passport.xyz'
const PYTHON_ALLOW_HEADERS =
  'accept, accept-encoding, authorization, content-type, dnt, origin, user-agent, x-csrftoken, x-requested-with, x-api-key'

const ctx = useTestApp({ config: () => testConfig() })

const cors = (response: { headers: Record<string, unknown> }) => ({
  origin: response.headers['access-control-allow-origin'],
  vary: response.headers.vary,
  methods: response.headers['access-control-allow-methods'],
  headers: response.headers['access-control-allow-headers'],
  maxAge: response.headers['access-control-max-age'],
})

describe('preflight (OPTIONS with Access-Control-Request-Method)', () => {
  it.each([
    '/ceramic-cache/stamps/bulk',
    '/v2/stamps/1/score/0xabc',
    '/account/nonce',
    '/internal/check-bans',
    // django-cors-headers answers before URL resolution, so an unknown path is answered too.
    '/no/such/path',
  ])('%s → 200, empty body, Python’s headers', async (url) => {
    const response = await ctx.app.inject({
      method: 'OPTIONS',
      url,
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    })
    expect({ status: response.statusCode, body: response.body, length: response.headers['content-length'] }).toEqual({
      status: 200,
      body: '',
      length: '0',
    })
    expect(cors(response)).toEqual({
      origin: '*',
      vary: 'Origin',
      methods: 'DELETE, GET, OPTIONS, PATCH, POST, PUT',
      headers: PYTHON_ALLOW_HEADERS,
      maxAge: '86400',
    })
  })

  it('OPTIONS without Access-Control-Request-Method is not a preflight: 405 with Allow on a known path, 404 elsewhere', async () => {
    const known = await ctx.app.inject({ method: 'OPTIONS', url: '/health/', headers: { origin: ORIGIN } })
    expect({ status: known.statusCode, allow: known.headers.allow, body: known.json() }).toEqual({
      status: 405,
      allow: 'GET, HEAD',
      body: { detail: 'Method Not Allowed' },
    })
    expect(known.headers['access-control-allow-origin']).toBe('*')
    // A preflight without Origin is not a CORS request here: routed as a plain OPTIONS (Django: 200, no headers).
    const originless = await ctx.app.inject({
      method: 'OPTIONS',
      url: '/health/',
      headers: { 'access-control-request-method': 'GET' },
    })
    expect({ status: originless.statusCode, origin: originless.headers['access-control-allow-origin'] }).toEqual({
      status: 405,
      origin: undefined,
    })
    const unknown = await ctx.app.inject({ method: 'OPTIONS', url: '/nowhere', headers: { origin: ORIGIN } })
    expect({ status: unknown.statusCode, body: unknown.json() }).toEqual({ status: 404, body: { detail: 'Not Found' } })
  })
})

describe('actual requests', () => {
  it.each<[string, InjectOptions['method'], string, Record<string, string>, number]>([
    ['success', 'GET', '/health/', {}, 200],
    ['401 (internal key)', 'GET', '/internal/allow-list/x/0xabc', {}, 401],
    ['401 (JWT)', 'GET', '/ceramic-cache/score/0xabc', { authorization: 'Bearer garbage' }, 401],
    ['404', 'GET', '/no/such/path', {}, 404],
    ['405', 'DELETE', '/health/', {}, 405],
    ['422', 'GET', '/ceramic-cache/stamp', {}, 422],
  ])(
    '%s: %s %s carries Access-Control-Allow-Origin: * and Vary: Origin',
    async (_name, method, url, headers, status) => {
      const response = await ctx.app.inject({ method, url, headers: { origin: ORIGIN, ...headers } })
      expect(response.statusCode).toBe(status)
      expect(cors(response)).toEqual({
        origin: '*',
        vary: 'Origin',
        methods: undefined,
        headers: undefined,
        maxAge: undefined,
      })
    },
  )

  it('a request without Origin gets only Vary: Origin, as django-cors-headers', async () => {
    const response = await ctx.app.inject({ method: 'GET', url: '/health/' })
    expect(cors(response)).toEqual({
      origin: undefined,
      vary: 'Origin',
      methods: undefined,
      headers: undefined,
      maxAge: undefined,
    })
  })
})

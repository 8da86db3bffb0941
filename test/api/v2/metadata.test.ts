import { afterAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, testConfig, useTestApp } from '../../helpers/app.js'
import { createAccount } from '../../helpers/factories/accounts.js'
import { createTestApiKey } from '../../helpers/factories/scoring.js'
import { answerJson, startLoopbackServer, type LoopbackServer } from '../../helpers/loopback-server.js'
import { expectedPlatforms, METADATA_FILE } from '../../helpers/stamp-metadata-file.js'

// endpoints §18: GET /v2/stamps/metadata, with stampMetadata.json served from a loopback server.

type Mode = 'ok' | 'unavailable' | 'invalid' | 'hang'
let mode: Mode = 'ok'
let source: LoopbackServer
let key: string
let keyId: string
const extraApps: FastifyInstance[] = []

const ctx = useTestApp({
  config: async ({ sql }) => {
    source = await startLoopbackServer((request, response) => {
      if (mode === 'hang') return
      if (mode === 'unavailable') return answerJson(response, { detail: 'down' }, 503)
      if (mode === 'invalid') return answerJson(response, [{ ...METADATA_FILE[0], id: 7 }])
      answerJson(response, METADATA_FILE)
    })
    const { accountId } = await createAccount(sql)
    const created = await createTestApiKey(sql, accountId, { withSha256: true })
    key = created.key
    keyId = created.id
    return testConfig({ PASSPORT_PUBLIC_URL: `${source.url}/public/`, FF_API_ANALYTICS: 'on' })
  },
})
afterAll(async () => {
  for (const app of extraApps) await app.close()
  await source?.close()
})

/** Another app on the same database, reading the file from `path` of the loopback server. */
async function appReading(path: string, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await buildTestApp(ctx.database.sql, testConfig({ PASSPORT_PUBLIC_URL: `${source.url}${path}`, ...env }))
  extraApps.push(app)
  return app
}

async function getMetadata(app: FastifyInstance = ctx.app) {
  const response = await app.inject({ method: 'GET', url: '/v2/stamps/metadata', headers: { 'x-api-key': key } })
  return { status: response.statusCode, body: response.json() as unknown }
}

describe('GET /v2/stamps/metadata', () => {
  it('endpoints §18.1–§18.3: the platforms with icons joined to PASSPORT_PUBLIC_URL; two requests, one fetch', async () => {
    mode = 'ok'
    const expected = { status: 200, body: expectedPlatforms(`${source.url}/public/`) }
    expect(await getMetadata()).toEqual(expected)
    expect(await getMetadata()).toEqual(expected)
    expect(source.requests.filter((request) => request.path === '/public/stampMetadata.json')).toEqual([
      { method: 'GET', path: '/public/stampMetadata.json', contentType: undefined, body: '' },
    ])
  })

  it('endpoints §18.1: a base without a trailing slash loses its last segment (urljoin)', async () => {
    mode = 'ok'
    const app = await appReading('/public/app')
    const before = source.requests.length
    expect(await getMetadata(app)).toEqual({ status: 200, body: expectedPlatforms(`${source.url}/public/`) })
    expect(source.requests.slice(before).map((request) => request.path)).toEqual(['/public/stampMetadata.json'])
  })

  it.each([
    ['answers 503', 'unavailable' as const],
    ['serves a platform whose id is a number', 'invalid' as const],
  ])("endpoints §18.4: never fetched and the source %s → 500 with Python's text", async (_, failure) => {
    mode = failure
    const app = await appReading(`/${failure}/`)
    expect(await getMetadata(app)).toEqual({ status: 500, body: { detail: 'Error fetching external stamp metadata' } })
  })

  it('endpoints §18.1: a source that does not answer is given up after STAMP_METADATA_TIMEOUT_MS', async () => {
    mode = 'hang'
    const app = await appReading('/hang/', { STAMP_METADATA_TIMEOUT_MS: '300' })
    const started = Date.now()
    expect(await getMetadata(app)).toEqual({ status: 500, body: { detail: 'Error fetching external stamp metadata' } })
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    expect(Date.now() - started).toBeLessThan(3000)
    mode = 'ok'
  })

  it('endpoints §1.9: an analytics row without the response', async () => {
    mode = 'ok'
    expect((await getMetadata()).status).toBe(200)
    let rows: readonly unknown[] = []
    for (let attempt = 0; attempt < 50 && rows.length === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      rows = await ctx.database.sql`
        select path, path_segments, query_params, response, response_skipped, error, status_code
        from account_accountapikeyanalytics where api_key_id = ${keyId} order by id desc limit 1`
    }
    expect(rows).toEqual([
      {
        path: '/v2/stamps/metadata',
        path_segments: ['v2', 'stamps', 'metadata'],
        query_params: {},
        response: null,
        response_skipped: true,
        error: null,
        status_code: 200,
      },
    ])
  })

  it('endpoints §1.3.1: no key → 401', async () => {
    const response = await ctx.app.inject({ method: 'GET', url: '/v2/stamps/metadata' })
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 401,
      body: { detail: 'Invalid API Key.' },
    })
  })
})

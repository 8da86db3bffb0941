import { afterAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, testConfig, useTestApp } from '../../helpers/app.js'
import { createAccount, randomAddress } from '../../helpers/factories/accounts.js'
import { insertCacheRow } from '../../helpers/factories/ceramic-cache.js'
import { createTestApiKey } from '../../helpers/factories/scoring.js'
import { answerJson, startLoopbackServer, type LoopbackServer } from '../../helpers/loopback-server.js'
import { expectedPlatforms, METADATA_FILE } from '../../helpers/stamp-metadata-file.js'

// endpoints §19: GET /v2/stamps/{address}, newest first, with Python's cursor and page links.

let source: LoopbackServer
let key: string
let keyId: string
const extraApps: FastifyInstance[] = []
const ctx = useTestApp({
  config: async ({ sql }) => {
    source = await startLoopbackServer((_, response) => answerJson(response, METADATA_FILE))
    const { accountId } = await createAccount(sql)
    const created = await createTestApiKey(sql, accountId, { withSha256: true })
    key = created.key
    keyId = created.id
    return testConfig({ PASSPORT_PUBLIC_URL: `${source.url}/`, FF_API_ANALYTICS: 'on' })
  },
})
afterAll(async () => {
  for (const app of extraApps) await app.close()
  await source?.close()
})
const sql = () => ctx.database.sql

/** Python's cursor, written out: urlsafe base64 without padding of `{"d": "…", "id": N}`. */
const token = (direction: 'next' | 'prev', id: number) =>
  Buffer.from(`{"d": "${direction}", "id": ${id}}`).toString('base64url')

async function listStamps(address: string, query = '', app = ctx.app, headers: Record<string, string> = {}) {
  const response = await app.inject({
    method: 'GET',
    url: `/v2/stamps/${address}${query}`,
    headers: { 'x-api-key': key, ...headers },
  })
  return { status: response.statusCode, body: response.json() as unknown }
}

/** Five live rows (ids ascending), a soft-deleted one and a type-2 one in between. */
async function seedStamps(address: string) {
  const ids: number[] = []
  for (const provider of ['Google', 'Ens', 'Discord']) {
    ids.push(await insertCacheRow(sql(), { address, provider, stamp: { provider, n: ids.length } }))
  }
  const deleted = await insertCacheRow(sql(), { address, provider: 'Deleted', stamp: { provider: 'Deleted' } })
  await sql()`update ceramic_cache_ceramiccache set deleted_at = now() where id = ${deleted}`
  ids.push(await insertCacheRow(sql(), { address, provider: 'Twitter', stamp: { provider: 'Twitter', n: 3 }, type: 2 }))
  ids.push(await insertCacheRow(sql(), { address, provider: 'Lens', stamp: { provider: 'Lens', n: 4 } }))
  return ids
}

const item = (provider: string, n: number) => ({ version: '1.0.0', credential: { provider, n } })

describe('GET /v2/stamps/{address}', () => {
  it('endpoints §19: pages newest first; next/prev are Python links on /registry/stamps/… (Appendix E.4)', async () => {
    const address = randomAddress()
    const [google, ens, discord, twitter, lens] = await seedStamps(address)
    const link = (direction: 'next' | 'prev', id: number) =>
      `http://localhost:80/registry/stamps/${address}?token=${token(direction, id)}&limit=2`

    const first = await listStamps(address.toUpperCase().replace('0X', '0x'), '?limit=2')
    expect(first).toEqual({
      status: 200,
      body: { next: link('next', twitter!), prev: null, items: [item('Lens', 4), item('Twitter', 3)] },
    })
    const second = await listStamps(address, `?limit=2&token=${token('next', twitter!)}`)
    expect(second).toEqual({
      status: 200,
      body: { next: link('next', ens!), prev: link('prev', discord!), items: [item('Discord', 2), item('Ens', 1)] },
    })
    const last = await listStamps(address, `?limit=2&token=${token('next', ens!)}`)
    expect(last).toEqual({ status: 200, body: { next: null, prev: link('prev', google!), items: [item('Google', 0)] } })
    const back = await listStamps(address, `?limit=2&token=${token('prev', google!)}`)
    expect(back).toEqual(second)
    const top = await listStamps(address, `?limit=2&token=${token('prev', discord!)}`)
    expect(top.body).toEqual({ next: link('next', twitter!), prev: null, items: [item('Lens', 4), item('Twitter', 3)] })
    expect(lens).toBeGreaterThan(twitter!)
  })

  it('endpoints §19: defaults — limit 1000, every live row; an address without stamps → empty page', async () => {
    const address = randomAddress()
    await seedStamps(address)
    const all = await listStamps(address)
    expect(all).toEqual({
      status: 200,
      body: {
        next: null,
        prev: null,
        items: [item('Lens', 4), item('Twitter', 3), item('Discord', 2), item('Ens', 1), item('Google', 0)],
      },
    })
    expect(await listStamps(randomAddress())).toEqual({ status: 200, body: { next: null, prev: null, items: [] } })
    expect(await listStamps(address, '?limit=0')).toEqual({ status: 200, body: { next: null, prev: null, items: [] } })
  })

  it('endpoints §19: a cursor with another direction reads the first page; ids as Django reads them', async () => {
    const address = randomAddress()
    const [, ens, discord] = await seedStamps(address)
    const custom = (json: string) => Buffer.from(json).toString('base64url')
    const firstPage = (await listStamps(address, '?limit=1')).body
    expect((await listStamps(address, `?limit=1&token=${custom('{"d": "sideways", "id": 1}')}`)).body).toEqual(
      firstPage,
    )
    // `next` rounds a fraction up (id < ceil), and takes integer text.
    for (const id of [`${discord! - 0.5}`, `"${discord}"`]) {
      const page = await listStamps(address, `?limit=1&token=${custom(`{"d": "next", "id": ${id}}`)}`)
      expect((page.body as { items: unknown[] }).items).toEqual([item('Ens', 1)])
    }
    // Past bigint: every row lies below.
    const huge = await listStamps(address, `?limit=1&token=${custom('{"d": "next", "id": 1e30}')}`)
    expect(huge.body).toEqual(firstPage)
    expect(ens).toBeLessThan(discord!)
  })

  it.each([
    ['limit over 1000', '?limit=1001', 400, { detail: 'Invalid limit.' }],
    ['a negative limit (Python: 500, D17)', '?limit=-1', 400, { detail: 'Invalid limit.' }],
    ['a token that is not base64 JSON (D17)', '?token=%25%25%25', 400, { detail: 'Invalid token.' }],
    ['a token of 4k+1 characters (D17)', '?token=abcde', 400, { detail: 'Invalid token.' }],
    [
      'a token without id (D17)',
      `?token=${Buffer.from('{"d": "next"}').toString('base64url')}`,
      400,
      { detail: 'Invalid token.' },
    ],
    [
      'a token of a list (D17)',
      `?token=${Buffer.from('[1]').toString('base64url')}`,
      400,
      { detail: 'Invalid token.' },
    ],
    [
      'a limit that is not an integer',
      '?limit=ten',
      422,
      {
        detail: [
          {
            type: 'int_parsing',
            loc: ['query', 'limit'],
            msg: 'Input should be a valid integer, unable to parse string as an integer',
          },
        ],
      },
    ],
    [
      'include_metadata that is not a boolean',
      '?include_metadata=maybe',
      422,
      {
        detail: [
          {
            type: 'bool_parsing',
            loc: ['query', 'include_metadata'],
            msg: 'Input should be a valid boolean, unable to interpret input',
          },
        ],
      },
    ],
  ])('endpoints §19.1–§19.3: %s → %i', async (_, query, status, body) => {
    expect(await listStamps(randomAddress(), query)).toEqual({ status, body })
  })

  it('endpoints §19: a stored stamp that is not an object → 500 (pydantic refuses it in Python too)', async () => {
    const address = randomAddress()
    await insertCacheRow(sql(), { address, provider: 'Google', stamp: 'not a credential' })
    expect(await listStamps(address)).toEqual({ status: 500, body: { detail: 'Internal Server Error' } })
  })

  it('endpoints §19.2: an invalid address → 400 (after the limit check)', async () => {
    expect(await listStamps('0x123')).toEqual({ status: 400, body: { detail: 'Invalid address.' } })
    expect(await listStamps('0x123', '?limit=5000')).toEqual({ status: 400, body: { detail: 'Invalid limit.' } })
  })

  it('endpoints §19.5: include_metadata → each stamp with its platform and group (null when unknown)', async () => {
    const address = randomAddress()
    await insertCacheRow(sql(), { address, provider: 'Ens', stamp: { provider: 'Ens' } })
    await insertCacheRow(sql(), { address, provider: 'Unlisted', stamp: { provider: 'Unlisted' } })
    const [, ens] = expectedPlatforms(`${source.url}/`)
    const { groups, ...platform } = ens!
    expect(await listStamps(address, '?include_metadata=TRUE')).toEqual({
      status: 200,
      body: {
        next: null,
        prev: null,
        items: [
          { version: '1.0.0', credential: { provider: 'Unlisted' }, metadata: null },
          {
            version: '1.0.0',
            credential: { provider: 'Ens' },
            metadata: { group: groups[0]!.name, platform, ...groups[0]!.stamps[0]! },
          },
        ],
      },
    })
    expect((await listStamps(address, '?include_metadata=0')).body).toEqual({
      next: null,
      prev: null,
      items: [
        { version: '1.0.0', credential: { provider: 'Unlisted' } },
        { version: '1.0.0', credential: { provider: 'Ens' } },
      ],
    })
  })

  it('endpoints §19.5: metadata never fetched → 500 naming the first provider; no stamps → no fetch', async () => {
    const app = await buildTestApp(sql(), testConfig({ PASSPORT_PUBLIC_URL: 'http://127.0.0.1:9/' }))
    extraApps.push(app)
    const address = randomAddress()
    await insertCacheRow(sql(), { address, provider: 'Ens', stamp: { provider: 'Ens' } })
    expect(await listStamps(address, '?include_metadata=true', app)).toEqual({
      status: 500,
      body: { detail: 'Error fetching external stamp metadata for provider Ens' },
    })
    expect(await listStamps(randomAddress(), '?include_metadata=true', app)).toEqual({
      status: 200,
      body: { next: null, prev: null, items: [] },
    })
  })

  it('endpoints §19: links use the Host header, and https when SECURE_PROXY_SSL_HEADER says so', async () => {
    const app = await buildTestApp(
      sql(),
      testConfig({
        SECURE_PROXY_SSL_HEADER: '["HTTP_X_FORWARDED_PROTO", "https"]',
        PASSPORT_PUBLIC_URL: `${source.url}/`,
      }),
    )
    extraApps.push(app)
    const address = randomAddress()
    const [, , , twitter] = await seedStamps(address)
    const next = (headers: Record<string, string>) =>
      listStamps(address, '?limit=2', app, headers).then(({ body }) => (body as { next: string }).next)
    const path = `/registry/stamps/${address}?token=${token('next', twitter!)}&limit=2`
    expect(await next({ host: 'api.scorer.example', 'x-forwarded-proto': 'https, http' })).toBe(
      `https://api.scorer.example${path}`,
    )
    expect(await next({ host: 'api.scorer.example:8443', 'x-forwarded-proto': 'http' })).toBe(
      `http://api.scorer.example:8443${path}`,
    )
    expect(await next({ host: 'api.scorer.example' })).toBe(`http://api.scorer.example${path}`)
  })

  it('endpoints §1.9: an analytics row without the response; 401 without a key', async () => {
    const address = randomAddress()
    expect((await listStamps(address, '?limit=x')).status).toBe(422)
    expect((await listStamps(address, '?limit=3')).status).toBe(200)
    let rows: readonly unknown[] = []
    for (let attempt = 0; attempt < 50 && rows.length === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      rows = await sql()`
        select path, path_segments, query_params, response, response_skipped, error, status_code
        from account_accountapikeyanalytics where api_key_id = ${keyId} and path = ${`/v2/stamps/${address}`}`
    }
    expect(rows).toEqual([
      {
        path: `/v2/stamps/${address}`,
        path_segments: ['v2', 'stamps', address],
        query_params: { limit: ['3'] },
        response: null,
        response_skipped: true,
        error: null,
        status_code: 200,
      },
    ])
    const response = await ctx.app.inject({ method: 'GET', url: `/v2/stamps/${address}` })
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 401,
      body: { detail: 'Invalid API Key.' },
    })
  })
})

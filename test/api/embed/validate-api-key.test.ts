import { describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, testConfig, useTestApp } from '../../helpers/app.js'
import { createAccount } from '../../helpers/factories/accounts.js'
import { createApiKey, sha256KeyHash, type CreatedApiKey } from '../../../src/domain/api-keys.js'

const ctx = useTestApp({ config: () => testConfig({ FF_API_ANALYTICS: 'on' }) })

/** A PBKDF2-only key (as drf-api-key writes it), few iterations to keep the test fast. */
async function newKey(options: { embedRateLimit?: string | null } = {}): Promise<CreatedApiKey> {
  const { accountId } = await createAccount(ctx.database.sql)
  return createApiKey(ctx.database.sql, { accountId, name: 'embed key', iterations: 1000, ...options })
}

const validate = (headers: Record<string, string>, target: FastifyInstance = ctx.app) =>
  target.inject({ method: 'GET', url: '/internal/embed/validate-api-key', headers })

const INVALID = { detail: 'Invalid API Key.' }

describe('GET /internal/embed/validate-api-key', () => {
  it('scoring §13.67: a bad key → 401 "Invalid API Key."; a missing key too', async () => {
    const cases: Record<string, string>[] = [
      { 'x-api-key': 'api_id.some_api_key' },
      { authorization: 'Token 1234' },
      {},
    ]
    for (const headers of cases) {
      const response = await validate(headers)
      expect(response.statusCode).toBe(401)
      expect(response.json()).toEqual(INVALID)
    }
  })

  it('scoring §13.67: a good key → {"embed_rate_limit": <the key\'s value>}, by X-API-Key or Authorization', async () => {
    const key = await newKey({ embedRateLimit: '350/15m' })
    const cases: Record<string, string>[] = [
      { 'x-api-key': key.key },
      { authorization: `Token ${key.key}` },
      { authorization: `Bearer ${key.key}` },
    ]
    for (const headers of cases) {
      const response = await validate(headers)
      expect(response.statusCode).toBe(200)
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(response.json()).toEqual({ embed_rate_limit: '350/15m' })
    }
  })

  it('scoring §13.67: the unlimited tier "" and a NULL limit are answered as stored', async () => {
    expect((await validate({ 'x-api-key': (await newKey({ embedRateLimit: '' })).key })).json()).toEqual({
      embed_rate_limit: '',
    })
    const noLimit = await newKey()
    await ctx.database.sql`update account_accountapikey set embed_rate_limit = null where id = ${noLimit.id}`
    expect((await validate({ 'x-api-key': noLimit.key })).json()).toEqual({ embed_rate_limit: null })
  })

  it('D5: a revoked key or a key past its expiry_date → 401; a future expiry_date is fine', async () => {
    const revoked = await newKey()
    await ctx.database.sql`update account_accountapikey set revoked = true where id = ${revoked.id}`
    expect((await validate({ 'x-api-key': revoked.key })).json()).toEqual(INVALID)

    const expired = await newKey()
    await ctx.database
      .sql`update account_accountapikey set expiry_date = now() - interval '1 minute' where id = ${expired.id}`
    const expiredResponse = await validate({ 'x-api-key': expired.key })
    expect(expiredResponse.statusCode).toBe(401)
    expect(expiredResponse.json()).toEqual(INVALID)

    const future = await newKey()
    await ctx.database
      .sql`update account_accountapikey set expiry_date = now() + interval '1 day' where id = ${future.id}`
    expect((await validate({ 'x-api-key': future.key })).json()).toEqual({ embed_rate_limit: '125/15m' })
  })

  it('endpoints Endpoint 4: the only side effect is the PBKDF2 → SHA-256 migration; no analytics row even with FF_API_ANALYTICS on', async () => {
    const key = await newKey()
    expect((await validate({ 'x-api-key': key.key })).statusCode).toBe(200)
    const [row] = await ctx.database.sql<
      { hashed_key_sha256: string | null }[]
    >`select hashed_key_sha256 from account_accountapikey where id = ${key.id}`
    expect(row!.hashed_key_sha256).toBe(sha256KeyHash(key.key))
    const [analytics] = await ctx.database.sql<
      { count: number }[]
    >`select count(*)::int as count from account_accountapikeyanalytics where api_key_id = ${key.id}`
    expect(analytics!.count).toBe(0)
  })

  it('endpoints Endpoint 4: demo aliases apply to either header (sync ApiKey)', async () => {
    const key = await newKey({ embedRateLimit: '2000/15m' })
    const demoApp = await buildTestApp(
      ctx.database.sql,
      testConfig({ DEMO_API_KEY: key.key, DEMO_API_KEY_ALIASES: '["demo-alias"]' }),
    )
    try {
      expect((await validate({ 'x-api-key': 'demo-alias' }, demoApp)).json()).toEqual({ embed_rate_limit: '2000/15m' })
      expect((await validate({ authorization: 'Token demo-alias' }, demoApp)).json()).toEqual({
        embed_rate_limit: '2000/15m',
      })
    } finally {
      await demoApp.close()
    }
  })
})

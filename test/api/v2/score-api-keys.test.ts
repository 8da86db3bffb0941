import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { buildTestApp, scoringTestConfig } from '../../helpers/app.js'
import { createAccount, createCommunity, randomAddress } from '../../helpers/factories/accounts.js'
import { addCacheStamps, createTestApiKey, signStamps } from '../../helpers/factories/scoring.js'
import { useV2ScoreApp } from '../../helpers/v2-score.js'

// Who may call the endpoint (scoring §7, endpoints §1.2). The key rules themselves (hash formats,
// migration, expiry) are tested on the domain in test/domain/api-keys.test.ts; these check the
// headers the route reads and what it answers.
const ctx = useV2ScoreApp({ FF_API_ANALYTICS: 'on' })
const sql = () => ctx.database.sql

const INVALID_KEY = { detail: 'Invalid API Key.' }

describe('GET /v2/stamps/{scorer_id}/score/{address}', () => {
  describe('API keys (scoring §7)', () => {
    it('scoring §13.60: a bad or missing key → 401 "Invalid API Key.", no analytics row', async () => {
      const scorer = await ctx.createScorer()
      const url = `/v2/stamps/${scorer.communityId}/score/${randomAddress()}`
      const analyticsBefore = await sql()`select count(*)::int as count from account_accountapikeyanalytics`
      for (const headers of [
        { authorization: 'Token 1234' },
        { 'x-api-key': 'some bad API_KEY' },
        {},
        { authorization: scorer.key },
        { 'x-api-key': `${scorer.key}x` },
      ]) {
        const response = await ctx.app.inject({ method: 'GET', url, headers })
        expect([response.statusCode, response.json()]).toEqual([401, INVALID_KEY])
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(await sql()`select count(*)::int as count from account_accountapikeyanalytics`).toEqual(analyticsBefore)
    })

    it('scoring §13.61: the key is accepted in X-API-Key or as the second word of Authorization', async () => {
      const scorer = await ctx.createScorer()
      const url = `/v2/stamps/${scorer.communityId}/score/${randomAddress()}`
      for (const headers of [
        { 'x-api-key': scorer.key },
        { authorization: `Token ${scorer.key}` },
        { authorization: `Bearer ${scorer.key}` },
      ]) {
        const response = await ctx.app.inject({ method: 'GET', url, headers })
        expect(response.statusCode).toBe(200)
      }
    })

    it('scoring §13.62: a PBKDF2-only key is migrated to sha256 and then verified by sha256 alone', async () => {
      const { accountId } = await createAccount(sql())
      const { communityId } = await createCommunity(sql(), { accountId })
      const created = await createTestApiKey(sql(), accountId, { withSha256: false })
      const url = `/v2/stamps/${communityId}/score/${randomAddress()}`
      const sha256 = `sha256$${createHash('sha256').update(created.key).digest('hex')}`
      const call = (key: string) => ctx.app.inject({ method: 'GET', url, headers: { 'x-api-key': key } })

      expect((await call(created.key)).statusCode).toBe(200)
      expect(await sql()`select hashed_key_sha256 from account_accountapikey where id = ${created.id}`).toEqual([
        { hashed_key_sha256: sha256 },
      ])
      // Without a usable PBKDF2 hash the key still works: the sha256 column decides.
      await sql()`update account_accountapikey set hashed_key = 'pbkdf2_sha256$1$x$broken' where id = ${created.id}`
      expect((await call(created.key)).statusCode).toBe(200)
      // A sha256 column that does not match is decisive: no PBKDF2 fallback.
      const other = await createTestApiKey(sql(), accountId, { withSha256: false })
      await sql()`update account_accountapikey set hashed_key_sha256 = ${sha256} where id = ${other.id}`
      expect((await call(other.key)).json()).toEqual(INVALID_KEY)
      // An unknown hash format never validates.
      const unknown = await createTestApiKey(sql(), accountId, { withSha256: false })
      await sql()`update account_accountapikey set hashed_key = 'unknown$format$hash' where id = ${unknown.id}`
      const response = await call(unknown.key)
      expect([response.statusCode, response.json()]).toEqual([401, INVALID_KEY])
      expect(await sql()`select hashed_key_sha256 from account_accountapikey where id = ${unknown.id}`).toEqual([
        { hashed_key_sha256: null },
      ])
    })

    it('scoring §13.63 and D5: a revoked or expired key → 401; a key expiring later works', async () => {
      const scorer = await ctx.createScorer()
      const url = `/v2/stamps/${scorer.communityId}/score/${randomAddress()}`
      const call = async () => {
        const response = await ctx.app.inject({ method: 'GET', url, headers: { 'x-api-key': scorer.key } })
        return [response.statusCode, response.json()]
      }
      await sql()`update account_accountapikey set expiry_date = now() + interval '1 day' where account_id = ${scorer.accountId}`
      expect((await call())[0]).toBe(200)
      await sql()`update account_accountapikey set expiry_date = now() - interval '1 second' where account_id = ${scorer.accountId}`
      expect(await call()).toEqual([401, INVALID_KEY])
      await sql()`update account_accountapikey set expiry_date = null, revoked = true where account_id = ${scorer.accountId}`
      expect(await call()).toEqual([401, INVALID_KEY])
    })

    it('D5: no permission flag is required on the v2 score (read_scores and submit_passports off still score)', async () => {
      const scorer = await ctx.createScorer()
      await sql()`update account_accountapikey set read_scores = false, submit_passports = false where account_id = ${scorer.accountId}`
      expect((await ctx.scoreV2(scorer, randomAddress())).status).toBe(200)
    })

    it('scoring §13.66: a demo alias in X-API-Key with a negative scorer id scores DEMO_API_SCORER_ID as DEMO_API_KEY', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1 } })
      const demoApp = await buildTestApp(
        ctx.database.sql,
        await scoringTestConfig({
          DEMO_API_KEY: scorer.key,
          DEMO_API_KEY_ALIASES: '["demo"]',
          DEMO_API_SCORER_ID: String(scorer.communityId),
        }),
      )
      try {
        const address = randomAddress()
        await addCacheStamps(sql(), address, await signStamps(address, [{ provider: 'Google' }]))
        const response = await demoApp.inject({
          method: 'GET',
          url: `/v2/stamps/-1/score/${address}`,
          headers: { 'x-api-key': 'demo' },
        })
        expect(response.statusCode).toBe(200)
        const call = { status: response.statusCode, body: response.json() as Record<string, unknown> }
        expect(call.body).toMatchObject({ address, score: '1.00000', error: null })
        await ctx.expectDoneRows(address, scorer.communityId, call, {
          score: '0',
          rawScore: '1',
          providers: ['Google'],
        })
        // The async route applies the aliases to X-API-Key only (scoring §7.2).
        const viaAuthorization = await demoApp.inject({
          method: 'GET',
          url: `/v2/stamps/-1/score/${address}`,
          headers: { authorization: 'Token demo' },
        })
        expect([viaAuthorization.statusCode, viaAuthorization.json()]).toEqual([401, INVALID_KEY])
      } finally {
        await demoApp.close()
      }
    })

    it('endpoints §1.2: authentication comes before validation (bad key + bad scorer id → 401)', async () => {
      const response = await ctx.app.inject({
        method: 'GET',
        url: `/v2/stamps/abc/score/0x123`,
        headers: { 'x-api-key': 'nope.nope' },
      })
      expect([response.statusCode, response.json()]).toEqual([401, INVALID_KEY])
    })
  })
})

import { describe, expect, it } from 'vitest'
import { buildTestApp, scoringTestConfig } from '../../helpers/app.js'
import { createAccount, randomAddress } from '../../helpers/factories/accounts.js'
import { addCacheStamps, signStamps } from '../../helpers/factories/scoring.js'
import { intParsingError } from '../../helpers/error-bodies.js'
import { useV2ScoreApp } from '../../helpers/v2-score.js'

// Which community a call scores (endpoints Endpoint 1, §1.7), the path's address, and the
// answers when it cannot score.
const ctx = useV2ScoreApp({ FF_API_ANALYTICS: 'on' })
const sql = () => ctx.database.sql

const NO_SCORER = { detail: 'No scorer matches the given criteria.' }

describe('GET /v2/stamps/{scorer_id}/score/{address}', () => {
  describe('scorer and address (endpoints Endpoint 1)', () => {
    it("scoring §13.42: another account's scorer → 404, no passport created", async () => {
      const mine = await ctx.createScorer()
      const theirs = await ctx.createScorer()
      const address = randomAddress()

      const call = await ctx.scoreV2({ communityId: theirs.communityId, key: mine.key }, address)
      expect(call).toEqual({ status: 404, body: NO_SCORER })
      expect(await sql()`select 1 from registry_passport where address = ${address}`).toHaveLength(0)
    })

    it('scoring §13.43: invalid address → 400 after the scorer lookup; only the analytics row is written', async () => {
      const mine = await ctx.createScorer()
      const theirs = await ctx.createScorer()
      const keyId = await ctx.apiKeyIdOf(mine.accountId)
      const passportsBefore = await sql()<{ count: number }[]>`select count(*)::int as count from registry_passport`
      const eventsBefore = await sql()<{ count: number }[]>`select count(*)::int as count from registry_event`

      const call = await ctx.scoreV2(mine, '0x123')
      expect(call).toEqual({ status: 400, body: { detail: 'Invalid address.' } })
      expect(await ctx.scoreV2({ communityId: theirs.communityId, key: mine.key }, '0x123')).toEqual({
        status: 404,
        body: NO_SCORER,
      })
      expect(await sql()`select count(*)::int as count from registry_passport`).toEqual(passportsBefore)
      expect(await sql()`select count(*)::int as count from registry_event`).toEqual(eventsBefore)
      const analytics = await ctx.waitForAnalytics(keyId, 2)
      // Each row is written after its response went out, so their ids may come in either order.
      expect(analytics.map((row) => [row.status_code, row.error]).sort()).toEqual([
        [400, 'Invalid address.'],
        [404, 'No scorer matches the given criteria.'],
      ])
    })

    it('endpoints Endpoint 1: a non-integer scorer id → 422 ninja detail list', async () => {
      const scorer = await ctx.createScorer()
      const response = await ctx.app.inject({
        method: 'GET',
        url: `/v2/stamps/abc/score/${randomAddress()}`,
        headers: { 'x-api-key': scorer.key },
      })
      expect([response.statusCode, response.json()]).toEqual([422, intParsingError('path', 'scorer_id')])
    })

    it('endpoints Endpoint 1: an unknown scorer id → 404', async () => {
      const scorer = await ctx.createScorer()
      const call = await ctx.scoreV2({ communityId: 999_999_999, key: scorer.key }, randomAddress())
      expect(call).toEqual({ status: 404, body: NO_SCORER })
    })

    it('endpoints §1.7: the external scorer id is matched before the id; soft-deleted communities still resolve', async () => {
      const { accountId } = await createAccount(sql())
      const byId = await ctx.createScorer({ weights: { Google: 1 } }, accountId)
      const byExternalId = await ctx.createScorer(
        { weights: { Google: 7 }, externalScorerId: String(byId.communityId), deletedAt: new Date().toISOString() },
        accountId,
      )
      const address = randomAddress()
      await addCacheStamps(sql(), address, await signStamps(address, [{ provider: 'Google' }]))

      const call = await ctx.scoreV2(byId, address)
      expect(call.body).toMatchObject({ score: '7.00000' })
      await ctx.expectDoneRows(address, byExternalId.communityId, call, {
        score: '0',
        rawScore: '7',
        providers: ['Google'],
      })
      expect(
        await sql()`select 1 from registry_passport where address = ${address} and community_id = ${byId.communityId}`,
      ).toHaveLength(0)
    })
  })

  describe('when it cannot score', () => {
    it('issue 3 "Bad input": the database going away during scoring → 503 JSON, nothing half-written', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1 } })
      const address = randomAddress()
      await addCacheStamps(sql(), address, await signStamps(address, [{ provider: 'Google' }]))
      // Authentication and the reads work; the scoring transaction cannot get a connection.
      const unreachable = new Proxy(ctx.database.sql, {
        get(target, property, receiver) {
          // As postgres.js rejects: the socket error, decorated with the query it failed.
          if (property === 'begin')
            return () =>
              Promise.reject(
                Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
                  code: 'ECONNREFUSED',
                  query: 'begin',
                }),
              )
          return Reflect.get(target, property, receiver) as unknown
        },
      })
      const downApp = await buildTestApp(unreachable, await scoringTestConfig())
      try {
        const call = await ctx.scoreV2(scorer, address, downApp)
        expect(call).toEqual({ status: 503, body: { detail: 'Service Unavailable' } })
        expect(await sql()`select 1 from registry_passport where address = ${address}`).toHaveLength(0)
      } finally {
        await downApp.close()
      }
    })

    it('scoring §4.1: a scorer without a weighted scorer row → 500 "Unexpected error while submitting passport", nothing written', async () => {
      const scorer = await ctx.createScorer()
      await sql()`delete from scorer_weighted_binaryweightedscorer where scorer_ptr_id = ${scorer.scorerId}`
      const address = randomAddress()
      const call = await ctx.scoreV2(scorer, address)
      expect(call).toEqual({ status: 500, body: { detail: 'Unexpected error while submitting passport' } })
      expect(await sql()`select 1 from registry_passport where address = ${address}`).toHaveLength(0)
    })
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, scoringTestConfig } from '../../helpers/app.js'
import { randomAddress } from '../../helpers/factories/accounts.js'
import { addCacheStamps, signStamps } from '../../helpers/factories/scoring.js'
import {
  listEvents,
  listHashLinksOf,
  setScorerWeightsJson,
  uniqueNullifier,
} from '../../helpers/factories/scoring-rows.js'
import { pyIsoDaysFromNow } from '../../helpers/factories/py-expect.js'
import { doneBody, stampEntry, useV2ScoreApp } from '../../helpers/v2-score.js'

// LIFO dedup (scoring §3) seen through the endpoint: what a deduped stamp looks like in the
// response and the rows, and that FF_MULTI_NULLIFIER reaches the rule from the app's config. The
// rule's cases (scoring §13.13–§13.27, §13.29) are tested on the domain functions in
// test/domain/lifo-dedup.test.ts, score-calculation.test.ts and score-passport.test.ts.
const ctx = useV2ScoreApp()
const sql = () => ctx.database.sql

/** FF_MULTI_NULLIFIER off. */
let appFlagOff: FastifyInstance
beforeAll(async () => {
  appFlagOff = await buildTestApp(ctx.database.sql, await scoringTestConfig({ FF_MULTI_NULLIFIER: 'off' }))
})
afterAll(async () => {
  await appFlagOff?.close()
})

describe('GET /v2/stamps/{scorer_id}/score/{address}', () => {
  describe('LIFO (scoring §3)', () => {
    it("scoring §13.28 (§13.15): dedup shown in the v2 API, one LDP event for the second wallet; the owner's rescore is unchanged", async () => {
      const scorer = await ctx.createScorer()
      await setScorerWeightsJson(sql(), scorer.scorerId, '{"Linkedin": 2.2}')
      const [walletA, walletB] = [randomAddress(), randomAddress()]
      const hash = uniqueNullifier('v0:linkedin')
      const daysLater = pyIsoDaysFromNow(90)
      for (const wallet of [walletA, walletB]) {
        const stamps = await signStamps(wallet, [
          { provider: 'Linkedin', nullifiers: [hash], expirationDate: daysLater },
        ])
        await addCacheStamps(sql(), wallet, stamps)
      }

      const a = await ctx.scoreV2(scorer, walletA)
      expect(a.body).toEqual(
        doneBody(walletA, {
          score: '2.20000',
          passing: false,
          expiration: daysLater,
          stamps: { Linkedin: stampEntry('2.20000', false, daysLater) },
        }),
      )
      const b = await ctx.scoreV2(scorer, walletB)
      expect(b.body).toEqual(
        doneBody(walletB, {
          score: '0.00000',
          passing: false,
          expiration: null,
          stamps: { Linkedin: stampEntry('0.00000', true, daysLater) },
        }),
      )
      const rowsB = await ctx.expectDoneRows(walletB, scorer.communityId, b, {
        score: '0',
        rawScore: '0',
        providers: [],
      })
      expect(rowsB.score!.stamp_scores).toEqual({})
      expect(rowsB.events.map((event) => [event.action, event.data])).toEqual([
        ['LDP', { nullifiers: [hash], provider: 'Linkedin', community_id: scorer.communityId }],
        ['SCU', expect.any(Object)],
      ])
      expect(await listHashLinksOf(sql(), scorer.communityId, walletB)).toEqual([])

      const again = await ctx.scoreV2(scorer, walletA)
      expect(again.body).toEqual({ ...a.body, last_score_timestamp: expect.any(String) })
      const rowsA = await ctx.expectDoneRows(walletA, scorer.communityId, again, {
        score: '0',
        rawScore: '2.200000000000000177635683940',
        providers: ['Linkedin'],
      })
      expect(rowsA.score!.stamp_scores_text).toBe('{"Linkedin": 2.2}')
      expect(await listEvents(sql(), walletA, scorer.communityId, 'LDP')).toEqual([])
      expect((await listHashLinksOf(sql(), scorer.communityId, walletA)).map((link) => link.hash)).toEqual([hash])
    })

    it('scoring §13.21: FF_MULTI_NULLIFIER comes from the app config: off, a v1 clash is ignored; on, the same clash dedups', async () => {
      const scorer = await ctx.createScorer({ weights: { test_provider: 1 } })
      const [owner, other, sameAsOther] = [randomAddress(), randomAddress(), randomAddress()]
      const suffix = uniqueNullifier('')
      const far = '2099-02-21T15:30:51.720Z'
      const sign = (address: string, nullifiers: string[]) =>
        signStamps(address, [{ provider: 'test_provider', nullifiers, expirationDate: far }])
      await addCacheStamps(sql(), owner, await sign(owner, [`v0:a${suffix}`, `v1:shared${suffix}`]))
      await addCacheStamps(sql(), other, await sign(other, [`v0:b${suffix}`, `v1:shared${suffix}`]))
      await addCacheStamps(sql(), sameAsOther, await sign(sameAsOther, [`v0:c${suffix}`, `v1:shared${suffix}`]))

      // The owner claims its v1 nullifier only when the flag is on.
      await ctx.scoreV2(scorer, owner)
      const off = await ctx.scoreV2(scorer, other, appFlagOff)
      expect(off.body).toMatchObject({
        score: '1.00000',
        stamps: { test_provider: stampEntry('1.00000', false, '2099-02-21T15:30:51.720000+00:00') },
      })
      expect((await listHashLinksOf(sql(), scorer.communityId, other)).map((link) => link.hash)).toEqual([
        `v0:b${suffix}`,
      ])
      const on = await ctx.scoreV2(scorer, sameAsOther)
      expect(on.body).toMatchObject({ score: '0.00000', stamps: { test_provider: stampEntry('0.00000', true, far) } })
      expect(await listHashLinksOf(sql(), scorer.communityId, sameAsOther)).toEqual([])
    })
  })
})

import { describe, expect, it } from 'vitest'
import { randomAddress } from '../../helpers/factories/accounts.js'
import { addCacheStamps, signStamps } from '../../helpers/factories/scoring.js'
import {
  createAllowListCustomization,
  setScorerWeightsJson,
  uniqueNullifier,
} from '../../helpers/factories/scoring-rows.js'
import { pgTextOfPyIso, pyIsoDaysFromNow, pyIsoOfJsIso } from '../../helpers/factories/py-expect.js'
import { doneBody, stampEntry, useV2ScoreApp } from '../../helpers/v2-score.js'

// Where the weights and the threshold come from (scoring §4.1): the scorer's own table by its
// type, and the community's customization. The arithmetic on them (scoring §13.30–§13.36, §13.40)
// is tested on calculateScore in test/domain/score-calculation.test.ts.
const ctx = useV2ScoreApp()
const sql = () => ctx.database.sql

describe('GET /v2/stamps/{scorer_id}/score/{address}', () => {
  describe('weights and threshold (scoring §4.1)', () => {
    it('scoring §13.33: a WEIGHTED scorer reads its weights and threshold from its own table (integer weights)', async () => {
      const scorer = await ctx.createScorer({ scorerType: 'WEIGHTED', threshold: '20.00000' })
      await setScorerWeightsJson(sql(), scorer.scorerId, '{"FirstEthTxnProvider": 11, "Google": 11, "Ens": 11.0}')
      const address = randomAddress()
      const [ens, google] = await signStamps(address, [{ provider: 'Ens' }, { provider: 'Google' }])
      await addCacheStamps(sql(), address, [ens!, google!])

      const call = await ctx.scoreV2(scorer, address)
      expect(call.body).toEqual(
        doneBody(address, {
          score: '22.00000',
          passing: true,
          expiration: pyIsoOfJsIso(ens!.expirationDate),
          stamps: {
            Ens: stampEntry('11.00000', false, pyIsoOfJsIso(ens!.expirationDate)),
            Google: stampEntry('11.00000', false, pyIsoOfJsIso(google!.expirationDate)),
          },
        }),
      )
      const rows = await ctx.expectDoneRows(address, scorer.communityId, call, {
        score: '1',
        rawScore: '22',
        providers: ['Ens', 'Google'],
      })
      expect(rows.score!.stamp_scores_text).toBe('{"Ens": 11.0, "Google": 11.0}')
    })

    it('scoring §13.38: a WEIGHTED_BINARY scorer that passes: the response and the persisted row', async () => {
      const scorer = await ctx.createScorer({
        scorerType: 'WEIGHTED_BINARY',
        threshold: '20.00000',
        weights: { Ens: 15, Google: 15, Gitcoin: 15 },
      })
      const address = randomAddress()
      const [e0, e1, e2] = [pyIsoDaysFromNow(2, '100001'), pyIsoDaysFromNow(1, '200002'), pyIsoDaysFromNow(3, '300003')]
      const stamps = await signStamps(address, [
        { provider: 'Ens', expirationDate: e0 },
        { provider: 'Google', expirationDate: e1 },
        { provider: 'Gitcoin', expirationDate: e2 },
      ])
      await addCacheStamps(sql(), address, stamps)

      const call = await ctx.scoreV2(scorer, address)
      const expectedStamps = {
        Ens: stampEntry('15.00000', false, e0),
        Google: stampEntry('15.00000', false, e1),
        Gitcoin: stampEntry('15.00000', false, e2),
      }
      expect(call.body).toEqual(
        doneBody(address, { score: '45.00000', passing: true, expiration: e1, stamps: expectedStamps }),
      )
      const rows = await ctx.expectDoneRows(address, scorer.communityId, call, {
        score: '1',
        rawScore: '45',
        providers: ['Ens', 'Gitcoin', 'Google'],
      })
      expect(rows.score).toEqual({
        id: expect.any(Number),
        passport_id: rows.passports[0]!.id,
        score: '1.000000000',
        status: 'DONE',
        error: null,
        last_score_timestamp: pgTextOfPyIso(call.body.last_score_timestamp as string),
        expiration_date: pgTextOfPyIso(e1),
        evidence: { rawScore: '45', success: true, threshold: '20.00000', type: 'ThresholdScoreCheck' },
        stamp_scores: { Ens: 15, Gitcoin: 15, Google: 15 },
        stamp_scores_text: '{"Ens": 15.0, "Google": 15.0, "Gitcoin": 15.0}',
        stamps: expectedStamps,
      })
    })

    it('scoring §13.39: the customization overlay adds allow-list weights as exact decimals', async () => {
      const scorer = await ctx.createScorer()
      await setScorerWeightsJson(sql(), scorer.scorerId, '{"Ens": 0.673}')
      const listName = `MyList${uniqueNullifier('').slice(1)}`
      await createAllowListCustomization(sql(), scorer.communityId, { listName, weight: '10.0000' })
      const provider = `AllowList#${listName}`
      const [both, listOnly] = [randomAddress(), randomAddress()]
      const [allow, ens] = await signStamps(both, [{ provider }, { provider: 'Ens' }])
      await addCacheStamps(sql(), both, [allow!, ens!])
      await addCacheStamps(sql(), listOnly, await signStamps(listOnly, [{ provider }]))

      const call = await ctx.scoreV2(scorer, both)
      expect(call.body).toMatchObject({
        score: '10.67300',
        threshold: '20.00000',
        stamps: {
          [provider]: stampEntry('10.00000', false, pyIsoOfJsIso(allow!.expirationDate)),
          Ens: stampEntry('0.67300', false, pyIsoOfJsIso(ens!.expirationDate)),
        },
      })
      const rows = await ctx.expectDoneRows(both, scorer.communityId, call, {
        score: '0',
        rawScore: '10.67300000000000004263256415',
        providers: [provider, 'Ens'],
      })
      expect(rows.score!.stamp_scores).toEqual({ [provider]: 10, Ens: 0.673 })
      expect(rows.score!.stamp_scores_text).toContain(`"${provider}": 10.0`)

      const alone = await ctx.scoreV2(scorer, listOnly)
      expect(alone.body).toMatchObject({ score: '10.00000', passing_score: false, threshold: '20.00000' })
      await ctx.expectDoneRows(listOnly, scorer.communityId, alone, {
        score: '0',
        rawScore: '10.0000',
        providers: [provider],
      })
    })
  })
})

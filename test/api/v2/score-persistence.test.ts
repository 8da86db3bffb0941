import { describe, expect, it } from 'vitest'
import { randomAddress } from '../../helpers/factories/accounts.js'
import { addCacheStamps, signStamps } from '../../helpers/factories/scoring.js'
import { listEvents, readScoringRows } from '../../helpers/factories/scoring-rows.js'
import { djangoOfPyIso } from '../../helpers/factories/py-expect.js'
import { errorScoreBody, errorScoreRow } from '../../helpers/error-bodies.js'
import { stampEntry, useV2ScoreApp } from '../../helpers/v2-score.js'

// What a score run leaves in the tables (scoring §5): the passport's stamps, the score row and
// the SCU events.
const ctx = useV2ScoreApp()
const sql = () => ctx.database.sql

describe('GET /v2/stamps/{scorer_id}/score/{address}', () => {
  describe('persistence and events (scoring §5)', () => {
    it('scoring §13.41: stale registry_stamp rows are replaced', async () => {
      const scorer = await ctx.createScorer({ weights: { Ens: 1, Google: 1, Gitcoin: 1 } })
      const address = randomAddress()
      const [passport] = await sql()<
        { id: number }[]
      >`insert into registry_passport (address, community_id, requires_calculation) values (${address}, ${scorer.communityId}, null) returning id`
      const [stale] = await sql()<
        { id: number }[]
      >`insert into registry_stamp (provider, credential, passport_id) values ('Gitcoin', '{}'::jsonb, ${passport!.id}) returning id`
      const stamps = await signStamps(address, [{ provider: 'Ens' }, { provider: 'Google' }, { provider: 'Gitcoin' }])
      await addCacheStamps(sql(), address, stamps)

      const call = await ctx.scoreV2(scorer, address)
      const rows = await ctx.expectDoneRows(address, scorer.communityId, call, {
        score: '0',
        rawScore: '3',
        providers: ['Ens', 'Gitcoin', 'Google'],
      })
      expect(rows.passports[0]!.id).toBe(passport!.id)
      expect(rows.stamps.map((stamp) => stamp.id)).not.toContain(stale!.id)
      expect(rows.stamps.map((stamp) => stamp.credential)).toEqual([stamps[0], stamps[2], stamps[1]])
    })

    it("scoring §13.44: every DONE save writes exactly one SCU event for the passport's address and community", async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1 } })
      const address = randomAddress()
      await addCacheStamps(sql(), address, await signStamps(address, [{ provider: 'Google' }]))

      const first = await ctx.scoreV2(scorer, address)
      expect(await listEvents(sql(), address, scorer.communityId)).toEqual([
        { id: expect.any(Number), action: 'SCU', address, community_id: scorer.communityId, data: expect.any(Object) },
      ])
      const second = await ctx.scoreV2(scorer, address)
      const events = await listEvents(sql(), address, scorer.communityId)
      expect(events.map((event) => [event.action, event.address, event.community_id])).toEqual([
        ['SCU', address, scorer.communityId],
        ['SCU', address, scorer.communityId],
      ])
      expect(
        events.map((event) => (event.data as { fields: { last_score_timestamp: string } }).fields.last_score_timestamp),
      ).toEqual([first, second].map((call) => djangoOfPyIso(call.body.last_score_timestamp as string)))
    })

    it('scoring §13.45: the SCU payload is one serialized Score object, not a list', async () => {
      const scorer = await ctx.createScorer({ weights: { Ens: 0.208, Google: 0.525 } })
      const address = randomAddress()
      await addCacheStamps(
        sql(),
        address,
        await signStamps(address, [
          { provider: 'Ens', expirationDate: '2099-03-01T00:00:00.000Z' },
          { provider: 'Google', expirationDate: '2099-02-20T12:34:56.789Z' },
        ]),
      )

      const call = await ctx.scoreV2(scorer, address)
      const rows = await readScoringRows(sql(), address, scorer.communityId)
      const [event] = await sql()<{ kind: string; stamp_scores: string }[]>`
        select jsonb_typeof(data) as kind, (data->'fields'->'stamp_scores')::text as stamp_scores
        from registry_event where action = 'SCU' and address = ${address} and community_id = ${scorer.communityId}`
      expect(event).toEqual({ kind: 'object', stamp_scores: '{"Ens": 0.208, "Google": 0.525}' })
      expect(rows.events.at(-1)!.data).toEqual({
        model: 'registry.score',
        pk: rows.score!.id,
        fields: {
          passport: rows.passports[0]!.id,
          score: '0',
          last_score_timestamp: djangoOfPyIso(call.body.last_score_timestamp as string),
          status: 'DONE',
          error: null,
          evidence: {
            type: 'ThresholdScoreCheck',
            success: false,
            rawScore: '0.7330000000000000126565424807',
            threshold: '20.00000',
          },
          stamp_scores: { Ens: 0.208, Google: 0.525 },
          stamps: {
            Ens: stampEntry('0.20800', false, '2099-03-01T00:00:00+00:00'),
            Google: stampEntry('0.52500', false, '2099-02-20T12:34:56.789000+00:00'),
          },
          expiration_date: '2099-02-20T12:34:56.789Z',
        },
      })
    })

    it('scoring §13.46: an ERROR run (and the PROCESSING insert) writes no SCU event; the answer is 200 with the error', async () => {
      // §13.11 no longer ends in ERROR (D7); an unknown dedup rule still does (scoring §3).
      const scorer = await ctx.createScorer({ rule: 'FIFO', weights: { Google: 1 } })
      const address = randomAddress()
      await addCacheStamps(sql(), address, await signStamps(address, [{ provider: 'Google' }]))

      const call = await ctx.scoreV2(scorer, address)
      expect(call).toEqual({ status: 200, body: errorScoreBody(address, 'Invalid rule') })
      const rows = await readScoringRows(sql(), address, scorer.communityId)
      expect(rows.passports).toHaveLength(1)
      expect(rows.score).toEqual({ id: expect.any(Number), ...errorScoreRow(rows.passports[0]!.id, 'Invalid rule') })
      expect(rows.stamps).toEqual([])
      expect(rows.events).toEqual([])
    })
  })
})

import { describe, expect, it } from 'vitest'
import { toChecksumAddress } from '../../../src/domain/formats/eth-address.js'
import { randomAddress } from '../../helpers/factories/accounts.js'
import { addCacheStamps, signStamps } from '../../helpers/factories/scoring.js'
import {
  insertRawCacheRow,
  listHashLinks,
  revokeCacheRow,
  uniqueNullifier,
} from '../../helpers/factories/scoring-rows.js'
import { pyIsoOfJsIso } from '../../helpers/factories/py-expect.js'
import { doneBody, stampEntry, useV2ScoreApp } from '../../helpers/v2-score.js'

// Which cache rows a score reads (scoring §1), seen through the endpoint on real rows.
const ctx = useV2ScoreApp()
const sql = () => ctx.database.sql

describe('GET /v2/stamps/{scorer_id}/score/{address}', () => {
  describe('loading (scoring §1)', () => {
    it('scoring §13.1: latest row per provider by updated_at, whatever its type', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1 } })
      const [first, second] = [randomAddress(), randomAddress()]
      const [n1, n2, n3, n4] = ['v0:a', 'v0:b', 'v0:c', 'v0:d'].map(uniqueNullifier) as [string, string, string, string]
      const [older1, newer1] = await signStamps(first, [
        { provider: 'Google', nullifiers: [n1] },
        { provider: 'Google', nullifiers: [n2] },
      ])
      await insertRawCacheRow(sql(), {
        address: first,
        provider: 'Google',
        stamp: older1,
        type: 1,
        updatedAt: '2024-01-01T00:00:00Z',
      })
      await insertRawCacheRow(sql(), {
        address: first,
        provider: 'Google',
        stamp: newer1,
        type: 2,
        updatedAt: '2024-06-01T00:00:00Z',
      })
      // The other way round: the type-1 row is the newer one.
      const [older2, newer2] = await signStamps(second, [
        { provider: 'Google', nullifiers: [n3] },
        { provider: 'Google', nullifiers: [n4] },
      ])
      await insertRawCacheRow(sql(), {
        address: second,
        provider: 'Google',
        stamp: older2,
        type: 2,
        updatedAt: '2024-01-01T00:00:00Z',
      })
      await insertRawCacheRow(sql(), {
        address: second,
        provider: 'Google',
        stamp: newer2,
        type: 1,
        updatedAt: '2024-06-01T00:00:00Z',
      })

      for (const [address, newer, kept, dropped] of [
        [first, newer1, n2, n1],
        [second, newer2, n4, n3],
      ] as const) {
        const call = await ctx.scoreV2(scorer, address)
        expect(call.status).toBe(200)
        const expiry = pyIsoOfJsIso(newer!.expirationDate)
        expect(call.body).toEqual(
          doneBody(address, {
            score: '1.00000',
            passing: false,
            expiration: expiry,
            stamps: { Google: stampEntry('1.00000', false, expiry) },
          }),
        )
        const rows = await ctx.expectDoneRows(address, scorer.communityId, call, {
          score: '0',
          rawScore: '1',
          providers: ['Google'],
        })
        expect(rows.stamps[0]!.credential).toEqual(newer)
        expect(
          (await listHashLinks(sql(), scorer.communityId, [kept, dropped])).map((link) => [link.hash, link.address]),
        ).toEqual([[kept, address]])
      }
    })

    it('scoring §13.2: a soft-deleted row is ignored', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1, Ens: 2 } })
      const address = randomAddress()
      const [google, ens] = await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }])
      await addCacheStamps(sql(), address, [google!])
      await insertRawCacheRow(sql(), { address, provider: 'Ens', stamp: ens, deletedAt: new Date().toISOString() })

      const call = await ctx.scoreV2(scorer, address)
      const expiry = pyIsoOfJsIso(google!.expirationDate)
      expect(call.body).toEqual(
        doneBody(address, {
          score: '1.00000',
          passing: false,
          expiration: expiry,
          stamps: { Google: stampEntry('1.00000', false, expiry) },
        }),
      )
      await ctx.expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
    })

    it('scoring §13.3: a revoked row is ignored', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1, Ens: 2 } })
      const address = randomAddress()
      const [google, ens] = await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }])
      const [googleRowId] = await addCacheStamps(sql(), address, [google!, ens!])
      await revokeCacheRow(sql(), googleRowId!)

      const call = await ctx.scoreV2(scorer, address)
      const expiry = pyIsoOfJsIso(ens!.expirationDate)
      expect(call.body).toEqual(
        doneBody(address, {
          score: '2.00000',
          passing: false,
          expiration: expiry,
          stamps: { Ens: stampEntry('2.00000', false, expiry) },
        }),
      )
      await ctx.expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '2', providers: ['Ens'] })
    })

    it('scoring §13.4: a check-summed address is scored as its lower-case form', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1 } })
      const address = randomAddress()
      const checksummed = toChecksumAddress(address)
      expect(checksummed).not.toBe(address)
      const [google] = await signStamps(address, [{ provider: 'Google' }])
      await addCacheStamps(sql(), address, [google!])

      const call = await ctx.scoreV2(scorer, checksummed)
      const expiry = pyIsoOfJsIso(google!.expirationDate)
      expect(call.body).toEqual(
        doneBody(address, {
          score: '1.00000',
          passing: false,
          expiration: expiry,
          stamps: { Google: stampEntry('1.00000', false, expiry) },
        }),
      )
      await ctx.expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
      expect(await sql()`select 1 from registry_passport where address = ${checksummed}`).toHaveLength(0)
    })

    it('scoring §13.5: no stamps → 0.00000, DONE row, one SCU event', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1 }, threshold: '20.00000' })
      const address = randomAddress()

      const call = await ctx.scoreV2(scorer, address)
      expect(call.status).toBe(200)
      expect(call.body).toEqual(doneBody(address, { score: '0.00000', passing: false, expiration: null, stamps: {} }))
      const rows = await ctx.expectDoneRows(address, scorer.communityId, call, {
        score: '0',
        rawScore: '0',
        providers: [],
      })
      expect(rows.score).toMatchObject({ stamp_scores: {}, stamps: {}, expiration_date: null })
      expect(rows.events.map((event) => event.action)).toEqual(['SCU'])
    })

    it('scoring §0 P5 quirk: an address without "0x" is valid and stored as given (lower-cased)', async () => {
      const scorer = await ctx.createScorer()
      const bare = randomAddress().slice(2).toUpperCase()
      const call = await ctx.scoreV2(scorer, bare)
      expect(call.status).toBe(200)
      expect(call.body).toEqual(
        doneBody(bare.toLowerCase(), { score: '0.00000', passing: false, expiration: null, stamps: {} }),
      )
      await ctx.expectDoneRows(bare.toLowerCase(), scorer.communityId, call, {
        score: '0',
        rawScore: '0',
        providers: [],
      })
    })
  })
})

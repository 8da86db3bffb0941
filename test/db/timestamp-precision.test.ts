import { describe, expect, it } from 'vitest'
import { scoringTestConfig, useTestApp } from '../helpers/app.js'
import { randomAddress } from '../helpers/factories/accounts.js'
import { createTestApiKey, signStamps } from '../helpers/factories/scoring.js'
import { setUpCeramicCache, type CeramicCacheSetup } from '../helpers/jwt.js'

// D21: every timestamp column the write routes fill carries microseconds, as Django writes them. A
// value written from a JS Date has a zero sub-millisecond part; three writes per column all landing
// on a whole millisecond by chance has odds of one in a billion.

let ceramic: CeramicCacheSetup
let apiKey: string
const ctx = useTestApp({
  config: async ({ sql }) => {
    ceramic = await setUpCeramicCache(sql, {
      weights: { SelfStakingBronze: 15, BeginnerCommunityStaker: 10, Google: 1 },
      threshold: '20.00000',
      humanPointsProgram: true,
    })
    apiKey = (await createTestApiKey(sql, ceramic.accountId, { withSha256: true })).key
    return scoringTestConfig({ ...ceramic.env, FF_API_ANALYTICS: 'on', HUMAN_POINTS_WRITE_ENABLED: 'true' })
  },
})
const sql = () => ctx.database.sql

/** What each write route of one address leaves behind, written by the routes alone. */
async function writeThroughEveryRoute(address: string): Promise<void> {
  const headers = await ceramic.bearer(address)
  const [bronze, staker, google] = await signStamps(address, [
    { provider: 'SelfStakingBronze' },
    { provider: 'BeginnerCommunityStaker' },
    { provider: 'Google', nullifiers: ['v0:google-' + address, 'v1:google-' + address] },
  ])
  const add = await ctx.app.inject({
    method: 'POST',
    url: '/ceramic-cache/stamps/bulk',
    headers,
    payload: [bronze, staker, google].map((stamp) => ({ provider: stamp!.credentialSubject.provider, stamp })),
  })
  expect(add.statusCode).toBe(201)
  const patch = await ctx.app.inject({
    method: 'PATCH',
    url: '/ceramic-cache/stamps/bulk',
    headers,
    payload: [{ provider: 'Google', stamp: null }],
  })
  expect(patch.statusCode).toBe(200)
  const remove = await ctx.app.inject({
    method: 'DELETE',
    url: '/ceramic-cache/stamps/bulk',
    headers,
    payload: [{ provider: 'BeginnerCommunityStaker' }],
  })
  expect(remove.statusCode).toBe(200)
  const embed = await ctx.app.inject({
    method: 'POST',
    url: `/internal/embed/stamps/${address}`,
    headers: { authorization: 'internal-test-token' },
    payload: { scorer_id: ceramic.communityId, stamps: [staker] },
  })
  expect(embed.statusCode).toBe(200)
  const score = await ctx.app.inject({
    method: 'GET',
    url: `/v2/stamps/${ceramic.communityId}/score/${address}`,
    headers: { 'x-api-key': apiKey },
  })
  expect(score.statusCode).toBe(200)
}

describe('timestamps written by the routes (D21)', () => {
  it('D21: ceramic cache, score, events, human points and analytics timestamps have sub-millisecond digits', async () => {
    const addresses = [randomAddress(), randomAddress(), randomAddress()]
    for (const address of addresses) await writeThroughEveryRoute(address)
    // The analytics rows are written after the answer: wait for all three.
    for (let attempt = 0; attempt < 50; attempt++) {
      const [row] = await sql()<{ count: number }[]>`
        select count(*)::int as count from account_accountapikeyanalytics where path like '/v2/stamps/%'`
      if (row!.count >= addresses.length) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }

    const subMillisecond = await sql()<{ column: string; values: number; with_micros: number }[]>`
      with written(column_name, value) as (
        select 'ceramic_cache.created_at', created_at from ceramic_cache_ceramiccache where address = any(${addresses})
        union all select 'ceramic_cache.updated_at', updated_at from ceramic_cache_ceramiccache where address = any(${addresses})
        union all select 'ceramic_cache.deleted_at', deleted_at from ceramic_cache_ceramiccache
          where address = any(${addresses}) and deleted_at is not null
        union all select 'registry_score.last_score_timestamp', s.last_score_timestamp
          from registry_score s join registry_passport p on p.id = s.passport_id where p.address = any(${addresses})
        union all select 'registry_event.created_at', created_at from registry_event where address = any(${addresses})
        union all select 'registry_humanpoints.timestamp', "timestamp" from registry_humanpoints where address = any(${addresses})
        union all select 'analytics.created_at', created_at from account_accountapikeyanalytics where path like '/v2/stamps/%'
      )
      select column_name as column, count(distinct value)::int as values,
             count(distinct value) filter (where extract(microseconds from value)::bigint % 1000 <> 0)::int as with_micros
      from written group by column_name order by column_name`
    expect(subMillisecond.map(({ column, values }) => ({ column, enough: values >= addresses.length }))).toEqual(
      [
        'analytics.created_at',
        'ceramic_cache.created_at',
        'ceramic_cache.deleted_at',
        'ceramic_cache.updated_at',
        'registry_event.created_at',
        'registry_humanpoints.timestamp',
        'registry_score.last_score_timestamp',
      ].map((column) => ({ column, enough: true })),
    )
    // Known gap (docs/differences.md): these two are written with clock_timestamp(), and the embedded
    // PGlite's clock has milliseconds only; on PostgreSQL they have microseconds like the rest.
    const CLOCK_TIMESTAMP_COLUMNS = ['registry_event.created_at', 'registry_humanpoints.timestamp']
    const checked = subMillisecond.filter(
      ({ column }) => !(ctx.database.isEmbedded && CLOCK_TIMESTAMP_COLUMNS.includes(column)),
    )
    expect(checked.length).toBe(ctx.database.isEmbedded ? 5 : 7)
    for (const { column, with_micros } of checked)
      expect({ column, with_micros }).not.toEqual({ column, with_micros: 0 })
  })
})

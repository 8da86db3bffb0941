import { describe, expect, it } from 'vitest'
import { scoringTestConfig, useTestApp } from '../../helpers/app.js'
import { randomAddress } from '../../helpers/factories/accounts.js'
import { createStake } from '../../helpers/factories/internal.js'
import { insertCacheRow } from '../../helpers/factories/ceramic-cache.js'
import { setUpCeramicCache, type CeramicCacheSetup } from '../../helpers/jwt.js'

// endpoints §5.8 (GET /ceramic-cache/stake/gtc) and §5.9 (PATCH …/stamps/bulk/meta/compose-db).

let ceramic: CeramicCacheSetup
const ctx = useTestApp({
  config: async ({ sql }) => {
    ceramic = await setUpCeramicCache(sql, { weights: { Google: 1 } })
    return scoringTestConfig(ceramic.env)
  },
})

describe('GET /ceramic-cache/stake/gtc (endpoints §5.8)', () => {
  it("answers the token address's stakes in Endpoint 13's format, by row id", async () => {
    const address = randomAddress()
    const other = randomAddress()
    const stake = {
      chain: 10,
      currentAmount: '100.5',
      lastUpdatedInBlock: '123456789012345678901234567890',
      lockTime: '2025-05-03T12:00:00.123456+00:00',
      unlockTime: '2025-08-01T12:00:00+00:00',
    }
    await createStake(ctx.database.sql, { ...stake, staker: address, stakee: other })
    await createStake(ctx.database.sql, { ...stake, chain: 1, staker: other, stakee: address })
    await createStake(ctx.database.sql, { ...stake, staker: other, stakee: other })
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/ceramic-cache/stake/gtc',
      headers: await ceramic.bearer(address),
    })
    expect(response.statusCode).toBe(200)
    expect(response.body).toBe(
      `{"items": [` +
        `{"chain": 10, "staker": "${address}", "stakee": "${other}", "amount": "100.500000000000000000", "unlock_time": "2025-08-01T12:00:00+00:00", "lock_time": "2025-05-03T12:00:00.123456+00:00", "last_updated_in_block": 123456789012345678901234567890}, ` +
        `{"chain": 1, "staker": "${other}", "stakee": "${address}", "amount": "100.500000000000000000", "unlock_time": "2025-08-01T12:00:00+00:00", "lock_time": "2025-05-03T12:00:00.123456+00:00", "last_updated_in_block": 123456789012345678901234567890}]}`,
    )
  })

  it('no stakes → {"items": []}; no token → 401', async () => {
    const none = await ctx.app.inject({
      method: 'GET',
      url: '/ceramic-cache/stake/gtc',
      headers: await ceramic.bearer(randomAddress()),
    })
    expect({ status: none.statusCode, body: none.json() }).toEqual({ status: 200, body: { items: [] } })
    const anonymous = await ctx.app.inject({ method: 'GET', url: '/ceramic-cache/stake/gtc' })
    expect({ status: anonymous.statusCode, body: anonymous.json() }).toEqual({
      status: 401,
      body: { detail: 'Unauthorized' },
    })
  })
})

describe('PATCH /ceramic-cache/stamps/bulk/meta/compose-db (endpoints §5.9)', () => {
  const patch = async (address: string, body: unknown) =>
    ctx.app.inject({
      method: 'PATCH',
      url: '/ceramic-cache/stamps/bulk/meta/compose-db',
      headers: await ceramic.bearer(address),
      payload: body as object,
    })

  const statusOf = async (id: number) => {
    const [row] = await ctx.database.sql<
      { compose_db_save_status: string; compose_db_stream_id: string; updated: boolean }[]
    >`select compose_db_save_status, compose_db_stream_id, updated_at > created_at as updated
      from ceramic_cache_ceramiccache where id = ${id}`
    return row
  }

  it("updates the caller's live pending type-1 rows and answers their ids", async () => {
    const address = randomAddress()
    const saved = await insertCacheRow(ctx.database.sql, { address, provider: 'Google' })
    const failed = await insertCacheRow(ctx.database.sql, { address, provider: 'Ens' })
    const someoneElses = await insertCacheRow(ctx.database.sql, { address: randomAddress(), provider: 'Google' })
    const typeTwo = await insertCacheRow(ctx.database.sql, { address, provider: 'Lens', type: 2 })
    const response = await patch(address, [
      { id: failed, compose_db_save_status: 'failed' },
      { id: saved, compose_db_save_status: 'saved', compose_db_stream_id: 'kjzl-stream' },
      { id: saved, compose_db_save_status: 'failed' },
      { id: someoneElses, compose_db_save_status: 'saved' },
      { id: typeTwo, compose_db_save_status: 'saved' },
      { id: 987654321, compose_db_save_status: 'saved' },
    ])
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 200,
      body: { updated: [saved, failed].sort((a, b) => a - b) },
    })
    expect(await statusOf(saved)).toEqual({
      compose_db_save_status: 'saved',
      compose_db_stream_id: 'kjzl-stream',
      updated: true,
    })
    expect(await statusOf(failed)).toMatchObject({ compose_db_save_status: 'failed', compose_db_stream_id: '' })
    expect(await statusOf(someoneElses)).toMatchObject({ compose_db_save_status: 'pending' })
    expect(await statusOf(typeTwo)).toMatchObject({ compose_db_save_status: 'pending' })
    // No longer pending: a second report changes nothing.
    expect((await patch(address, [{ id: saved, compose_db_save_status: 'pending' }])).json()).toEqual({ updated: [] })
  })

  it('nothing matching → 200 {"updated": []} (Appendix E.7); more than 100 items → 422', async () => {
    const address = randomAddress()
    expect((await patch(address, [])).json()).toEqual({ updated: [] })
    const tooMany = await patch(
      address,
      Array.from({ length: 101 }, (_, id) => ({ id: id + 1, compose_db_save_status: 'saved' })),
    )
    expect({ status: tooMany.statusCode, body: tooMany.json() }).toEqual({
      status: 422,
      body: { detail: 'You have submitted too many stamps.' },
    })
  })

  it('a bad item → 422 at its location; no token → 401', async () => {
    const address = randomAddress()
    const badId = await patch(address, [{ id: 'x', compose_db_save_status: 'saved' }])
    expect({ status: badId.statusCode, loc: badId.json().detail[0].loc }).toEqual({
      status: 422,
      loc: ['body', 'payload', 0, 'id'],
    })
    const badStatus = await patch(address, [{ id: 1, compose_db_save_status: 'lost' }])
    expect(badStatus.statusCode).toBe(422)
    const anonymous = await ctx.app.inject({
      method: 'PATCH',
      url: '/ceramic-cache/stamps/bulk/meta/compose-db',
      payload: [],
    })
    expect(anonymous.statusCode).toBe(401)
  })
})

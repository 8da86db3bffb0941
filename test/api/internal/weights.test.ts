import { describe, expect, it } from 'vitest'
import { testConfig, useTestApp } from '../../helpers/app.js'
import { createAccount, createCommunity, type CommunityOptions } from '../../helpers/factories/accounts.js'

let defaultCommunityId: number

const ctx = useTestApp({
  config: async ({ sql }) => {
    const { accountId } = await createAccount(sql)
    ;({ communityId: defaultCommunityId } = await createCommunity(sql, { accountId, weights: { Default: 3 } }))
    return testConfig({ CERAMIC_CACHE_SCORER_ID: String(defaultCommunityId) })
  },
})

async function newCommunity(options: Omit<CommunityOptions, 'accountId'>): Promise<number> {
  const { accountId } = await createAccount(ctx.database.sql)
  return (await createCommunity(ctx.database.sql, { accountId, ...options })).communityId
}

const weightsOf = (communityId: number | string) =>
  ctx.app.inject({ method: 'GET', url: `/internal/embed/weights?community_id=${communityId}` })

describe('GET /internal/embed/weights', () => {
  it('endpoints §8: stored numbers and numeric strings → Python floats ("1.0"), keys in jsonb order, no auth needed', async () => {
    const communityId = await newCommunity({ weights: { Google: '0.525', Ens: 2.2, Gitcoin: 1 } })
    const response = await weightsOf(communityId)
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(response.body).toBe('{"Ens": 2.2, "Google": 0.525, "Gitcoin": 1.0}')
  })

  it('endpoints §8: a WEIGHTED scorer reads the weighted child table', async () => {
    const communityId = await newCommunity({
      scorerType: 'WEIGHTED',
      weights: { Linkedin: '10.0000', Brightid: 0.00001 },
    })
    const response = await weightsOf(communityId)
    expect(response.body).toBe('{"Brightid": 1e-05, "Linkedin": 10.0}')
  })

  it('endpoints §8: no community_id, or an empty one, → the CERAMIC_CACHE_SCORER_ID scorer', async () => {
    for (const url of ['/internal/embed/weights', '/internal/embed/weights?community_id=']) {
      const response = await ctx.app.inject({ method: 'GET', url })
      expect(response.statusCode).toBe(200)
      expect(response.body).toBe('{"Default": 3.0}')
    }
  })

  it('endpoints §8: the id is read like Python int() (" 12", "+12")', async () => {
    const communityId = await newCommunity({ weights: { Google: 1 } })
    for (const spelled of [`%20${communityId}`, `%2B${communityId}`]) {
      expect((await weightsOf(spelled)).body).toBe('{"Google": 1.0}')
    }
  })

  it('endpoints §8: customization weights are not merged, and a soft-deleted community still answers', async () => {
    const communityId = await newCommunity({ weights: { Google: 1 }, deletedAt: '2024-01-01 00:00:00+00' })
    expect((await weightsOf(communityId)).body).toBe('{"Google": 1.0}')
  })

  it("endpoints §8, overridden by D17: unknown, non-numeric or out-of-range community_id → 404 with Python's text naming CERAMIC_CACHE_SCORER_ID", async () => {
    for (const id of ['999999999', 'abc', '1.5', '99999999999999999999999']) {
      const response = await weightsOf(id)
      expect(response.statusCode).toBe(404)
      expect(response.json()).toEqual({
        detail: `Unable to retrieve configured scorer! settings.CERAMIC_CACHE_SCORER_ID=${defaultCommunityId}`,
      })
    }
  })

  it('endpoints §8: a scorer whose type names no child table → the same 500', async () => {
    const communityId = await newCommunity({ weights: { Google: 1 } })
    await ctx.database
      .sql`update scorer_weighted_scorer set type = 'APU' where id = (select scorer_id from account_community where id = ${communityId})`
    expect((await weightsOf(communityId)).statusCode).toBe(500)
  })

  it('endpoints §8: NULL weights fail the Dict[str, float] response → plain 500 (D2 body)', async () => {
    const communityId = await newCommunity({ weights: null })
    const response = await weightsOf(communityId)
    expect(response.statusCode).toBe(500)
    expect(response.json()).toEqual({ detail: 'Internal Server Error' })
  })

  it('endpoints §8 step 2: weights are cached for 60 s (in-process stand-in for Redis)', async () => {
    const communityId = await newCommunity({ weights: { Google: 1 } })
    expect((await weightsOf(communityId)).body).toBe('{"Google": 1.0}')
    await ctx.database.sql`
      update scorer_weighted_binaryweightedscorer set weights = '{"Google": 5}'
      where scorer_ptr_id = (select scorer_id from account_community where id = ${communityId})`
    expect((await weightsOf(communityId)).body).toBe('{"Google": 1.0}')
  })
})

import { describe, expect, it } from 'vitest'
import { buildTestApp, scoringTestConfig, useTestApp } from '../../helpers/app.js'
import { createCommunity, randomAddress } from '../../helpers/factories/accounts.js'
import { addCacheStamps, signStamps } from '../../helpers/factories/scoring.js'
import { findScoreRow, listEvents } from '../../helpers/factories/ceramic-cache.js'
import { setUpCeramicCache, type CeramicCacheSetup } from '../../helpers/jwt.js'

// endpoints §6.7: POST /ceramic-cache/score/{address}.

let ceramic: CeramicCacheSetup
let otherCommunityId: number
const ctx = useTestApp({
  config: async ({ sql }) => {
    ceramic = await setUpCeramicCache(sql, { weights: { Google: 1, Ens: 2.5 }, threshold: '3' })
    ;({ communityId: otherCommunityId } = await createCommunity(sql, {
      accountId: ceramic.accountId,
      weights: { Google: 10 },
      threshold: '3',
    }))
    return scoringTestConfig(ceramic.env)
  },
})

async function post(address: string, body: unknown, path = address) {
  return ctx.app.inject({
    method: 'POST',
    url: `/ceramic-cache/score/${path}`,
    headers: await ceramic.bearer(address),
    payload: body as object,
  })
}

async function withStamps(providers: string[]): Promise<string> {
  const address = randomAddress()
  await addCacheStamps(
    ctx.database.sql,
    address,
    await signStamps(
      address,
      providers.map((provider) => ({ provider })),
    ),
  )
  return address
}

describe('POST /ceramic-cache/score/{address} (endpoints §6.7)', () => {
  it('scores for CERAMIC_CACHE_SCORER_ID when no alternate is given: 200, registry_score and an SCU event', async () => {
    const address = await withStamps(['Google', 'Ens'])
    const response = await post(address, {})
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({
      address,
      score: '3.50000',
      passing_score: true,
      threshold: '3.00000',
      error: null,
      stamps: { Ens: { score: '2.50000' }, Google: { score: '1.00000' } },
      points_data: null,
      possible_points_data: null,
    })
    expect(await findScoreRow(ctx.database.sql, address, ceramic.communityId)).toMatchObject({
      status: 'DONE',
      score: '1.000000000',
    })
    expect((await listEvents(ctx.database.sql, address, ceramic.communityId)).map((event) => event.action)).toEqual([
      'SCU',
    ])
  })

  it('alternate_scorer_id scores in that community instead', async () => {
    const address = await withStamps(['Google'])
    const response = await post(address, { alternate_scorer_id: otherCommunityId })
    expect(response.json()).toMatchObject({ score: '10.00000', passing_score: true })
    expect(await findScoreRow(ctx.database.sql, address, otherCommunityId)).toMatchObject({ status: 'DONE' })
    expect(await findScoreRow(ctx.database.sql, address, ceramic.communityId)).toBeUndefined()
  })

  it('re-scores every time (a second POST writes a second SCU event)', async () => {
    const address = await withStamps(['Google'])
    await post(address, { alternate_scorer_id: null })
    await post(address, { alternate_scorer_id: 0 })
    expect(await listEvents(ctx.database.sql, address, ceramic.communityId)).toHaveLength(2)
  })

  it('an unknown alternate_scorer_id → 404 {"detail": "Not Found"} (get_object_or_404 on the owner)', async () => {
    const address = randomAddress()
    for (const id of [987654321, 1e20])
      expect({ status: (await post(address, { alternate_scorer_id: id })).statusCode }).toEqual({ status: 404 })
    expect((await post(address, { alternate_scorer_id: 987654321 })).json()).toEqual({ detail: 'Not Found' })
  })

  it('another address than the token’s → 403 (D8), nothing written', async () => {
    const address = randomAddress()
    const response = await post(address, {}, randomAddress())
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 403,
      body: { detail: 'Address does not match the authenticated address.' },
    })
    expect(await findScoreRow(ctx.database.sql, address, ceramic.communityId)).toBeUndefined()
  })

  it('a token whose did is no address → 400 Invalid address.', async () => {
    const response = await post('0xnot-an-address', {})
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 400,
      body: { detail: 'Invalid address.' },
    })
  })

  it('no token → 401; a bad body → 422', async () => {
    const address = randomAddress()
    const unauthenticated = await ctx.app.inject({
      method: 'POST',
      url: `/ceramic-cache/score/${address}`,
      payload: {},
    })
    expect({ status: unauthenticated.statusCode, body: unauthenticated.json() }).toEqual({
      status: 401,
      body: { detail: 'Unauthorized' },
    })
    const bad = await post(address, { alternate_scorer_id: 'x' })
    expect({ status: bad.statusCode, body: bad.json() }).toEqual({
      status: 422,
      body: {
        detail: [
          {
            type: 'int_parsing',
            loc: ['body', 'payload', 'alternate_scorer_id'],
            msg: 'Input should be a valid integer, unable to parse string as an integer',
          },
        ],
      },
    })
    const missing = await ctx.app.inject({
      method: 'POST',
      url: `/ceramic-cache/score/${address}`,
      headers: await ceramic.bearer(address),
    })
    expect(missing.statusCode).toBe(422)
  })

  it('no scorer configured and none given → 500 {"detail": "Scorer ID not set"} (a configuration fault)', async () => {
    const app = await buildTestApp(
      ctx.database.sql,
      await scoringTestConfig({ SIWE_JWT_PUBLIC_KEY: ceramic.env.SIWE_JWT_PUBLIC_KEY }),
    )
    try {
      const address = randomAddress()
      const response = await app.inject({
        method: 'POST',
        url: `/ceramic-cache/score/${address}`,
        headers: await ceramic.bearer(address),
        payload: {},
      })
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 500,
        body: { detail: 'Scorer ID not set' },
      })
    } finally {
      await app.close()
    }
  })
})

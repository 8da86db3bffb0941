import { describe, expect, it } from 'vitest'
import { buildTestApp, scoringTestConfig, useTestApp } from '../../helpers/app.js'
import {
  createAccount,
  createCommunity,
  randomAddress,
  type CommunityOptions,
} from '../../helpers/factories/accounts.js'
import { addCacheStamps, signStamps } from '../../helpers/factories/scoring.js'
import { readScoringRows } from '../../helpers/factories/scoring-rows.js'
import { djangoOfPyIso, pgTextOfPyIso, pyIsoOfJsIso } from '../../helpers/factories/py-expect.js'
import { errorScoreRow } from '../../helpers/error-bodies.js'

// endpoints Endpoint 7: the v2 scoring operation behind the internal key, community by id only.
const TOKEN = 'internal-test-token'

const ctx = useTestApp({ config: () => scoringTestConfig({ CGRANTS_API_TOKEN: TOKEN, FF_API_ANALYTICS: 'on' }) })

const sql = () => ctx.database.sql

async function createScorerCommunity(options: Partial<CommunityOptions> = {}): Promise<number> {
  const { accountId } = await createAccount(sql())
  return (await createCommunity(sql(), { accountId, ...options })).communityId
}

async function get(path: string, headers: Record<string, string> = { authorization: TOKEN }) {
  const response = await ctx.app.inject({ method: 'GET', url: path, headers })
  return { status: response.statusCode, body: response.json() as Record<string, unknown> }
}

describe('GET /internal/score/v2/{scorer_id}/{address}', () => {
  it('endpoints Endpoint 7: scores any community by id (no account check), same body and rows as v2, no analytics', async () => {
    const communityId = await createScorerCommunity({ weights: { Google: 0.525, Ens: 15 }, threshold: '15.00000' })
    const address = randomAddress()
    const [google, ens] = await signStamps(address, [
      { provider: 'Google', expirationDate: '2099-02-20T12:34:56.789Z' },
      { provider: 'Ens', expirationDate: '2099-03-01T00:00:00.000Z' },
    ])
    await addCacheStamps(sql(), address, [google!, ens!])

    const call = await get(`/internal/score/v2/${communityId}/${address}`)
    expect(call.status).toBe(200)
    const lastScore = call.body.last_score_timestamp as string
    expect(call.body).toEqual({
      address,
      score: '15.52500',
      passing_score: true,
      last_score_timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/),
      expiration_timestamp: '2099-02-20T12:34:56.789000+00:00',
      threshold: '15.00000',
      error: null,
      stamps: {
        Google: { score: '0.52500', dedup: false, expiration_date: pyIsoOfJsIso(google!.expirationDate) },
        Ens: { score: '15.00000', dedup: false, expiration_date: '2099-03-01T00:00:00+00:00' },
      },
      points_data: null,
      possible_points_data: null,
      linked_score: null,
    })
    const rows = await readScoringRows(sql(), address, communityId)
    expect(rows.score).toMatchObject({
      score: '1.000000000',
      status: 'DONE',
      error: null,
      last_score_timestamp: pgTextOfPyIso(lastScore),
      expiration_date: '2099-02-20 12:34:56.789+00',
      evidence: {
        type: 'ThresholdScoreCheck',
        success: true,
        rawScore: '15.52500000000000002220446049',
        threshold: '15.00000',
      },
      stamp_scores_text: '{"Ens": 15.0, "Google": 0.525}',
      stamps: call.body.stamps,
    })
    expect(rows.stamps.map((stamp) => stamp.credential)).toEqual([ens, google])
    expect(rows.events.map((event) => event.action)).toEqual(['SCU'])
    expect(rows.events[0]!.data).toMatchObject({
      pk: rows.score!.id,
      fields: { passport: rows.passports[0]!.id, score: '1', last_score_timestamp: djangoOfPyIso(lastScore) },
    })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await sql()`select 1 from account_accountapikeyanalytics where path like ${'/internal/%'}`).toHaveLength(0)
  })

  it('scoring §13.68: a run that ends in ERROR → 500 "Failed to calculate score." after the ERROR row is written', async () => {
    const communityId = await createScorerCommunity({ rule: 'FIFO', weights: { Google: 1 } })
    const address = randomAddress()
    await addCacheStamps(sql(), address, await signStamps(address, [{ provider: 'Google' }]))

    const call = await get(`/internal/score/v2/${communityId}/${address}`)
    expect(call).toEqual({ status: 500, body: { detail: 'Failed to calculate score.' } })
    const rows = await readScoringRows(sql(), address, communityId)
    expect(rows.passports).toEqual([
      { id: expect.any(Number), address, community_id: communityId, requires_calculation: null },
    ])
    expect(rows.score).toEqual({ id: expect.any(Number), ...errorScoreRow(rows.passports[0]!.id, 'Invalid rule') })
    expect(rows.stamps).toEqual([])
    expect(rows.events).toEqual([])
  })

  it('endpoints §1.3.2: a missing or wrong internal key → 401 "Unauthorized", nothing written', async () => {
    const communityId = await createScorerCommunity()
    const address = randomAddress()
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'BAD_API_KEY' },
      { authorization: `Bearer ${TOKEN}` },
      { 'x-api-key': TOKEN },
    ]
    for (const headers of attempts) {
      expect(await get(`/internal/score/v2/${communityId}/${address}`, headers)).toEqual({
        status: 401,
        body: { detail: 'Unauthorized' },
      })
    }
    expect(await sql()`select 1 from registry_passport where address = ${address}`).toHaveLength(0)
  })

  it('endpoints §1.1: a non-digit or negative scorer id matches no route → JSON 404 "Not Found", before authentication', async () => {
    for (const id of ['abc', '-1', '1.5']) {
      expect(await get(`/internal/score/v2/${id}/${randomAddress()}`)).toEqual({
        status: 404,
        body: { detail: 'Not Found' },
      })
      expect(await get(`/internal/score/v2/${id}/${randomAddress()}`, {})).toEqual({
        status: 404,
        body: { detail: 'Not Found' },
      })
    }
  })

  it('endpoints Endpoint 7: an unknown community → 404 "No Community matches the given query."', async () => {
    expect(await get(`/internal/score/v2/999999999/${randomAddress()}`)).toEqual({
      status: 404,
      body: { detail: 'No Community matches the given query.' },
    })
  })

  it('endpoints Endpoint 7: the community lookup (404) comes before the address check (400)', async () => {
    expect(await get('/internal/score/v2/999999999/0x123')).toEqual({
      status: 404,
      body: { detail: 'No Community matches the given query.' },
    })
  })

  it('endpoints Endpoint 7: an invalid address → 400 "Invalid address.", nothing written', async () => {
    const communityId = await createScorerCommunity()
    expect(await get(`/internal/score/v2/${communityId}/0x123`)).toEqual({
      status: 400,
      body: { detail: 'Invalid address.' },
    })
    expect(await sql()`select 1 from registry_passport where community_id = ${communityId}`).toHaveLength(0)
  })

  it('endpoints §1.2: authentication comes before the community lookup (bad key + unknown community → 401)', async () => {
    expect(await get('/internal/score/v2/999999999/0x123', { authorization: 'nope' })).toEqual({
      status: 401,
      body: { detail: 'Unauthorized' },
    })
  })

  it('issue 3 "Bad input": the database going away during scoring → 503 JSON, nothing half-written', async () => {
    const communityId = await createScorerCommunity({ weights: { Google: 1 } })
    const address = randomAddress()
    const unreachable = new Proxy(ctx.database.sql, {
      get(target, property, receiver) {
        // As postgres.js rejects: the socket error, decorated with the query it failed.
        if (property === 'begin')
          return () =>
            Promise.reject(
              Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', query: 'begin' }),
            )
        return Reflect.get(target, property, receiver) as unknown
      },
    })
    const downApp = await buildTestApp(unreachable, await scoringTestConfig({ CGRANTS_API_TOKEN: TOKEN }))
    try {
      const response = await downApp.inject({
        method: 'GET',
        url: `/internal/score/v2/${communityId}/${address}`,
        headers: { authorization: TOKEN },
      })
      expect([response.statusCode, response.json()]).toEqual([503, { detail: 'Service Unavailable' }])
      expect(await sql()`select 1 from registry_passport where address = ${address}`).toHaveLength(0)
    } finally {
      await downApp.close()
    }
  })

  it('endpoints §1.7: a soft-deleted community is still scored', async () => {
    const communityId = await createScorerCommunity({ deletedAt: new Date().toISOString(), weights: { Google: 1 } })
    const address = randomAddress()
    await addCacheStamps(sql(), address, await signStamps(address, [{ provider: 'Google' }]))
    const call = await get(`/internal/score/v2/${communityId}/${address}`)
    expect(call.status).toBe(200)
    expect(call.body).toMatchObject({ address, score: '1.00000', error: null })
  })
})

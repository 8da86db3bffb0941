import { describe, expect, it } from 'vitest'
import { scoringTestConfig, useTestApp } from '../../helpers/app.js'
import { createAccount, createCommunity, randomAddress } from '../../helpers/factories/accounts.js'
import { createTestApiKey } from '../../helpers/factories/scoring.js'

// endpoints §17: GET /v2/stamps/{scorer_id}/score/{address}/history, against SCU events written
// by hand (both data formats) and by a real scoring run.

let demoCommunityId: number
let demoKey: string
const ctx = useTestApp({
  config: async ({ sql }) => {
    const { accountId } = await createAccount(sql)
    demoCommunityId = (await createCommunity(sql, { accountId })).communityId
    demoKey = (await createTestApiKey(sql, accountId, { withSha256: true })).key
    await sql`update account_accountapikey set historical_endpoint = true where account_id = ${accountId}`
    return scoringTestConfig({ FF_API_ANALYTICS: 'on', DEMO_API_SCORER_ID: String(demoCommunityId) })
  },
})
const sql = () => ctx.database.sql

interface HistoryScorer {
  communityId: number
  key: string
  keyId: string
}

async function createHistoryScorer(options: { historical?: boolean } = {}): Promise<HistoryScorer> {
  const { accountId } = await createAccount(sql())
  const { communityId } = await createCommunity(sql(), { accountId })
  const key = await createTestApiKey(sql(), accountId, { withSha256: true })
  await sql()`update account_accountapikey set historical_endpoint = ${options.historical ?? true} where id = ${key.id}`
  return { communityId, key: key.key, keyId: key.id }
}

async function insertScoreEvent(address: string, communityId: number, createdAt: string, data: unknown) {
  await sql()`
    insert into registry_event (action, address, created_at, data, community_id)
    values ('SCU', ${address}, ${createdAt}, ${JSON.stringify(data)}::text::jsonb, ${communityId})`
}

async function history(scorer: { communityId: number; key: string }, address: string, query: string) {
  const response = await ctx.app.inject({
    method: 'GET',
    url: `/v2/stamps/${scorer.communityId}/score/${address}/history${query}`,
    headers: { 'x-api-key': scorer.key },
  })
  return { status: response.statusCode, body: response.json() as unknown }
}

// The new (serializer) format, as Python's own test writes it.
const SERIALIZED_EVENT = {
  pk: 15,
  model: 'registry.score',
  fields: {
    error: null,
    score: '0',
    status: 'DONE',
    evidence: { type: 'ThresholdScoreCheck', success: false, rawScore: '5.45900', threshold: '100.00000' },
    passport: 15,
    stamps: {
      github: { score: '1.00000', dedup: false, expiration_date: '2024-11-21T22:09:10.687Z' },
      twitter: { score: '0.00000', dedup: true, expiration_date: null },
    },
    expiration_date: '2024-11-21T22:09:10.687Z',
    last_score_timestamp: '2024-10-25T19:16:14.023Z',
  },
}

const nullExtras = { points_data: null, possible_points_data: null, linked_score: null }

describe('GET /v2/stamps/{scorer_id}/score/{address}/history', () => {
  it('endpoints §17.5: the serializer format → its score, threshold, stamps and timestamps as stored', async () => {
    const scorer = await createHistoryScorer()
    const address = randomAddress()
    await insertScoreEvent(address, scorer.communityId, '2023-01-01T00:00:00Z', SERIALIZED_EVENT)
    expect(await history(scorer, address, '?created_at=2023-01-01')).toEqual({
      status: 200,
      body: {
        address,
        score: '5.45900',
        passing_score: false,
        last_score_timestamp: '2024-10-25T19:16:14.023Z',
        expiration_timestamp: '2024-11-21T22:09:10.687Z',
        threshold: '100.00000',
        error: null,
        stamps: {
          github: { score: '1.00000', dedup: false, expiration_date: '2024-11-21T22:09:10.687Z' },
          twitter: { score: '0.00000', dedup: true, expiration_date: null },
        },
        ...nullExtras,
      },
    })
  })

  it('endpoints §17.5: the flat legacy format → rawScore, passing, null timestamps and stamps', async () => {
    const scorer = await createHistoryScorer()
    const address = randomAddress()
    await insertScoreEvent(address, scorer.communityId, '2023-01-01T00:00:00Z', {
      score: 1.0,
      evidence: {
        type: 'ThresholdScoreCheck',
        success: true,
        rawScore: '309.5190000000000054014570595',
        threshold: '100.00000',
      },
    })
    expect(await history(scorer, address, '?created_at=2023-01-01')).toEqual({
      status: 200,
      body: {
        address,
        score: '309.51900',
        passing_score: true,
        last_score_timestamp: null,
        expiration_timestamp: null,
        threshold: '100.00000',
        error: null,
        stamps: null,
        ...nullExtras,
      },
    })
  })

  it.each([
    ['evidence without threshold', { evidence: { rawScore: '15' } }, '15.00000', '0.00000', true],
    ['evidence null, float score', { score: 78.762, evidence: null }, '78.76200', '0.00000', true],
    ['no evidence, no score', { status: 'DONE' }, '0.00000', '0.00000', true],
    ['score 0 is falsy in Python', { score: 0, evidence: null }, '0.00000', '0.00000', false],
  ])('endpoints §17.5: %s → score %s, threshold %s (default "0")', async (_, data, score, threshold, passing) => {
    const scorer = await createHistoryScorer()
    const address = randomAddress()
    await insertScoreEvent(address, scorer.communityId, '2023-01-01T00:00:00Z', data)
    const { status, body } = await history(scorer, address, '?created_at=2023-01-01')
    expect({ status, body }).toEqual({
      status: 200,
      body: {
        address,
        score,
        passing_score: passing,
        last_score_timestamp: null,
        expiration_timestamp: null,
        threshold,
        error: null,
        stamps: null,
        ...nullExtras,
      },
    })
  })

  it('endpoints §17.4: the newest event at or before created_at; none before → 404 with address', async () => {
    const scorer = await createHistoryScorer()
    const address = randomAddress()
    const at = (rawScore: string) => ({ evidence: { rawScore, threshold: '20' } })
    await insertScoreEvent(address, scorer.communityId, '2024-01-01T10:00:00.000001Z', at('1'))
    await insertScoreEvent(address, scorer.communityId, '2024-01-02T10:00:00Z', at('2'))
    await insertScoreEvent(address, scorer.communityId, '2024-01-03T10:00:00Z', at('3'))
    const scoreAt = async (createdAt: string) => {
      const { status, body } = await history(scorer, address, `?created_at=${encodeURIComponent(createdAt)}`)
      return status === 200 ? (body as { score: string }).score : body
    }
    expect(await scoreAt('2024-01-02T10:00:00Z')).toBe('2.00000') // at the very instant
    expect(await scoreAt('2024-01-02T09:59:59.999999Z')).toBe('1.00000')
    expect(await scoreAt('2024-01-02T11:59:59+02:00')).toBe('1.00000') // 09:59:59 UTC
    expect(await scoreAt('2024-01-02 12:00:00+02:00')).toBe('2.00000')
    expect(await scoreAt('2024-01-03')).toBe('2.00000') // a date alone is midnight UTC
    expect(await scoreAt('2024-1-3 10:0')).toBe('3.00000') // Django's own pattern, single digits
    expect(await scoreAt('20240104')).toBe('3.00000') // fromisoformat's basic form
    expect(await scoreAt(' 2024-01-01T10:00:00.000001 ')).toBe('1.00000') // naive = UTC, blanks stripped
    expect(await scoreAt('2024-01-01T10:00:00Z')).toEqual({
      detail: `No Score Found for ${address} at 2024-01-01T10:00:00Z`,
      address,
    })
  })

  it('endpoints §17 (parity): a created_at neither parser reads is ignored → the newest event', async () => {
    const scorer = await createHistoryScorer()
    const address = randomAddress()
    await insertScoreEvent(address, scorer.communityId, '2024-01-01T00:00:00Z', { evidence: { rawScore: '1' } })
    await insertScoreEvent(address, scorer.communityId, '2030-01-01T00:00:00Z', { evidence: { rawScore: '9' } })
    for (const unreadable of ['invalid-date', '2024-13-01', '2024-01-01T10:00+99:99', '%20']) {
      const { status, body } = await history(scorer, address, `?created_at=${unreadable}`)
      expect({ unreadable, status, score: (body as { score: string }).score }).toEqual({
        unreadable,
        status: 200,
        score: '9.00000',
      })
    }
  })

  it('endpoints §17: the address is used as written: a mixed-case one finds no event', async () => {
    const scorer = await createHistoryScorer()
    const address = randomAddress()
    await insertScoreEvent(address, scorer.communityId, '2023-01-01T00:00:00Z', SERIALIZED_EVENT)
    const mixed = `0x${address.slice(2).toUpperCase()}`
    expect(await history(scorer, mixed, '?created_at=2023-02-01')).toEqual({
      status: 404,
      body: { detail: `No Score Found for ${mixed} at 2023-02-01`, address: mixed },
    })
  })

  it.each([
    [
      'a stamp without expiration_date',
      { evidence: { rawScore: '1' }, stamps: { Google: { score: '1', dedup: false } } },
    ],
    ['a score that is no number', { score: 'abc', evidence: null }],
    ['data that is a list', [1, 2]],
  ])('endpoints §17.5: an event with %s → 500 (Python fails on it too)', async (_, data) => {
    const scorer = await createHistoryScorer()
    const address = randomAddress()
    await insertScoreEvent(address, scorer.communityId, '2023-01-01T00:00:00Z', data)
    expect(await history(scorer, address, '?created_at=2023-01-01')).toEqual({
      status: 500,
      body: { detail: 'Internal Server Error' },
    })
  })

  it('endpoints §17.1: a key without historical_endpoint → 403', async () => {
    const scorer = await createHistoryScorer({ historical: false })
    expect(await history(scorer, randomAddress(), '?created_at=2023-01-01')).toEqual({
      status: 403,
      body: { detail: 'Invalid permissions for action.' },
    })
  })

  it('endpoints §17: created_at missing → 422 (before the permission check); empty → 400', async () => {
    const withoutPermission = await createHistoryScorer({ historical: false })
    expect(await history(withoutPermission, randomAddress(), '')).toEqual({
      status: 422,
      body: { detail: [{ type: 'missing', loc: ['query', 'created_at'], msg: 'Field required' }] },
    })
    const scorer = await createHistoryScorer()
    expect(await history(scorer, randomAddress(), '?created_at=')).toEqual({
      status: 400,
      body: { detail: 'You must provide created_at as a query param.' },
    })
  })

  it("endpoints §17.3: another account's community, or an external id → 404 No Community", async () => {
    const scorer = await createHistoryScorer()
    const other = await createHistoryScorer()
    const { communityId: withExternalId } = await createCommunity(sql(), {
      accountId: (
        await sql()<{ account_id: number }[]>`select account_id from account_accountapikey where id = ${scorer.keyId}`
      )[0]!.account_id,
      externalScorerId: 'ext-history',
    })
    for (const communityId of [other.communityId, 'ext-history', 2 ** 62]) {
      expect(
        await history(
          { communityId: communityId as number, key: scorer.key },
          randomAddress(),
          '?created_at=2023-01-01',
        ),
      ).toEqual(
        communityId === 'ext-history'
          ? {
              status: 422,
              body: expect.objectContaining({ detail: [expect.objectContaining({ type: 'int_parsing' })] }),
            }
          : { status: 404, body: { detail: 'No Community matches the given query.' } },
      )
    }
    expect(withExternalId).toBeGreaterThan(0)
  })

  it('endpoints §17: a negative scorer id reads DEMO_API_SCORER_ID (for the demo account only)', async () => {
    const address = randomAddress()
    await insertScoreEvent(address, demoCommunityId, '2023-01-01T00:00:00Z', SERIALIZED_EVENT)
    expect((await history({ communityId: -1, key: demoKey }, address, '?created_at=2023-01-01')).status).toBe(200)
    const scorer = await createHistoryScorer()
    expect(await history({ communityId: -1, key: scorer.key }, address, '?created_at=2023-01-01')).toEqual({
      status: 404,
      body: { detail: 'No Community matches the given query.' },
    })
  })

  it('endpoints §17 + Appendix E.3: the event a real scoring run wrote → its Django timestamp text (…Z)', async () => {
    const scorer = await createHistoryScorer()
    const address = randomAddress()
    const scored = await ctx.app.inject({
      method: 'GET',
      url: `/v2/stamps/${scorer.communityId}/score/${address}`,
      headers: { 'x-api-key': scorer.key },
    })
    expect(scored.statusCode).toBe(200)
    const [event] = await sql()<{ data: { fields: { last_score_timestamp: string } } }[]>`
      select data from registry_event where address = ${address} and action = 'SCU'`
    const stored = event!.data.fields.last_score_timestamp
    expect(stored).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/)
    expect(await history(scorer, address, '?created_at=2099-01-01')).toEqual({
      status: 200,
      body: {
        address,
        score: '0.00000',
        passing_score: false,
        last_score_timestamp: stored,
        expiration_timestamp: null,
        threshold: '20.00000',
        error: null,
        stamps: {},
        ...nullExtras,
      },
    })
  })

  it('endpoints §1.9: analytics rows without the response (response_skipped), errors with status and text', async () => {
    const scorer = await createHistoryScorer()
    const address = randomAddress()
    await insertScoreEvent(address, scorer.communityId, '2023-01-01T00:00:00Z', SERIALIZED_EVENT)
    expect((await history(scorer, address, '?created_at=2023-01-01')).status).toBe(200)
    expect((await history(scorer, address, '?created_at=2022-01-01')).status).toBe(404)
    expect((await history(scorer, address, '')).status).toBe(422)
    const path = `/v2/stamps/${scorer.communityId}/score/${address}/history`
    // Each row is written after its response went out, so their ids may come in either order.
    const readRows = () => sql()`
        select path, path_segments, query_params, payload, response, response_skipped, error, status_code
        from account_accountapikeyanalytics where api_key_id = ${scorer.keyId} order by status_code`
    for (let attempt = 0; attempt < 50 && (await readRows()).length < 2; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    // The 422 would have written its row by now: none comes.
    await new Promise((resolve) => setTimeout(resolve, 100))
    const segments = ['v2', 'stamps', String(scorer.communityId), 'score', address, 'history']
    expect(await readRows()).toEqual([
      {
        path,
        path_segments: segments,
        query_params: { created_at: ['2023-01-01'] },
        payload: null,
        response: null,
        response_skipped: true,
        error: null,
        status_code: 200,
      },
      {
        path,
        path_segments: segments,
        query_params: { created_at: ['2022-01-01'] },
        payload: null,
        response: null,
        response_skipped: true,
        error: `No Score Found for ${address} at 2022-01-01`,
        status_code: 404,
      },
    ])
  })

  it('endpoints §1.3.1: no key → 401 before validation', async () => {
    const response = await ctx.app.inject({ method: 'GET', url: `/v2/stamps/abc/score/${randomAddress()}/history` })
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 401,
      body: { detail: 'Invalid API Key.' },
    })
  })
})

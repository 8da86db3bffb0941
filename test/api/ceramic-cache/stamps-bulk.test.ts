import { describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, scoringTestConfig, useTestApp } from '../../helpers/app.js'
import { randomAddress } from '../../helpers/factories/accounts.js'
import { signStamps } from '../../helpers/factories/scoring.js'
import { bearer, setUpCeramicCache, signRs256, siweClaims, type CeramicCacheSetup } from '../../helpers/jwt.js'
import {
  epochMsOfPgText,
  findScoreRow,
  insertCacheRow,
  listCacheRows,
  listEvents,
  listLiveCacheRows,
  pyIsoOfPgText,
  inProviderOrder,
} from '../../helpers/factories/ceramic-cache.js'
import { revokeCacheRow } from '../../helpers/factories/scoring-rows.js'
import { pyIsoOfJsIso } from '../../helpers/factories/py-expect.js'
import type { CeramicCacheRow } from '../../../src/db/queries/ceramic-cache.js'
import type { StampCredential } from '../../../src/dev/stamp-issuer.js'

// The Passport app's scorer (CERAMIC_CACHE_SCORER_ID): exact binary fractions, so every sum is exact.
const WEIGHTS = { Twitter: 1, Github: 2, LinkedIn: 3.5, Google: 1, Ens: 1 }
const SCORE_KEYS = [
  'address',
  'score',
  'passing_score',
  'last_score_timestamp',
  'expiration_timestamp',
  'threshold',
  'error',
  'stamps',
  'points_data',
  'possible_points_data',
  'linked_score',
]

let ceramic: CeramicCacheSetup
let ceramicCommunityId: number

const ctx = useTestApp({
  config: async ({ sql }) => {
    ceramic = await setUpCeramicCache(sql, { weights: WEIGHTS, threshold: '5' })
    ceramicCommunityId = ceramic.communityId
    return scoringTestConfig(ceramic.env)
  },
})

type Method = 'POST' | 'PATCH' | 'DELETE'

async function bulk(method: Method, address: string, payload: unknown, target: FastifyInstance = ctx.app) {
  return target.inject({
    method,
    url: '/ceramic-cache/stamps/bulk',
    headers: await ceramic.bearer(address),
    payload: payload as object,
  })
}

const itemsOf = (credentials: readonly StampCredential[]) =>
  credentials.map((stamp) => ({ provider: stamp.credentialSubject.provider, stamp }))

function sign(address: string, providers: readonly string[], issuanceDate?: Date): Promise<StampCredential[]> {
  return signStamps(
    address,
    providers.map((provider) => ({ provider, ...(issuanceDate ? { issuanceDate } : {}) })),
  )
}

/** Adds the credentials through the endpoint (the state the other tests start from). */
async function addThroughApi(address: string, credentials: readonly StampCredential[]): Promise<void> {
  const response = await bulk('POST', address, itemsOf(credentials))
  expect(response.statusCode).toBe(201)
}

/** The V2 score block of a fresh run over `kept` credentials (scoring §4.6), timestamps from the DB row. */
async function expectedFreshScore(address: string, kept: readonly StampCredential[]) {
  const row = await findScoreRow(ctx.database.sql, address, ceramicCommunityId)
  const raw = kept.reduce((sum, c) => sum + WEIGHTS[c.credentialSubject.provider as keyof typeof WEIGHTS], 0)
  const earliest = [...kept].map((c) => c.expirationDate).sort()[0]
  return {
    address,
    score: raw.toFixed(5),
    passing_score: raw >= 5,
    last_score_timestamp: pyIsoOfPgText(row!.last_score_timestamp!),
    expiration_timestamp: earliest === undefined ? null : pyIsoOfJsIso(earliest),
    threshold: '5.00000',
    error: null,
    stamps: Object.fromEntries(
      kept.map((c) => [
        c.credentialSubject.provider,
        {
          score: WEIGHTS[c.credentialSubject.provider as keyof typeof WEIGHTS].toFixed(5),
          dedup: false,
          expiration_date: pyIsoOfJsIso(c.expirationDate),
        },
      ]),
    ),
    points_data: null,
    possible_points_data: null,
    linked_score: null,
  }
}

const cachedStamp = (row: CeramicCacheRow) => ({
  id: row.id,
  address: row.address,
  provider: row.provider,
  stamp: row.stamp,
})

/** A row as the add path writes it (scoring §9.1 step 4), with the source columns of the path. */
function expectWrittenRow(
  row: CeramicCacheRow | undefined,
  credential: StampCredential,
  address: string,
  source: { app: number | null; scorerId: number | null },
): void {
  expect(row).toEqual({
    id: expect.any(Number),
    type: 1,
    address,
    provider: credential.credentialSubject.provider,
    stamp: credential,
    proof_value: credential.proof.proofValue,
    created_at: expect.any(String),
    updated_at: row!.created_at,
    deleted_at: null,
    compose_db_save_status: 'pending',
    compose_db_stream_id: '',
    issuance_date: expect.any(String),
    expiration_date: expect.any(String),
    source_app: source.app,
    source_scorer_id: source.scorerId,
  })
  expect(epochMsOfPgText(row!.issuance_date!)).toBe(Date.parse(credential.issuanceDate))
  expect(epochMsOfPgText(row!.expiration_date!)).toBe(Date.parse(credential.expirationDate))
}

/** Ninja-style 101-item payload: every item valid for the schema, none written. */
const tooManyItems = (withStamp: boolean) =>
  Array.from({ length: 101 }, (_, index) => ({
    provider: `Provider${index}`,
    ...(withStamp ? { stamp: { proof: { proofValue: `0x${index}` } } } : {}),
  }))

describe('POST /ceramic-cache/stamps/bulk', () => {
  it('scoring §13.72: bulk POST → 201, 3 rows with every column (source_app 1, source_scorer_id NULL per D9) and a fresh score', async () => {
    const address = randomAddress()
    const credentials = await sign(address, ['Twitter', 'Github', 'LinkedIn'])
    const response = await bulk('POST', address, itemsOf(credentials))

    expect(response.statusCode).toBe(201)
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    const rows = await listCacheRows(ctx.database.sql, address)
    expect(rows).toHaveLength(3)
    rows.forEach((row, index) => expectWrittenRow(row, credentials[index]!, address, { app: 1, scorerId: null }))
    expect(new Set(rows.map((row) => row.created_at)).size).toBe(1)

    const body = response.json()
    expect(Object.keys(body)).toEqual(['success', 'stamps', 'score'])
    expect(Object.keys(body.score)).toEqual(SCORE_KEYS)
    expect(body).toEqual({
      success: true,
      stamps: inProviderOrder(rows).map(cachedStamp),
      score: await expectedFreshScore(address, credentials),
    })
    expect(body.score.score).toBe('6.50000')
    const score = await findScoreRow(ctx.database.sql, address, ceramicCommunityId)
    expect(score).toMatchObject({ status: 'DONE', score: '1.000000000', error: null })
    expect((await listEvents(ctx.database.sql, address, ceramicCommunityId)).map((event) => event.action)).toEqual([
      'SCU',
    ])
  })

  it('scoring §13.73: re-POST of the same providers → old rows soft-deleted at the request time, exactly 3 live rows with the new proofs', async () => {
    const address = randomAddress()
    const providers = ['Twitter', 'Github', 'LinkedIn']
    const first = await sign(address, providers, new Date(Date.now() - 60_000))
    await addThroughApi(address, first)
    const second = await sign(address, providers)
    expect(second.map((c) => c.proof.proofValue)).not.toEqual(first.map((c) => c.proof.proofValue))

    const response = await bulk('POST', address, itemsOf(second))
    expect(response.statusCode).toBe(201)
    const rows = await listCacheRows(ctx.database.sql, address)
    const live = rows.filter((row) => row.deleted_at === null)
    const deleted = rows.filter((row) => row.deleted_at !== null)
    expect(live.map((row) => row.proof_value)).toEqual(second.map((c) => c.proof.proofValue))
    expect(deleted.map((row) => row.proof_value)).toEqual(first.map((c) => c.proof.proofValue))
    for (const row of deleted) {
      expect(row.updated_at).toBe(row.deleted_at)
      expect(row.deleted_at).toBe(live[0]!.created_at)
    }
    expect(response.json().stamps).toEqual(inProviderOrder(live).map(cachedStamp))
    expect(response.json().score).toEqual(await expectedFreshScore(address, second))
  })

  it('scoring §13.73: partial re-POST of half the providers → new half + untouched half live; soft-deleted = re-posted items', async () => {
    const address = randomAddress()
    const first = await sign(address, ['Twitter', 'Github', 'LinkedIn', 'Google'], new Date(Date.now() - 60_000))
    await addThroughApi(address, first)
    const again = await sign(address, ['Twitter', 'Github'])

    expect((await bulk('POST', address, itemsOf(again))).statusCode).toBe(201)
    const rows = await listCacheRows(ctx.database.sql, address)
    expect(rows.filter((row) => row.deleted_at !== null).map((row) => row.proof_value)).toEqual([
      first[0]!.proof.proofValue,
      first[1]!.proof.proofValue,
    ])
    expect(rows.filter((row) => row.deleted_at === null).map((row) => row.proof_value)).toEqual([
      first[2]!.proof.proofValue,
      first[3]!.proof.proofValue,
      again[0]!.proof.proofValue,
      again[1]!.proof.proofValue,
    ])
  })

  it('scoring §13.74: 101 items → 422 "You have submitted too many stamps.", nothing written or scored', async () => {
    const address = randomAddress()
    const existing = await insertCacheRow(ctx.database.sql, { address, provider: 'Provider0' })
    const response = await bulk('POST', address, tooManyItems(true))
    expect(response.statusCode).toBe(422)
    expect(response.json()).toEqual({ detail: 'You have submitted too many stamps.' })
    // Counted first: a bad date among them does not change the answer.
    const withBadDate = tooManyItems(true).map((item, index) =>
      index === 50 ? { ...item, stamp: { ...item.stamp, expirationDate: 'soon' } } : item,
    )
    expect((await bulk('POST', address, withBadDate)).json()).toEqual({ detail: 'You have submitted too many stamps.' })
    expect((await listCacheRows(ctx.database.sql, address)).map((row) => [row.id, row.deleted_at])).toEqual([
      [existing, null],
    ])
    expect(await findScoreRow(ctx.database.sql, address, ceramicCommunityId)).toBeUndefined()
  })

  it('scoring §9.1 (issue 4): a stamp without proof.proofValue → 422 ninja list, nothing written (Python: 500 after the soft-delete)', async () => {
    const address = randomAddress()
    const [twitter, github] = await sign(address, ['Twitter', 'Github'])
    const existing = await insertCacheRow(ctx.database.sql, { address, provider: 'Twitter' })
    const broken = { ...github!, proof: { ...github!.proof, proofValue: undefined } }
    const response = await bulk('POST', address, [
      { provider: 'Twitter', stamp: twitter },
      { provider: 'Github', stamp: broken },
    ])
    expect(response.statusCode).toBe(422)
    expect(response.json()).toEqual({
      detail: [{ type: 'missing', loc: ['body', 'payload', 1, 'stamp', 'proof', 'proofValue'], msg: 'Field required' }],
    })
    expect((await listCacheRows(ctx.database.sql, address)).map((row) => [row.id, row.deleted_at])).toEqual([
      [existing, null],
    ])
  })

  it('scoring §9.1 (issue 4): an unparseable expirationDate → 422 ninja list, nothing written', async () => {
    const address = randomAddress()
    const [twitter] = await sign(address, ['Twitter'])
    const response = await bulk('POST', address, [
      { provider: 'Twitter', stamp: { ...twitter!, expirationDate: 'next tuesday' } },
    ])
    expect(response.statusCode).toBe(422)
    expect(response.json()).toEqual({
      detail: [
        {
          type: 'datetime_from_date_parsing',
          loc: ['body', 'payload', 0, 'stamp', 'expirationDate'],
          msg: 'Input should be a valid datetime',
        },
      ],
    })
    expect(await listCacheRows(ctx.database.sql, address)).toEqual([])
  })

  it('endpoints §5.1: body not a list, item without provider or without stamp → 422 at the ninja loc; bad JSON → 400', async () => {
    const address = randomAddress()
    const cases: [unknown, object][] = [
      [
        { provider: 'Twitter', stamp: { proof: { proofValue: '0x1' } } },
        { type: 'list_type', loc: ['body', 'payload'], msg: 'Input should be a valid list' },
      ],
      [
        [{ stamp: { proof: { proofValue: '0x1' } } }],
        { type: 'missing', loc: ['body', 'payload', 0, 'provider'], msg: 'Field required' },
      ],
      [[{ provider: 'Twitter' }], { type: 'missing', loc: ['body', 'payload', 0, 'stamp'], msg: 'Field required' }],
    ]
    for (const [payload, issue] of cases) {
      const response = await bulk('POST', address, payload)
      expect(response.statusCode, JSON.stringify(payload)).toBe(422)
      expect(response.json()).toEqual({ detail: [issue] })
    }
    const badJson = await ctx.app.inject({
      method: 'POST',
      url: '/ceramic-cache/stamps/bulk',
      headers: { ...(await ceramic.bearer(address)), 'content-type': 'application/json' },
      payload: '[{"provider":',
    })
    expect(badJson.statusCode).toBe(400)
    expect(badJson.json()).toEqual({ detail: 'Cannot parse request body' })
    expect(await listCacheRows(ctx.database.sql, address)).toEqual([])
  })

  it('scoring §9.1, improved by D3 and D17: the same provider twice in one payload → 400 naming it, nothing written (Python: 500 after the soft-delete)', async () => {
    const address = randomAddress()
    const [old] = await sign(address, ['Github'], new Date(Date.now() - 60_000))
    await addThroughApi(address, [old!])
    const before = await listCacheRows(ctx.database.sql, address)
    const [a, b] = await sign(address, ['Github', 'Github'])

    const response = await bulk('POST', address, itemsOf([a!, b!]))
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ detail: 'The provider "Github" appears more than once in the payload.' })
    expect(await listCacheRows(ctx.database.sql, address)).toEqual(before)
  })

  it('scoring §9.1 step 5: the stamps listed are the live, unrevoked type-1 rows (revoked and V2 rows omitted)', async () => {
    const address = randomAddress()
    const [google] = await sign(address, ['Google'])
    await addThroughApi(address, [google!])
    const revoked = (await listLiveCacheRows(ctx.database.sql, address))[0]!.id
    await revokeCacheRow(ctx.database.sql, revoked)
    await insertCacheRow(ctx.database.sql, { address, provider: 'Ens', type: 2 })
    const [twitter] = await sign(address, ['Twitter'])

    const response = await bulk('POST', address, itemsOf([twitter!]))
    expect(response.statusCode).toBe(201)
    const twitterRow = (await listLiveCacheRows(ctx.database.sql, address)).find((row) => row.provider === 'Twitter')!
    expect(response.json().stamps).toEqual([cachedStamp(twitterRow)])
    // The revoked Google row is not scored either (scoring §1).
    expect(Object.keys(response.json().score.stamps)).toEqual(['Twitter'])
  })

  it('endpoints §5.1: an empty list → 201, nothing written, the address scored', async () => {
    const address = randomAddress()
    const response = await bulk('POST', address, [])
    expect(response.statusCode).toBe(201)
    expect(response.json()).toEqual({ success: true, stamps: [], score: await expectedFreshScore(address, []) })
    expect(response.json().score).toMatchObject({
      score: '0.00000',
      passing_score: false,
      expiration_timestamp: null,
      stamps: {},
    })
  })

  it('endpoints §5.1: the stamps are written under the JWT address; the item `address` is ignored', async () => {
    const address = randomAddress()
    const [twitter] = await sign(address, ['Twitter'])
    const other = randomAddress()
    expect((await bulk('POST', address, [{ address: other, provider: 'Twitter', stamp: twitter }])).statusCode).toBe(
      201,
    )
    expect(await listCacheRows(ctx.database.sql, other)).toEqual([])
    expect(await listLiveCacheRows(ctx.database.sql, address)).toHaveLength(1)
  })

  it('endpoints §5.1: the row provider is the client-supplied one (scoring §9.1), and D6 then skips it for scoring', async () => {
    const address = randomAddress()
    const [google] = await sign(address, ['Google'])
    const response = await bulk('POST', address, [{ provider: 'LinkedIn', stamp: google }])
    expect(response.statusCode).toBe(201)
    expect((await listLiveCacheRows(ctx.database.sql, address)).map((row) => row.provider)).toEqual(['LinkedIn'])
    expect(response.json().score).toMatchObject({ score: '0.00000', stamps: {} })
  })

  it('endpoints §5.1: a JWT whose did does not end in a valid address → 400 "Invalid address.", nothing written', async () => {
    const address = randomAddress()
    const [twitter] = await sign(address, ['Twitter'])
    const token = await signRs256(siweClaims(address, { did: 'did:pkh:eip155:1:0xnothex' }), ceramic.keys.privateKey)
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/ceramic-cache/stamps/bulk',
      headers: bearer(token),
      payload: itemsOf([twitter!]),
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ detail: 'Invalid address.' })
    expect(await listCacheRows(ctx.database.sql, '0xnothex')).toEqual([])
  })

  it('endpoints §5.1: no community for CERAMIC_CACHE_SCORER_ID → 404 "Not Found" after the stamps were stored (Python order)', async () => {
    const misconfigured = await buildTestApp(
      ctx.database.sql,
      await scoringTestConfig({ ...ceramic.env, CERAMIC_CACHE_SCORER_ID: '987654321' }),
    )
    try {
      const address = randomAddress()
      const [twitter] = await sign(address, ['Twitter'])
      const response = await bulk('POST', address, itemsOf([twitter!]), misconfigured)
      expect(response.statusCode).toBe(404)
      expect(response.json()).toEqual({ detail: 'Not Found' })
      expect(await listLiveCacheRows(ctx.database.sql, address)).toHaveLength(1)
    } finally {
      await misconfigured.close()
    }
  })
})

describe('PATCH /ceramic-cache/stamps/bulk', () => {
  it('scoring §13.75: PATCH with a null stamp → that provider soft-deleted, nothing inserted, 200 with the rest and a fresh score', async () => {
    const address = randomAddress()
    const credentials = await sign(address, ['Twitter', 'Github', 'LinkedIn'])
    await addThroughApi(address, credentials)
    const eventsBefore = (await listEvents(ctx.database.sql, address, ceramicCommunityId)).length

    const response = await bulk('PATCH', address, [{ provider: 'Github', stamp: null }])
    expect(response.statusCode).toBe(200)
    const rows = await listCacheRows(ctx.database.sql, address)
    expect(rows).toHaveLength(3)
    const github = rows.find((row) => row.provider === 'Github')!
    expect(github.deleted_at).not.toBeNull()
    expect(github.updated_at).toBe(github.deleted_at)
    const live = rows.filter((row) => row.deleted_at === null)
    const body = response.json()
    expect(Object.keys(body)).toEqual(['success', 'stamps', 'score'])
    expect(body).toEqual({
      success: true,
      stamps: inProviderOrder(live).map(cachedStamp),
      score: await expectedFreshScore(address, [credentials[0]!, credentials[2]!]),
    })
    expect(body.score.score).toBe('4.50000')
    expect(await listEvents(ctx.database.sql, address, ceramicCommunityId)).toHaveLength(eventsBefore + 1)
  })

  it('scoring §9.2: an item with a stamp replaces the provider; the new row has source_app and source_scorer_id NULL', async () => {
    const address = randomAddress()
    const [oldTwitter] = await sign(address, ['Twitter'], new Date(Date.now() - 60_000))
    await addThroughApi(address, [oldTwitter!])
    const [newTwitter, google] = await sign(address, ['Twitter', 'Google'])

    const response = await bulk('PATCH', address, itemsOf([newTwitter!, google!]))
    expect(response.statusCode).toBe(200)
    const rows = await listCacheRows(ctx.database.sql, address)
    expect(rows.map((row) => [row.provider, row.deleted_at === null])).toEqual([
      ['Twitter', false],
      ['Twitter', true],
      ['Google', true],
    ])
    expectWrittenRow(rows[1], newTwitter!, address, { app: null, scorerId: null })
    expectWrittenRow(rows[2], google!, address, { app: null, scorerId: null })
    expect(rows[0]!.deleted_at).toBe(rows[1]!.created_at)
    expect(response.json()).toEqual({
      success: true,
      stamps: inProviderOrder(rows.slice(1)).map(cachedStamp),
      score: await expectedFreshScore(address, [newTwitter!, google!]),
    })
  })

  it('scoring §9.2: PATCH soft-deletes the payload providers of any type (V2 rows too); an item without `stamp` only removes', async () => {
    const address = randomAddress()
    const v2 = await insertCacheRow(ctx.database.sql, { address, provider: 'Github', type: 2 })
    const v1 = await insertCacheRow(ctx.database.sql, { address, provider: 'Github', type: 1 })
    const response = await bulk('PATCH', address, [{ provider: 'Github' }])
    expect(response.statusCode).toBe(200)
    expect((await listCacheRows(ctx.database.sql, address)).map((row) => [row.id, row.deleted_at !== null])).toEqual([
      [v2, true],
      [v1, true],
    ])
    expect(response.json().stamps).toEqual([])
  })

  it('endpoints §5.2, overridden by D17: 101 items → 422 "You have submitted too many stamps." as on POST (Django wraps it in a 500), nothing written', async () => {
    const address = randomAddress()
    const existing = await insertCacheRow(ctx.database.sql, { address, provider: 'Provider0' })
    const response = await bulk('PATCH', address, tooManyItems(false))
    expect(response.statusCode).toBe(422)
    expect(response.json()).toEqual({ detail: 'You have submitted too many stamps.' })
    expect((await listCacheRows(ctx.database.sql, address)).map((row) => [row.id, row.deleted_at])).toEqual([
      [existing, null],
    ])
    expect(await findScoreRow(ctx.database.sql, address, ceramicCommunityId)).toBeUndefined()
  })

  it('endpoints §5.2, improved by D3 and D17: the same provider twice → 400 naming it, nothing changed (Python: 500 after the soft-delete)', async () => {
    const address = randomAddress()
    const [old] = await sign(address, ['Github'], new Date(Date.now() - 60_000))
    await addThroughApi(address, [old!])
    const before = await listCacheRows(ctx.database.sql, address)
    const [a, b] = await sign(address, ['Github', 'Github'])
    const response = await bulk('PATCH', address, itemsOf([a!, b!]))
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ detail: 'The provider "Github" appears more than once in the payload.' })
    expect(await listCacheRows(ctx.database.sql, address)).toEqual(before)
  })

  it('scoring §9.2 (issue 4): a stamp without proof.proofValue → 422 ninja list, nothing written', async () => {
    const address = randomAddress()
    const existing = await insertCacheRow(ctx.database.sql, { address, provider: 'Twitter' })
    const response = await bulk('PATCH', address, [{ provider: 'Twitter', stamp: { proof: {} } }])
    expect(response.statusCode).toBe(422)
    expect(response.json()).toEqual({
      detail: [{ type: 'missing', loc: ['body', 'payload', 0, 'stamp', 'proof', 'proofValue'], msg: 'Field required' }],
    })
    expect((await listCacheRows(ctx.database.sql, address)).map((row) => [row.id, row.deleted_at])).toEqual([
      [existing, null],
    ])
  })

  it('endpoints §5.2: an empty list → 200, nothing changed, a fresh score', async () => {
    const address = randomAddress()
    const [twitter] = await sign(address, ['Twitter'])
    await addThroughApi(address, [twitter!])
    const before = await listCacheRows(ctx.database.sql, address)
    const response = await bulk('PATCH', address, [])
    expect(response.statusCode).toBe(200)
    expect(await listCacheRows(ctx.database.sql, address)).toEqual(before)
    expect(response.json()).toEqual({
      success: true,
      stamps: inProviderOrder(before).map(cachedStamp),
      score: await expectedFreshScore(address, [twitter!]),
    })
  })
})

describe('DELETE /ceramic-cache/stamps/bulk', () => {
  it('scoring §13.76: an unknown provider → 404 "Unable to find stamp to delete.", nothing changed or scored', async () => {
    const address = randomAddress()
    const existing = await insertCacheRow(ctx.database.sql, { address, provider: 'Twitter' })
    const response = await bulk('DELETE', address, [{ provider: 'Github' }])
    expect(response.statusCode).toBe(404)
    expect(response.json()).toEqual({ detail: 'Unable to find stamp to delete.' })
    expect((await listCacheRows(ctx.database.sql, address)).map((row) => [row.id, row.deleted_at])).toEqual([
      [existing, null],
    ])
    expect(await findScoreRow(ctx.database.sql, address, ceramicCommunityId)).toBeUndefined()
  })

  it('scoring §9.3: deletes the providers of any type, answers {success, stamps} of any type without the score, and re-scores', async () => {
    const address = randomAddress()
    const credentials = await sign(address, ['Twitter', 'Github', 'LinkedIn'])
    await addThroughApi(address, credentials)
    const v2Github = await insertCacheRow(ctx.database.sql, { address, provider: 'Github', type: 2 })
    const v2Ens = await insertCacheRow(ctx.database.sql, { address, provider: 'Ens', type: 2 })
    const scoredBefore = await findScoreRow(ctx.database.sql, address, ceramicCommunityId)
    expect(scoredBefore!.evidence).toMatchObject({ rawScore: '6.5' })

    const response = await bulk('DELETE', address, [
      { provider: 'Github' },
      { provider: 'LinkedIn', address: randomAddress() },
    ])
    expect(response.statusCode).toBe(200)
    const rows = await listCacheRows(ctx.database.sql, address)
    const deleted = rows.filter((row) => row.deleted_at !== null)
    expect(deleted.map((row) => row.provider).sort()).toEqual(['Github', 'Github', 'LinkedIn'])
    expect(deleted.map((row) => row.id)).toContain(v2Github)
    for (const row of deleted) expect(row.updated_at).toBe(row.deleted_at)

    const live = rows.filter((row) => row.deleted_at === null)
    expect(live.map((row) => row.id)).toEqual([rows[0]!.id, v2Ens])
    expect(response.json()).toEqual({ success: true, stamps: inProviderOrder(live).map(cachedStamp) })

    // parity (endpoints §5.3): the re-score ran even though the body drops it.
    const scoredAfter = await findScoreRow(ctx.database.sql, address, ceramicCommunityId)
    expect(scoredAfter!.evidence).toMatchObject({ rawScore: '1' })
    expect(scoredAfter!.last_score_timestamp).not.toBe(scoredBefore!.last_score_timestamp)
    expect(
      (await listEvents(ctx.database.sql, address, ceramicCommunityId)).filter((event) => event.action === 'SCU'),
    ).toHaveLength(2)
  })

  it('scoring §9.3: a revoked row is deleted like any other and not listed', async () => {
    const address = randomAddress()
    const twitter = await insertCacheRow(ctx.database.sql, { address, provider: 'Twitter' })
    const google = await insertCacheRow(ctx.database.sql, { address, provider: 'Google' })
    await revokeCacheRow(ctx.database.sql, twitter)
    const response = await bulk('DELETE', address, [{ provider: 'Twitter' }])
    expect(response.statusCode).toBe(200)
    expect(response.json().stamps.map((stamp: { id: number }) => stamp.id)).toEqual([google])
    expect(
      (await listCacheRows(ctx.database.sql, address)).find((row) => row.id === twitter)!.deleted_at,
    ).not.toBeNull()
  })

  it('scoring §13.74: 101 items → 422 "You have submitted too many stamps.", nothing deleted', async () => {
    const address = randomAddress()
    const existing = await insertCacheRow(ctx.database.sql, { address, provider: 'Provider0' })
    const response = await bulk('DELETE', address, tooManyItems(false))
    expect(response.statusCode).toBe(422)
    expect(response.json()).toEqual({ detail: 'You have submitted too many stamps.' })
    expect((await listCacheRows(ctx.database.sql, address)).map((row) => [row.id, row.deleted_at])).toEqual([
      [existing, null],
    ])
  })

  it('endpoints §5.3: an item without provider → 422', async () => {
    const response = await bulk('DELETE', randomAddress(), [{ address: randomAddress() }])
    expect(response.statusCode).toBe(422)
    expect(response.json()).toEqual({
      detail: [{ type: 'missing', loc: ['body', 'payload', 0, 'provider'], msg: 'Field required' }],
    })
  })
})

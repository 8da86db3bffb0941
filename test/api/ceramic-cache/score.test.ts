import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { useTestDatabase } from '../../helpers/database.js'
import { buildTestApp, scoringTestConfig } from '../../helpers/app.js'
import { createAccount, createCommunity, randomAddress } from '../../helpers/factories/accounts.js'
import { addCacheStamps, signStamps } from '../../helpers/factories/scoring.js'
import { bearer, setUpCeramicCache, signRs256, siweClaims, siweToken, type SiweKeyPair } from '../../helpers/jwt.js'
import { findScoreRow, insertStoredScore, listEvents, pyIsoOfPgText } from '../../helpers/factories/ceramic-cache.js'
import { insertHumanPoints, insertQualifiedCommunityRow, setMultiplier } from '../../helpers/factories/human-points.js'
import { pyIsoOfJsIso } from '../../helpers/factories/py-expect.js'
import { errorScoreBody, intParsingError } from '../../helpers/error-bodies.js'

const WEIGHTS = { Google: 1, Ens: 2.5 }

const database = useTestDatabase()
let app: FastifyInstance
/** HUMAN_POINTS_ENABLED on; the same CERAMIC_CACHE_SCORER_ID. */
let pointsApp: FastifyInstance
let keys: SiweKeyPair
let ceramicCommunityId: number
let programCommunityId: number

beforeAll(async () => {
  const ceramic = await setUpCeramicCache(database.sql, { weights: WEIGHTS, threshold: '3' })
  ;({ keys, communityId: ceramicCommunityId } = ceramic)
  ;({ communityId: programCommunityId } = await createCommunity(database.sql, {
    accountId: ceramic.accountId,
    weights: WEIGHTS,
    threshold: '3',
    humanPointsProgram: true,
  }))
  app = await buildTestApp(database.sql, await scoringTestConfig(ceramic.env))
  pointsApp = await buildTestApp(
    database.sql,
    await scoringTestConfig({ ...ceramic.env, HUMAN_POINTS_ENABLED: 'true' }),
  )
})
afterAll(async () => {
  await app?.close()
  await pointsApp?.close()
})

async function getScore(
  address: string,
  options: { path?: string; query?: string; target?: FastifyInstance; token?: string } = {},
) {
  const token = options.token ?? (await siweToken(keys, address))
  return (options.target ?? app).inject({
    method: 'GET',
    url: `/ceramic-cache/score/${options.path ?? address}${options.query ?? ''}`,
    headers: bearer(token),
  })
}

// scoring §13.77's stored score, with a microsecond timestamp and a far-future expiration.
async function storeScore(
  address: string,
  communityId: number,
  overrides: Partial<Parameters<typeof insertStoredScore>[1]> = {},
) {
  return insertStoredScore(database.sql, {
    address,
    communityId,
    score: '1',
    status: 'DONE',
    lastScoreTimestamp: '2025-02-01 08:00:00.123456+00',
    expirationDate: '2099-05-01 08:00:00+00',
    evidenceJson: '{"rawScore": "10", "type": "binary", "success": true, "threshold": "5"}',
    stampsJson: '{"Google": {"score": "1.00000", "dedup": false, "expiration_date": "2099-05-01T08:00:00+00:00"}}',
    ...overrides,
  })
}

const STORED_BODY = (address: string) => ({
  address,
  score: '10.00000',
  passing_score: true,
  last_score_timestamp: '2025-02-01T08:00:00.123456+00:00',
  expiration_timestamp: '2099-05-01T08:00:00+00:00',
  threshold: '5.00000',
  error: null,
  stamps: { Google: { score: '1.00000', dedup: false, expiration_date: '2099-05-01T08:00:00+00:00' } },
  points_data: null,
  possible_points_data: null,
  linked_score: null,
})

describe('GET /ceramic-cache/score/{address}', () => {
  it('scoring §13.77: an unexpired stored score is answered as stored (timestamps from the DB, +00:00), no re-score', async () => {
    const address = randomAddress()
    await storeScore(address, ceramicCommunityId)
    const before = await findScoreRow(database.sql, address, ceramicCommunityId)

    const response = await getScore(address)
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(Object.keys(response.json())).toEqual(Object.keys(STORED_BODY(address)))
    expect(response.json()).toEqual(STORED_BODY(address))
    expect(await findScoreRow(database.sql, address, ceramicCommunityId)).toEqual(before)
    expect(await listEvents(database.sql, address, ceramicCommunityId)).toEqual([])
  })

  it('scoring §9.5: points data stays null when HUMAN_POINTS_ENABLED is off, even for a program community', async () => {
    const address = randomAddress()
    await storeScore(address, programCommunityId)
    await insertHumanPoints(database.sql, address, 'SCB')
    const response = await getScore(address, { query: `?alternate_scorer_id=${programCommunityId}` })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual(STORED_BODY(address))
  })

  it('scoring §9.5 / §6.4: HUMAN_POINTS_ENABLED and the program on → points_data and possible_points_data from registry_humanpoints', async () => {
    const address = randomAddress()
    await storeScore(address, programCommunityId)
    await insertHumanPoints(database.sql, address, 'SCB')
    await insertHumanPoints(database.sql, address, 'PMT', { chainId: 10, txHash: '0x01' })
    await insertHumanPoints(database.sql, address, 'PMT', { chainId: 10, txHash: '0x02' })
    await insertHumanPoints(database.sql, address, 'HKY', { provider: 'Google' })
    await insertHumanPoints(database.sql, address, 'HIM')
    await setMultiplier(database.sql, address, 2)
    await insertQualifiedCommunityRow(database.sql, address, programCommunityId)

    const response = await getScore(address, { query: `?alternate_scorer_id=${programCommunityId}`, target: pointsApp })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({
      ...STORED_BODY(address),
      points_data: {
        total_points: 1200,
        is_eligible: true,
        multiplier: 2,
        breakdown: { SCB: 500, PMT_10: 600, PMT: 600, HKY: 100 },
      },
      possible_points_data: {
        total_points: 0,
        is_eligible: false,
        multiplier: 2,
        breakdown: {
          SCB: 500,
          HKY: 100,
          ISB: 100,
          ISS: 200,
          ISG: 500,
          CSB: 100,
          CSE: 200,
          CST: 500,
          PMT: 300,
          HIM: 1000,
        },
      },
    })
  })

  it('scoring §9.5: HUMAN_POINTS_ENABLED on but the community is not in the program → points data null', async () => {
    const address = randomAddress()
    await storeScore(address, ceramicCommunityId)
    await insertHumanPoints(database.sql, address, 'SCB')
    const response = await getScore(address, { target: pointsApp })
    expect(response.json()).toEqual(STORED_BODY(address))
  })

  it('scoring §13.77: a stored score past its expiration → re-scored, fresh result returned (no points data)', async () => {
    const address = randomAddress()
    await storeScore(address, programCommunityId, { expirationDate: '2024-01-01 00:00:00+00' })
    const [google, ens] = await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }])
    await addCacheStamps(database.sql, address, [google!, ens!])
    await insertHumanPoints(database.sql, address, 'SCB')

    const response = await getScore(address, { query: `?alternate_scorer_id=${programCommunityId}`, target: pointsApp })
    expect(response.statusCode).toBe(200)
    const row = await findScoreRow(database.sql, address, programCommunityId)
    expect(row).toMatchObject({ status: 'DONE', score: '1.000000000' })
    expect(response.json()).toEqual({
      address,
      score: '3.50000',
      passing_score: true,
      last_score_timestamp: pyIsoOfPgText(row!.last_score_timestamp!),
      expiration_timestamp: pyIsoOfJsIso([google!.expirationDate, ens!.expirationDate].sort()[0]!),
      threshold: '3.00000',
      error: null,
      stamps: {
        Google: { score: '1.00000', dedup: false, expiration_date: pyIsoOfJsIso(google!.expirationDate) },
        Ens: { score: '2.50000', dedup: false, expiration_date: pyIsoOfJsIso(ens!.expirationDate) },
      },
      points_data: null,
      possible_points_data: null,
      linked_score: null,
    })
    expect((await listEvents(database.sql, address, programCommunityId)).map((event) => event.action)).toEqual(['SCU'])
  })

  it('scoring §9.5: no stored score → scored now (passport and score rows created); the next call answers the stored row', async () => {
    const address = randomAddress()
    const response = await getScore(address)
    expect(response.statusCode).toBe(200)
    const row = await findScoreRow(database.sql, address, ceramicCommunityId)
    expect(row).toMatchObject({ status: 'DONE', score: '0.000000000', expiration_date: null })
    const fresh = {
      address,
      score: '0.00000',
      passing_score: false,
      last_score_timestamp: pyIsoOfPgText(row!.last_score_timestamp!),
      expiration_timestamp: null,
      threshold: '3.00000',
      error: null,
      stamps: {},
      points_data: null,
      possible_points_data: null,
      linked_score: null,
    }
    expect(response.json()).toEqual(fresh)
    // parity (scoring §9.5 quirk): expiration_date NULL counts as unexpired → served as stored from now on.
    expect((await getScore(address)).json()).toEqual(fresh)
    expect(await listEvents(database.sql, address, ceramicCommunityId)).toHaveLength(1)
  })

  it('scoring §9.5: a stored ERROR score (expiration NULL) is returned as is, threshold "20.00000"', async () => {
    const address = randomAddress()
    await storeScore(address, ceramicCommunityId, {
      score: null,
      status: 'ERROR',
      error: 'Failed to save HashScorerLinks',
      lastScoreTimestamp: null,
      expirationDate: null,
      evidenceJson: null,
      stampsJson: null,
    })
    const response = await getScore(address)
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual(errorScoreBody(address, 'Failed to save HashScorerLinks'))
    expect(await listEvents(database.sql, address, ceramicCommunityId)).toEqual([])
  })

  it("D8: a path address other than the token's → 403, nothing scored", async () => {
    const address = randomAddress()
    const other = randomAddress()
    const response = await getScore(address, { path: other })
    expect(response.statusCode).toBe(403)
    expect(response.json()).toEqual({ detail: 'Address does not match the authenticated address.' })
    expect(await findScoreRow(database.sql, address, ceramicCommunityId)).toBeUndefined()
    expect(await findScoreRow(database.sql, other, ceramicCommunityId)).toBeUndefined()
  })

  it('D8: the comparison is case-insensitive; the token address (lower-cased) is the one scored', async () => {
    const address = randomAddress()
    const upper = `0x${address.slice(2).toUpperCase()}`
    const token = await signRs256(siweClaims(address, { did: `did:pkh:eip155:1:${upper}` }), keys.privateKey)
    const response = await getScore(address, { path: upper.toLowerCase().replace(/^0x/, '0X'), token })
    expect(response.statusCode).toBe(200)
    expect(response.json().address).toBe(address)
    expect(await findScoreRow(database.sql, address, ceramicCommunityId)).toBeDefined()
  })

  it('endpoints Endpoint 6: alternate_scorer_id selects the community; 0 falls back to CERAMIC_CACHE_SCORER_ID (`or`)', async () => {
    const address = randomAddress()
    await storeScore(address, ceramicCommunityId)
    expect((await getScore(address, { query: '?alternate_scorer_id=0' })).json()).toEqual(STORED_BODY(address))
    expect((await getScore(address, { query: `?alternate_scorer_id=${programCommunityId}` })).json()).toMatchObject({
      score: '0.00000',
      threshold: '3.00000',
    })
    expect(await findScoreRow(database.sql, address, programCommunityId)).toBeDefined()
  })

  it('endpoints Endpoint 6: alternate_scorer_id not an integer → 422 int_parsing', async () => {
    const response = await getScore(randomAddress(), { query: '?alternate_scorer_id=abc' })
    expect([response.statusCode, response.json()]).toEqual([422, intParsingError('query', 'alternate_scorer_id')])
  })

  it('endpoints Endpoint 6 step 3: no such community → 404 with the misconfiguration text', async () => {
    const response = await getScore(randomAddress(), { query: '?alternate_scorer_id=987654321' })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toEqual({
      detail: 'Community matching the configured scorer id does not exist! This is probably a misconfiguration!',
    })
  })

  it('endpoints Endpoint 6 step 5: a failing re-score → 400 "Unable to get score for provided scorer."', async () => {
    const { accountId } = await createAccount(database.sql)
    const { communityId, scorerId } = await createCommunity(database.sql, { accountId, weights: WEIGHTS })
    await database.sql`update scorer_weighted_scorer set type = 'APU' where id = ${scorerId}`
    const response = await getScore(randomAddress(), { query: `?alternate_scorer_id=${communityId}` })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ detail: 'Unable to get score for provided scorer.' })
  })

  it('endpoints Endpoint 6 step 2: a token whose did does not end in a valid address → 400 "Invalid address."', async () => {
    const token = await signRs256(siweClaims(randomAddress(), { did: 'did:pkh:eip155:1:0xnothex' }), keys.privateKey)
    const response = await getScore('0xnothex', { token })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ detail: 'Invalid address.' })
  })
})

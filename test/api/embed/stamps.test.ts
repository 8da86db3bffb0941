import { describe, expect, it } from 'vitest'
import { scoringTestConfig, useTestApp } from '../../helpers/app.js'
import { createAccount, createCommunity, randomAddress } from '../../helpers/factories/accounts.js'
import { addCacheStamps, DAY_MS, signStamps } from '../../helpers/factories/scoring.js'
import {
  epochMsOfPgText,
  findScoreRow,
  listCacheRows,
  listEvents,
  listLiveCacheRows,
  pyIsoOfPgText,
  inProviderOrder,
} from '../../helpers/factories/ceramic-cache.js'
import { pyIsoOfJsIso } from '../../helpers/factories/py-expect.js'
import type { CeramicCacheRow } from '../../../src/db/queries/ceramic-cache.js'

const INTERNAL_TOKEN = 'internal-test-token'
const WEIGHTS = { Ens: 15, Google: 15, Gitcoin: 15 }

const ctx = useTestApp({ config: () => scoringTestConfig({ CGRANTS_API_TOKEN: INTERNAL_TOKEN }) })

async function newCommunity(): Promise<number> {
  const { accountId } = await createAccount(ctx.database.sql)
  return (await createCommunity(ctx.database.sql, { accountId, weights: WEIGHTS, threshold: '20' })).communityId
}

function addStamps(address: string, payload: unknown, authorization: string | null = INTERNAL_TOKEN) {
  return ctx.app.inject({
    method: 'POST',
    url: `/internal/embed/stamps/${address}`,
    headers: authorization === null ? {} : { authorization },
    payload: payload as object,
  })
}

const cachedStamp = (row: CeramicCacheRow) => ({
  id: row.id,
  address: row.address,
  provider: row.provider,
  stamp: row.stamp,
})

async function listHashLinks(communityId: number, hash: string): Promise<{ address: string; expires_at: string }[]> {
  return ctx.database.sql<{ address: string; expires_at: string }[]>`
    select address, expires_at from registry_hashscorerlink where community_id = ${communityId} and hash = ${hash}`
}

async function listPassportStampProviders(address: string, communityId: number): Promise<string[]> {
  const rows = await ctx.database.sql<{ provider: string }[]>`
    select s.provider from registry_stamp s join registry_passport p on p.id = s.passport_id
    where p.address = ${address} and p.community_id = ${communityId} order by s.id`
  return rows.map((row) => row.provider)
}

describe('POST /internal/embed/stamps/{address}', () => {
  it('scoring §13.68: Authorization other than CGRANTS_API_TOKEN, or none → 401 "Unauthorized", nothing written', async () => {
    const communityId = await newCommunity()
    const address = randomAddress()
    const stamps = await signStamps(address, [{ provider: 'Google' }])
    for (const authorization of ['BAD_API_KEY', `Bearer ${INTERNAL_TOKEN}`, null]) {
      const response = await addStamps(address, { scorer_id: communityId, stamps }, authorization)
      expect(response.statusCode).toBe(401)
      expect(response.json()).toEqual({ detail: 'Unauthorized' })
    }
    expect(await listCacheRows(ctx.database.sql, address)).toEqual([])
  })

  it('scoring §13.78: Ens, Google, Gitcoin (W 15, T 20) → 200, score "45.00000", rows source_app 2 with source_scorer_id; an earlier row of a provider is soft-deleted and counted once', async () => {
    const communityId = await newCommunity()
    const address = randomAddress()
    const now = Date.now()
    const [oldEns] = await signStamps(address, [{ provider: 'Ens', issuanceDate: new Date(now - 10 * DAY_MS) }])
    await addCacheStamps(ctx.database.sql, address, [oldEns!])
    const stamps = await signStamps(address, [
      { provider: 'Ens', expirationDate: new Date(now + 2 * DAY_MS) },
      { provider: 'Google', expirationDate: new Date(now + 1 * DAY_MS) },
      { provider: 'Gitcoin', expirationDate: new Date(now + 3 * DAY_MS) },
    ])

    // scorer_id as a string: pydantic's lax int (endpoints Endpoint 3).
    const response = await addStamps(address, { scorer_id: String(communityId), stamps })
    expect(response.statusCode).toBe(200)

    const rows = await listCacheRows(ctx.database.sql, address)
    expect(rows[0]!.proof_value).toBe(oldEns!.proof.proofValue)
    expect(rows[0]!.deleted_at).toBe(rows[1]!.created_at)
    expect(rows[0]!.updated_at).toBe(rows[0]!.deleted_at)
    const live = rows.slice(1)
    live.forEach((row, index) => {
      const stamp = stamps[index]!
      expect(row).toEqual({
        id: expect.any(Number),
        type: 1,
        address,
        provider: stamp.credentialSubject.provider,
        stamp,
        proof_value: stamp.proof.proofValue,
        created_at: expect.any(String),
        updated_at: row.created_at,
        deleted_at: null,
        compose_db_save_status: 'pending',
        compose_db_stream_id: '',
        issuance_date: expect.any(String),
        expiration_date: expect.any(String),
        source_app: 2,
        source_scorer_id: communityId,
      })
      expect(epochMsOfPgText(row.expiration_date!)).toBe(Date.parse(stamp.expirationDate))
    })

    const score = await findScoreRow(ctx.database.sql, address, communityId)
    expect(response.json()).toEqual({
      success: true,
      stamps: inProviderOrder(live).map(cachedStamp),
      score: {
        address,
        score: '45.00000',
        passing_score: true,
        last_score_timestamp: pyIsoOfPgText(score!.last_score_timestamp!),
        expiration_timestamp: pyIsoOfJsIso(stamps[1]!.expirationDate),
        threshold: '20.00000',
        error: null,
        stamps: Object.fromEntries(
          stamps.map((stamp) => [
            stamp.credentialSubject.provider,
            { score: '15.00000', dedup: false, expiration_date: pyIsoOfJsIso(stamp.expirationDate) },
          ]),
        ),
        points_data: null,
        possible_points_data: null,
        linked_score: null,
      },
    })
    // D20: scored, and so stored, in provider order.
    expect(await listPassportStampProviders(address, communityId)).toEqual(['Ens', 'Gitcoin', 'Google'])
  })

  it('issue 4 / scoring §3: stamps whose nullifier another address holds are deduplicated (LIFO) and the LDP event recorded', async () => {
    const communityId = await newCommunity()
    const nullifier = `v0:shared-${randomAddress().slice(2, 14)}`
    const holder = randomAddress()
    const [holderGoogle] = await signStamps(holder, [{ provider: 'Google', nullifiers: [nullifier] }])
    expect((await addStamps(holder, { scorer_id: communityId, stamps: [holderGoogle] })).json().score).toMatchObject({
      score: '15.00000',
    })

    const newcomer = randomAddress()
    const [google, ens] = await signStamps(newcomer, [
      { provider: 'Google', nullifiers: [nullifier] },
      { provider: 'Ens' },
    ])
    const response = await addStamps(newcomer, { scorer_id: communityId, stamps: [google, ens] })
    expect(response.statusCode).toBe(200)

    const score = await findScoreRow(ctx.database.sql, newcomer, communityId)
    expect(response.json()).toEqual({
      success: true,
      stamps: inProviderOrder(await listLiveCacheRows(ctx.database.sql, newcomer)).map(cachedStamp),
      score: {
        address: newcomer,
        score: '15.00000',
        passing_score: false,
        last_score_timestamp: pyIsoOfPgText(score!.last_score_timestamp!),
        expiration_timestamp: pyIsoOfJsIso(ens!.expirationDate),
        threshold: '20.00000',
        error: null,
        stamps: {
          Ens: { score: '15.00000', dedup: false, expiration_date: pyIsoOfJsIso(ens!.expirationDate) },
          // parity (endpoints §1.5): a deduplicated stamp shows its raw expirationDate.
          Google: { score: '0.00000', dedup: true, expiration_date: google!.expirationDate },
        },
        points_data: null,
        possible_points_data: null,
        linked_score: null,
      },
    })
    expect(await listEvents(ctx.database.sql, newcomer, communityId)).toEqual([
      {
        action: 'LDP',
        address: newcomer,
        community_id: communityId,
        data: { nullifiers: [nullifier], provider: 'Google', community_id: communityId },
      },
      {
        action: 'SCU',
        address: newcomer,
        community_id: communityId,
        data: expect.objectContaining({ model: 'registry.score' }),
      },
    ])
    // The claim stays with the first holder; the newcomer's passport keeps only the Ens stamp.
    expect((await listHashLinks(communityId, nullifier)).map((link) => link.address)).toEqual([holder])
    expect(await listPassportStampProviders(newcomer, communityId)).toEqual(['Ens'])
    // Both credentials are still stored in the cache.
    expect(
      (await listLiveCacheRows(ctx.database.sql, newcomer)).map((row) => [
        row.provider,
        row.source_app,
        row.source_scorer_id,
      ]),
    ).toEqual([
      ['Google', 2, communityId],
      ['Ens', 2, communityId],
    ])
  })

  it('scoring §13.78 (TS order): an unknown scorer → 400 "Invalid scorer_id" and nothing written (Python stores, then 500s)', async () => {
    const address = randomAddress()
    const stamps = await signStamps(address, [{ provider: 'Google' }])
    const response = await addStamps(address, { scorer_id: 987654321, stamps })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ detail: 'Invalid scorer_id' })
    expect(await listCacheRows(ctx.database.sql, address)).toEqual([])
  })

  it('endpoints Endpoint 3 step 1: an invalid address → 400 "Invalid address.", nothing written', async () => {
    const communityId = await newCommunity()
    const response = await addStamps('0x1234', { scorer_id: communityId, stamps: [] })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ detail: 'Invalid address.' })
    expect(await listCacheRows(ctx.database.sql, '0x1234')).toEqual([])
  })

  it('endpoints Endpoint 3 step 3.1: 101 stamps → 422 "You have submitted too many stamps.", nothing written', async () => {
    const communityId = await newCommunity()
    const address = randomAddress()
    const stamps = Array.from({ length: 101 }, (_, index) => ({
      credentialSubject: { provider: `Provider${index}` },
      proof: { proofValue: `0x${index}` },
    }))
    const response = await addStamps(address, { scorer_id: communityId, stamps })
    expect(response.statusCode).toBe(422)
    expect(response.json()).toEqual({ detail: 'You have submitted too many stamps.' })
    // Python counts the stamps before it ever loads the community.
    const unknownScorer = await addStamps(address, { scorer_id: 987654321, stamps })
    expect(unknownScorer.statusCode).toBe(422)
    expect(unknownScorer.json()).toEqual({ detail: 'You have submitted too many stamps.' })
    expect(await listCacheRows(ctx.database.sql, address)).toEqual([])
  })

  it('endpoints Endpoint 3 (issue 4): malformed credentials → 422 ninja list, nothing written', async () => {
    const communityId = await newCommunity()
    const address = randomAddress()
    const [google] = await signStamps(address, [{ provider: 'Google' }])
    const { proofValue: _dropped, ...proofWithoutValue } = google!.proof
    const cases: [unknown, object][] = [
      [
        { ...google!, proof: proofWithoutValue },
        { type: 'missing', loc: ['body', 'payload', 'stamps', 1, 'proof', 'proofValue'], msg: 'Field required' },
      ],
      [
        { ...google!, credentialSubject: { id: google!.credentialSubject.id } },
        {
          type: 'missing',
          loc: ['body', 'payload', 'stamps', 1, 'credentialSubject', 'provider'],
          msg: 'Field required',
        },
      ],
      [
        { ...google!, issuanceDate: 'yesterday' },
        {
          type: 'datetime_from_date_parsing',
          loc: ['body', 'payload', 'stamps', 1, 'issuanceDate'],
          msg: 'Input should be a valid datetime',
        },
      ],
    ]
    for (const [broken, issue] of cases) {
      const response = await addStamps(address, { scorer_id: communityId, stamps: [google, broken] })
      expect(response.statusCode).toBe(422)
      expect(response.json()).toEqual({ detail: [issue] })
    }
    expect(await listCacheRows(ctx.database.sql, address)).toEqual([])
  })

  it('endpoints Endpoint 3: scorer_id missing or not an integer → one 422 entry at ["body","payload","scorer_id"], as pydantic', async () => {
    const address = randomAddress()
    const loc = ['body', 'payload', 'scorer_id']
    const cases: [Record<string, unknown>, object][] = [
      [{ stamps: [] }, { type: 'missing', loc, msg: 'Field required' }],
      [
        { scorer_id: 'abc', stamps: [] },
        { type: 'int_parsing', loc, msg: 'Input should be a valid integer, unable to parse string as an integer' },
      ],
      [
        { scorer_id: 6.5, stamps: [] },
        { type: 'int_from_float', loc, msg: 'Input should be a valid integer, got a number with a fractional part' },
      ],
      [
        { scorer_id: null, stamps: [] },
        { type: 'int_type', loc, msg: 'Input should be a valid integer' },
      ],
      [
        { scorer_id: [7], stamps: [] },
        { type: 'int_type', loc, msg: 'Input should be a valid integer' },
      ],
    ]
    for (const [payload, issue] of cases) {
      const response = await addStamps(address, payload)
      expect(response.statusCode, JSON.stringify(payload)).toBe(422)
      expect(response.json()).toEqual({ detail: [issue] })
    }
  })

  it('endpoints Endpoint 3: pydantic lax int — " <id> " and <id>.0 are the scorer <id>', async () => {
    const communityId = await newCommunity()
    const address = randomAddress()
    const [google] = await signStamps(address, [{ provider: 'Google' }])
    expect((await addStamps(address, { scorer_id: ` ${communityId} `, stamps: [google] })).statusCode).toBe(200)
    const raw = await ctx.app.inject({
      method: 'POST',
      url: `/internal/embed/stamps/${address}`,
      headers: { authorization: INTERNAL_TOKEN, 'content-type': 'application/json' },
      payload: `{"scorer_id": ${communityId}.0, "stamps": []}`,
    })
    expect(raw.statusCode).toBe(200)
    expect((await listLiveCacheRows(ctx.database.sql, address)).map((row) => row.source_scorer_id)).toEqual([
      communityId,
    ])
  })

  it('endpoints Endpoint 3, improved by D3 and D17: the same provider twice → 400 naming it, nothing written (Python: 500)', async () => {
    const communityId = await newCommunity()
    const address = randomAddress()
    const stamps = await signStamps(address, [{ provider: 'Google' }, { provider: 'Google' }])
    const response = await addStamps(address, { scorer_id: communityId, stamps })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ detail: 'The provider "Google" appears more than once in the payload.' })
    expect(await listCacheRows(ctx.database.sql, address)).toEqual([])
  })
})

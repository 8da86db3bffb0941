import { describe, expect, it } from 'vitest'
import { scoringTestConfig, useTestApp } from '../../helpers/app.js'
import { createAccount, createCommunity, randomAddress } from '../../helpers/factories/accounts.js'
import { addCacheStamps, signStamps } from '../../helpers/factories/scoring.js'
import { findScoreRow, insertCacheRow, listEvents, pyIsoOfPgText } from '../../helpers/factories/ceramic-cache.js'
import { revokeCacheRow } from '../../helpers/factories/scoring-rows.js'
import { pyIsoOfJsIso } from '../../helpers/factories/py-expect.js'

const WEIGHTS = { Ens: 15, Google: 15, Gitcoin: 15 }

const ctx = useTestApp({ config: () => scoringTestConfig() })

async function newCommunity(): Promise<number> {
  const { accountId } = await createAccount(ctx.database.sql)
  return (await createCommunity(ctx.database.sql, { accountId, weights: WEIGHTS, threshold: '20' })).communityId
}

const getEmbedScore = (scorerId: number | string, address: string) =>
  ctx.app.inject({ method: 'GET', url: `/internal/embed/score/${scorerId}/${address}` })

describe('GET /internal/embed/score/{scorer_id}/{address}', () => {
  it('endpoints Endpoint 2: no auth; scores the address (rows written) and lists its live, unrevoked type-1 stamps', async () => {
    const communityId = await newCommunity()
    const address = randomAddress()
    const credentials = await signStamps(address, [{ provider: 'Ens' }, { provider: 'Google' }])
    const ids = await addCacheStamps(ctx.database.sql, address, credentials)
    await revokeCacheRow(ctx.database.sql, await insertCacheRow(ctx.database.sql, { address, provider: 'Gitcoin' }))
    await insertCacheRow(ctx.database.sql, { address, provider: 'Discord', type: 2 })

    const response = await getEmbedScore(communityId, address.toUpperCase().replace(/^0X/, '0x'))
    expect(response.statusCode).toBe(200)
    const row = await findScoreRow(ctx.database.sql, address, communityId)
    expect(row).toMatchObject({ status: 'DONE', score: '1.000000000' })
    const body = response.json()
    expect(Object.keys(body)).toEqual(['success', 'stamps', 'score'])
    expect(body).toEqual({
      success: true,
      stamps: credentials.map((stamp, index) => ({
        id: ids[index],
        address,
        provider: stamp.credentialSubject.provider,
        stamp,
      })),
      score: {
        address,
        score: '30.00000',
        passing_score: true,
        last_score_timestamp: pyIsoOfPgText(row!.last_score_timestamp!),
        expiration_timestamp: pyIsoOfJsIso([credentials[0]!.expirationDate, credentials[1]!.expirationDate].sort()[0]!),
        threshold: '20.00000',
        error: null,
        stamps: {
          Ens: { score: '15.00000', dedup: false, expiration_date: pyIsoOfJsIso(credentials[0]!.expirationDate) },
          Google: { score: '15.00000', dedup: false, expiration_date: pyIsoOfJsIso(credentials[1]!.expirationDate) },
        },
        points_data: null,
        possible_points_data: null,
        linked_score: null,
      },
    })
    expect((await listEvents(ctx.database.sql, address, communityId)).map((event) => event.action)).toEqual(['SCU'])
  })

  it('scoring §13.78: an unknown scorer → 400 "Invalid scorer_id", nothing written', async () => {
    const address = randomAddress()
    const response = await getEmbedScore(987654321, address)
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ detail: 'Invalid scorer_id' })
    expect(await ctx.database.sql`select id from registry_passport where address = ${address}`).toHaveLength(0)
  })

  it('endpoints Endpoint 2: the scorer is looked up before the address is validated', async () => {
    expect((await getEmbedScore(987654321, 'not-an-address')).json()).toEqual({ detail: 'Invalid scorer_id' })
    const response = await getEmbedScore(await newCommunity(), 'not-an-address')
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ detail: 'Invalid address.' })
  })

  it('endpoints §1.1 / D2: a non-digit or negative scorer_id matches no route → 404 {"detail": "Not Found"}', async () => {
    for (const scorerId of ['abc', '-1', '1.5']) {
      const response = await getEmbedScore(scorerId, randomAddress())
      expect(response.statusCode, scorerId).toBe(404)
      expect(response.json()).toEqual({ detail: 'Not Found' })
    }
  })
})

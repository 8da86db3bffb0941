import { describe, expect, it } from 'vitest'
import { buildTestApp, scoringTestConfig, useTestApp } from '../../helpers/app.js'
import { createAccount, createCommunity, randomAddress } from '../../helpers/factories/accounts.js'
import { addCacheStamps, signStamps } from '../../helpers/factories/scoring.js'
import { findScoreRow, insertCacheRow, listEvents, listLiveCacheRows } from '../../helpers/factories/ceramic-cache.js'
import { revokeCacheRow } from '../../helpers/factories/scoring-rows.js'

let ceramicCommunityId: number

const ctx = useTestApp({
  config: async ({ sql }) => {
    const { accountId } = await createAccount(sql)
    ;({ communityId: ceramicCommunityId } = await createCommunity(sql, {
      accountId,
      weights: { Google: 1, Ens: 1 },
      threshold: '1',
    }))
    return scoringTestConfig({ CERAMIC_CACHE_SCORER_ID: String(ceramicCommunityId) })
  },
})

const getStamps = (query: string) => ctx.app.inject({ method: 'GET', url: `/ceramic-cache/stamp${query}` })

describe('GET /ceramic-cache/stamp', () => {
  it('endpoints §5.4: no address → 422 {"detail": [missing query.address]}', async () => {
    const response = await getStamps('')
    expect(response.statusCode).toBe(422)
    expect(response.json()).toEqual({ detail: [{ type: 'missing', loc: ['query', 'address'], msg: 'Field required' }] })
  })

  it('endpoints §5.4: lists the live, unrevoked type-1 stamps, no auth; the first call scores the address once', async () => {
    const address = randomAddress()
    const credentials = await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }])
    const [googleId, ensId] = await addCacheStamps(ctx.database.sql, address, credentials)
    const revoked = await insertCacheRow(ctx.database.sql, { address, provider: 'Twitter' })
    await revokeCacheRow(ctx.database.sql, revoked)
    await insertCacheRow(ctx.database.sql, { address, provider: 'Github', type: 2 })
    const deleted = await insertCacheRow(ctx.database.sql, { address, provider: 'Discord' })
    await ctx.database.sql`update ceramic_cache_ceramiccache set deleted_at = now() where id = ${deleted}`

    const response = await getStamps(`?address=${address}`)
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(response.json()).toEqual({
      success: true,
      // D20: provider order, whatever the order they were stored in.
      stamps: [
        { id: ensId, address, provider: 'Ens', stamp: credentials[1] },
        { id: googleId, address, provider: 'Google', stamp: credentials[0] },
      ],
    })
    const score = await findScoreRow(ctx.database.sql, address, ceramicCommunityId)
    expect(score).toMatchObject({
      status: 'DONE',
      score: '1.000000000',
      evidence: expect.objectContaining({ rawScore: '2' }),
    })
    expect((await listEvents(ctx.database.sql, address, ceramicCommunityId)).map((event) => event.action)).toEqual([
      'SCU',
    ])

    // A score now exists: later calls only list.
    const again = await getStamps(`?address=${address}`)
    expect(again.json()).toEqual(response.json())
    expect(await findScoreRow(ctx.database.sql, address, ceramicCommunityId)).toEqual(score)
    expect(await listEvents(ctx.database.sql, address, ceramicCommunityId)).toHaveLength(1)
  })

  it('endpoints §5.4: the address is matched lower-cased (EthAddressField lookups)', async () => {
    const address = randomAddress()
    const [google] = await signStamps(address, [{ provider: 'Google' }])
    await addCacheStamps(ctx.database.sql, address, [google!])
    const response = await getStamps(`?address=${address.toUpperCase().replace(/^0X/, '0x')}`)
    expect(response.statusCode).toBe(200)
    expect(response.json().stamps).toEqual([
      { id: (await listLiveCacheRows(ctx.database.sql, address))[0]!.id, address, provider: 'Google', stamp: google },
    ])
    expect(await findScoreRow(ctx.database.sql, address, ceramicCommunityId)).toBeDefined()
  })

  it('endpoints §5.4: an address without stamps → empty list, still scored once', async () => {
    const address = randomAddress()
    const response = await getStamps(`?address=${address}`)
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ success: true, stamps: [] })
    expect(await findScoreRow(ctx.database.sql, address, ceramicCommunityId)).toMatchObject({
      status: 'DONE',
      score: '0.000000000',
    })
  })

  it('endpoints §5.4: an invalid address with no score → the scoring answers 400 "Invalid address."', async () => {
    const response = await getStamps('?address=not-an-address')
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ detail: 'Invalid address.' })
  })

  it('endpoints §5.4: no community for CERAMIC_CACHE_SCORER_ID → the scoring\'s 404 "Not Found" (get_object_or_404)', async () => {
    const misconfigured = await buildTestApp(
      ctx.database.sql,
      await scoringTestConfig({ CERAMIC_CACHE_SCORER_ID: '987654321' }),
    )
    try {
      const response = await misconfigured.inject({
        method: 'GET',
        url: `/ceramic-cache/stamp?address=${randomAddress()}`,
      })
      expect(response.statusCode).toBe(404)
      expect(response.json()).toEqual({ detail: 'Not Found' })
    } finally {
      await misconfigured.close()
    }
  })
})

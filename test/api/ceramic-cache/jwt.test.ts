import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { useTestDatabase } from '../../helpers/database.js'
import { buildTestApp, scoringTestConfig } from '../../helpers/app.js'
import { randomAddress } from '../../helpers/factories/accounts.js'
import {
  bearer,
  generateSiweKeyPair,
  invalidTokenEntry,
  invalidTokenText,
  legacyClaims,
  nowSeconds,
  signHs256,
  signRs256,
  setUpCeramicCache,
  siweClaims,
  siweToken,
  unsignedToken,
  type SiweKeyPair,
} from '../../helpers/jwt.js'
import { findScoreRow, listCacheRows } from '../../helpers/factories/ceramic-cache.js'

const SECRET_KEY = 'jwt-test-secret-key'

const database = useTestDatabase()
/** SIWE_JWT_PUBLIC_KEY set (as a base64 PEM, the other form Python accepts). */
let app: FastifyInstance
/** No SIWE_JWT_PUBLIC_KEY: legacy HS256 tokens only. */
let legacyApp: FastifyInstance
let keys: SiweKeyPair
let ceramicCommunityId: number

beforeAll(async () => {
  const ceramic = await setUpCeramicCache(database.sql, { weights: { Google: 1 } })
  ;({ keys, communityId: ceramicCommunityId } = ceramic)
  const env = { SECRET_KEY, CERAMIC_CACHE_SCORER_ID: ceramic.env.CERAMIC_CACHE_SCORER_ID }
  app = await buildTestApp(
    database.sql,
    await scoringTestConfig({ ...env, SIWE_JWT_PUBLIC_KEY: Buffer.from(keys.publicKeyPem).toString('base64') }),
  )
  legacyApp = await buildTestApp(database.sql, await scoringTestConfig(env))
})
afterAll(async () => {
  await app?.close()
  await legacyApp?.close()
})

const UNAUTHORIZED = { detail: 'Unauthorized' }

// The A′ body (endpoints §1.3.3), one entry per token kind tried.
const invalidToken = (...entries: string[]) => ({ detail: invalidTokenText(...entries) })

function getScore(address: string, headers: Record<string, string>, target: FastifyInstance = app) {
  return target.inject({ method: 'GET', url: `/ceramic-cache/score/${address}`, headers })
}

describe('GET /ceramic-cache/score/{address}: JWT (endpoints §1.3.3)', () => {
  it('endpoints §1.3.3: no Authorization header, or another scheme → 401 {"detail": "Unauthorized"}', async () => {
    const address = randomAddress()
    const token = await siweToken(keys, address)
    const cases: Record<string, string>[] = [
      {},
      { authorization: '' },
      { authorization: `Token ${token}` },
      { authorization: token },
    ]
    for (const headers of cases) {
      const response = await getScore(address, headers)
      expect(response.statusCode, JSON.stringify(headers).slice(0, 40)).toBe(401)
      expect(response.json()).toEqual(UNAUTHORIZED)
    }
    expect(await findScoreRow(database.sql, address, ceramicCommunityId)).toBeUndefined()
  })

  it('endpoints §1.3.3: a garbage token → 401 with the exact A′ text, with and without SIWE_JWT_PUBLIC_KEY', async () => {
    const address = randomAddress()
    const withKey = await getScore(address, bearer('garbage'))
    expect(withKey.statusCode).toBe(401)
    expect(withKey.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(withKey.body).toBe(
      JSON.stringify({
        detail:
          "{'detail': ErrorDetail(string='Given token not valid for any token type', code='token_not_valid'), 'code': ErrorDetail(string='token_not_valid', code='token_not_valid'), 'messages': [{'token_class': ErrorDetail(string='SIWE_RS256', code='token_not_valid'), 'token_type': ErrorDetail(string='access', code='token_not_valid'), 'message': ErrorDetail(string='Not enough segments', code='token_not_valid')}, {'token_class': ErrorDetail(string='AccessToken', code='token_not_valid'), 'token_type': ErrorDetail(string='access', code='token_not_valid'), 'message': ErrorDetail(string='Token is invalid or expired', code='token_not_valid')}]}",
      }),
    )
    const withoutKey = await getScore(address, bearer('garbage'), legacyApp)
    expect(withoutKey.statusCode).toBe(401)
    expect(withoutKey.json()).toEqual(invalidToken(invalidTokenEntry('AccessToken', 'Token is invalid or expired')))
  })

  it('endpoints §1.3.3: a bare "Bearer" is validated as an empty token → 401 A′', async () => {
    const response = await getScore(randomAddress(), { authorization: 'Bearer' })
    expect(response.statusCode).toBe(401)
    expect(response.json()).toEqual(
      invalidToken(
        invalidTokenEntry('SIWE_RS256', 'Not enough segments'),
        invalidTokenEntry('AccessToken', 'Token is invalid or expired'),
      ),
    )
  })

  it('scoring §13.69: the RS256 SIWE token (as issued by authenticate/v2) is accepted; the scheme is case-insensitive', async () => {
    const address = randomAddress()
    const token = await siweToken(keys, address)
    const response = await getScore(address, { authorization: `bEaReR ${token}` })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({ address, score: '0.00000', error: null })
  })

  it('scoring §13.70: a legacy HS256 access token is accepted with and without the SIWE key', async () => {
    const address = randomAddress()
    const token = await signHs256(legacyClaims(address), SECRET_KEY)
    expect((await getScore(address, bearer(token))).statusCode).toBe(200)
    expect((await getScore(address, bearer(token), legacyApp)).statusCode).toBe(200)
  })

  it('scoring §13.70: legacy token_type "refresh", no jti, expired → 401 with the ninja-jwt message', async () => {
    const address = randomAddress()
    const now = nowSeconds()
    const cases: [Record<string, unknown>, string][] = [
      [{ token_type: 'refresh' }, 'Token has wrong type'],
      [{ jti: undefined }, 'Token has no id'],
      [{ iat: now - 7200, exp: now - 60 }, 'Token is invalid or expired'],
    ]
    for (const [overrides, message] of cases) {
      const token = await signHs256(legacyClaims(address, overrides), SECRET_KEY)
      const response = await getScore(address, bearer(token))
      expect(response.statusCode, message).toBe(401)
      expect(response.json()).toEqual(
        invalidToken(
          invalidTokenEntry('SIWE_RS256', 'The specified alg value is not allowed'),
          invalidTokenEntry('AccessToken', message),
        ),
      )
    }
    expect(await findScoreRow(database.sql, address, ceramicCommunityId)).toBeUndefined()
  })

  it('scoring §13.71: RS256 with iss "other", a bad signature, expired, aud, alg none, HS256 keyed with the public PEM → 401', async () => {
    const address = randomAddress()
    const now = nowSeconds()
    const cases: [string, string][] = [
      [await signRs256(siweClaims(address, { iss: 'other' }), keys.privateKey), 'Invalid issuer'],
      [await signRs256(siweClaims(address), generateSiweKeyPair().privateKey), 'Signature verification failed'],
      [
        await signRs256(siweClaims(address, { iat: now - 7200, exp: now - 60 }), keys.privateKey),
        'Signature has expired',
      ],
      [await signRs256(siweClaims(address, { aud: 'passport-app' }), keys.privateKey), 'Invalid audience'],
      [unsignedToken(siweClaims(address)), 'The specified alg value is not allowed'],
      [await signHs256(siweClaims(address), keys.publicKeyPem), 'The specified alg value is not allowed'],
    ]
    for (const [token, message] of cases) {
      const response = await getScore(address, bearer(token))
      expect(response.statusCode, message).toBe(401)
      expect(response.json()).toEqual(
        invalidToken(
          invalidTokenEntry('SIWE_RS256', message),
          invalidTokenEntry('AccessToken', 'Token is invalid or expired'),
        ),
      )
    }
    expect(await findScoreRow(database.sql, address, ceramicCommunityId)).toBeUndefined()
  })

  it('scoring §8 (issue 4): a valid token without a did claim → 401 "Unauthorized" (Python answers 500)', async () => {
    const address = randomAddress()
    const token = await signRs256(siweClaims(address, { did: undefined }), keys.privateKey)
    const response = await getScore(address, bearer(token))
    expect(response.statusCode).toBe(401)
    expect(response.json()).toEqual(UNAUTHORIZED)
  })

  it('endpoints §1.2: authentication comes before parameter validation (a bad token and a bad query → 401)', async () => {
    const response = await app.inject({
      method: 'GET',
      url: `/ceramic-cache/score/${randomAddress()}?alternate_scorer_id=abc`,
    })
    expect(response.statusCode).toBe(401)
    expect(response.json()).toEqual(UNAUTHORIZED)
  })
})

describe('POST, PATCH, DELETE /ceramic-cache/stamps/bulk: JWT (endpoints §1.3.3)', () => {
  it('endpoints §5: every write needs the JWT; 401 comes before body validation and nothing is written', async () => {
    const address = randomAddress()
    for (const method of ['POST', 'PATCH', 'DELETE'] as const) {
      const missing = await app.inject({ method, url: '/ceramic-cache/stamps/bulk', payload: { not: 'a list' } })
      expect(missing.statusCode, method).toBe(401)
      expect(missing.json()).toEqual(UNAUTHORIZED)
      const garbage = await app.inject({
        method,
        url: '/ceramic-cache/stamps/bulk',
        headers: bearer('garbage'),
        payload: [{ provider: 'Google', stamp: { proof: { proofValue: '0x1' } } }],
      })
      expect(garbage.statusCode, method).toBe(401)
      expect(garbage.json()).toEqual(
        invalidToken(
          invalidTokenEntry('SIWE_RS256', 'Not enough segments'),
          invalidTokenEntry('AccessToken', 'Token is invalid or expired'),
        ),
      )
    }
    expect(await listCacheRows(database.sql, address)).toEqual([])
  })

  it('scoring §13.70: a legacy HS256 token authorises a write under its did address', async () => {
    const address = randomAddress()
    const token = await signHs256(legacyClaims(address), SECRET_KEY)
    const response = await legacyApp.inject({
      method: 'DELETE',
      url: '/ceramic-cache/stamps/bulk',
      headers: bearer(token),
      payload: [{ provider: 'Google' }],
    })
    // Authenticated: the handler ran and found nothing to delete for this address.
    expect(response.statusCode).toBe(404)
    expect(response.json()).toEqual({ detail: 'Unable to find stamp to delete.' })
  })
})

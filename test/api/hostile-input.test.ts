import { describe, expect, it } from 'vitest'
import type { InjectOptions } from 'fastify'
import { scoringTestConfig, useTestApp } from '../helpers/app.js'
import { randomAddress } from '../helpers/factories/accounts.js'
import { createTestApiKey, signStamps } from '../helpers/factories/scoring.js'
import { setUpCeramicCache, type CeramicCacheSetup } from '../helpers/jwt.js'
import type { StampCredential } from '../../src/dev/stamp-issuer.js'
import { intParsingError } from '../helpers/error-bodies.js'

// D17: input Python sends on to PostgreSQL (and answers 500) is refused at the edge with the 4xx
// that names it, and nothing is written. One row per case: the request, the exact answer.

const INTERNAL = { authorization: 'internal-test-token' }
const HUGE = '99999999999999999999999'
const NUL_MSG = 'String should not contain the NUL character (\\u0000)'
const SURROGATE_MSG = 'Input should be a valid string, unable to parse raw data as a unicode string'
const nul = (...loc: (string | number)[]) => ({ detail: [{ type: 'string_nul', loc, msg: NUL_MSG }] })
const surrogate = (...loc: (string | number)[]) => ({ detail: [{ type: 'string_unicode', loc, msg: SURROGATE_MSG }] })
const tooLong = (...loc: (string | number)[]) => ({
  detail: [
    { type: 'string_too_long', loc, msg: 'String should have at most 256 characters', ctx: { max_length: 256 } },
  ],
})

let ceramic: CeramicCacheSetup
let communityId: number
let apiKey: string

const ctx = useTestApp({
  config: async ({ sql }) => {
    ceramic = await setUpCeramicCache(sql, { weights: { Google: 1 } })
    communityId = ceramic.communityId
    apiKey = (await createTestApiKey(sql, ceramic.accountId)).key
    return scoringTestConfig(ceramic.env)
  },
})

/** Every row a request could have written for this address, in any table a route writes. */
async function rowsWrittenFor(address: string): Promise<Record<string, number>> {
  const [row] = await ctx.database.sql<Record<string, number>[]>`
    select
      (select count(*)::int from ceramic_cache_ceramiccache where address = ${address}) as cache,
      (select count(*)::int from registry_passport where address = ${address}) as passports,
      (select count(*)::int from registry_event where address = ${address}) as events,
      (select count(*)::int from registry_hashscorerlink where address = ${address}) as hash_links`
  return row!
}
const NOTHING = { cache: 0, passports: 0, events: 0, hash_links: 0 }

interface Fixture {
  address: string
  jwt: Record<string, string>
  google: StampCredential
}

async function newFixture(): Promise<Fixture> {
  const address = randomAddress()
  const [google] = await signStamps(address, [{ provider: 'Google' }])
  return { address, jwt: await ceramic.bearer(address), google: google! }
}

const json = (
  method: InjectOptions['method'],
  url: string,
  headers: Record<string, string>,
  body: string,
): InjectOptions => ({
  method,
  url,
  headers: { ...headers, 'content-type': 'application/json' },
  payload: body,
})

interface HostileCase {
  name: string
  request: (f: Fixture) => InjectOptions
  status: number
  body: unknown
}

const CASES: HostileCase[] = [
  // NUL (PostgreSQL 22021 in text, 22P05 in jsonb) and lone surrogates (22P02), anywhere a string goes.
  {
    name: 'NUL in a query string',
    request: () => ({ method: 'GET', url: '/ceramic-cache/stamp?address=%00' }),
    status: 422,
    body: nul('query', 'address'),
  },
  {
    name: 'NUL inside a query value',
    request: (f) => ({ method: 'GET', url: `/ceramic-cache/stamp?address=${f.address}%00` }),
    status: 422,
    body: nul('query', 'address'),
  },
  {
    name: 'NUL in a path segment',
    request: () => ({ method: 'GET', url: '/internal/customization/credential/%00', headers: INTERNAL }),
    status: 422,
    body: nul('path', 'provider_id'),
  },
  {
    name: 'NUL in an allow-list name',
    request: (f) => ({ method: 'GET', url: `/internal/allow-list/a%00b/${f.address}`, headers: INTERNAL }),
    status: 422,
    body: nul('path', 'list'),
  },
  {
    name: 'NUL in a proof value',
    request: () => json('POST', '/internal/check-revocations', INTERNAL, '{"proof_values": ["ok", "\\u0000"]}'),
    status: 422,
    body: nul('body', 'payload', 'proof_values', 1),
  },
  {
    name: 'NUL in a ban hash',
    request: (f) =>
      json(
        'POST',
        '/internal/check-bans',
        INTERNAL,
        `[{"credentialSubject": {"hash": "a\\u0000", "provider": "Google", "id": "did:pkh:eip155:1:${f.address}"}}]`,
      ),
    status: 422,
    body: nul('body', 'payload', 0, 'credentialSubject', 'hash'),
  },
  {
    name: 'NUL in a bulk provider',
    request: (f) =>
      json(
        'POST',
        '/ceramic-cache/stamps/bulk',
        f.jwt,
        JSON.stringify([{ provider: 'Google\u0000', stamp: f.google }]),
      ),
    status: 422,
    body: nul('body', 'payload', 0, 'provider'),
  },
  {
    name: 'NUL deep inside a stored credential',
    request: (f) =>
      json(
        'POST',
        '/ceramic-cache/stamps/bulk',
        f.jwt,
        JSON.stringify([
          {
            provider: 'Google',
            stamp: { ...f.google, credentialSubject: { ...f.google.credentialSubject, note: ['x', 'a\u0000'] } },
          },
        ]),
      ),
    status: 422,
    body: nul('body', 'payload', 0, 'stamp', 'credentialSubject', 'note', 1),
  },
  {
    name: 'NUL in a credential key',
    request: (f) =>
      json(
        'PATCH',
        '/ceramic-cache/stamps/bulk',
        f.jwt,
        JSON.stringify([{ provider: 'Google', stamp: { ...f.google, 'k\u0000': 1 } }]),
      ),
    status: 422,
    body: nul('body', 'payload', 0, 'stamp', 'k\u0000'),
  },
  {
    name: 'NUL in a provider to delete',
    request: (f) => json('DELETE', '/ceramic-cache/stamps/bulk', f.jwt, '[{"provider": "\\u0000"}]'),
    status: 422,
    body: nul('body', 'payload', 0, 'provider'),
  },
  {
    name: 'lone surrogate in a stored credential',
    request: (f) =>
      json(
        'POST',
        '/ceramic-cache/stamps/bulk',
        f.jwt,
        JSON.stringify([{ provider: 'Google', stamp: { ...f.google, extra: '\ud800' } }]),
      ),
    status: 422,
    body: surrogate('body', 'payload', 0, 'stamp', 'extra'),
  },
  {
    name: 'lone low surrogate in an embed credential',
    request: (f) =>
      json(
        'POST',
        `/internal/embed/stamps/${f.address}`,
        INTERNAL,
        JSON.stringify({ scorer_id: communityId, stamps: [{ ...f.google, extra: 'x\udc00' }] }),
      ),
    status: 422,
    body: surrogate('body', 'payload', 'stamps', 0, 'extra'),
  },
  {
    name: 'a body nested 65 deep',
    request: (f) =>
      json(
        'POST',
        '/ceramic-cache/stamps/bulk',
        f.jwt,
        JSON.stringify([
          { provider: 'Google', stamp: { ...f.google, deep: JSON.parse('['.repeat(70) + ']'.repeat(70)) as unknown } },
        ]),
      ),
    status: 400,
    body: { detail: 'Request body is nested deeper than 64 levels' },
  },
  // Longer than the varchar(256) column it is written to (22001).
  {
    name: 'a 257-character bulk provider',
    request: (f) =>
      json(
        'POST',
        '/ceramic-cache/stamps/bulk',
        f.jwt,
        JSON.stringify([{ provider: 'P'.repeat(257), stamp: f.google }]),
      ),
    status: 422,
    body: tooLong('body', 'payload', 0, 'provider'),
  },
  {
    name: 'a 257-character patch provider',
    request: (f) =>
      json(
        'PATCH',
        '/ceramic-cache/stamps/bulk',
        f.jwt,
        JSON.stringify([{ provider: 'P'.repeat(257), stamp: f.google }]),
      ),
    status: 422,
    body: tooLong('body', 'payload', 0, 'provider'),
  },
  {
    name: 'a 257-character embed provider',
    request: (f) =>
      json(
        'POST',
        `/internal/embed/stamps/${f.address}`,
        INTERNAL,
        JSON.stringify({
          scorer_id: communityId,
          stamps: [{ ...f.google, credentialSubject: { ...f.google.credentialSubject, provider: 'P'.repeat(257) } }],
        }),
      ),
    status: 422,
    body: tooLong('body', 'payload', 'stamps', 0, 'credentialSubject', 'provider'),
  },
  // Integers: pydantic's decimal text only; beyond a bigint (or 2^53) an id names no row.
  {
    name: 'alternate_scorer_id=Infinity',
    request: (f) => ({
      method: 'GET',
      url: `/ceramic-cache/score/${f.address}?alternate_scorer_id=Infinity`,
      headers: f.jwt,
    }),
    status: 422,
    body: intParsingError('query', 'alternate_scorer_id'),
  },
  {
    name: 'alternate_scorer_id=1e308',
    request: (f) => ({
      method: 'GET',
      url: `/ceramic-cache/score/${f.address}?alternate_scorer_id=1e308`,
      headers: f.jwt,
    }),
    status: 422,
    body: intParsingError('query', 'alternate_scorer_id'),
  },
  {
    name: 'alternate_scorer_id beyond int64',
    request: (f) => ({
      method: 'GET',
      url: `/ceramic-cache/score/${f.address}?alternate_scorer_id=${HUGE}`,
      headers: f.jwt,
    }),
    status: 404,
    body: {
      detail: 'Community matching the configured scorer id does not exist! This is probably a misconfiguration!',
    },
  },
  {
    name: 'v2 scorer_id 0x10',
    request: (f) => ({ method: 'GET', url: `/v2/stamps/0x10/score/${f.address}`, headers: { 'x-api-key': apiKey } }),
    status: 422,
    body: intParsingError('path', 'scorer_id'),
  },
  {
    name: 'v2 scorer_id 1e3',
    request: (f) => ({ method: 'GET', url: `/v2/stamps/1e3/score/${f.address}`, headers: { 'x-api-key': apiKey } }),
    status: 422,
    body: intParsingError('path', 'scorer_id'),
  },
  {
    name: 'v2 scorer_id beyond int64',
    request: (f) => ({ method: 'GET', url: `/v2/stamps/${HUGE}/score/${f.address}`, headers: { 'x-api-key': apiKey } }),
    status: 404,
    body: { detail: 'No scorer matches the given criteria.' },
  },
  {
    name: 'internal score id beyond int64',
    request: (f) => ({ method: 'GET', url: `/internal/score/v2/${HUGE}/${f.address}`, headers: INTERNAL }),
    status: 404,
    body: { detail: 'No Community matches the given query.' },
  },
  {
    name: 'internal score id 2^53 + 1',
    request: (f) => ({ method: 'GET', url: `/internal/score/v2/9007199254740993/${f.address}`, headers: INTERNAL }),
    status: 404,
    body: { detail: 'No Community matches the given query.' },
  },
  {
    name: 'embed score id beyond int64',
    request: (f) => ({ method: 'GET', url: `/internal/embed/score/${HUGE}/${f.address}` }),
    status: 400,
    body: { detail: 'Invalid scorer_id' },
  },
  {
    name: 'embed add scorer_id beyond int64 (text)',
    request: (f) =>
      json(
        'POST',
        `/internal/embed/stamps/${f.address}`,
        INTERNAL,
        JSON.stringify({ scorer_id: HUGE, stamps: [f.google] }),
      ),
    status: 400,
    body: { detail: 'Invalid scorer_id' },
  },
  {
    name: 'embed add scorer_id beyond int64 (number)',
    request: (f) =>
      json(
        'POST',
        `/internal/embed/stamps/${f.address}`,
        INTERNAL,
        `{"scorer_id": ${HUGE}, "stamps": ${JSON.stringify([f.google])}}`,
      ),
    status: 400,
    body: { detail: 'Invalid scorer_id' },
  },
  {
    name: 'embed add scorer_id 1e400 (Infinity)',
    request: (f) =>
      json(
        'POST',
        `/internal/embed/stamps/${f.address}`,
        INTERNAL,
        `{"scorer_id": 1e400, "stamps": ${JSON.stringify([f.google])}}`,
      ),
    status: 422,
    body: {
      detail: [
        { type: 'finite_number', loc: ['body', 'payload', 'scorer_id'], msg: 'Input should be a finite number' },
      ],
    },
  },
  {
    name: 'legacy stake round beyond int4',
    request: (f) => ({ method: 'GET', url: `/internal/stake/legacy-gtc/${f.address}/${HUGE}`, headers: INTERNAL }),
    status: 200,
    body: { results: [] },
  },
]

describe('hostile input at the edge (D17)', () => {
  it.each(CASES)('$name → $status, nothing written', async ({ request, status, body }) => {
    const fixture = await newFixture()
    const response = await ctx.app.inject(request(fixture))
    expect({ status: response.statusCode, body: response.json() }).toEqual({ status, body })
    expect(await rowsWrittenFor(fixture.address)).toEqual(NOTHING)
  })

  it('a bad key still wins over a NUL (endpoints §1.2: authentication first)', async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/internal/customization/credential/%00',
      headers: { authorization: 'wrong' },
    })
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 401,
      body: { detail: 'Unauthorized' },
    })
  })

  it('a NUL in a query parameter the route does not declare is ignored, like any unknown parameter (endpoints §1.1)', async () => {
    const response = await ctx.app.inject({ method: 'GET', url: '/internal/embed/weights?other=%00' })
    expect(response.statusCode).toBe(200)
  })

  it('valid text just inside the limits is stored: a 256-character provider, a surrogate pair, nesting 60 deep', async () => {
    const fixture = await newFixture()
    const stamp = {
      ...fixture.google,
      emoji: '\ud83d\ude00',
      deep: JSON.parse('['.repeat(55) + ']'.repeat(55)) as unknown,
    }
    const response = await ctx.app.inject(
      json('POST', '/ceramic-cache/stamps/bulk', fixture.jwt, JSON.stringify([{ provider: 'P'.repeat(256), stamp }])),
    )
    expect(response.statusCode).toBe(201)
    const [row] = await ctx.database.sql<{ provider: string; emoji: string }[]>`
      select provider, stamp->>'emoji' as emoji from ceramic_cache_ceramiccache where address = ${fixture.address}`
    expect(row).toEqual({ provider: 'P'.repeat(256), emoji: '\ud83d\ude00' })
  })

  it('integers keep pydantic\'s lax text: " N", "+N" and "N.0" are the scorer N', async () => {
    const fixture = await newFixture()
    for (const spelled of [`%20${communityId}`, `%2B${communityId}`, `${communityId}.0`]) {
      const response = await ctx.app.inject({
        method: 'GET',
        url: `/v2/stamps/${spelled}/score/${fixture.address}`,
        headers: { 'x-api-key': apiKey },
      })
      expect({ status: response.statusCode, address: response.json().address }).toEqual({
        status: 200,
        address: fixture.address,
      })
    }
  })
})

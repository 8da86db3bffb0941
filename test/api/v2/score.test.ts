import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../../src/app.js'
import { verifyCredentialSignature } from '../../../src/domain/credential-verifier.js'
import { toChecksumAddress } from '../../../src/domain/formats/eth-address.js'
import {
  DEMO_ISSUER_DID,
  demoEd25519IssuerKey,
  generateIssuerKey,
  issueStampCredentials,
  type StampCredential,
} from '../../../src/dev/stamp-issuer.js'
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js'
import { buildTestApp, scoringTestConfig } from '../../helpers/app.js'
import {
  createAccount,
  createCommunity,
  randomAddress,
  type CommunityOptions,
} from '../../helpers/factories/accounts.js'
import { addCacheStamps, createTestApiKey, signStamps } from '../../helpers/factories/scoring.js'
import {
  createAllowListCustomization,
  insertHashLink,
  insertRawCacheRow,
  listEvents,
  listHashLinks,
  listHashLinksOf,
  readScoringRows,
  revokeCacheRow,
  setScorerWeightsJson,
  softDeleteCacheRows,
  uniqueNullifier,
} from '../../helpers/factories/scoring-rows.js'
import {
  djangoOfPyIso,
  jsIsoDaysFromNow,
  pgTextOfPyIso,
  pyIsoDaysFromNow,
  pyIsoOfJsIso,
} from '../../helpers/factories/py-expect.js'

let database: TestDatabase
/** FF_MULTI_NULLIFIER on (as Python's test-suite), FF_API_ANALYTICS on. */
let app: FastifyInstance
/** FF_MULTI_NULLIFIER off, FF_API_ANALYTICS off. */
let appFlagOff: FastifyInstance
/** Like `app`, but counts the signature checks by provider. */
let countingApp: FastifyInstance
const verifiedProviders: string[] = []

beforeAll(async () => {
  database = await createTestDatabase()
  app = await buildTestApp(database.sql, await scoringTestConfig({ FF_API_ANALYTICS: 'on' }))
  appFlagOff = await buildTestApp(database.sql, await scoringTestConfig({ FF_MULTI_NULLIFIER: 'off' }))
  countingApp = await buildApp({
    config: await scoringTestConfig(),
    sql: database.sql,
    logger: false,
    signatureVerifier: {
      verify: (credential) => {
        verifiedProviders.push(String((credential as StampCredential).credentialSubject.provider))
        return verifyCredentialSignature(credential)
      },
    },
  })
})
afterAll(async () => {
  await app?.close()
  await appFlagOff?.close()
  await countingApp?.close()
  await database?.close()
})

const sql = () => database.sql

interface Scorer {
  accountId: number
  communityId: number
  scorerId: number
  key: string
}

async function createScorer(options: Partial<CommunityOptions> = {}, accountId?: number): Promise<Scorer> {
  const owner = accountId ?? (await createAccount(sql())).accountId
  const { communityId, scorerId } = await createCommunity(sql(), { accountId: owner, ...options })
  const key = await createTestApiKey(sql(), owner, { withSha256: true })
  return { accountId: owner, communityId, scorerId, key: key.key }
}

interface ScoreCall {
  status: number
  body: Record<string, unknown>
}

async function scoreV2(
  scorer: { communityId: number; key: string },
  address: string,
  target: FastifyInstance = app,
): Promise<ScoreCall> {
  const response = await target.inject({
    method: 'GET',
    url: `/v2/stamps/${scorer.communityId}/score/${address}`,
    headers: { 'x-api-key': scorer.key },
  })
  return { status: response.statusCode, body: response.json() }
}

const FAR_EXPIRY = '2099-02-21T15:30:51.720Z'
const FAR_EXPIRY_PG = '2099-02-21 15:30:51.72+00'

const stampEntry = (score: string, dedup: boolean, expirationDate: string) => ({
  score,
  dedup,
  expiration_date: expirationDate,
})

/** The full V2 response of a DONE score; the timestamp must be a fresh P3 text. */
function doneBody(
  address: string,
  fields: {
    score: string
    passing: boolean
    threshold?: string
    expiration: string | null
    stamps: Record<string, unknown>
  },
) {
  return {
    address,
    score: fields.score,
    passing_score: fields.passing,
    last_score_timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/),
    expiration_timestamp: fields.expiration,
    threshold: fields.threshold ?? '20.00000',
    error: null,
    stamps: fields.stamps,
    points_data: null,
    possible_points_data: null,
    linked_score: null,
  }
}

function errorBody(address: string, error: string) {
  return {
    address,
    score: '0.00000',
    passing_score: false,
    last_score_timestamp: null,
    expiration_timestamp: null,
    threshold: '20.00000',
    error,
    stamps: {},
    points_data: null,
    possible_points_data: null,
    linked_score: null,
  }
}

/** The rows of a DONE run agree with its response: timestamps, JSON columns, one SCU per run. */
async function expectDoneRows(
  address: string,
  communityId: number,
  call: ScoreCall,
  expected: { score: '1' | '0'; rawScore: string; threshold?: string; providers: string[] },
) {
  const rows = await readScoringRows(sql(), address, communityId)
  expect(rows.passports).toEqual([
    { id: expect.any(Number), address, community_id: communityId, requires_calculation: null },
  ])
  const score = rows.score!
  expect(score).toMatchObject({
    passport_id: rows.passports[0]!.id,
    score: expected.score === '1' ? '1.000000000' : '0.000000000',
    status: 'DONE',
    error: null,
    evidence: {
      type: 'ThresholdScoreCheck',
      success: expected.score === '1',
      rawScore: expected.rawScore,
      threshold: expected.threshold ?? '20.00000',
    },
    stamps: call.body.stamps,
  })
  expect(score.last_score_timestamp).toBe(pgTextOfPyIso(call.body.last_score_timestamp as string))
  if (call.body.expiration_timestamp === null) expect(score.expiration_date).toBeNull()
  expect(rows.stamps.map((stamp) => stamp.provider)).toEqual(expected.providers)
  const scu = rows.events.filter((event) => event.action === 'SCU').at(-1)
  expect(scu?.data).toEqual({
    model: 'registry.score',
    pk: score.id,
    fields: {
      passport: rows.passports[0]!.id,
      score: expected.score,
      last_score_timestamp: djangoOfPyIso(call.body.last_score_timestamp as string),
      status: 'DONE',
      error: null,
      evidence: score.evidence,
      stamp_scores: score.stamp_scores,
      stamps: score.stamps,
      expiration_date: call.body.expiration_timestamp === null ? null : expect.any(String),
    },
  })
  return rows
}

describe('GET /v2/stamps/{scorer_id}/score/{address}', () => {
  describe('loading (scoring §1)', () => {
    it('scoring §13.1: latest row per provider by updated_at, whatever its type', async () => {
      const scorer = await createScorer({ weights: { Google: 1 } })
      const [first, second] = [randomAddress(), randomAddress()]
      const [n1, n2, n3, n4] = ['v0:a', 'v0:b', 'v0:c', 'v0:d'].map(uniqueNullifier) as [string, string, string, string]
      const [older1, newer1] = await signStamps(first, [
        { provider: 'Google', nullifiers: [n1] },
        { provider: 'Google', nullifiers: [n2] },
      ])
      await insertRawCacheRow(sql(), {
        address: first,
        provider: 'Google',
        stamp: older1,
        type: 1,
        updatedAt: '2024-01-01T00:00:00Z',
      })
      await insertRawCacheRow(sql(), {
        address: first,
        provider: 'Google',
        stamp: newer1,
        type: 2,
        updatedAt: '2024-06-01T00:00:00Z',
      })
      // The other way round: the type-1 row is the newer one.
      const [older2, newer2] = await signStamps(second, [
        { provider: 'Google', nullifiers: [n3] },
        { provider: 'Google', nullifiers: [n4] },
      ])
      await insertRawCacheRow(sql(), {
        address: second,
        provider: 'Google',
        stamp: older2,
        type: 2,
        updatedAt: '2024-01-01T00:00:00Z',
      })
      await insertRawCacheRow(sql(), {
        address: second,
        provider: 'Google',
        stamp: newer2,
        type: 1,
        updatedAt: '2024-06-01T00:00:00Z',
      })

      for (const [address, newer, kept, dropped] of [
        [first, newer1, n2, n1],
        [second, newer2, n4, n3],
      ] as const) {
        const call = await scoreV2(scorer, address)
        expect(call.status).toBe(200)
        const expiry = pyIsoOfJsIso(newer!.expirationDate)
        expect(call.body).toEqual(
          doneBody(address, {
            score: '1.00000',
            passing: false,
            expiration: expiry,
            stamps: { Google: stampEntry('1.00000', false, expiry) },
          }),
        )
        const rows = await expectDoneRows(address, scorer.communityId, call, {
          score: '0',
          rawScore: '1',
          providers: ['Google'],
        })
        expect(rows.stamps[0]!.credential).toEqual(newer)
        expect(
          (await listHashLinks(sql(), scorer.communityId, [kept, dropped])).map((link) => [link.hash, link.address]),
        ).toEqual([[kept, address]])
      }
    })

    it('scoring §13.2: a soft-deleted row is ignored', async () => {
      const scorer = await createScorer({ weights: { Google: 1, Ens: 2 } })
      const address = randomAddress()
      const [google, ens] = await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }])
      await addCacheStamps(sql(), address, [google!])
      await insertRawCacheRow(sql(), { address, provider: 'Ens', stamp: ens, deletedAt: new Date().toISOString() })

      const call = await scoreV2(scorer, address)
      const expiry = pyIsoOfJsIso(google!.expirationDate)
      expect(call.body).toEqual(
        doneBody(address, {
          score: '1.00000',
          passing: false,
          expiration: expiry,
          stamps: { Google: stampEntry('1.00000', false, expiry) },
        }),
      )
      await expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
    })

    it('scoring §13.3: a revoked row is ignored', async () => {
      const scorer = await createScorer({ weights: { Google: 1, Ens: 2 } })
      const address = randomAddress()
      const [google, ens] = await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }])
      const [googleRowId] = await addCacheStamps(sql(), address, [google!, ens!])
      await revokeCacheRow(sql(), googleRowId!)

      const call = await scoreV2(scorer, address)
      const expiry = pyIsoOfJsIso(ens!.expirationDate)
      expect(call.body).toEqual(
        doneBody(address, {
          score: '2.00000',
          passing: false,
          expiration: expiry,
          stamps: { Ens: stampEntry('2.00000', false, expiry) },
        }),
      )
      await expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '2', providers: ['Ens'] })
    })

    it('scoring §13.4: a check-summed address is scored as its lower-case form', async () => {
      const scorer = await createScorer({ weights: { Google: 1 } })
      const address = randomAddress()
      const checksummed = toChecksumAddress(address)
      expect(checksummed).not.toBe(address)
      const [google] = await signStamps(address, [{ provider: 'Google' }])
      await addCacheStamps(sql(), address, [google!])

      const call = await scoreV2(scorer, checksummed)
      const expiry = pyIsoOfJsIso(google!.expirationDate)
      expect(call.body).toEqual(
        doneBody(address, {
          score: '1.00000',
          passing: false,
          expiration: expiry,
          stamps: { Google: stampEntry('1.00000', false, expiry) },
        }),
      )
      await expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
      expect(await sql()`select 1 from registry_passport where address = ${checksummed}`).toHaveLength(0)
    })

    it('scoring §13.5: no stamps → 0.00000, DONE row, one SCU event', async () => {
      const scorer = await createScorer({ weights: { Google: 1 }, threshold: '20.00000' })
      const address = randomAddress()

      const call = await scoreV2(scorer, address)
      expect(call.status).toBe(200)
      expect(call.body).toEqual(doneBody(address, { score: '0.00000', passing: false, expiration: null, stamps: {} }))
      const rows = await expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '0', providers: [] })
      expect(rows.score).toMatchObject({ stamp_scores: {}, stamps: {}, expiration_date: null })
      expect(rows.events.map((event) => event.action)).toEqual(['SCU'])
    })
  })

  describe('validation (scoring §2)', () => {
    it('scoring §13.6: an expired stamp is dropped before its signature is checked', async () => {
      const scorer = await createScorer({ weights: { Google: 1, Ens: 2, Github: 4 } })
      const address = randomAddress()
      const stamps = await signStamps(address, [
        { provider: 'Google', expirationDate: jsIsoDaysFromNow(30) },
        { provider: 'Ens', expirationDate: jsIsoDaysFromNow(30) },
        { provider: 'Github', issuanceDate: jsIsoDaysFromNow(-93), expirationDate: jsIsoDaysFromNow(-3) },
      ])
      await addCacheStamps(sql(), address, stamps)
      verifiedProviders.length = 0

      const call = await scoreV2(scorer, address, countingApp)
      expect(verifiedProviders).toEqual(['Google', 'Ens'])
      expect(Object.keys(call.body.stamps as object)).toEqual(['Google', 'Ens'])
      expect(call.body.score).toBe('3.00000')
      await expectDoneRows(address, scorer.communityId, call, {
        score: '0',
        rawScore: '3',
        providers: ['Google', 'Ens'],
      })
    })

    it('scoring §13.7: a stamp whose signature fails is dropped', async () => {
      const scorer = await createScorer({ weights: { Google: 1, Ens: 2, Github: 4 } })
      const address = randomAddress()
      const [google, ens, github] = await signStamps(address, [
        { provider: 'Google' },
        { provider: 'Ens' },
        { provider: 'Github' },
      ])
      const tampered = { ...github!, issuanceDate: '2020-01-01T00:00:00.000Z' }
      expect(await verifyCredentialSignature(tampered)).not.toEqual([])
      await addCacheStamps(sql(), address, [google!, ens!, tampered])

      const call = await scoreV2(scorer, address)
      expect(Object.keys(call.body.stamps as object)).toEqual(['Google', 'Ens'])
      expect(call.body).toMatchObject({ score: '3.00000', error: null })
      const rows = await expectDoneRows(address, scorer.communityId, call, {
        score: '0',
        rawScore: '3',
        providers: ['Google', 'Ens'],
      })
      expect(rows.stamps.map((stamp) => stamp.credential)).toEqual([google, ens])
    })

    it('scoring §13.8: an untrusted issuer (also a case variant of a trusted DID) is dropped without a signature check', async () => {
      const scorer = await createScorer({ weights: { Google: 1, Ens: 2, Github: 4 } })
      const address = randomAddress()
      const [google] = await signStamps(address, [{ provider: 'Google' }])
      const [foreign] = await issueStampCredentials(await generateIssuerKey('secp256k1'), [
        { address, provider: 'Ens' },
      ])
      const [github] = await signStamps(address, [{ provider: 'Github' }])
      const caseVariant = { ...github!, issuer: DEMO_ISSUER_DID.toUpperCase().replace('DID:ETHR:0X', 'did:ethr:0x') }
      expect(caseVariant.issuer).not.toBe(DEMO_ISSUER_DID)
      await addCacheStamps(sql(), address, [google!, foreign!, caseVariant])
      verifiedProviders.length = 0

      const call = await scoreV2(scorer, address, countingApp)
      expect(verifiedProviders).toEqual(['Google'])
      expect(Object.keys(call.body.stamps as object)).toEqual(['Google'])
      await expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
    })

    it('scoring §13.9: the DID compares case-insensitively, but the chain id must be 1', async () => {
      const scorer = await createScorer({ weights: { Google: 1, Ens: 2 } })
      const address = randomAddress()
      const [google, ens] = await signStamps(address, [
        { provider: 'Google', subjectId: `did:pkh:eip155:1:${toChecksumAddress(address)}` },
        { provider: 'Ens', subjectId: `did:pkh:eip155:10:${address}` },
      ])
      await addCacheStamps(sql(), address, [google!, ens!])

      const call = await scoreV2(scorer, address)
      const expiry = pyIsoOfJsIso(google!.expirationDate)
      expect(call.body).toEqual(
        doneBody(address, {
          score: '1.00000',
          passing: false,
          expiration: expiry,
          stamps: { Google: stampEntry('1.00000', false, expiry) },
        }),
      )
      await expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
    })

    it('scoring §13.10: a credential with neither hash nor nullifiers is dropped', async () => {
      const scorer = await createScorer({ weights: { Google: 1, Ens: 2 } })
      const address = randomAddress()
      const [google, ens] = await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }])
      const { nullifiers: _dropped, ...subject } = ens!.credentialSubject
      await addCacheStamps(sql(), address, [google!, { ...ens!, credentialSubject: subject }])

      const call = await scoreV2(scorer, address)
      expect(call.body).toMatchObject({ score: '1.00000', error: null })
      expect(Object.keys(call.body.stamps as object)).toEqual(['Google'])
      await expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
    })

    it('scoring §13.11, overridden by D7: a naive expirationDate skips that stamp; the score is DONE', async () => {
      const scorer = await createScorer({ weights: { Google: 1, Ens: 2 } })
      const address = randomAddress()
      const [google, ens] = await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }])
      await addCacheStamps(sql(), address, [google!, { ...ens!, expirationDate: '2099-01-01T00:00:00' }])

      const call = await scoreV2(scorer, address)
      const expiry = pyIsoOfJsIso(google!.expirationDate)
      expect(call.body).toEqual(
        doneBody(address, {
          score: '1.00000',
          passing: false,
          expiration: expiry,
          stamps: { Google: stampEntry('1.00000', false, expiry) },
        }),
      )
      await expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
    })

    it('scoring §13.12, overridden by D7: a missing expirationDate skips that stamp; the score is DONE', async () => {
      const scorer = await createScorer({ weights: { Google: 1, Ens: 2 } })
      const address = randomAddress()
      const [google, ens] = await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }])
      const { expirationDate: _dropped, ...withoutExpiry } = ens!
      await addCacheStamps(sql(), address, [google!, withoutExpiry])

      const call = await scoreV2(scorer, address)
      const expiry = pyIsoOfJsIso(google!.expirationDate)
      expect(call.body).toEqual(
        doneBody(address, {
          score: '1.00000',
          passing: false,
          expiration: expiry,
          stamps: { Google: stampEntry('1.00000', false, expiry) },
        }),
      )
      await expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
    })
  })

  describe('validation decisions and proof types', () => {
    it('D6: a credential filed under another (higher-weight) provider than the signed one is not scored', async () => {
      const scorer = await createScorer({ weights: { Google: 1, Gitcoin: 50 } })
      const address = randomAddress()
      const [google, ens] = await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }])
      await addCacheStamps(sql(), address, [google!, ens!], { providers: ['Google', 'Gitcoin'] })

      const call = await scoreV2(scorer, address)
      const expiry = pyIsoOfJsIso(google!.expirationDate)
      expect(call.body).toEqual(
        doneBody(address, {
          score: '1.00000',
          passing: false,
          expiration: expiry,
          stamps: { Google: stampEntry('1.00000', false, expiry) },
        }),
      )
      await expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
    })

    it('D7: a cache row whose stamp is not a credential object is skipped; the score is DONE', async () => {
      const scorer = await createScorer({ weights: { Google: 1, Ens: 1, Github: 1 } })
      const address = randomAddress()
      const [google] = await signStamps(address, [{ provider: 'Google' }])
      await addCacheStamps(sql(), address, [google!])
      await insertRawCacheRow(sql(), { address, provider: 'Ens', stamp: 'not a credential' })
      await insertRawCacheRow(sql(), { address, provider: 'Github', stamp: [1, 2, 3] })

      const call = await scoreV2(scorer, address)
      expect(call.body).toMatchObject({ score: '1.00000', error: null })
      expect(Object.keys(call.body.stamps as object)).toEqual(['Google'])
      await expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
    })

    it('scoring §2.1: a legacy Ed25519 credential (did:key issuer, hash) is verified and scored like an EIP-712 one', async () => {
      const scorer = await createScorer({ weights: { Google: 1, Ens: 2 } })
      const address = randomAddress()
      const [legacy] = await issueStampCredentials(await demoEd25519IssuerKey(), [{ address, provider: 'Ens' }])
      const [current] = await signStamps(address, [{ provider: 'Google' }])
      expect(legacy!.proof.type).toBe('Ed25519Signature2018')
      await addCacheStamps(sql(), address, [legacy!, current!])

      const call = await scoreV2(scorer, address)
      expect(call.body).toMatchObject({ score: '3.00000', error: null })
      await expectDoneRows(address, scorer.communityId, call, {
        score: '0',
        rawScore: '3',
        providers: ['Ens', 'Google'],
      })
      expect(await listHashLinksOf(sql(), scorer.communityId, address)).toEqual(
        [legacy!.credentialSubject.hash!, ...current!.credentialSubject.nullifiers!]
          .sort()
          .map((hash) => ({ id: expect.any(Number), hash, address, expires_at: expect.any(String) })),
      )
    })

    it('scoring §0 P5 quirk: an address without "0x" is valid and stored as given (lower-cased)', async () => {
      const scorer = await createScorer()
      const bare = randomAddress().slice(2).toUpperCase()
      const call = await scoreV2(scorer, bare)
      expect(call.status).toBe(200)
      expect(call.body).toEqual(
        doneBody(bare.toLowerCase(), { score: '0.00000', passing: false, expiration: null, stamps: {} }),
      )
      await expectDoneRows(bare.toLowerCase(), scorer.communityId, call, { score: '0', rawScore: '0', providers: [] })
    })
  })

  describe('LIFO (scoring §3)', () => {
    async function addStamp(
      address: string,
      stamp: { provider?: string; nullifiers?: string[]; hash?: string; expirationDate?: string },
    ): Promise<StampCredential> {
      const [credential] = await signStamps(address, [
        {
          provider: stamp.provider ?? 'test_provider',
          nullifiers: stamp.nullifiers,
          hash: stamp.hash,
          expirationDate: stamp.expirationDate ?? FAR_EXPIRY,
        },
      ])
      await addCacheStamps(sql(), address, [credential!])
      return credential!
    }

    async function replaceStamp(
      address: string,
      stamp: { provider?: string; nullifiers?: string[]; expirationDate?: string },
    ): Promise<StampCredential> {
      await softDeleteCacheRows(sql(), address, [stamp.provider ?? 'test_provider'])
      return addStamp(address, stamp)
    }

    const linkTuples = async (communityId: number, address: string) =>
      (await listHashLinksOf(sql(), communityId, address)).map((link) => [link.hash, link.expires_at])

    it('scoring §13.13: no dedup across communities', async () => {
      const { accountId } = await createAccount(sql())
      const c1 = await createScorer({}, accountId)
      const c2 = await createScorer({}, accountId)
      const [address1, address2] = [randomAddress(), randomAddress()]
      const hash = uniqueNullifier('v1:test_hash')
      await addStamp(address1, { nullifiers: [hash] })
      await addStamp(address2, { nullifiers: [hash] })

      const first = await scoreV2(c1, address1)
      const second = await scoreV2(c2, address2)
      for (const [call, address, community] of [
        [first, address1, c1],
        [second, address2, c2],
      ] as const) {
        expect(call.body.stamps).toEqual({
          test_provider: stampEntry('0.00000', false, '2099-02-21T15:30:51.720000+00:00'),
        })
        await expectDoneRows(address, community.communityId, call, {
          score: '0',
          rawScore: '0',
          providers: ['test_provider'],
        })
        expect(await linkTuples(community.communityId, address)).toEqual([[hash, FAR_EXPIRY_PG]])
        expect(await listEvents(sql(), address, community.communityId, 'LDP')).toEqual([])
      }
    })

    it('scoring §13.14: the same address in two communities gets a link in each', async () => {
      const { accountId } = await createAccount(sql())
      const c1 = await createScorer({}, accountId)
      const c2 = await createScorer({}, accountId)
      const address = randomAddress()
      const hash = uniqueNullifier('v1:test_hash')
      await addStamp(address, { nullifiers: [hash] })

      for (const community of [c1, c2]) {
        const call = await scoreV2(community, address)
        expect(call.body.stamps).toEqual({
          test_provider: stampEntry('0.00000', false, '2099-02-21T15:30:51.720000+00:00'),
        })
        await expectDoneRows(address, community.communityId, call, {
          score: '0',
          rawScore: '0',
          providers: ['test_provider'],
        })
        expect(await linkTuples(community.communityId, address)).toEqual([[hash, FAR_EXPIRY_PG]])
      }
    })

    it('scoring §13.15: clash in one community → deduped, one LDP event', async () => {
      const scorer = await createScorer()
      const [address1, address2] = [randomAddress(), randomAddress()]
      const hash = uniqueNullifier('v1:test_hash')
      await addStamp(address1, { nullifiers: [hash] })
      await addStamp(address2, { nullifiers: [hash] })

      await scoreV2(scorer, address1)
      const call = await scoreV2(scorer, address2)
      expect(call.body).toEqual(
        doneBody(address2, {
          score: '0.00000',
          passing: false,
          expiration: null,
          stamps: { test_provider: stampEntry('0.00000', true, FAR_EXPIRY) },
        }),
      )
      const rows = await expectDoneRows(address2, scorer.communityId, call, {
        score: '0',
        rawScore: '0',
        providers: [],
      })
      expect(rows.score!.stamp_scores).toEqual({})
      expect(await listHashLinksOf(sql(), scorer.communityId, address2)).toEqual([])
      expect(await listEvents(sql(), address2, scorer.communityId, 'LDP')).toEqual([
        {
          id: expect.any(Number),
          action: 'LDP',
          address: address2,
          community_id: scorer.communityId,
          data: { nullifiers: [hash], provider: 'test_provider', community_id: scorer.communityId },
        },
      ])
      expect(await listEvents(sql(), address1, scorer.communityId, 'LDP')).toEqual([])
    })

    it('scoring §13.16: the legacy hash field dedups like nullifiers', async () => {
      const scorer = await createScorer()
      const [address1, address2] = [randomAddress(), randomAddress()]
      const hash = uniqueNullifier('v1:test_hash')
      await addStamp(address1, { hash })
      await addStamp(address2, { hash })

      const first = await scoreV2(scorer, address1)
      expect(first.body.stamps).toEqual({
        test_provider: stampEntry('0.00000', false, '2099-02-21T15:30:51.720000+00:00'),
      })
      const call = await scoreV2(scorer, address2)
      expect(call.body.stamps).toEqual({ test_provider: stampEntry('0.00000', true, FAR_EXPIRY) })
      await expectDoneRows(address2, scorer.communityId, call, { score: '0', rawScore: '0', providers: [] })
      expect(await listHashLinks(sql(), scorer.communityId, [hash])).toEqual([
        { id: expect.any(Number), hash, address: address1, expires_at: FAR_EXPIRY_PG },
      ])
      expect((await listEvents(sql(), address2, scorer.communityId, 'LDP')).map((event) => event.data)).toEqual([
        { nullifiers: [hash], provider: 'test_provider', community_id: scorer.communityId },
      ])
    })

    it('scoring §13.17: self re-submission keeps the stamp and rewrites the same link row', async () => {
      const scorer = await createScorer()
      const address = randomAddress()
      const hash = uniqueNullifier('v1:test_hash')
      await addStamp(address, { nullifiers: [hash] })

      await scoreV2(scorer, address)
      const [link] = await listHashLinksOf(sql(), scorer.communityId, address)
      await sql()`update registry_hashscorerlink set expires_at = '2100-01-01T00:00:00Z' where id = ${link!.id}`
      const call = await scoreV2(scorer, address)
      expect(call.body.stamps).toEqual({
        test_provider: stampEntry('0.00000', false, '2099-02-21T15:30:51.720000+00:00'),
      })
      await expectDoneRows(address, scorer.communityId, call, {
        score: '0',
        rawScore: '0',
        providers: ['test_provider'],
      })
      expect(await listHashLinksOf(sql(), scorer.communityId, address)).toEqual([
        { id: link!.id, hash, address, expires_at: FAR_EXPIRY_PG },
      ])
      expect(await listEvents(sql(), address, scorer.communityId, 'LDP')).toEqual([])
    })

    it('scoring §13.18: an expired claim of another address is taken over (same row)', async () => {
      const scorer = await createScorer()
      const [address1, address2] = [randomAddress(), randomAddress()]
      const hash = uniqueNullifier('v1:test_hash')
      const linkId = await insertHashLink(sql(), {
        hash,
        address: address1,
        communityId: scorer.communityId,
        expiresAt: jsIsoDaysFromNow(-1),
      })
      const expiry = jsIsoDaysFromNow(30)
      await addStamp(address2, { nullifiers: [hash], expirationDate: expiry })

      const call = await scoreV2(scorer, address2)
      expect(call.body.stamps).toEqual({ test_provider: stampEntry('0.00000', false, pyIsoOfJsIso(expiry)) })
      await expectDoneRows(address2, scorer.communityId, call, {
        score: '0',
        rawScore: '0',
        providers: ['test_provider'],
      })
      const [link] = await listHashLinks(sql(), scorer.communityId, [hash])
      expect(link).toMatchObject({ id: linkId, address: address2 })
      expect(Date.parse(link!.expires_at.replace(' ', 'T').replace(/\+00$/, 'Z'))).toBe(Date.parse(expiry))
      expect(await listEvents(sql(), address2, scorer.communityId, 'LDP')).toEqual([])
    })

    it('scoring §13.19: FF_MULTI_NULLIFIER off keeps only v0 nullifiers', async () => {
      const scorer = await createScorer()
      const address = randomAddress()
      const suffix = uniqueNullifier('')
      await addStamp(address, {
        nullifiers: [`v0:test_hash${suffix}`, `v1:test_hash${suffix}`, `v2:test_hash${suffix}`],
      })

      const call = await scoreV2(scorer, address, appFlagOff)
      expect(call.body.stamps).toEqual({
        test_provider: stampEntry('0.00000', false, '2099-02-21T15:30:51.720000+00:00'),
      })
      await expectDoneRows(address, scorer.communityId, call, {
        score: '0',
        rawScore: '0',
        providers: ['test_provider'],
      })
      expect(await linkTuples(scorer.communityId, address)).toEqual([[`v0:test_hash${suffix}`, FAR_EXPIRY_PG]])
    })

    it('scoring §13.20: FF_MULTI_NULLIFIER on keeps every nullifier', async () => {
      const scorer = await createScorer()
      const address = randomAddress()
      const suffix = uniqueNullifier('')
      const nullifiers = [`v0:test_hash${suffix}`, `v1:test_hash${suffix}`, `v2:test_hash${suffix}`]
      await addStamp(address, { nullifiers })

      const call = await scoreV2(scorer, address)
      await expectDoneRows(address, scorer.communityId, call, {
        score: '0',
        rawScore: '0',
        providers: ['test_provider'],
      })
      expect(await linkTuples(scorer.communityId, address)).toEqual(nullifiers.map((hash) => [hash, FAR_EXPIRY_PG]))
    })

    it('scoring §13.21: FF_MULTI_NULLIFIER off ignores a v1 clash', async () => {
      const scorer = await createScorer()
      const [address1, address2] = [randomAddress(), randomAddress()]
      const suffix = uniqueNullifier('')
      await addStamp(address1, {
        nullifiers: [`v0:test_hash${suffix}`, `v1:test_hash${suffix}`, `v2:test_hash${suffix}`],
      })
      await addStamp(address2, { nullifiers: [`v0:different_hash${suffix}`, `v1:test_hash${suffix}`] })

      await scoreV2(scorer, address1, appFlagOff)
      const call = await scoreV2(scorer, address2, appFlagOff)
      expect(call.body.stamps).toEqual({
        test_provider: stampEntry('0.00000', false, '2099-02-21T15:30:51.720000+00:00'),
      })
      await expectDoneRows(address2, scorer.communityId, call, {
        score: '0',
        rawScore: '0',
        providers: ['test_provider'],
      })
      expect(await linkTuples(scorer.communityId, address2)).toEqual([[`v0:different_hash${suffix}`, FAR_EXPIRY_PG]])
      expect(await listEvents(sql(), address2, scorer.communityId, 'LDP')).toEqual([])
    })

    it('scoring §13.22: FF_MULTI_NULLIFIER on: a v1 clash dedups and backfills the other nullifier for the owner', async () => {
      const scorer = await createScorer()
      const [address1, address2] = [randomAddress(), randomAddress()]
      const suffix = uniqueNullifier('')
      const owned = [`v0:test_hash${suffix}`, `v1:test_hash${suffix}`, `v2:test_hash${suffix}`]
      await addStamp(address1, { nullifiers: owned })
      await addStamp(address2, {
        provider: 'test_provider_v1_clash',
        nullifiers: [`v0:different_hash${suffix}`, `v1:test_hash${suffix}`],
        expirationDate: '2099-06-01T00:00:00.500Z',
      })

      await scoreV2(scorer, address1)
      const call = await scoreV2(scorer, address2)
      expect(call.body).toEqual(
        doneBody(address2, {
          score: '0.00000',
          passing: false,
          expiration: null,
          stamps: { test_provider_v1_clash: stampEntry('0.00000', true, '2099-06-01T00:00:00.500Z') },
        }),
      )
      await expectDoneRows(address2, scorer.communityId, call, { score: '0', rawScore: '0', providers: [] })
      expect(await listHashLinksOf(sql(), scorer.communityId, address2)).toEqual([])
      expect(await linkTuples(scorer.communityId, address1)).toEqual(
        [`v0:different_hash${suffix}`, ...owned].sort().map((hash) => [hash, FAR_EXPIRY_PG]),
      )
      expect((await listEvents(sql(), address2, scorer.communityId, 'LDP')).map((event) => event.data)).toEqual([
        {
          nullifiers: [`v0:different_hash${suffix}`, `v1:test_hash${suffix}`],
          provider: 'test_provider_v1_clash',
          community_id: scorer.communityId,
        },
      ])
    })

    it('scoring §13.23: FF_MULTI_NULLIFIER off: a v0 clash still dedups', async () => {
      const scorer = await createScorer()
      const [address1, address2] = [randomAddress(), randomAddress()]
      const suffix = uniqueNullifier('')
      await addStamp(address1, { nullifiers: [`v0:unique_hash${suffix}`] })
      await addStamp(address2, { nullifiers: [`v0:unique_hash${suffix}`, `v1:different_v1_hash${suffix}`] })

      await scoreV2(scorer, address1, appFlagOff)
      const call = await scoreV2(scorer, address2, appFlagOff)
      expect(call.body.stamps).toEqual({ test_provider: stampEntry('0.00000', true, FAR_EXPIRY) })
      await expectDoneRows(address2, scorer.communityId, call, { score: '0', rawScore: '0', providers: [] })
      expect(await listHashLinksOf(sql(), scorer.communityId, address2)).toEqual([])
      expect(await linkTuples(scorer.communityId, address1)).toEqual([[`v0:unique_hash${suffix}`, FAR_EXPIRY_PG]])
      expect((await listEvents(sql(), address2, scorer.communityId, 'LDP')).map((event) => event.data)).toEqual([
        { nullifiers: [`v0:unique_hash${suffix}`], provider: 'test_provider', community_id: scorer.communityId },
      ])
    })

    it("scoring §13.24: backfill with the owner's expiry; one LDP event although the first attempt fails its count", async () => {
      const scorer = await createScorer()
      const [address1, address2] = [randomAddress(), randomAddress()]
      const [hashA, hashB] = [uniqueNullifier('hash-A'), uniqueNullifier('hash-B')]
      const e1 = '2099-01-04T00:00:00.000Z'
      await addStamp(address1, { nullifiers: [hashA], expirationDate: e1 })
      await addStamp(address2, { nullifiers: [hashA, hashB], expirationDate: '2099-01-11T00:00:00.110Z' })

      await scoreV2(scorer, address1)
      const call = await scoreV2(scorer, address2)
      expect(call.body.stamps).toEqual({ test_provider: stampEntry('0.00000', true, '2099-01-11T00:00:00.110Z') })
      await expectDoneRows(address2, scorer.communityId, call, { score: '0', rawScore: '0', providers: [] })
      const e1Pg = '2099-01-04 00:00:00+00'
      expect(await linkTuples(scorer.communityId, address1)).toEqual([
        [hashA, e1Pg],
        [hashB, e1Pg],
      ])
      expect(await listEvents(sql(), address2, scorer.communityId, 'LDP')).toHaveLength(1)

      await replaceStamp(address2, { nullifiers: [hashB], expirationDate: '2099-01-16T00:00:00.160Z' })
      const again = await scoreV2(scorer, address2)
      expect(again.body.stamps).toEqual({ test_provider: stampEntry('0.00000', true, '2099-01-16T00:00:00.160Z') })
      expect(await linkTuples(scorer.communityId, address1)).toEqual([
        [hashA, e1Pg],
        [hashB, e1Pg],
      ])
      expect(await listHashLinksOf(sql(), scorer.communityId, address2)).toEqual([])
      expect((await listEvents(sql(), address2, scorer.communityId, 'LDP')).map((event) => event.data)).toEqual([
        { nullifiers: [hashA, hashB], provider: 'test_provider', community_id: scorer.communityId },
        { nullifiers: [hashB], provider: 'test_provider', community_id: scorer.communityId },
      ])
    })

    it('scoring §13.25: either nullifier of a claim dedups', async () => {
      const scorer = await createScorer()
      const [owner, viaA, viaB, owner2, viaMixed] = [
        randomAddress(),
        randomAddress(),
        randomAddress(),
        randomAddress(),
        randomAddress(),
      ]
      const [hashA, hashB, hashC, random] = [
        uniqueNullifier('v1:test_hash - A'),
        uniqueNullifier('v2:test_hash - B'),
        uniqueNullifier('v1:test_hash - C'),
        uniqueNullifier('v2:test_hash - random'),
      ]
      await addStamp(owner, { nullifiers: [hashA, hashB] })
      await addStamp(viaA, { nullifiers: [hashA] })
      await addStamp(viaB, { nullifiers: [hashB] })
      await addStamp(owner2, { nullifiers: [hashC] })
      await addStamp(viaMixed, { nullifiers: [hashC, random] })

      await scoreV2(scorer, owner)
      await scoreV2(scorer, owner2)
      for (const address of [viaA, viaB, viaMixed]) {
        const call = await scoreV2(scorer, address)
        expect(call.body.stamps).toEqual({ test_provider: stampEntry('0.00000', true, FAR_EXPIRY) })
        await expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '0', providers: [] })
        expect(await listHashLinksOf(sql(), scorer.communityId, address)).toEqual([])
      }
      // The random nullifier was backfilled for the owner of hash C.
      expect(await linkTuples(scorer.communityId, owner2)).toEqual(
        [hashC, random].sort().map((hash) => [hash, FAR_EXPIRY_PG]),
      )
    })

    it('scoring §13.26: two stamps sharing a new nullifier exhaust the retries → ERROR, nothing of the run kept', async () => {
      const scorer = await createScorer({ weights: { Google: 1, P1: 1, P2: 1 } })
      const address = randomAddress()
      const [google] = await signStamps(address, [{ provider: 'Google', nullifiers: [uniqueNullifier('v0:google')] }])
      await addCacheStamps(sql(), address, [google!])
      const first = await scoreV2(scorer, address)
      expect(first.body.error).toBeNull()
      const before = await readScoringRows(sql(), address, scorer.communityId)
      const linksBefore = await listHashLinksOf(sql(), scorer.communityId, address)

      const shared = uniqueNullifier('v0:shared')
      await addCacheStamps(
        sql(),
        address,
        await signStamps(address, [
          { provider: 'P1', nullifiers: [shared] },
          { provider: 'P2', nullifiers: [shared] },
        ]),
      )
      const call = await scoreV2(scorer, address)
      expect(call.status).toBe(200)
      expect(call.body).toEqual(errorBody(address, 'Failed to save HashScorerLinks'))
      const after = await readScoringRows(sql(), address, scorer.communityId)
      expect(after.passports).toEqual(before.passports)
      expect(after.stamps).toEqual(before.stamps)
      expect(after.score).toEqual({
        ...before.score,
        score: null,
        status: 'ERROR',
        error: 'Failed to save HashScorerLinks',
        last_score_timestamp: null,
        expiration_date: null,
        evidence: null,
        stamp_scores: null,
        stamps: null,
        stamp_scores_text: null,
      })
      expect(after.events).toEqual(before.events)
      expect(await listHashLinksOf(sql(), scorer.communityId, address)).toEqual(linksBefore)
    })

    it('scoring §13.27: dedup inside full scoring (WEIGHTED scorer)', async () => {
      const scorer = await createScorer({ scorerType: 'WEIGHTED' })
      await setScorerWeightsJson(sql(), scorer.scorerId, '{"Ens": 1.0, "Google": 2.0, "Gitcoin": 3.0}')
      const [address, other] = [randomAddress(), randomAddress()]
      const ensHash = uniqueNullifier('v0:ens')
      const ensLinkId = await insertHashLink(sql(), {
        hash: ensHash,
        address: other,
        communityId: scorer.communityId,
        expiresAt: '2099-12-31T00:00:00Z',
      })
      const [ens, google, gitcoin] = await signStamps(address, [
        { provider: 'Ens', nullifiers: [ensHash] },
        { provider: 'Google' },
        { provider: 'Gitcoin' },
      ])
      await addCacheStamps(sql(), address, [ens!, google!, gitcoin!])

      const call = await scoreV2(scorer, address)
      expect(call.body).toMatchObject({
        score: '5.00000',
        stamps: {
          Google: stampEntry('2.00000', false, pyIsoOfJsIso(google!.expirationDate)),
          Gitcoin: stampEntry('3.00000', false, pyIsoOfJsIso(gitcoin!.expirationDate)),
          Ens: stampEntry('0.00000', true, ens!.expirationDate),
        },
      })
      const rows = await expectDoneRows(address, scorer.communityId, call, {
        score: '0',
        rawScore: '5',
        providers: ['Google', 'Gitcoin'],
      })
      expect(rows.score!.stamp_scores_text).toBe('{"Google": 2.0, "Gitcoin": 3.0}')
      expect(rows.events.filter((event) => event.action === 'LDP')).toHaveLength(1)
      const links = await sql()<{ id: number; hash: string; address: string; expires_at: string }[]>`
        select id, hash, address, expires_at from registry_hashscorerlink where community_id = ${scorer.communityId} order by id`
      expect(links).toHaveLength(3)
      expect(links[0]).toEqual({ id: ensLinkId, hash: ensHash, address: other, expires_at: '2099-12-31 00:00:00+00' })
      expect(links.slice(1).map((link) => link.address)).toEqual([address, address])
    })

    it("scoring §13.28: dedup shown in the v2 API; the owner's rescore is unchanged", async () => {
      const scorer = await createScorer()
      await setScorerWeightsJson(sql(), scorer.scorerId, '{"Linkedin": 2.2}')
      const [walletA, walletB] = [randomAddress(), randomAddress()]
      const hash = uniqueNullifier('v0:linkedin')
      const daysLater = pyIsoDaysFromNow(90)
      for (const wallet of [walletA, walletB])
        await addStamp(wallet, { provider: 'Linkedin', nullifiers: [hash], expirationDate: daysLater })

      const a = await scoreV2(scorer, walletA)
      expect(a.body).toEqual(
        doneBody(walletA, {
          score: '2.20000',
          passing: false,
          expiration: daysLater,
          stamps: { Linkedin: stampEntry('2.20000', false, daysLater) },
        }),
      )
      const b = await scoreV2(scorer, walletB)
      expect(b.body).toEqual(
        doneBody(walletB, {
          score: '0.00000',
          passing: false,
          expiration: null,
          stamps: { Linkedin: stampEntry('0.00000', true, daysLater) },
        }),
      )
      await expectDoneRows(walletB, scorer.communityId, b, { score: '0', rawScore: '0', providers: [] })
      const again = await scoreV2(scorer, walletA)
      expect(again.body).toEqual({ ...a.body, last_score_timestamp: expect.any(String) })
      const rows = await expectDoneRows(walletA, scorer.communityId, again, {
        score: '0',
        rawScore: '2.200000000000000177635683940',
        providers: ['Linkedin'],
      })
      expect(rows.score!.stamp_scores_text).toBe('{"Linkedin": 2.2}')
    })

    it('scoring §13.29: a deduped stamp shows its raw expirationDate; no other stamps → expiration null', async () => {
      const scorer = await createScorer()
      await setScorerWeightsJson(sql(), scorer.scorerId, '{"Linkedin": 2.2}')
      const [walletA, walletB] = [randomAddress(), randomAddress()]
      const hash = uniqueNullifier('v0:linkedin')
      // The spec's "2025-03-15T08:00:00.000Z" has passed, and DIDKit re-spells a zero fraction when
      // it signs ("…08:00:00Z"), so the same point is made with milliseconds that survive signing.
      await addStamp(walletA, { provider: 'Linkedin', nullifiers: [hash], expirationDate: '2099-03-15T09:00:00.000Z' })
      const stampB = await addStamp(walletB, {
        provider: 'Linkedin',
        nullifiers: [hash],
        expirationDate: '2099-03-15T08:00:00.250Z',
      })
      expect(stampB.expirationDate).toBe('2099-03-15T08:00:00.250Z')

      await scoreV2(scorer, walletA)
      const b = await scoreV2(scorer, walletB)
      expect(b.body.stamps).toEqual({ Linkedin: stampEntry('0.00000', true, '2099-03-15T08:00:00.250Z') })
      expect(b.body.expiration_timestamp).toBeNull()
      const rows = await expectDoneRows(walletB, scorer.communityId, b, { score: '0', rawScore: '0', providers: [] })
      expect(rows.score!.expiration_date).toBeNull()
    })
  })

  describe('score calculation (scoring §4)', () => {
    it('scoring §13.30: float weights, failing; scoring twice keeps one passport and the same answer', async () => {
      const scorer = await createScorer({ weights: { Ens: 0.208, Google: 0.525 }, threshold: '20.00000' })
      const address = randomAddress()
      const [ens, google] = await signStamps(address, [
        { provider: 'Ens', expirationDate: '2099-03-01T00:00:00.000Z' },
        { provider: 'Google', expirationDate: '2099-02-20T12:34:56.789Z' },
      ])
      await addCacheStamps(sql(), address, [ens!, google!])

      const expected = doneBody(address, {
        score: '0.73300',
        passing: false,
        expiration: '2099-02-20T12:34:56.789000+00:00',
        stamps: {
          Ens: stampEntry('0.20800', false, '2099-03-01T00:00:00+00:00'),
          Google: stampEntry('0.52500', false, '2099-02-20T12:34:56.789000+00:00'),
        },
      })
      for (let run = 0; run < 2; run++) {
        const call = await scoreV2(scorer, address)
        expect(call.body).toEqual(expected)
        const rows = await expectDoneRows(address, scorer.communityId, call, {
          score: '0',
          rawScore: '0.7330000000000000126565424807',
          providers: ['Ens', 'Google'],
        })
        expect(rows.score!.stamp_scores_text).toBe('{"Ens": 0.208, "Google": 0.525}')
        expect(rows.score!.expiration_date).toBe('2099-02-20 12:34:56.789+00')
      }
    })

    it('scoring §13.31: binary pass at the exact sum', async () => {
      const scorer = await createScorer({ scorerType: 'WEIGHTED_BINARY', threshold: '2.00000' })
      await setScorerWeightsJson(sql(), scorer.scorerId, '{"FirstEthTxnProvider": 1.0, "Google": 1, "Ens": 1.0}')
      const address = randomAddress()
      const [ens, google] = await signStamps(address, [{ provider: 'Ens' }, { provider: 'Google' }])
      await addCacheStamps(sql(), address, [ens!, google!])

      const call = await scoreV2(scorer, address)
      expect(call.body).toEqual(
        doneBody(address, {
          score: '2.00000',
          passing: true,
          threshold: '2.00000',
          expiration: pyIsoOfJsIso(ens!.expirationDate),
          stamps: {
            Ens: stampEntry('1.00000', false, pyIsoOfJsIso(ens!.expirationDate)),
            Google: stampEntry('1.00000', false, pyIsoOfJsIso(google!.expirationDate)),
          },
        }),
      )
      const rows = await expectDoneRows(address, scorer.communityId, call, {
        score: '1',
        rawScore: '2',
        threshold: '2.00000',
        providers: ['Ens', 'Google'],
      })
      expect(rows.score!.stamp_scores_text).toBe('{"Ens": 1.0, "Google": 1.0}')
    })

    it('scoring §13.32: binary fail', async () => {
      const scorer = await createScorer({ scorerType: 'WEIGHTED_BINARY', threshold: '20.00000' })
      await setScorerWeightsJson(sql(), scorer.scorerId, '{"FirstEthTxnProvider": 1.0, "Google": 1, "Ens": 1.0}')
      const address = randomAddress()
      await addCacheStamps(sql(), address, await signStamps(address, [{ provider: 'Ens' }, { provider: 'Google' }]))

      const call = await scoreV2(scorer, address)
      expect(call.body).toMatchObject({ score: '2.00000', passing_score: false, threshold: '20.00000', error: null })
      await expectDoneRows(address, scorer.communityId, call, {
        score: '0',
        rawScore: '2',
        providers: ['Ens', 'Google'],
      })
    })

    it('scoring §13.33: integer weights (WEIGHTED scorer)', async () => {
      const scorer = await createScorer({ scorerType: 'WEIGHTED', threshold: '20.00000' })
      await setScorerWeightsJson(sql(), scorer.scorerId, '{"FirstEthTxnProvider": 11, "Google": 11, "Ens": 11.0}')
      const address = randomAddress()
      const [ens, google] = await signStamps(address, [{ provider: 'Ens' }, { provider: 'Google' }])
      await addCacheStamps(sql(), address, [ens!, google!])

      const call = await scoreV2(scorer, address)
      expect(call.body).toMatchObject({
        score: '22.00000',
        passing_score: true,
        stamps: {
          Ens: stampEntry('11.00000', false, pyIsoOfJsIso(ens!.expirationDate)),
          Google: stampEntry('11.00000', false, pyIsoOfJsIso(google!.expirationDate)),
        },
      })
      const rows = await expectDoneRows(address, scorer.communityId, call, {
        score: '1',
        rawScore: '22',
        providers: ['Ens', 'Google'],
      })
      expect(rows.score!.stamp_scores_text).toBe('{"Ens": 11.0, "Google": 11.0}')
    })

    it('scoring §13.34: the threshold is inclusive', async () => {
      const scorer = await createScorer({ threshold: '15.00000' })
      await setScorerWeightsJson(sql(), scorer.scorerId, '{"Ens": 15.0}')
      const address = randomAddress()
      await addCacheStamps(sql(), address, await signStamps(address, [{ provider: 'Ens' }]))

      const call = await scoreV2(scorer, address)
      expect(call.body).toMatchObject({ score: '15.00000', passing_score: true, threshold: '15.00000' })
      await expectDoneRows(address, scorer.communityId, call, {
        score: '1',
        rawScore: '15',
        threshold: '15.00000',
        providers: ['Ens'],
      })
    })

    it('scoring §13.35: an unknown provider weighs 0 but its expiry counts', async () => {
      const scorer = await createScorer({ weights: { Google: 1 } })
      const address = randomAddress()
      const [google, unknown] = await signStamps(address, [
        { provider: 'Google', expirationDate: '2099-05-01T00:00:00.000Z' },
        { provider: 'UnknownProvider', expirationDate: '2099-04-01T00:00:00.000Z' },
      ])
      await addCacheStamps(sql(), address, [google!, unknown!])

      const call = await scoreV2(scorer, address)
      expect(call.body).toEqual(
        doneBody(address, {
          score: '1.00000',
          passing: false,
          expiration: '2099-04-01T00:00:00+00:00',
          stamps: {
            Google: stampEntry('1.00000', false, '2099-05-01T00:00:00+00:00'),
            UnknownProvider: stampEntry('0.00000', false, '2099-04-01T00:00:00+00:00'),
          },
        }),
      )
      const rows = await expectDoneRows(address, scorer.communityId, call, {
        score: '0',
        rawScore: '1',
        providers: ['Google', 'UnknownProvider'],
      })
      expect(rows.score!.stamp_scores_text).toBe('{"Google": 1.0, "UnknownProvider": 0.0}')
      expect(rows.score!.expiration_date).toBe('2099-04-01 00:00:00+00')
    })

    it('scoring §13.36: the score expires with its earliest stamp', async () => {
      const scorer = await createScorer({ weights: { Ens: 1, Google: 1, Gitcoin: 1 } })
      const address = randomAddress()
      const expiries = [jsIsoDaysFromNow(2), jsIsoDaysFromNow(1), jsIsoDaysFromNow(3)]
      const stamps = await signStamps(
        address,
        ['Ens', 'Google', 'Gitcoin'].map((provider, index) => ({ provider, expirationDate: expiries[index] })),
      )
      await addCacheStamps(sql(), address, stamps)

      const call = await scoreV2(scorer, address)
      expect(call.body.expiration_timestamp).toBe(pyIsoOfJsIso(expiries[1]!))
      const rows = await expectDoneRows(address, scorer.communityId, call, {
        score: '0',
        rawScore: '3',
        providers: ['Ens', 'Google', 'Gitcoin'],
      })
      expect(rows.score!.expiration_date).toBe(pgTextOfPyIso(pyIsoOfJsIso(expiries[1]!)))
    })

    it('scoring §13.38: the persisted row of a passing score', async () => {
      const scorer = await createScorer({
        scorerType: 'WEIGHTED_BINARY',
        threshold: '20.00000',
        weights: { Ens: 15, Google: 15, Gitcoin: 15 },
      })
      const address = randomAddress()
      const [e0, e1, e2] = [pyIsoDaysFromNow(2, '100001'), pyIsoDaysFromNow(1, '200002'), pyIsoDaysFromNow(3, '300003')]
      const stamps = await signStamps(address, [
        { provider: 'Ens', expirationDate: e0 },
        { provider: 'Google', expirationDate: e1 },
        { provider: 'Gitcoin', expirationDate: e2 },
      ])
      await addCacheStamps(sql(), address, stamps)

      const call = await scoreV2(scorer, address)
      const expectedStamps = {
        Ens: stampEntry('15.00000', false, e0),
        Google: stampEntry('15.00000', false, e1),
        Gitcoin: stampEntry('15.00000', false, e2),
      }
      expect(call.body).toEqual(
        doneBody(address, { score: '45.00000', passing: true, expiration: e1, stamps: expectedStamps }),
      )
      const rows = await expectDoneRows(address, scorer.communityId, call, {
        score: '1',
        rawScore: '45',
        providers: ['Ens', 'Google', 'Gitcoin'],
      })
      expect(rows.score).toEqual({
        id: expect.any(Number),
        passport_id: rows.passports[0]!.id,
        score: '1.000000000',
        status: 'DONE',
        error: null,
        last_score_timestamp: pgTextOfPyIso(call.body.last_score_timestamp as string),
        expiration_date: pgTextOfPyIso(e1),
        evidence: { rawScore: '45', success: true, threshold: '20.00000', type: 'ThresholdScoreCheck' },
        stamp_scores: { Ens: 15, Gitcoin: 15, Google: 15 },
        stamp_scores_text: '{"Ens": 15.0, "Google": 15.0, "Gitcoin": 15.0}',
        stamps: expectedStamps,
      })
      expect(rows.events.at(-1)!.data).toMatchObject({ fields: { expiration_date: djangoOfPyIso(e1), score: '1' } })
    })

    it('scoring §13.39: the customization overlay adds allow-list weights as exact decimals', async () => {
      const scorer = await createScorer()
      await setScorerWeightsJson(sql(), scorer.scorerId, '{"Ens": 0.673}')
      const listName = `MyList${uniqueNullifier('').slice(1)}`
      await createAllowListCustomization(sql(), scorer.communityId, { listName, weight: '10.0000' })
      const provider = `AllowList#${listName}`
      const [both, listOnly] = [randomAddress(), randomAddress()]
      const [allow, ens] = await signStamps(both, [{ provider }, { provider: 'Ens' }])
      await addCacheStamps(sql(), both, [allow!, ens!])
      await addCacheStamps(sql(), listOnly, await signStamps(listOnly, [{ provider }]))

      const call = await scoreV2(scorer, both)
      expect(call.body).toMatchObject({
        score: '10.67300',
        threshold: '20.00000',
        stamps: {
          [provider]: stampEntry('10.00000', false, pyIsoOfJsIso(allow!.expirationDate)),
          Ens: stampEntry('0.67300', false, pyIsoOfJsIso(ens!.expirationDate)),
        },
      })
      const rows = await expectDoneRows(both, scorer.communityId, call, {
        score: '0',
        rawScore: '10.67300000000000004263256415',
        providers: [provider, 'Ens'],
      })
      expect(rows.score!.stamp_scores).toEqual({ [provider]: 10, Ens: 0.673 })
      expect(rows.score!.stamp_scores_text).toContain(`"${provider}": 10.0`)

      const alone = await scoreV2(scorer, listOnly)
      expect(alone.body).toMatchObject({ score: '10.00000', passing_score: false, threshold: '20.00000' })
      await expectDoneRows(listOnly, scorer.communityId, alone, {
        score: '0',
        rawScore: '10.0000',
        providers: [provider],
      })
    })

    it('scoring §13.41: stale registry_stamp rows are replaced', async () => {
      const scorer = await createScorer({ weights: { Ens: 1, Google: 1, Gitcoin: 1 } })
      const address = randomAddress()
      const [passport] = await sql()<
        { id: number }[]
      >`insert into registry_passport (address, community_id, requires_calculation) values (${address}, ${scorer.communityId}, null) returning id`
      const [stale] = await sql()<
        { id: number }[]
      >`insert into registry_stamp (provider, credential, passport_id) values ('Gitcoin', '{}'::jsonb, ${passport!.id}) returning id`
      const stamps = await signStamps(address, [{ provider: 'Ens' }, { provider: 'Google' }, { provider: 'Gitcoin' }])
      await addCacheStamps(sql(), address, stamps)

      const call = await scoreV2(scorer, address)
      const rows = await expectDoneRows(address, scorer.communityId, call, {
        score: '0',
        rawScore: '3',
        providers: ['Ens', 'Google', 'Gitcoin'],
      })
      expect(rows.passports[0]!.id).toBe(passport!.id)
      expect(rows.stamps.map((stamp) => stamp.id)).not.toContain(stale!.id)
      expect(rows.stamps.map((stamp) => stamp.credential)).toEqual(stamps)
    })

    it("scoring §13.42: another account's scorer → 404, no passport created", async () => {
      const mine = await createScorer()
      const theirs = await createScorer()
      const address = randomAddress()

      const call = await scoreV2({ communityId: theirs.communityId, key: mine.key }, address)
      expect(call).toEqual({ status: 404, body: { detail: 'No scorer matches the given criteria.' } })
      expect(await sql()`select 1 from registry_passport where address = ${address}`).toHaveLength(0)
    })

    it('scoring §13.43: invalid address → 400 after the scorer lookup; only the analytics row is written', async () => {
      const mine = await createScorer()
      const theirs = await createScorer()
      const keyId = (
        await sql()<{ id: string }[]>`select id from account_accountapikey where account_id = ${mine.accountId}`
      )[0]!.id
      const passportsBefore = await sql()<{ count: number }[]>`select count(*)::int as count from registry_passport`
      const eventsBefore = await sql()<{ count: number }[]>`select count(*)::int as count from registry_event`

      const call = await scoreV2(mine, '0x123')
      expect(call).toEqual({ status: 400, body: { detail: 'Invalid address.' } })
      expect(await scoreV2({ communityId: theirs.communityId, key: mine.key }, '0x123')).toEqual({
        status: 404,
        body: { detail: 'No scorer matches the given criteria.' },
      })
      expect(await sql()`select count(*)::int as count from registry_passport`).toEqual(passportsBefore)
      expect(await sql()`select count(*)::int as count from registry_event`).toEqual(eventsBefore)
      const analytics = await waitForAnalytics(keyId, 2)
      // Each row is written after its response went out, so their ids may come in either order.
      expect(analytics.map((row) => [row.status_code, row.error]).sort()).toEqual([
        [400, 'Invalid address.'],
        [404, 'No scorer matches the given criteria.'],
      ])
    })
  })

  describe('persistence and events (scoring §5)', () => {
    it("scoring §13.44: every DONE save writes exactly one SCU event for the passport's address and community", async () => {
      const scorer = await createScorer({ weights: { Google: 1 } })
      const address = randomAddress()
      await addCacheStamps(sql(), address, await signStamps(address, [{ provider: 'Google' }]))

      const first = await scoreV2(scorer, address)
      expect(await listEvents(sql(), address, scorer.communityId)).toEqual([
        { id: expect.any(Number), action: 'SCU', address, community_id: scorer.communityId, data: expect.any(Object) },
      ])
      const second = await scoreV2(scorer, address)
      const events = await listEvents(sql(), address, scorer.communityId)
      expect(events.map((event) => [event.action, event.address, event.community_id])).toEqual([
        ['SCU', address, scorer.communityId],
        ['SCU', address, scorer.communityId],
      ])
      expect(
        events.map((event) => (event.data as { fields: { last_score_timestamp: string } }).fields.last_score_timestamp),
      ).toEqual([first, second].map((call) => djangoOfPyIso(call.body.last_score_timestamp as string)))
    })

    it('scoring §13.45: the SCU payload is one serialized Score object, not a list', async () => {
      const scorer = await createScorer({ weights: { Ens: 0.208, Google: 0.525 } })
      const address = randomAddress()
      await addCacheStamps(
        sql(),
        address,
        await signStamps(address, [
          { provider: 'Ens', expirationDate: '2099-03-01T00:00:00.000Z' },
          { provider: 'Google', expirationDate: '2099-02-20T12:34:56.789Z' },
        ]),
      )

      const call = await scoreV2(scorer, address)
      const rows = await readScoringRows(sql(), address, scorer.communityId)
      const [event] = await sql()<{ kind: string; stamp_scores: string }[]>`
        select jsonb_typeof(data) as kind, (data->'fields'->'stamp_scores')::text as stamp_scores
        from registry_event where action = 'SCU' and address = ${address} and community_id = ${scorer.communityId}`
      expect(event).toEqual({ kind: 'object', stamp_scores: '{"Ens": 0.208, "Google": 0.525}' })
      expect(rows.events.at(-1)!.data).toEqual({
        model: 'registry.score',
        pk: rows.score!.id,
        fields: {
          passport: rows.passports[0]!.id,
          score: '0',
          last_score_timestamp: djangoOfPyIso(call.body.last_score_timestamp as string),
          status: 'DONE',
          error: null,
          evidence: {
            type: 'ThresholdScoreCheck',
            success: false,
            rawScore: '0.7330000000000000126565424807',
            threshold: '20.00000',
          },
          stamp_scores: { Ens: 0.208, Google: 0.525 },
          stamps: {
            Ens: stampEntry('0.20800', false, '2099-03-01T00:00:00+00:00'),
            Google: stampEntry('0.52500', false, '2099-02-20T12:34:56.789000+00:00'),
          },
          expiration_date: '2099-02-20T12:34:56.789Z',
        },
      })
    })

    it('scoring §13.46: an ERROR run (and the PROCESSING insert) writes no SCU event', async () => {
      // §13.11 no longer ends in ERROR (D7); an unknown dedup rule still does (scoring §3).
      const scorer = await createScorer({ rule: 'FIFO', weights: { Google: 1 } })
      const address = randomAddress()
      await addCacheStamps(sql(), address, await signStamps(address, [{ provider: 'Google' }]))

      const call = await scoreV2(scorer, address)
      expect(call).toEqual({ status: 200, body: errorBody(address, 'Invalid rule') })
      const rows = await readScoringRows(sql(), address, scorer.communityId)
      expect(rows.passports).toHaveLength(1)
      expect(rows.score).toEqual({
        id: expect.any(Number),
        passport_id: rows.passports[0]!.id,
        score: null,
        status: 'ERROR',
        error: 'Invalid rule',
        last_score_timestamp: null,
        expiration_date: null,
        evidence: null,
        stamp_scores: null,
        stamps: null,
        stamp_scores_text: null,
      })
      expect(rows.stamps).toEqual([])
      expect(rows.events).toEqual([])
    })
  })

  describe('API keys (scoring §7)', () => {
    it('scoring §13.60: a bad or missing key → 401 "Invalid API Key.", no analytics row', async () => {
      const scorer = await createScorer()
      const url = `/v2/stamps/${scorer.communityId}/score/${randomAddress()}`
      const analyticsBefore = await sql()`select count(*)::int as count from account_accountapikeyanalytics`
      for (const headers of [
        { authorization: 'Token 1234' },
        { 'x-api-key': 'some bad API_KEY' },
        {},
        { authorization: scorer.key },
        { 'x-api-key': `${scorer.key}x` },
      ]) {
        const response = await app.inject({ method: 'GET', url, headers })
        expect([response.statusCode, response.json()]).toEqual([401, { detail: 'Invalid API Key.' }])
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(await sql()`select count(*)::int as count from account_accountapikeyanalytics`).toEqual(analyticsBefore)
    })

    it('scoring §13.61: the key is accepted in X-API-Key or as the second word of Authorization', async () => {
      const scorer = await createScorer()
      const url = `/v2/stamps/${scorer.communityId}/score/${randomAddress()}`
      for (const headers of [
        { 'x-api-key': scorer.key },
        { authorization: `Token ${scorer.key}` },
        { authorization: `Bearer ${scorer.key}` },
      ]) {
        const response = await app.inject({ method: 'GET', url, headers })
        expect(response.statusCode).toBe(200)
      }
    })

    it('scoring §13.62: a PBKDF2-only key is migrated to sha256 and then verified by sha256 alone', async () => {
      const { accountId } = await createAccount(sql())
      const { communityId } = await createCommunity(sql(), { accountId })
      const created = await createTestApiKey(sql(), accountId, { withSha256: false })
      const url = `/v2/stamps/${communityId}/score/${randomAddress()}`
      const sha256 = `sha256$${createHash('sha256').update(created.key).digest('hex')}`

      expect((await app.inject({ method: 'GET', url, headers: { 'x-api-key': created.key } })).statusCode).toBe(200)
      expect(await sql()`select hashed_key_sha256 from account_accountapikey where id = ${created.id}`).toEqual([
        { hashed_key_sha256: sha256 },
      ])
      // Without a usable PBKDF2 hash the key still works: the sha256 column decides.
      await sql()`update account_accountapikey set hashed_key = 'pbkdf2_sha256$1$x$broken' where id = ${created.id}`
      expect((await app.inject({ method: 'GET', url, headers: { 'x-api-key': created.key } })).statusCode).toBe(200)
      // A sha256 column that does not match is decisive: no PBKDF2 fallback.
      const other = await createTestApiKey(sql(), accountId, { withSha256: false })
      await sql()`update account_accountapikey set hashed_key_sha256 = ${sha256} where id = ${other.id}`
      expect((await app.inject({ method: 'GET', url, headers: { 'x-api-key': other.key } })).json()).toEqual({
        detail: 'Invalid API Key.',
      })
      // An unknown hash format never validates.
      const unknown = await createTestApiKey(sql(), accountId, { withSha256: false })
      await sql()`update account_accountapikey set hashed_key = 'unknown$format$hash' where id = ${unknown.id}`
      const response = await app.inject({ method: 'GET', url, headers: { 'x-api-key': unknown.key } })
      expect([response.statusCode, response.json()]).toEqual([401, { detail: 'Invalid API Key.' }])
      expect(await sql()`select hashed_key_sha256 from account_accountapikey where id = ${unknown.id}`).toEqual([
        { hashed_key_sha256: null },
      ])
    })

    it('scoring §13.63 and D5: a revoked or expired key → 401; a key expiring later works', async () => {
      const scorer = await createScorer()
      const url = `/v2/stamps/${scorer.communityId}/score/${randomAddress()}`
      const call = async () => {
        const response = await app.inject({ method: 'GET', url, headers: { 'x-api-key': scorer.key } })
        return [response.statusCode, response.json()]
      }
      await sql()`update account_accountapikey set expiry_date = now() + interval '1 day' where account_id = ${scorer.accountId}`
      expect((await call())[0]).toBe(200)
      await sql()`update account_accountapikey set expiry_date = now() - interval '1 second' where account_id = ${scorer.accountId}`
      expect(await call()).toEqual([401, { detail: 'Invalid API Key.' }])
      await sql()`update account_accountapikey set expiry_date = null, revoked = true where account_id = ${scorer.accountId}`
      expect(await call()).toEqual([401, { detail: 'Invalid API Key.' }])
    })

    it('D5: no permission flag is required on the v2 score (read_scores and submit_passports off still score)', async () => {
      const scorer = await createScorer()
      await sql()`update account_accountapikey set read_scores = false, submit_passports = false where account_id = ${scorer.accountId}`
      expect((await scoreV2(scorer, randomAddress())).status).toBe(200)
    })

    it('scoring §13.64: FF_API_ANALYTICS on → one analytics row per request; off → none', async () => {
      const scorer = await createScorer()
      const keyId = (
        await sql()<{ id: string }[]>`select id from account_accountapikey where account_id = ${scorer.accountId}`
      )[0]!.id
      const address = randomAddress()
      const path = `/v2/stamps/${scorer.communityId}/score/${address}`
      const response = await app.inject({
        method: 'GET',
        url: `${path}?a=1&a=2`,
        headers: { 'x-api-key': scorer.key, cookie: 'c=1', 'user-agent': 'tests' },
      })
      expect(response.statusCode).toBe(200)

      const [row] = await waitForAnalytics(keyId, 1)
      expect(row).toEqual({
        api_key_id: keyId,
        path,
        base_path: null,
        path_segments: ['v2', 'stamps', String(scorer.communityId), 'score', address],
        query_params: { a: ['1', '2'] },
        headers: expect.objectContaining({ 'X-Api-Key': '***', Cookie: '***', 'User-Agent': 'tests' }),
        payload: null,
        response: response.body,
        response_skipped: false,
        error: null,
        status_code: 200,
        has_created_at: true,
      })

      const flagOffScorer = await createScorer()
      const flagOffKeyId = (
        await sql()<
          { id: string }[]
        >`select id from account_accountapikey where account_id = ${flagOffScorer.accountId}`
      )[0]!.id
      expect((await scoreV2(flagOffScorer, randomAddress(), appFlagOff)).status).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(await sql()`select 1 from account_accountapikeyanalytics where api_key_id = ${flagOffKeyId}`).toHaveLength(
        0,
      )
    })

    it('scoring §13.66: a demo alias in X-API-Key with a negative scorer id scores DEMO_API_SCORER_ID as DEMO_API_KEY', async () => {
      const scorer = await createScorer({ weights: { Google: 1 } })
      const demoApp = await buildTestApp(
        database.sql,
        await scoringTestConfig({
          DEMO_API_KEY: scorer.key,
          DEMO_API_KEY_ALIASES: '["demo"]',
          DEMO_API_SCORER_ID: String(scorer.communityId),
        }),
      )
      try {
        const address = randomAddress()
        await addCacheStamps(sql(), address, await signStamps(address, [{ provider: 'Google' }]))
        const response = await demoApp.inject({
          method: 'GET',
          url: `/v2/stamps/-1/score/${address}`,
          headers: { 'x-api-key': 'demo' },
        })
        expect(response.statusCode).toBe(200)
        const call = { status: response.statusCode, body: response.json() as Record<string, unknown> }
        expect(call.body).toMatchObject({ address, score: '1.00000', error: null })
        await expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
        // The async route applies the aliases to X-API-Key only (scoring §7.2).
        const viaAuthorization = await demoApp.inject({
          method: 'GET',
          url: `/v2/stamps/-1/score/${address}`,
          headers: { authorization: 'Token demo' },
        })
        expect([viaAuthorization.statusCode, viaAuthorization.json()]).toEqual([401, { detail: 'Invalid API Key.' }])
      } finally {
        await demoApp.close()
      }
    })
  })

  describe('bad input (endpoints Endpoint 1)', () => {
    it('endpoints Endpoint 1: a non-integer scorer id → 422 ninja detail list', async () => {
      const scorer = await createScorer()
      const response = await app.inject({
        method: 'GET',
        url: `/v2/stamps/abc/score/${randomAddress()}`,
        headers: { 'x-api-key': scorer.key },
      })
      expect(response.statusCode).toBe(422)
      expect(response.json()).toEqual({
        detail: [
          {
            type: 'int_parsing',
            loc: ['path', 'scorer_id'],
            msg: 'Input should be a valid integer, unable to parse string as an integer',
          },
        ],
      })
    })

    it('endpoints §1.9: a 422 writes no analytics row (Python tracks usage only after parameter validation)', async () => {
      const scorer = await createScorer()
      const keyId = (
        await sql()<{ id: string }[]>`select id from account_accountapikey where account_id = ${scorer.accountId}`
      )[0]!.id
      const response = await app.inject({
        method: 'GET',
        url: `/v2/stamps/abc/score/${randomAddress()}`,
        headers: { 'x-api-key': scorer.key },
      })
      expect(response.statusCode).toBe(422)
      expect(
        (
          await app.inject({
            method: 'GET',
            url: `/v2/stamps/${scorer.communityId}/score/0x123`,
            headers: { 'x-api-key': scorer.key },
          })
        ).statusCode,
      ).toBe(400)
      await waitForAnalytics(keyId, 1)
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect((await waitForAnalytics(keyId, 1)).map((row) => row.status_code)).toEqual([400])
    })

    it('endpoints §1.2: authentication comes before validation (bad key + bad scorer id → 401)', async () => {
      const response = await app.inject({
        method: 'GET',
        url: `/v2/stamps/abc/score/0x123`,
        headers: { 'x-api-key': 'nope.nope' },
      })
      expect([response.statusCode, response.json()]).toEqual([401, { detail: 'Invalid API Key.' }])
    })

    it('endpoints Endpoint 1: an unknown scorer id → 404', async () => {
      const scorer = await createScorer()
      const call = await scoreV2({ communityId: 999_999_999, key: scorer.key }, randomAddress())
      expect(call).toEqual({ status: 404, body: { detail: 'No scorer matches the given criteria.' } })
    })

    it('endpoints §1.7: the external scorer id is matched before the id; soft-deleted communities still resolve', async () => {
      const { accountId } = await createAccount(sql())
      const byId = await createScorer({ weights: { Google: 1 } }, accountId)
      const byExternalId = await createScorer(
        { weights: { Google: 7 }, externalScorerId: String(byId.communityId), deletedAt: new Date().toISOString() },
        accountId,
      )
      const address = randomAddress()
      await addCacheStamps(sql(), address, await signStamps(address, [{ provider: 'Google' }]))

      const call = await scoreV2(byId, address)
      expect(call.body).toMatchObject({ score: '7.00000' })
      await expectDoneRows(address, byExternalId.communityId, call, {
        score: '0',
        rawScore: '7',
        providers: ['Google'],
      })
      expect(
        await sql()`select 1 from registry_passport where address = ${address} and community_id = ${byId.communityId}`,
      ).toHaveLength(0)
    })

    it('issue 3 "Bad input": the database going away during scoring → 503 JSON, nothing half-written', async () => {
      const scorer = await createScorer({ weights: { Google: 1 } })
      const address = randomAddress()
      await addCacheStamps(sql(), address, await signStamps(address, [{ provider: 'Google' }]))
      // Authentication and the reads work; the scoring transaction cannot get a connection.
      const unreachable = new Proxy(database.sql, {
        get(target, property, receiver) {
          // As postgres.js rejects: the socket error, decorated with the query it failed.
          if (property === 'begin')
            return () =>
              Promise.reject(
                Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
                  code: 'ECONNREFUSED',
                  query: 'begin',
                }),
              )
          return Reflect.get(target, property, receiver) as unknown
        },
      })
      const downApp = await buildTestApp(unreachable, await scoringTestConfig())
      try {
        const call = await scoreV2(scorer, address, downApp)
        expect(call).toEqual({ status: 503, body: { detail: 'Service Unavailable' } })
        expect(await sql()`select 1 from registry_passport where address = ${address}`).toHaveLength(0)
      } finally {
        await downApp.close()
      }
    })

    it('scoring §4.1: a scorer without a weighted scorer row → 500 "Unexpected error while submitting passport", nothing written', async () => {
      const scorer = await createScorer()
      await sql()`delete from scorer_weighted_binaryweightedscorer where scorer_ptr_id = ${scorer.scorerId}`
      const address = randomAddress()
      const call = await scoreV2(scorer, address)
      expect(call).toEqual({ status: 500, body: { detail: 'Unexpected error while submitting passport' } })
      expect(await sql()`select 1 from registry_passport where address = ${address}`).toHaveLength(0)
    })
  })
})

interface AnalyticsRow {
  api_key_id: string
  path: string
  base_path: string | null
  path_segments: unknown
  query_params: unknown
  headers: Record<string, string>
  payload: unknown
  response: unknown
  response_skipped: boolean
  error: string | null
  status_code: number
  has_created_at: boolean
}

/** The analytics row is written after the response is sent (scoring §7.6), so poll briefly. */
async function waitForAnalytics(apiKeyId: string, count: number): Promise<AnalyticsRow[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const rows = await sql()<AnalyticsRow[]>`
      select api_key_id, path, base_path, path_segments, query_params, headers, payload, response, response_skipped, error, status_code,
             created_at is not null as has_created_at
      from account_accountapikeyanalytics where api_key_id = ${apiKeyId} order by id`
    if (rows.length >= count) return rows
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`expected ${count} analytics rows for ${apiKeyId}`)
}

import { describe, expect, it } from 'vitest'
import { verifyCredentialSignature } from '../../src/domain/credential-verifier.js'
import { nowUtc, type PyDateTime } from '../../src/domain/formats/py-datetime.js'
import { formatV2ScoreResponse } from '../../src/api/schemas/score.js'
import { scorePassportInCommunity, type ScoringDeps } from '../../src/domain/score-passport.js'
import { useTestDatabase } from '../helpers/database.js'
import { scoringTestConfig } from '../helpers/app.js'
import { createAccount, createCommunity, randomAddress } from '../helpers/factories/accounts.js'
import { addCacheStamps, signStamps } from '../helpers/factories/scoring.js'
import {
  insertHashLink,
  listHashLinks,
  listHashLinksOf,
  readScoringRows,
  setScorerWeightsJson,
  uniqueNullifier,
} from '../helpers/factories/scoring-rows.js'
import { errorScoreBody, errorScoreRow } from '../helpers/error-bodies.js'

// The whole scoring operation with a chosen clock, so the spec's fixed-time vectors can be checked
// on real rows with real signatures (the API tests cannot move the clock).
const database = useTestDatabase()

const scoreBody = async (...args: Parameters<typeof scorePassportInCommunity>) =>
  formatV2ScoreResponse(await scorePassportInCommunity(...args))

const silent = { info: () => {}, warn: () => {}, error: () => {} }

async function deps(clock: () => PyDateTime): Promise<ScoringDeps> {
  return {
    sql: database.sql,
    config: await scoringTestConfig(),
    verifySignature: verifyCredentialSignature,
    log: silent,
    clock,
  }
}

const fixed = (iso: string, micros = 0n): PyDateTime => ({
  epochMicros: BigInt(Date.parse(iso)) * 1000n + micros,
  offsetMinutes: 0,
})

describe('scorePassport', () => {
  it('scoring §4.7 / §5.3 and §13.27 (dedup inside a full run): the worked example, end to end at 2025-01-15 10:20:30.123456 UTC', async () => {
    const { accountId } = await createAccount(database.sql)
    const { communityId, scorerId } = await createCommunity(database.sql, { accountId, threshold: '20.00000' })
    await setScorerWeightsJson(database.sql, scorerId, '{"Ens": 0.208, "Google": 0.525, "Linkedin": 1.5}')
    const address = '0xb81c935d01e734b3d8bb233f5c4e1d72dbc30f6c'
    const issuanceDate = '2024-12-01T00:00:00.000Z'
    const [ens, google, linkedin] = await signStamps(address, [
      { provider: 'Ens', nullifiers: ['v0:ens'], issuanceDate, expirationDate: '2025-03-01T00:00:00.000Z' },
      { provider: 'Google', nullifiers: ['v0:goo'], issuanceDate, expirationDate: '2025-02-20T12:34:56.789Z' },
      { provider: 'Linkedin', nullifiers: ['v0:li'], issuanceDate, expirationDate: '2025-03-15T08:00:00.000Z' },
    ])
    await addCacheStamps(database.sql, address, [ens!, google!, linkedin!])
    const other = `0x${'a'.repeat(40)}`
    const clashId = await insertHashLink(database.sql, {
      hash: 'v0:li',
      address: other,
      communityId,
      expiresAt: '2025-06-01T00:00:00Z',
    })
    // DIDKit re-spells a zero fraction when it signs; a deduped stamp shows the credential's own text.
    const linkedinExpiry = linkedin!.expirationDate
    expect(linkedinExpiry).toMatch(/^2025-03-15T08:00:00(\.000)?Z$/)

    const outcome = await scoreBody(await deps(() => fixed('2025-01-15T10:20:30.123Z', 456n)), address, communityId)

    const stamps = {
      Ens: { score: '0.20800', dedup: false, expiration_date: '2025-03-01T00:00:00+00:00' },
      Google: { score: '0.52500', dedup: false, expiration_date: '2025-02-20T12:34:56.789000+00:00' },
      Linkedin: { score: '0.00000', dedup: true, expiration_date: linkedinExpiry },
    }
    const evidence = {
      type: 'ThresholdScoreCheck',
      success: false,
      rawScore: '0.7330000000000000126565424807',
      threshold: '20.00000',
    }
    expect(outcome).toEqual({
      address,
      score: '0.73300',
      passing_score: false,
      last_score_timestamp: '2025-01-15T10:20:30.123456+00:00',
      expiration_timestamp: '2025-02-20T12:34:56.789000+00:00',
      threshold: '20.00000',
      error: null,
      stamps,
      points_data: null,
      possible_points_data: null,
      linked_score: null,
    })
    const rows = await readScoringRows(database.sql, address, communityId)
    const passportId = rows.passports[0]!.id
    expect(rows.score).toEqual({
      id: expect.any(Number),
      passport_id: passportId,
      score: '0.000000000',
      status: 'DONE',
      error: null,
      last_score_timestamp: '2025-01-15 10:20:30.123456+00',
      expiration_date: '2025-02-20 12:34:56.789+00',
      evidence,
      stamp_scores: { Ens: 0.208, Google: 0.525 },
      stamp_scores_text: '{"Ens": 0.208, "Google": 0.525}',
      stamps,
    })
    expect(rows.stamps.map((s) => [s.provider, s.credential])).toEqual([
      ['Ens', ens],
      ['Google', google],
    ])
    expect(rows.events.map((e) => [e.action, e.address, e.community_id, e.data])).toEqual([
      ['LDP', address, communityId, { nullifiers: ['v0:li'], provider: 'Linkedin', community_id: communityId }],
      [
        'SCU',
        address,
        communityId,
        {
          model: 'registry.score',
          pk: rows.score!.id,
          fields: {
            passport: passportId,
            score: '0',
            last_score_timestamp: '2025-01-15T10:20:30.123Z',
            status: 'DONE',
            error: null,
            evidence,
            stamp_scores: { Ens: 0.208, Google: 0.525 },
            stamps,
            expiration_date: '2025-02-20T12:34:56.789Z',
          },
        },
      ],
    ])
    expect(
      (await listHashLinks(database.sql, communityId, ['v0:ens', 'v0:goo', 'v0:li'])).map((l) => [
        l.hash,
        l.address,
        l.expires_at,
      ]),
    ).toEqual([
      ['v0:li', other, '2025-06-01 00:00:00+00'],
      ['v0:ens', address, '2025-03-01 00:00:00+00'],
      ['v0:goo', address, '2025-02-20 12:34:56.789+00'],
    ])
    expect((await listHashLinks(database.sql, communityId, ['v0:li']))[0]!.id).toBe(clashId)
  })

  it('scoring §13.26: LIFO exhausts its retries → ERROR "Failed to save HashScorerLinks"; the stamps, events and links of the earlier run stay', async () => {
    const { accountId } = await createAccount(database.sql)
    const { communityId } = await createCommunity(database.sql, { accountId, weights: { Google: 1, P1: 1, P2: 1 } })
    const address = randomAddress()
    const now = () => fixed(new Date().toISOString())
    const [google] = await signStamps(address, [{ provider: 'Google', nullifiers: [uniqueNullifier('v0:google')] }])
    await addCacheStamps(database.sql, address, [google!])
    expect((await scoreBody(await deps(now), address, communityId)).error).toBeNull()
    const before = await readScoringRows(database.sql, address, communityId)
    const linksBefore = await listHashLinksOf(database.sql, communityId, address)

    // Two stamps sharing a new nullifier: every attempt's insert violates the unique key.
    const shared = uniqueNullifier('v0:shared')
    await addCacheStamps(
      database.sql,
      address,
      await signStamps(address, [
        { provider: 'P1', nullifiers: [shared] },
        { provider: 'P2', nullifiers: [shared] },
      ]),
    )
    expect(await scoreBody(await deps(now), address, communityId)).toEqual(
      errorScoreBody(address, 'Failed to save HashScorerLinks'),
    )
    const after = await readScoringRows(database.sql, address, communityId)
    expect(after.passports).toEqual(before.passports)
    expect(after.stamps).toEqual(before.stamps)
    expect(after.score).toEqual({
      id: before.score!.id,
      ...errorScoreRow(before.passports[0]!.id, 'Failed to save HashScorerLinks'),
    })
    expect(after.events).toEqual(before.events)
    expect(await listHashLinksOf(database.sql, communityId, address)).toEqual(linksBefore)
  })

  it('scoring §13.37: every credential expired by the rescore → score 0, no expiration, empty stamps', async () => {
    const { accountId } = await createAccount(database.sql)
    const { communityId } = await createCommunity(database.sql, {
      accountId,
      threshold: '1.00000',
      weights: { Ens: 1, Google: 1 },
    })
    const address = randomAddress()
    const now = Date.now()
    await addCacheStamps(
      database.sql,
      address,
      await signStamps(address, [
        { provider: 'Ens', expirationDate: new Date(now + 10 * 86_400_000).toISOString() },
        { provider: 'Google', expirationDate: new Date(now + 20 * 86_400_000).toISOString() },
      ]),
    )

    const first = await scoreBody(await deps(() => fixed(new Date(now).toISOString())), address, communityId)
    expect(first).toMatchObject({ score: '2.00000', passing_score: true, error: null })
    expect(first.expiration_timestamp).not.toBeNull()

    const later = await scoreBody(
      await deps(() => fixed(new Date(now + 30 * 86_400_000).toISOString())),
      address,
      communityId,
    )
    expect(later).toMatchObject({
      score: '0.00000',
      passing_score: false,
      expiration_timestamp: null,
      stamps: {},
      error: null,
    })
    const rows = await readScoringRows(database.sql, address, communityId)
    expect(rows.score).toMatchObject({
      score: '0.000000000',
      status: 'DONE',
      expiration_date: null,
      stamps: {},
      stamp_scores: {},
      evidence: { type: 'ThresholdScoreCheck', success: false, rawScore: '0', threshold: '1.00000' },
    })
    expect(rows.stamps).toEqual([])
    expect(rows.events.filter((e) => e.action === 'SCU')).toHaveLength(2)
  })

  it('scoring §3: each deduplicated stamp is logged at info with the clashing hash and its owner; kept ones are not', async () => {
    const { accountId } = await createAccount(database.sql)
    const { communityId } = await createCommunity(database.sql, { accountId, weights: { Ens: 1, Google: 1 } })
    const [address, owner] = [randomAddress(), randomAddress()]
    const [held, own] = [uniqueNullifier('v0:held'), uniqueNullifier('v0:own')]
    await insertHashLink(database.sql, { hash: held, address: owner, communityId, expiresAt: '2099-01-01T00:00:00Z' })
    await addCacheStamps(
      database.sql,
      address,
      await signStamps(address, [
        { provider: 'Ens', nullifiers: [held, own] },
        { provider: 'Google', nullifiers: [uniqueNullifier('v0:google')] },
      ]),
    )
    const logged: { details: object; message: string }[] = []
    const log = { ...silent, info: (details: object, message: string) => logged.push({ details, message }) }
    const score = await scorePassportInCommunity({ ...(await deps(nowUtc)), log }, address, communityId)

    expect(score.stamps).toMatchObject({ Ens: { dedup: true }, Google: { dedup: false } })
    expect(logged.filter((line) => line.message === 'stamp deduplicated')).toEqual([
      { message: 'stamp deduplicated', details: { address, communityId, provider: 'Ens', hash: held, owner } },
    ])
  })
})

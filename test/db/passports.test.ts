import { beforeAll, describe, expect, it } from 'vitest'
import { useTestDatabase } from '../helpers/database.js'
import { createAccount, createCommunity, randomAddress } from '../helpers/factories/accounts.js'
import {
  claimPassportAndScore,
  finishScoringRun,
  type FinishedRun,
  type NewStampRow,
} from '../../src/db/queries/passports.js'
import { insertRawCacheRow } from '../helpers/factories/scoring-rows.js'

const database = useTestDatabase()
let communityId: number

beforeAll(async () => {
  const { accountId } = await createAccount(database.sql)
  ;({ communityId } = await createCommunity(database.sql, { accountId }))
})

function run(passportId: number, scoreId: number, address: string, stamps: NewStampRow[]): FinishedRun {
  return {
    passportId,
    scoreId,
    stamps,
    event: { address, communityId, dataJson: '{"model": "registry.score"}' },
    update: {
      score: '1',
      status: 'DONE',
      error: null,
      lastScoreTimestamp: '2025-01-15T10:20:30.123456+00:00',
      expirationDate: null,
      evidenceJson: '{"rawScore": "45"}',
      stampScoresJson: '{"Ens": 15.0}',
      stampsJson: '{}',
    },
  }
}

async function stampRows(passportId: number): Promise<{ id: number; provider: string; credential: unknown }[]> {
  return database.sql`select id, provider, credential from registry_stamp where passport_id = ${passportId} order by id`
}

describe('claimPassportAndScore (scoring §5.2 steps 2–3)', () => {
  it('creates the passport and a PROCESSING score once, then finds the same rows', async () => {
    const address = randomAddress()
    const first = await database.sql.begin((tx) => claimPassportAndScore(tx, address, communityId))
    const again = await database.sql.begin((tx) => claimPassportAndScore(tx, address, communityId))
    expect(again).toEqual(first)
    const [score] =
      await database.sql`select status, score, evidence, passport_id from registry_score where id = ${first!.scoreId}`
    expect(score).toEqual({ status: 'PROCESSING', score: null, evidence: null, passport_id: first!.passportId })
    const [passport] =
      await database.sql`select address, community_id, requires_calculation from registry_passport where id = ${first!.passportId}`
    expect(passport).toEqual({ address, community_id: communityId, requires_calculation: null })
  })
})

describe('finishScoringRun (scoring §5.2 steps 6 and 9)', () => {
  it('copies credentials from the cache rows, in order, writes the SCU event and the score', async () => {
    const address = randomAddress()
    const ids = await Promise.all(
      ['Ens', 'Google'].map((provider) =>
        insertRawCacheRow(database.sql, { address, provider, stamp: { provider, n: 1.5 } }),
      ),
    )
    const claimed = (await database.sql.begin((tx) => claimPassportAndScore(tx, address, communityId)))!
    await database.sql.begin((tx) =>
      finishScoringRun(
        tx,
        run(claimed.passportId, claimed.scoreId, address, [
          { provider: 'Ens', source: { cacheId: ids[0]! } },
          { provider: 'Google', source: { cacheId: ids[1]! } },
          { provider: 'Extra', source: { credentialJson: '{"x": 15.0}' } },
        ]),
      ),
    )
    expect((await stampRows(claimed.passportId)).map((row) => [row.provider, row.credential])).toEqual([
      ['Ens', { provider: 'Ens', n: 1.5 }],
      ['Google', { provider: 'Google', n: 1.5 }],
      ['Extra', { x: 15 }],
    ])
    const [textual] =
      await database.sql`select credential::text as text from registry_stamp where passport_id = ${claimed.passportId} and provider = 'Extra'`
    expect(textual!.text).toBe('{"x": 15.0}')
    const events =
      await database.sql`select action, address, community_id, data from registry_event where address = ${address}`
    expect(events).toEqual([{ action: 'SCU', address, community_id: communityId, data: { model: 'registry.score' } }])
    const [score] =
      await database.sql`select status, score, last_score_timestamp, evidence, stamp_scores::text as stamp_scores from registry_score where id = ${claimed.scoreId}`
    expect(score).toEqual({
      status: 'DONE',
      score: '1.000000000',
      last_score_timestamp: '2025-01-15 10:20:30.123456+00',
      evidence: { rawScore: '45' },
      stamp_scores: '{"Ens": 15.0}',
    })
  })

  it('keeps the stamp rows when a rescore finds exactly the same stamps; replaces them when one differs', async () => {
    const address = randomAddress()
    const ids = await Promise.all(
      ['Ens', 'Google'].map((provider) => insertRawCacheRow(database.sql, { address, provider, stamp: { provider } })),
    )
    const claimed = (await database.sql.begin((tx) => claimPassportAndScore(tx, address, communityId)))!
    const same: NewStampRow[] = [
      { provider: 'Ens', source: { cacheId: ids[0]! } },
      { provider: 'Google', source: { cacheId: ids[1]! } },
    ]
    await database.sql.begin((tx) => finishScoringRun(tx, run(claimed.passportId, claimed.scoreId, address, same)))
    const before = await stampRows(claimed.passportId)
    await database.sql.begin((tx) => finishScoringRun(tx, run(claimed.passportId, claimed.scoreId, address, same)))
    expect(await stampRows(claimed.passportId)).toEqual(before)

    // Another order, a dropped stamp, a changed credential: each is a replacement.
    for (const stamps of [
      [...same].reverse(),
      [same[0]!],
      [same[0]!, { provider: 'Google', source: { credentialJson: '{"provider": "Google", "v": 2}' } }],
    ] as NewStampRow[][]) {
      const previous = await stampRows(claimed.passportId)
      await database.sql.begin((tx) => finishScoringRun(tx, run(claimed.passportId, claimed.scoreId, address, stamps)))
      const after = await stampRows(claimed.passportId)
      expect(after.map((row) => row.provider)).toEqual(stamps.map((stamp) => stamp.provider))
      expect(Math.min(...after.map((row) => row.id))).toBeGreaterThan(Math.max(...previous.map((row) => row.id)))
    }
    expect((await stampRows(claimed.passportId)).at(-1)!.credential).toEqual({ provider: 'Google', v: 2 })

    await database.sql.begin((tx) => finishScoringRun(tx, run(claimed.passportId, claimed.scoreId, address, [])))
    expect(await stampRows(claimed.passportId)).toEqual([])
  })
})

import { beforeAll, describe, expect, it } from 'vitest'
import type { Config } from '../../src/config.js'
import { verifyCredentialSignature } from '../../src/domain/credential-verifier.js'
import { formatV2ScoreResponse } from '../../src/api/schemas/score.js'
import { scorePassportInCommunity, type ScoringDeps, type ScoringLogger } from '../../src/domain/score-passport.js'
import { deriveDemoNullifier } from '../../src/dev/stamp-issuer.js'
import { scoringTestConfig } from '../helpers/app.js'
import { useTestDatabase } from '../helpers/database.js'
import { createAccount, createCommunity, randomAddress } from '../helpers/factories/accounts.js'
import { listHumanPointsRows, listQualifiedCommunityIds } from '../helpers/factories/human-points.js'
import { addCacheStamps, signStamps } from '../helpers/factories/scoring.js'

// Human points through a whole scoring run (scoring §5, §6.2): the seam in score-passport.ts.

const database = useTestDatabase()
let accountId: number
let config: Config

beforeAll(async () => {
  ;({ accountId } = await createAccount(database.sql))
  config = await scoringTestConfig({ HUMAN_POINTS_WRITE_ENABLED: 'true', HUMAN_POINTS_START_TIMESTAMP: '0' })
})

interface LoggedError {
  details: object
  message: string
}

function scoringDeps(errors: LoggedError[] = []): ScoringDeps {
  const log: ScoringLogger = {
    info: () => {},
    warn: () => {},
    error: (details, message) => errors.push({ details, message }),
  }
  return { sql: database.sql, config, verifySignature: verifyCredentialSignature, log }
}

const WEIGHTS = { SelfStakingBronze: 15, BeginnerCommunityStaker: 10, Google: 1 }

async function passingPassport(address: string): Promise<void> {
  await addCacheStamps(
    database.sql,
    address,
    await signStamps(address, [
      { provider: 'SelfStakingBronze' },
      { provider: 'BeginnerCommunityStaker', legacyHash: true },
      { provider: 'Google', nullifiers: ['v0:google', 'v1:google'] },
    ]),
  )
}

async function storedScore(
  address: string,
  communityId: number,
): Promise<{ status: string; score: string | null } | undefined> {
  const [row] = await database.sql<{ status: string; score: string | null }[]>`
    select s.status, s.score from registry_score s join registry_passport p on p.id = s.passport_id
    where p.address = ${address} and p.community_id = ${communityId}`
  return row
}

async function scoreUpdateEvents(address: string, communityId: number): Promise<number> {
  const [row] = await database.sql<{ count: number }[]>`
    select count(*) as count from registry_event where action = 'SCU' and address = ${address} and community_id = ${communityId}`
  return row!.count
}

describe('scorePassport with human points', () => {
  it('scoring §13.48 via scorePassport: a passing run awards HKY per nullifier stamp, ISB and CSB; the re-score shows no points data (§13.58)', async () => {
    const { communityId } = await createCommunity(database.sql, {
      accountId,
      weights: WEIGHTS,
      threshold: '20.00000',
      humanPointsProgram: true,
    })
    const address = randomAddress()
    await passingPassport(address)
    const outcome = formatV2ScoreResponse(await scorePassportInCommunity(scoringDeps(), address, communityId))

    expect(outcome.error).toBeNull()
    expect(outcome).toMatchObject({ score: '26.00000', passing_score: true })
    expect(outcome.points_data).toBeNull()
    expect(outcome.possible_points_data).toBeNull()
    const rows = await listHumanPointsRows(database.sql, address)
    const byKey = (r: { action: string; provider: string }) => `${r.action}/${r.provider}`
    expect([...rows].sort((a, b) => byKey(a).localeCompare(byKey(b)))).toEqual([
      { address, action: 'CSB', tx_hash: '', chain_id: 0, provider: '', has_timestamp: true },
      { address, action: 'HKY', tx_hash: 'v1:google', chain_id: 0, provider: 'Google', has_timestamp: true },
      {
        address,
        action: 'HKY',
        tx_hash: deriveDemoNullifier(address, 'SelfStakingBronze'),
        chain_id: 0,
        provider: 'SelfStakingBronze',
        has_timestamp: true,
      },
      { address, action: 'ISB', tx_hash: '', chain_id: 0, provider: '', has_timestamp: true },
    ])
    expect(await listQualifiedCommunityIds(database.sql, address)).toEqual([communityId])
  })

  it('scoring §13.50 via scorePassport: a failing run awards nothing', async () => {
    const { communityId } = await createCommunity(database.sql, {
      accountId,
      weights: { ...WEIGHTS, SelfStakingBronze: 1 },
      threshold: '20.00000',
      humanPointsProgram: true,
    })
    const address = randomAddress()
    await passingPassport(address)
    const outcome = formatV2ScoreResponse(await scorePassportInCommunity(scoringDeps(), address, communityId))
    expect(outcome).toMatchObject({ score: '12.00000', passing_score: false })
    expect(await listHumanPointsRows(database.sql, address)).toEqual([])
    expect(await listQualifiedCommunityIds(database.sql, address)).toEqual([])
  })

  it('scoring §13.51 via scorePassport: a community outside the program awards nothing', async () => {
    const { communityId } = await createCommunity(database.sql, {
      accountId,
      weights: WEIGHTS,
      threshold: '20.00000',
      humanPointsProgram: false,
    })
    const address = randomAddress()
    await passingPassport(address)
    expect(
      formatV2ScoreResponse(await scorePassportInCommunity(scoringDeps(), address, communityId)).passing_score,
    ).toBe(true)
    expect(await listHumanPointsRows(database.sql, address)).toEqual([])
    expect(await listQualifiedCommunityIds(database.sql, address)).toEqual([])
  })

  it('scoring §6.2 Q6.2, overridden by D7: a failure inside human points leaves the score DONE with its SCU event', async () => {
    const { communityId } = await createCommunity(database.sql, {
      accountId,
      weights: WEIGHTS,
      threshold: '20.00000',
      humanPointsProgram: true,
    })
    const address = randomAddress()
    await passingPassport(address)
    // Test-only breakage in this file's own database: any human-points row of this address fails.
    await database.sql.unsafe(
      `alter table registry_humanpoints add constraint test_broken_${address} check (address <> '${address}')`,
    )
    const errors: LoggedError[] = []
    const outcome = formatV2ScoreResponse(await scorePassportInCommunity(scoringDeps(errors), address, communityId))

    expect(outcome.error).toBeNull()
    expect(outcome).toMatchObject({ score: '26.00000', passing_score: true, error: null, points_data: null })
    expect(await storedScore(address, communityId)).toEqual({ status: 'DONE', score: '1.000000000' })
    expect(await scoreUpdateEvents(address, communityId)).toBe(1)
    // The savepoint rolled back the whole award, the qualified-community row included.
    expect(await listHumanPointsRows(database.sql, address)).toEqual([])
    expect(await listQualifiedCommunityIds(database.sql, address)).toEqual([])
    expect(errors).toEqual([
      { details: expect.objectContaining({ address, communityId }), message: 'human points failed; score kept' },
    ])
  })
})

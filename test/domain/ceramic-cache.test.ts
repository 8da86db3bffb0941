import { beforeAll, describe, expect, it } from 'vitest'
import { useTestDatabase } from '../helpers/database.js'
import { scoringTestConfig } from '../helpers/app.js'
import { createAccount, createCommunity, randomAddress } from '../helpers/factories/accounts.js'
import { findScoreRow, insertStoredScore, listEvents } from '../helpers/factories/ceramic-cache.js'
import { formatV2ScoreResponse } from '../../src/api/schemas/score.js'
import { getAppScore } from '../../src/domain/ceramic-cache.js'
import { rescoreForCommunityOwner } from '../../src/domain/stamp-updates.js'
import { DomainError } from '../../src/domain/errors.js'
import { addMicros, parsePgTimestamp } from '../../src/domain/formats/py-datetime.js'
import type { ScoringDeps } from '../../src/domain/score-passport.js'

const database = useTestDatabase()
let deps: ScoringDeps

beforeAll(async () => {
  const silent = { info: () => {}, warn: () => {}, error: () => {} }
  // No stamps are scored here, so no signature is ever checked.
  deps = { sql: database.sql, config: await scoringTestConfig(), verifySignature: async () => [], log: silent }
})

const EXPIRES = '2030-06-01 12:00:00.5+00'

describe('getAppScore', () => {
  it('scoring §9.5: a stored score expiring exactly now is still served (Python: `expiration_date < now` re-scores)', async () => {
    const { accountId } = await createAccount(database.sql)
    const { communityId } = await createCommunity(database.sql, { accountId })
    const address = randomAddress()
    await insertStoredScore(database.sql, {
      address,
      communityId,
      score: '1',
      status: 'DONE',
      lastScoreTimestamp: '2030-01-01 00:00:00+00',
      expirationDate: EXPIRES,
      evidenceJson: '{"rawScore": "21", "threshold": "20"}',
    })

    const served = formatV2ScoreResponse(
      await getAppScore(deps, { address, scorerId: communityId, now: parsePgTimestamp(EXPIRES) }),
    )
    expect(served).toMatchObject({ score: '21.00000', expiration_timestamp: '2030-06-01T12:00:00.500000+00:00' })
    expect(await listEvents(database.sql, address, communityId)).toEqual([])

    const rescored = formatV2ScoreResponse(
      await getAppScore(deps, {
        address,
        scorerId: communityId,
        now: addMicros(parsePgTimestamp(EXPIRES), 1n),
      }),
    )
    expect(rescored).toMatchObject({ score: '0.00000', expiration_timestamp: null })
    expect(await findScoreRow(database.sql, address, communityId)).toMatchObject({
      status: 'DONE',
      score: '0.000000000',
    })
    expect((await listEvents(database.sql, address, communityId)).map((event) => event.action)).toEqual(['SCU'])
  })
})

describe('rescoreForCommunityOwner', () => {
  it("scoring §9.1 step 6: the owner's community whose external_scorer_id is str(scorer_id) wins over the id (endpoints §1.7)", async () => {
    const { accountId } = await createAccount(database.sql)
    const { communityId } = await createCommunity(database.sql, { accountId })
    const { communityId: external } = await createCommunity(database.sql, {
      accountId,
      externalScorerId: String(communityId),
    })
    const address = randomAddress()
    const outcome = await rescoreForCommunityOwner(
      deps,
      address,
      communityId,
      new DomainError('not_found', 'Not Found'),
    )
    expect(outcome.communityId).toBe(external)
    expect(await findScoreRow(database.sql, address, external)).toBeDefined()
    expect(await findScoreRow(database.sql, address, communityId)).toBeUndefined()
  })

  it("scoring §9.1 step 6: no such community → the caller's error, nothing written", async () => {
    const missing = new DomainError('not_found', 'Not Found')
    const address = randomAddress()
    await expect(rescoreForCommunityOwner(deps, address, 987654321, missing)).rejects.toBe(missing)
    expect(await database.sql`select id from registry_passport where address = ${address}`).toHaveLength(0)
  })
})

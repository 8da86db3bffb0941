import { describe, expect, it } from 'vitest'
import { scoringTestConfig, useTestApp } from '../helpers/app.js'
import { randomAddress } from '../helpers/factories/accounts.js'
import { signStamps } from '../helpers/factories/scoring.js'
import { setUpCeramicCache, type CeramicCacheSetup } from '../helpers/jwt.js'
import { listCacheRows, listLiveCacheRows } from '../helpers/factories/ceramic-cache.js'
import type { StampCredential } from '../../src/dev/stamp-issuer.js'

// D25: identical stamp writes racing each other (a double click, a client retry) both succeed and
// the later one wins, as if they had been sent one after the other. Before: 14 of 20 were 500s
// (a race on the unique index `unique_non_deleted_provider_for_address`).

const INTERNAL_TOKEN = 'internal-test-token'
const PARALLEL_WRITES = 20

let ceramic: CeramicCacheSetup

const ctx = useTestApp({
  poolSize: 8,
  config: async ({ sql }) => {
    ceramic = await setUpCeramicCache(sql, { weights: { Google: 1, Github: 2 }, threshold: '1' })
    return scoringTestConfig({ ...ceramic.env, CGRANTS_API_TOKEN: INTERNAL_TOKEN })
  },
})

/** One signed Google stamp per write, each with its own proof, so every row can be told apart. */
async function signedWrites(address: string): Promise<StampCredential[]> {
  return signStamps(
    address,
    Array.from({ length: PARALLEL_WRITES }, () => ({ provider: 'Google' })),
  )
}

async function expectOneLiveRowFromTheLastWrite(address: string, proofValues: readonly string[]): Promise<void> {
  const rows = await listCacheRows(ctx.database.sql, address)
  // Every acknowledged write left its row; all but one were superseded.
  expect(rows.map((row) => row.proof_value).sort()).toEqual([...proofValues].sort())
  const live = await listLiveCacheRows(ctx.database.sql, address)
  expect(live).toHaveLength(1)
  // As if sequential: the live row is the newest, and every other row was deleted no earlier than
  // it was created, by the write that came after it.
  const newest = rows.reduce((latest, row) => (row.created_at! > latest.created_at! ? row : latest))
  expect(live[0]!.id).toBe(newest.id)
  for (const row of rows.filter((candidate) => candidate.id !== newest.id)) {
    expect(row.deleted_at).not.toBeNull()
    expect(row.deleted_at! >= row.created_at!).toBe(true)
  }
}

describe('concurrent identical stamp writes (D25)', () => {
  it(`POST /ceramic-cache/stamps/bulk ×${PARALLEL_WRITES} for one address and provider → all 201, one live row: the last write's`, async () => {
    const address = randomAddress()
    const credentials = await signedWrites(address)
    const jwt = await ceramic.bearer(address)
    const responses = await Promise.all(
      credentials.map((stamp) =>
        ctx.app.inject({
          method: 'POST',
          url: '/ceramic-cache/stamps/bulk',
          headers: jwt,
          payload: [{ provider: 'Google', stamp }],
        }),
      ),
    )
    expect(responses.map((response) => response.statusCode)).toEqual(credentials.map(() => 201))
    // Each answer lists exactly one live Google stamp: the one its own write stored or a later one.
    for (const response of responses) expect((response.json() as { stamps: unknown[] }).stamps).toHaveLength(1)
    await expectOneLiveRowFromTheLastWrite(
      address,
      credentials.map((stamp) => String(stamp.proof.proofValue)),
    )
  })

  it(`POST /internal/embed/stamps/{address} ×${PARALLEL_WRITES} for one address and provider → all 200, one live row: the last write's`, async () => {
    const address = randomAddress()
    const credentials = await signedWrites(address)
    const responses = await Promise.all(
      credentials.map((stamp) =>
        ctx.app.inject({
          method: 'POST',
          url: `/internal/embed/stamps/${address}`,
          headers: { authorization: INTERNAL_TOKEN },
          payload: { scorer_id: ceramic.communityId, stamps: [stamp] },
        }),
      ),
    )
    expect(responses.map((response) => response.statusCode)).toEqual(credentials.map(() => 200))
    await expectOneLiveRowFromTheLastWrite(
      address,
      credentials.map((stamp) => String(stamp.proof.proofValue)),
    )
  })

  it('PATCH and DELETE racing adds for the same provider → no 5xx; the final state is one of the sequential outcomes', async () => {
    const address = randomAddress()
    const credentials = await signedWrites(address)
    const jwt = await ceramic.bearer(address)
    const requests = credentials.slice(0, 12).map((stamp, index) => {
      const method = index % 3 === 0 ? 'POST' : index % 3 === 1 ? 'PATCH' : 'DELETE'
      const payload = method === 'DELETE' ? [{ provider: 'Google' }] : [{ provider: 'Google', stamp }]
      return ctx.app.inject({ method, url: '/ceramic-cache/stamps/bulk', headers: jwt, payload })
    })
    const statuses = (await Promise.all(requests)).map((response) => response.statusCode)
    // A DELETE that finds nothing live is a 404 (Python's "Unable to find stamp to delete.").
    expect(statuses.filter((status) => status >= 500)).toEqual([])
    expect((await listLiveCacheRows(ctx.database.sql, address)).length).toBeLessThanOrEqual(1)
  })
})

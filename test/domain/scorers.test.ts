import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { loadScoringCommunity } from '../../src/domain/scorers.js'
import { useTestDatabase } from '../helpers/database.js'
import { createAccount, createCommunity } from '../helpers/factories/accounts.js'
import { createAllowListCustomization } from '../helpers/factories/scoring-rows.js'

const database = useTestDatabase()

// Issue 16: a scorer's weights map is built once per distinct jsonb text and shared by every score
// that reads it; a customization's overlay goes into a copy of its own.
describe('loadScoringCommunity weights (scoring §4.1)', () => {
  it('two scorers with the same weights share one map; an allow-list overlay changes only its own copy', async () => {
    const { accountId } = await createAccount(database.sql)
    // Weights no other test uses, so the map is built here.
    const weights = { Google: 0.525, [`Ens${randomBytes(4).toString('hex')}`]: 0.208 }
    const plain = await createCommunity(database.sql, { accountId, weights })
    const other = await createCommunity(database.sql, { accountId, weights })
    const customized = await createCommunity(database.sql, { accountId, weights })
    await createAllowListCustomization(database.sql, customized.communityId, { listName: 'vip', weight: '10.0000' })

    const first = (await loadScoringCommunity(database.sql, plain.communityId))!.scorer!.weights!
    const second = (await loadScoringCommunity(database.sql, other.communityId))!.scorer!.weights!
    const overlaid = (await loadScoringCommunity(database.sql, customized.communityId))!.scorer!.weights!
    expect(second).toBe(first)
    expect([...first.keys()]).toEqual(Object.keys(weights).sort((a, b) => a.length - b.length || (a < b ? -1 : 1)))
    expect(overlaid).not.toBe(first)
    expect(overlaid.get('AllowList#vip')).toBe('10.0000')
    expect(first.has('AllowList#vip')).toBe(false)
    expect((await loadScoringCommunity(database.sql, plain.communityId))!.scorer!.weights!.has('AllowList#vip')).toBe(
      false,
    )
  })
})

import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { useTestDatabase } from '../helpers/database.js'
import { createAccount, createCommunity, randomAddress } from '../helpers/factories/accounts.js'
import { epochMsOfPgText } from '../helpers/factories/ceramic-cache.js'
import { insertRawCacheRow, revokeCacheRow } from '../helpers/factories/scoring-rows.js'
import { insertHashLinks, listHashLinksOfCachedStamps } from '../../src/db/queries/hash-links.js'

const database = useTestDatabase()

// Text that pglz cannot shrink much, so a credential carrying it is stored out of line (TOAST) and
// one with repeated text is stored compressed in the row: both ways a stored stamp can be read.
const incompressible = (bytes: number): string => randomBytes(bytes).toString('base64')
const compressible = (bytes: number): string => 'ab'.repeat(bytes / 2)

function credential(subject: Record<string, unknown>, padding: string): Record<string, unknown> {
  return { type: ['VerifiableCredential'], credentialSubject: subject, proof: { proofValue: padding } }
}

describe('listHashLinksOfCachedStamps', () => {
  it("returns the community's links of each live, unrevoked row's hash and nullifiers, however the row is stored", async () => {
    const { sql } = database
    const { accountId } = await createAccount(sql)
    const { communityId } = await createCommunity(sql, { accountId })
    const { communityId: otherCommunityId } = await createCommunity(sql, { accountId })
    const address = randomAddress()
    const hash = (label: string) => `v0.0.0:${label}-${randomBytes(6).toString('hex')}`
    const h = {
      legacy: hash('legacy'),
      first: hash('first'),
      second: hash('second'),
      subjectHashBeside: hash('beside'),
      toasted: hash('toasted'),
      notArray: hash('not-array'),
      revoked: hash('revoked'),
      deleted: hash('deleted'),
      unlinked: hash('unlinked'),
    }
    await insertRawCacheRow(sql, {
      address,
      provider: 'Legacy',
      stamp: credential({ hash: h.legacy, provider: 'Legacy' }, compressible(4000)),
    })
    await insertRawCacheRow(sql, {
      address,
      provider: 'Nullifiers',
      stamp: credential(
        { hash: h.subjectHashBeside, nullifiers: [h.first, h.second], provider: 'Nullifiers' },
        compressible(4000),
      ),
    })
    await insertRawCacheRow(sql, {
      address,
      provider: 'Toasted',
      stamp: credential({ nullifiers: [h.toasted, h.unlinked], provider: 'Toasted' }, incompressible(20_000)),
    })
    // `nullifiers` that is not an array contributes nothing (its `hash` still counts when present).
    await insertRawCacheRow(sql, {
      address,
      provider: 'NotArray',
      stamp: credential({ nullifiers: h.notArray, provider: 'NotArray' }, ''),
    })
    const revoked = await insertRawCacheRow(sql, {
      address,
      provider: 'Revoked',
      stamp: credential({ nullifiers: [h.revoked] }, compressible(4000)),
    })
    await revokeCacheRow(sql, revoked)
    await insertRawCacheRow(sql, {
      address,
      provider: 'Deleted',
      stamp: credential({ nullifiers: [h.deleted] }, ''),
      deletedAt: new Date().toISOString(),
    })
    const owner = randomAddress()
    const expiresAt = '2099-01-01T00:00:00Z'
    const linked = [h.legacy, h.first, h.second, h.subjectHashBeside, h.toasted, h.notArray, h.revoked, h.deleted]
    await insertHashLinks(
      sql,
      communityId,
      linked.map((value) => ({ hash: value, address: owner, expiresAt })),
    )
    await insertHashLinks(sql, otherCommunityId, [{ hash: h.first, address: owner, expiresAt }])

    const storage = await sql<{ provider: string; stored: number; text: number }[]>`
      select provider, pg_column_size(stamp) as stored, octet_length(stamp::text) as text
      from ceramic_cache_ceramiccache where address = ${address} order by id`
    const byProvider = Object.fromEntries(storage.map((row) => [row.provider, row]))
    expect(byProvider.Legacy!.stored).toBeLessThan(byProvider.Legacy!.text / 4)
    expect(byProvider.Toasted!.stored).toBeGreaterThan(20_000)

    const links = await listHashLinksOfCachedStamps(sql, communityId, address)
    expect(links.map((link) => link.hash).sort()).toEqual(
      [h.legacy, h.first, h.second, h.subjectHashBeside, h.toasted].sort(),
    )
    for (const link of links) {
      expect(link.address).toBe(owner)
      expect(epochMsOfPgText(link.expires_at)).toBe(Date.parse(expiresAt))
    }
    expect(await listHashLinksOfCachedStamps(sql, otherCommunityId, address)).toHaveLength(1)
    expect(await listHashLinksOfCachedStamps(sql, communityId, randomAddress())).toEqual([])
  })
})

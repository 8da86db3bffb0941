import { describe, expect, it } from 'vitest'
import { formatV2ScoreResponse } from '../../src/api/schemas/score.js'
import { addCachedStamps, patchCachedStamps } from '../../src/domain/cache-stamp-writes.js'
import type { Credential } from '../../src/domain/credentials.js'
import { scorePassportInCommunity, type ScoringDeps } from '../../src/domain/score-passport.js'
import { createStoredStampCache, type StoredStampCache } from '../../src/domain/stored-stamp-cache.js'
import { scoringTestConfig, useTestApp } from '../helpers/app.js'
import { createAccount, createCommunity, randomAddress } from '../helpers/factories/accounts.js'
import { signStamps } from '../helpers/factories/scoring.js'
import { verifyCredentialSignature } from '../../src/domain/credential-verifier.js'
import type { StampCredential } from '../../src/dev/stamp-issuer.js'

// Issue 16: a stamp re-added through the Passport app or the embed widget is a new row, so the
// stored-stamp cache (keyed by row and row version) missed it and the rescore read and hashed its
// JSON again. When the new row's stored JSON text is exactly the replaced row's, the write moves the
// replaced version's entry to the new version. Nothing else changes: any later change of the row is
// another version, verified again.

type Counted = StoredStampCache & { hits: number; misses: number }

describe('a stamp re-added with the same JSON', () => {
  const ctx = useTestApp({ config: () => scoringTestConfig() })

  async function scoredPassport() {
    const sql = ctx.database.sql
    const { accountId } = await createAccount(sql)
    const { communityId } = await createCommunity(sql, { accountId, weights: { Google: 0.525, Ens: 0.208 } })
    const address = randomAddress()
    const credentials = await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }])
    const checked: unknown[] = []
    const cache = createStoredStampCache(100) as Counted
    const deps: ScoringDeps = {
      sql,
      config: ctx.app.config,
      verifySignature: (credential) => {
        checked.push(credential)
        return verifyCredentialSignature(credential)
      },
      log: { info: () => {}, warn: () => {}, error: () => {} },
      storedStampCache: cache,
    }
    const add = (stamps: readonly StampCredential[], { carryOver = true } = {}) =>
      addCachedStamps(sql, {
        address,
        items: stamps.map((credential) => ({
          provider: credential.credentialSubject.provider,
          credential: credential as unknown as Credential & { proof: { proofValue: string } },
          location: [],
        })),
        sourceApp: 2,
        sourceScorerId: communityId,
        ...(carryOver ? { storedStamps: cache } : {}),
      })
    const score = async (withDeps: ScoringDeps = deps) =>
      formatV2ScoreResponse(await scorePassportInCommunity(withDeps, address, communityId))
    await add(credentials)
    const first = await score()
    expect(Object.keys(first.stamps)).toEqual(['Ens', 'Google'])
    expect(checked).toHaveLength(2)
    return { sql, address, credentials, checked, cache, deps, add, score }
  }

  /** A rescore with nothing remembered: every stamp read and verified afresh. */
  function uncachedDeps(deps: ScoringDeps): ScoringDeps {
    return { ...deps, verifySignature: verifyCredentialSignature, storedStampCache: createStoredStampCache(100) }
  }

  const withoutTimestamp = (body: { last_score_timestamp: unknown }) => ({ ...body, last_score_timestamp: null })

  it('the rescore after the re-add finds both stamps remembered (no read, no check) and scores as an uncached one', async () => {
    const { credentials, checked, cache, deps, add, score } = await scoredPassport()
    await add(credentials)
    const missesBefore = cache.misses
    const rescored = await score()
    expect(cache.misses).toBe(missesBefore)
    expect(checked).toHaveLength(2)
    expect(cache.size).toBe(2) // the replaced versions' entries moved, not copied
    expect(withoutTimestamp(rescored)).toEqual(withoutTimestamp(await score(uncachedDeps(deps))))
    expect(rescored.score).toBe('0.73300')
  })

  it('without the cache given to the write, the re-added stamps are read and checked again (what the carry-over saves)', async () => {
    const { credentials, checked, cache, add, score } = await scoredPassport()
    await add(credentials, { carryOver: false })
    const missesBefore = cache.misses
    await score()
    expect(cache.misses).toBe(missesBefore + 2)
    expect(checked).toHaveLength(4)
  })

  it('a byte of the re-added row changed afterwards: verified again and rejected', async () => {
    const { sql, address, credentials, checked, add, score } = await scoredPassport()
    await add(credentials)
    await sql`
      update ceramic_cache_ceramiccache
      set stamp = jsonb_set(stamp, '{proof,proofValue}', to_jsonb(
        left(stamp -> 'proof' ->> 'proofValue', -1) ||
        case right(stamp -> 'proof' ->> 'proofValue', 1) when '0' then '1' else '0' end))
      where address = ${address} and provider = 'Google' and deleted_at is null`
    const rescored = await score()
    expect(checked).toHaveLength(3)
    expect(JSON.stringify(checked[2])).toContain('"provider":"Google"')
    expect(Object.keys(rescored.stamps)).toEqual(['Ens'])
  })

  it('re-added with other JSON (a tampered proof): nothing carried over, verified and rejected', async () => {
    const { credentials, checked, cache, add, score } = await scoredPassport()
    const [google, ens] = credentials as [StampCredential, StampCredential]
    const proofValue = google.proof.proofValue!
    const tampered = {
      ...google,
      proof: { ...google.proof, proofValue: proofValue.slice(0, -1) + (proofValue.endsWith('0') ? '1' : '0') },
    }
    await add([tampered, ens])
    expect(cache.size).toBe(2) // Ens moved; the old Google entry stays (its row version is gone)
    const rescored = await score()
    expect(checked).toHaveLength(3)
    expect((checked[2] as StampCredential).proof.proofValue).toBe(tampered.proof.proofValue)
    expect(Object.keys(rescored.stamps)).toEqual(['Ens'])
  })

  it('re-added with the same JSON spelled differently (key order): the stored text is the same, carried over', async () => {
    const { credentials, checked, add, score } = await scoredPassport()
    const reordered = credentials.map((credential) =>
      Object.fromEntries(Object.entries(credential).reverse()),
    ) as unknown as StampCredential[]
    await add(reordered)
    expect(Object.keys((await score()).stamps)).toEqual(['Ens', 'Google'])
    expect(checked).toHaveLength(2)
  })

  it('PATCH re-adding the same stamp carries it over too', async () => {
    const { sql, address, credentials, checked, cache, score } = await scoredPassport()
    await patchCachedStamps(
      sql,
      address,
      credentials.map((credential) => ({
        provider: credential.credentialSubject.provider,
        credential: credential as unknown as Credential & { proof: { proofValue: string } },
      })),
      { deadline: undefined, storedStamps: cache },
    )
    const missesBefore = cache.misses
    expect(Object.keys((await score()).stamps)).toEqual(['Ens', 'Google'])
    expect(cache.misses).toBe(missesBefore)
    expect(checked).toHaveLength(2)
  })
})

import { describe, expect, it, vi } from 'vitest'
import { createStoredStampCache, slimCredential } from '../../src/domain/stored-stamp-cache.js'
import { formatV2ScoreResponse } from '../../src/api/schemas/score.js'
import { scorePassportInCommunity } from '../../src/domain/score-passport.js'
import { useTestApp, scoringTestConfig } from '../helpers/app.js'
import { twoStampPassport } from '../helpers/factories/scoring.js'

const scoreBody = async (...args: Parameters<typeof scorePassportInCommunity>) =>
  formatV2ScoreResponse(await scorePassportInCommunity(...args))

describe('slimCredential', () => {
  it('keeps exactly the fields the scoring rules read, with key presence preserved', () => {
    const credential = {
      '@context': ['x'],
      type: ['VerifiableCredential'],
      issuer: 'did:ethr:0x1',
      issuanceDate: 'a',
      expirationDate: 'b',
      credentialSubject: { '@context': {}, id: 'did:pkh:eip155:1:0xab', provider: 'Google', nullifiers: ['v0:n'] },
      proof: { proofValue: '0x00' },
    }
    expect(slimCredential(credential)).toEqual({
      issuer: 'did:ethr:0x1',
      expirationDate: 'b',
      credentialSubject: { id: 'did:pkh:eip155:1:0xab', provider: 'Google', nullifiers: ['v0:n'] },
    })
    expect('hash' in slimCredential({ credentialSubject: { hash: undefined } }).credentialSubject!).toBe(true)
    expect(slimCredential({ credentialSubject: 'odd' } as never)).toEqual({ credentialSubject: 'odd' })
  })
})

describe('createStoredStampCache', () => {
  it('is a bounded LRU of verdicts by digest', () => {
    const cache = createStoredStampCache(2)
    const entry = (n: number) => ({ credential: { issuer: `i${n}` }, signatureErrors: [] })
    cache.set('a', entry(1))
    cache.set('b', entry(2))
    expect(cache.get('a')).toEqual(entry(1))
    cache.set('c', entry(3))
    expect(cache.get('b')).toBeUndefined()
    expect(cache.get('a')).toEqual(entry(1))
    expect(cache.size).toBe(2)
  })
})

describe('scoring with the stored-stamp cache', () => {
  const ctx = useTestApp({ config: () => scoringTestConfig() })

  it('a rescore of unchanged stamps needs no DIDKit call; a changed credential is checked again; results are identical', async () => {
    const { communityId, address, checked, deps } = await twoStampPassport(ctx.database.sql, ctx.app.config)
    const lookups = vi.spyOn(deps.storedStampCache!, 'get')
    const first = await scoreBody(deps, address, communityId)
    expect(checked).toHaveLength(2)
    const second = await scoreBody(deps, address, communityId)
    expect(checked).toHaveLength(2)
    expect({ ...second, last_score_timestamp: null }).toEqual({
      ...first,
      last_score_timestamp: null,
    })
    expect(second.score).toBe('0.73300')
    // Both stamps of the rescore came from the cache: verdicts and slim credentials by digest.
    expect(lookups.mock.results.slice(-2).map((result) => result.value !== undefined)).toEqual([true, true])

    // A tampered row (same id, other JSON) has another digest: checked again, and rejected.
    await ctx.database
      .sql`update ceramic_cache_ceramiccache set stamp = jsonb_set(stamp, '{credentialSubject,nullifiers}', '["v0:tampered"]') where address = ${address} and provider = 'Google'`
    const third = await scoreBody(deps, address, communityId)
    expect(checked).toHaveLength(3)
    expect(Object.keys(third.stamps)).toEqual(['Ens'])
  })
})

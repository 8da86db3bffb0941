import { beforeAll, describe, expect, it } from 'vitest'
import type { CachedStamp } from '../../src/domain/credentials.js'
import type { PyDateTime } from '../../src/domain/formats/py-datetime.js'
import {
  applyLifoDedup,
  extractNullifiers,
  LIFO_MAX_ATTEMPTS,
  LifoIntegrityError,
  planLifoAttempt,
} from '../../src/domain/lifo-dedup.js'
import type { HashLinkRow } from '../../src/db/queries/hash-links.js'
import { useTestDatabase } from '../helpers/database.js'
import { createAccount, createCommunity, randomAddress } from '../helpers/factories/accounts.js'
import { insertHashLink, listEvents, listHashLinks, uniqueNullifier } from '../helpers/factories/scoring-rows.js'

const ME = '0x1111111111111111111111111111111111111111'
const OTHER = '0x2222222222222222222222222222222222222222'
const THIRD = '0x3333333333333333333333333333333333333333'
// 2025-01-15T10:20:30Z
const NOW: PyDateTime = { epochMicros: 1_736_936_430_000_000n, offsetMinutes: 0 }

function stamp(
  provider: string,
  nullifiers: string[] | { hash: string },
  expirationDate = '2025-03-01T00:00:00.000Z',
  signedProvider = provider,
): CachedStamp {
  const subject = Array.isArray(nullifiers) ? { nullifiers } : nullifiers
  return {
    provider,
    credential: {
      expirationDate,
      credentialSubject: { id: `did:pkh:eip155:1:${ME}`, provider: signedProvider, ...subject },
    },
  }
}

const link = (id: number, hash: string, address: string, expiresAt: string): HashLinkRow => ({
  id,
  hash,
  address,
  expires_at: expiresAt,
})

describe('extractNullifiers (scoring §3.1)', () => {
  it('scoring §13.16: the legacy hash key is the nullifier; it wins when present, even next to nullifiers', () => {
    const s: CachedStamp = {
      provider: 'P',
      credential: { credentialSubject: { hash: 'v0.0.0:abc', nullifiers: ['v1:x'] } },
    }
    expect(extractNullifiers(s, true)).toEqual(['v0.0.0:abc'])
  })

  it('scoring §13.19/§13.20: FF_MULTI_NULLIFIER off keeps only entries starting with "v0" (legacy hashes included); on keeps all', () => {
    const s = stamp('P', ['v0:a', 'v1:b', 'v2:c', 'xv0:d'])
    expect(extractNullifiers(s, false)).toEqual(['v0:a'])
    expect(extractNullifiers(s, true)).toEqual(['v0:a', 'v1:b', 'v2:c', 'xv0:d'])
    expect(extractNullifiers(stamp('P', { hash: 'v0.0.0:legacy' }), false)).toEqual(['v0.0.0:legacy'])
    // Quirk Q3.1: all non-v0 → nothing to link, the stamp can never clash.
    expect(extractNullifiers(stamp('P', ['v1:only']), false)).toEqual([])
  })
})

describe('planLifoAttempt (scoring §3.2 steps 4–5)', () => {
  it("new nullifiers are created with the stamp's expiry; the stamp is kept", () => {
    const s = stamp('Google', ['v0:g1', 'v1:g2'])
    const plan = planLifoAttempt([s], [], ME, NOW, true)
    expect(plan.kept).toEqual([s])
    expect(plan.clashing.size).toBe(0)
    expect(plan.creates).toEqual([
      { hash: 'v0:g1', address: ME, expiresAt: '2025-03-01T00:00:00.000000+00:00' },
      { hash: 'v1:g2', address: ME, expiresAt: '2025-03-01T00:00:00.000000+00:00' },
    ])
    expect(plan.updates).toEqual([])
  })

  it('quirk Q3.2: an owned link is always re-written, even when its expiry already matches (once per distinct expiry)', () => {
    const owned = link(7, 'v0:g', ME, '2025-03-01 00:00:00+00')
    const plan = planLifoAttempt([stamp('Google', ['v0:g']), stamp('Other', ['v0:g'])], [owned], ME, NOW, true)
    expect(plan.kept).toHaveLength(2)
    expect(plan.updates).toEqual([{ link: owned, address: ME, expiresAt: '2025-03-01T00:00:00.000Z' }])
    // A second stamp with the same owned nullifier but another expiry queues a second update of the same row.
    const twice = planLifoAttempt(
      [stamp('Google', ['v0:g']), stamp('Other', ['v0:g'], '2025-04-01T00:00:00.000Z')],
      [owned],
      ME,
      NOW,
      true,
    )
    expect(twice.updates.map((u) => [u.link.id, u.expiresAt])).toEqual([
      [7, '2025-03-01T00:00:00.000Z'],
      [7, '2025-04-01T00:00:00.000Z'],
    ])
  })

  it("another address's link is clashing while it expires after now (strictly), forfeited otherwise", () => {
    const live = link(1, 'v0:live', OTHER, '2025-01-15 10:20:30.000001+00')
    const expired = link(2, 'v0:expired', OTHER, '2025-01-15 10:20:30+00')
    const plan = planLifoAttempt([stamp('A', ['v0:live']), stamp('B', ['v0:expired'])], [live, expired], ME, NOW, true)
    expect(plan.kept.map((s) => s.provider)).toEqual(['B'])
    expect([...plan.clashing.keys()]).toEqual(['A'])
    // scoring §13.18: the expired claim is taken over in place.
    expect(plan.updates).toEqual([{ link: expired, address: ME, expiresAt: '2025-03-01T00:00:00.000Z' }])
    expect(plan.creates).toEqual([])
  })

  it("scoring §13.22: a deduped stamp backfills its other nullifiers for the owner of its first clash, with the owner's expiry", () => {
    const first = link(1, 'v1:b', OTHER, '2099-01-01 00:00:00+00')
    const second = link(2, 'v2:c', THIRD, '2098-01-01 00:00:00+00')
    const s = stamp('P', ['v0:a', 'v1:b', 'v2:c', 'v3:d'])
    const plan = planLifoAttempt([s], [second, first], ME, NOW, true)
    expect(plan.kept).toEqual([])
    expect(plan.clashing).toEqual(new Map([['P', s]]))
    // The clash that decided it: the stamp's first nullifier another address holds, and that address.
    expect(plan.deduplicated).toEqual([{ stamp: s, hash: 'v1:b', owner: OTHER }])
    expect(plan.creates).toEqual([
      { hash: 'v0:a', address: OTHER, expiresAt: '2099-01-01 00:00:00+00' },
      { hash: 'v3:d', address: OTHER, expiresAt: '2099-01-01 00:00:00+00' },
    ])
  })

  it('quirk Q3.3: the backfill does not skip nullifiers that are owned or already queued', () => {
    const clash = link(1, 'v0:x', OTHER, '2099-01-01 00:00:00+00')
    const owned = link(2, 'v0:mine', ME, '2025-03-01 00:00:00+00')
    const plan = planLifoAttempt(
      [stamp('Kept', ['v0:new']), stamp('Deduped', ['v0:x', 'v0:mine', 'v0:new'])],
      [clash, owned],
      ME,
      NOW,
      true,
    )
    expect(plan.creates.map((c) => [c.hash, c.address])).toEqual([
      ['v0:new', ME],
      ['v0:mine', OTHER],
      ['v0:new', OTHER],
    ])
  })

  it('clashing stamps are keyed by the signed provider; a later clash of the same provider replaces the earlier one', () => {
    const clash = link(1, 'v0:x', OTHER, '2099-01-01 00:00:00+00')
    const a = stamp('RowA', ['v0:x'], '2025-03-01T00:00:00.000Z', 'Signed')
    const b = stamp('RowB', ['v0:x'], '2025-04-01T00:00:00.000Z', 'Signed')
    const plan = planLifoAttempt([a, b], [clash], ME, NOW, true)
    expect(plan.clashing).toEqual(new Map([['Signed', b]]))
    // Each dropped stamp is still reported, with its own clash.
    expect(plan.deduplicated).toEqual([
      { stamp: a, hash: 'v0:x', owner: OTHER },
      { stamp: b, hash: 'v0:x', owner: OTHER },
    ])
  })

  it('with the flag off only v0 nullifiers are linked or can clash (scoring §13.21, §13.23)', () => {
    const v1Clash = link(1, 'v1:test', OTHER, '2099-01-01 00:00:00+00')
    const plan = planLifoAttempt([stamp('P', ['v0:different', 'v1:test'])], [v1Clash], ME, NOW, false)
    expect(plan.kept).toHaveLength(1)
    expect(plan.creates.map((c) => c.hash)).toEqual(['v0:different'])
    // §13.23: a v0 clash still dedups, and the v1 nullifier is not backfilled for the owner.
    const v0Clash = link(2, 'v0:unique', OTHER, '2099-01-01 00:00:00+00')
    const deduped = stamp('P', ['v0:unique', 'v1:different'])
    const clash = planLifoAttempt([deduped], [v0Clash], ME, NOW, false)
    expect(clash.kept).toEqual([])
    expect(clash.clashing).toEqual(new Map([['P', deduped]]))
    expect(clash.creates).toEqual([])
  })

  it('scoring §13.25: any one nullifier of a live claim dedups; the others are backfilled for its owner', () => {
    const claims = [
      link(1, 'v1:A', OTHER, '2099-01-01 00:00:00+00'),
      link(2, 'v2:B', OTHER, '2099-01-01 00:00:00+00'),
      link(3, 'v1:C', THIRD, '2098-01-01 00:00:00+00'),
    ]
    for (const nullifiers of [['v1:A'], ['v2:B']]) {
      const plan = planLifoAttempt([stamp('P', nullifiers)], claims, ME, NOW, true)
      expect([plan.kept, [...plan.clashing.keys()], plan.creates]).toEqual([[], ['P'], []])
    }
    const mixed = planLifoAttempt([stamp('P', ['v1:C', 'v2:random'])], claims, ME, NOW, true)
    expect([...mixed.clashing.keys()]).toEqual(['P'])
    expect(mixed.creates).toEqual([{ hash: 'v2:random', address: THIRD, expiresAt: '2098-01-01 00:00:00+00' }])
  })
})

describe('applyLifoDedup (scoring §3.2–§3.4, D4)', () => {
  const database = useTestDatabase()
  let communityId: number
  /** Another community of the same account. */
  let otherCommunityId: number

  beforeAll(async () => {
    const { accountId } = await createAccount(database.sql)
    communityId = (await createCommunity(database.sql, { accountId })).communityId
    otherCommunityId = (await createCommunity(database.sql, { accountId })).communityId
  })

  /** Runs LIFO in a transaction and counts its attempts (one savepoint each). */
  // An attempt is counted by its read of the clock: Python takes `now` once per attempt (§3.2 step 1).
  async function runCounting(
    address: string,
    stamps: CachedStamp[],
    inCommunity = communityId,
  ): Promise<{ attempts: number; outcome: Awaited<ReturnType<typeof applyLifoDedup>> | Error }> {
    let attempts = 0
    let outcome: Awaited<ReturnType<typeof applyLifoDedup>> | Error = new Error('not run')
    const clock = (): typeof NOW => {
      attempts++
      return NOW
    }
    await database.sql.begin(async (tx) => {
      try {
        outcome = await applyLifoDedup(tx, {
          communityId: inCommunity,
          address,
          stamps,
          multiNullifierEnabled: true,
          clock,
        })
      } catch (error) {
        outcome = error as Error
      }
    })
    return { attempts, outcome }
  }

  const linkRows = async (inCommunity: number, hashes: string[]) =>
    (await listHashLinks(database.sql, inCommunity, hashes)).map((l) => [l.hash, l.address, l.expires_at])

  it('scoring §13.13/§13.14: no dedup across communities: each community links the nullifier for its own claimant', async () => {
    const s = (hash: string) => stamp('test_provider', [hash], '2099-02-21T15:30:51.720Z')
    // §13.13: one address per community; §13.14: the same address in both.
    const [first, second] = [randomAddress(), randomAddress()]
    for (const [hash, claimants] of [
      [uniqueNullifier('v1:test_hash'), [first, second]],
      [uniqueNullifier('v1:test_hash'), [first, first]],
    ] as const) {
      for (const [address, inCommunity] of [
        [claimants[0], communityId],
        [claimants[1], otherCommunityId],
      ] as const) {
        expect((await runCounting(address, [s(hash)], inCommunity)).outcome).toEqual({
          kept: [s(hash)],
          clashing: new Map(),
          deduplicated: [],
        })
        expect(await linkRows(inCommunity, [hash])).toEqual([[hash, address, '2099-02-21 15:30:51.72+00']])
      }
    }
    expect(await listEvents(database.sql, second, otherCommunityId)).toEqual([])
    expect(await listEvents(database.sql, first, otherCommunityId)).toEqual([])
  })

  it('scoring §13.15/§13.16: a clash in one community → deduped, no link, one LDP event; nullifiers and the legacy hash alike', async () => {
    for (const claim of [(hash: string) => [hash], (hash: string) => ({ hash })]) {
      const hash = uniqueNullifier('v1:test_hash')
      const [first, second] = [randomAddress(), randomAddress()]
      const mine = stamp('test_provider', claim(hash))
      expect((await runCounting(first, [mine])).outcome).toEqual({
        kept: [mine],
        clashing: new Map(),
        deduplicated: [],
      })
      const theirs = stamp('test_provider', claim(hash))
      expect((await runCounting(second, [theirs])).outcome).toEqual({
        kept: [],
        clashing: new Map([['test_provider', theirs]]),
        deduplicated: [{ stamp: theirs, hash, owner: first }],
      })
      expect(await linkRows(communityId, [hash])).toEqual([[hash, first, '2025-03-01 00:00:00+00']])
      expect(await listEvents(database.sql, first, communityId)).toEqual([])
      expect(await listEvents(database.sql, second, communityId)).toEqual([
        {
          id: expect.any(Number),
          action: 'LDP',
          address: second,
          community_id: communityId,
          data: { nullifiers: [hash], provider: 'test_provider', community_id: communityId },
        },
      ])
    }
  })

  it("scoring §13.17: a re-submission rewrites the address's own link in place with the stamp's expiry; no event", async () => {
    const hash = uniqueNullifier('v1:test_hash')
    const address = randomAddress()
    const id = await insertHashLink(database.sql, { hash, address, communityId, expiresAt: '2100-01-01T00:00:00Z' })
    const s = stamp('test_provider', [hash], '2099-02-21T15:30:51.720Z')
    expect((await runCounting(address, [s])).outcome).toEqual({ kept: [s], clashing: new Map(), deduplicated: [] })
    expect(await listHashLinks(database.sql, communityId, [hash])).toEqual([
      { id, hash, address, expires_at: '2099-02-21 15:30:51.72+00' },
    ])
    expect(await listEvents(database.sql, address, communityId)).toEqual([])
  })

  it('scoring §13.18: an expired claim of another address is taken over in place (same row, new owner and expiry); no event', async () => {
    const hash = uniqueNullifier('v1:test_hash')
    const [previous, address] = [randomAddress(), randomAddress()]
    // Expired one microsecond before NOW: strictly earlier is forfeited.
    const id = await insertHashLink(database.sql, {
      hash,
      address: previous,
      communityId,
      expiresAt: '2025-01-15T10:20:29.999999Z',
    })
    const s = stamp('test_provider', [hash], '2025-02-14T10:20:30.000Z')
    expect((await runCounting(address, [s])).outcome).toEqual({ kept: [s], clashing: new Map(), deduplicated: [] })
    expect(await listHashLinks(database.sql, communityId, [hash])).toEqual([
      { id, hash, address, expires_at: '2025-02-14 10:20:30+00' },
    ])
    expect(await listEvents(database.sql, address, communityId)).toEqual([])
  })

  it(`scoring §13.26: a unique violation on every attempt → ${LIFO_MAX_ATTEMPTS} attempts, then "Failed to save HashScorerLinks"`, async () => {
    const shared = uniqueNullifier('v0:shared')
    const address = randomAddress()
    const { attempts, outcome } = await runCounting(address, [stamp('P1', [shared]), stamp('P2', [shared])])
    expect(attempts).toBe(5)
    expect(outcome).toBeInstanceOf(LifoIntegrityError)
    expect((outcome as Error).message).toBe('Failed to save HashScorerLinks')
    expect(await listHashLinks(database.sql, communityId, [shared])).toEqual([])
  })

  it('scoring §13.24: a backfill fails the count once; the retry sees it as clashing; one LDP event', async () => {
    const [hashA, hashB] = [uniqueNullifier('hash-A'), uniqueNullifier('hash-B')]
    const [owner, address] = [randomAddress(), randomAddress()]
    await insertHashLink(database.sql, { hash: hashA, address: owner, communityId, expiresAt: '2099-01-04T00:00:00Z' })
    const s = stamp('test_provider', [hashA, hashB], '2099-01-11T00:00:00.000Z')
    const { attempts, outcome } = await runCounting(address, [s])
    expect(attempts).toBe(2)
    expect(outcome).toEqual({
      kept: [],
      clashing: new Map([['test_provider', s]]),
      deduplicated: [{ stamp: s, hash: hashA, owner }],
    })
    expect(
      (await listHashLinks(database.sql, communityId, [hashA, hashB])).map((l) => [l.hash, l.address, l.expires_at]),
    ).toEqual([
      [hashA, owner, '2099-01-04 00:00:00+00'],
      [hashB, owner, '2099-01-04 00:00:00+00'],
    ])
    expect((await listEvents(database.sql, address, communityId)).map((e) => [e.action, e.data])).toEqual([
      ['LDP', { nullifiers: [hashA, hashB], provider: 'test_provider', community_id: communityId }],
    ])

    // The address then submits hash B alone: deduped against the backfilled link, links unchanged.
    const later = stamp('test_provider', [hashB], '2099-01-16T00:00:00.000Z')
    expect((await runCounting(address, [later])).outcome).toEqual({
      kept: [],
      clashing: new Map([['test_provider', later]]),
      deduplicated: [{ stamp: later, hash: hashB, owner }],
    })
    expect(
      (await listHashLinks(database.sql, communityId, [hashA, hashB])).map((l) => [l.hash, l.address, l.expires_at]),
    ).toEqual([
      [hashA, owner, '2099-01-04 00:00:00+00'],
      [hashB, owner, '2099-01-04 00:00:00+00'],
    ])
    expect((await listEvents(database.sql, address, communityId, 'LDP')).map((e) => e.data)).toEqual([
      { nullifiers: [hashA, hashB], provider: 'test_provider', community_id: communityId },
      { nullifiers: [hashB], provider: 'test_provider', community_id: communityId },
    ])
  })

  it('two stamps with one owned nullifier and different expiries fail the count every time ("Unexpected number of HashScorerLinks")', async () => {
    const hash = uniqueNullifier('v0:owned')
    const address = randomAddress()
    await insertHashLink(database.sql, { hash, address, communityId, expiresAt: '2099-01-01T00:00:00Z' })
    const { attempts, outcome } = await runCounting(address, [
      stamp('P1', [hash], '2099-02-01T00:00:00.000Z'),
      stamp('P2', [hash], '2099-03-01T00:00:00.000Z'),
    ])
    expect(attempts).toBe(5)
    expect((outcome as Error).message).toBe('Unexpected number of HashScorerLinks')
  })

  it('a rescore that changes nothing keeps every link as it is and needs one attempt', async () => {
    const hash = uniqueNullifier('v0:same')
    const address = randomAddress()
    const id = await insertHashLink(database.sql, { hash, address, communityId, expiresAt: '2099-01-01T00:00:00Z' })
    const s = stamp('P', [hash], '2099-01-01T00:00:00.000Z')
    const { attempts, outcome } = await runCounting(address, [s])
    expect(attempts).toBe(1)
    expect(outcome).toEqual({ kept: [s], clashing: new Map(), deduplicated: [] })
    expect(await listHashLinks(database.sql, communityId, [hash])).toEqual([
      { id, hash, address, expires_at: '2099-01-01 00:00:00+00' },
    ])
  })
})

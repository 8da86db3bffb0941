import { describe, expect, it } from 'vitest'
import {
  createRateLimiter,
  groupOfPath,
  parseRate,
  rateLimitCacheKey,
  windowEnd,
  type RateLimitCounter,
} from '../../../src/domain/rate-limit.js'

// endpoints §1.8: the Redis key of django-ratelimit 4.1.0 (core.py `_split_rate`, `_get_window`,
// `_make_cache_key`) behind Django's cache key function, derived by hand for fixed inputs:
//
//   now           2026-01-15T12:34:56.789Z → ts = int(time.time()) = 1768480496
//   value         the API key prefix "Ab12Cd34"; zlib.crc32(b"Ab12Cd34") = 2606463634
//   rate          "125/15m" → count 125, period 15 × 60 = 900 → safe_rate "125/900s"
//   window end    ts - ts % 900 + crc32 % 900 = 1768480200 + 634 = 1768480834 (≥ ts, kept)
//   hashed text   "registry" + "125/900s" + "Ab12Cd34" + "1768480834" + "" (method=ALL)
//   cache key     ":" + "1" + ":" + "rl:" + sha256hex(text)   (KEY_PREFIX "", VERSION 1)
const NOW = Date.parse('2026-01-15T12:34:56.789Z')
const PREFIX = 'Ab12Cd34'

describe('django-ratelimit key derivation (endpoints §1.8)', () => {
  it('rate strings as `_split_rate` reads them', () => {
    expect(parseRate('125/15m')).toEqual({ limit: 125n, periodSeconds: 900n })
    expect(parseRate('2000/15m')).toEqual({ limit: 2000n, periodSeconds: 900n })
    expect(parseRate('3/30seconds')).toEqual({ limit: 3n, periodSeconds: 30n })
    expect(parseRate('10/h')).toEqual({ limit: 10n, periodSeconds: 3600n })
    expect(parseRate('7/2d')).toEqual({ limit: 7n, periodSeconds: 172_800n })
    expect(parseRate('5')).toBeUndefined()
    expect(parseRate('')).toBeUndefined()
    // The unit regex is lower-case only: "15M" reads as 15 seconds in Python too.
    expect(parseRate('4/15M')).toEqual({ limit: 4n, periodSeconds: 15n })
    // An exact integer beyond 2^53, as Python's int().
    expect(parseRate('99999999999999999999/1s')).toEqual({ limit: 99_999_999_999_999_999_999n, periodSeconds: 1n })
  })

  it('the window end: epoch-aligned, shifted by crc32(prefix) % period, moved a period ahead when past', () => {
    expect(windowEnd(PREFIX, 900n, NOW)).toBe(1_768_480_834n)
    // ts = 1768480900 (12:41:40): ts % 900 = 700 > 634 → 1768480834 < ts → + 900
    expect(windowEnd(PREFIX, 900n, Date.parse('2026-01-15T12:41:40Z'))).toBe(1_768_481_734n)
    // The window's last second still belongs to it.
    expect(windowEnd(PREFIX, 900n, Date.parse('2026-01-15T12:40:34.999Z'))).toBe(1_768_480_834n)
    expect(windowEnd(PREFIX, 900n, Date.parse('2026-01-15T12:40:35Z'))).toBe(1_768_481_734n)
    // A one-second period is the current second.
    expect(windowEnd(PREFIX, 1n, NOW)).toBe(1_768_480_496n)
    // crc32(b"Zz9yX8wV") = 4175225676, % 900 = 576
    expect(windowEnd('Zz9yX8wV', 900n, NOW)).toBe(1_768_480_776n)
  })

  it('the cache key, byte for byte', () => {
    const rate = parseRate('125/15m')!
    expect(rateLimitCacheKey('registry', rate, PREFIX, windowEnd(PREFIX, rate.periodSeconds, NOW))).toBe(
      ':1:rl:36e3b769afa15b5211fcca4223d959a319c5e93f928fbb8d1ceb67dda4f0df78',
    )
    expect(rateLimitCacheKey('registry', rate, PREFIX, 1_768_481_734n)).toBe(
      ':1:rl:066a92e3f2c6b653a4f5504eb72182e1c34df181317bfc341d485092ae6e7416',
    )
    // "analysis" + "15/900s" + "Ab12Cd34" + "1768480834"
    expect(rateLimitCacheKey('analysis', parseRate('15/15m')!, PREFIX, 1_768_480_834n)).toBe(
      ':1:rl:db1a6a3939a5e95af3a3e25035e95e17c74d6848085dddcc66755a24e6271c3d',
    )
    // "registry" + "3/900s" + "Zz9yX8wV" + "1768480776"
    expect(rateLimitCacheKey('registry', parseRate('3/15m')!, 'Zz9yX8wV', 1_768_480_776n)).toBe(
      ':1:rl:cf6f320e182a43ed0a168ff4072189304b040c181b7e27e08eae0ead331908a9',
    )
    // "registry" + "10/1s" + "Ab12Cd34" + "1768480496"
    expect(rateLimitCacheKey('registry', parseRate('10/1s')!, PREFIX, 1_768_480_496n)).toBe(
      ':1:rl:b80461e1811b24254ff6f558636354fc1d0b67a9d74467e357cd45c07aec957a',
    )
  })

  it("groups by Python's path rule", () => {
    expect(groupOfPath('/v2/models/score/0xabc')).toBe('analysis')
    expect(groupOfPath('/passport/analysis/0xabc')).toBe('analysis')
    expect(groupOfPath('/v2/stamps/1/score/0xabc')).toBe('registry')
    expect(groupOfPath('/v2/stamps/metadata')).toBe('registry')
  })

  it('the limiter: the column of the group, "" and null unlimited without a counter call, fail-open', async () => {
    const calls: [string, number][] = []
    const counts = new Map<string, number>()
    const counter: RateLimitCounter = {
      async count(key, ttl) {
        calls.push([key, ttl])
        const next = (counts.get(key) ?? 0) + 1
        counts.set(key, next)
        return next
      },
      connected: async () => true,
      async close() {},
    }
    const limiter = createRateLimiter(counter, () => NOW)
    const tiers = { rateLimit: '2/15m', analysisRateLimit: '1/15m' }
    const registry = { group: 'registry' as const, tiers, apiKeyPrefix: PREFIX }
    expect((await limiter.check(registry)).outcome).toBe('allowed')
    expect(await limiter.check(registry)).toEqual({
      outcome: 'allowed',
      key: rateLimitCacheKey('registry', parseRate('2/15m')!, PREFIX, 1_768_480_834n),
      count: 2,
      limit: 2n,
    })
    expect((await limiter.check(registry)).outcome).toBe('limited')
    expect(calls.map(([, ttl]) => ttl)).toEqual([905, 905, 905])
    const analysis = { group: 'analysis' as const, tiers, apiKeyPrefix: PREFIX }
    expect((await limiter.check(analysis)).outcome).toBe('allowed')
    expect((await limiter.check(analysis)).outcome).toBe('limited')

    calls.length = 0
    for (const rateLimit of ['', null]) {
      expect(await limiter.check({ ...registry, tiers: { rateLimit, analysisRateLimit: null } })).toEqual({
        outcome: 'unlimited',
      })
    }
    expect(calls).toEqual([])
    expect(await limiter.check({ ...registry, tiers: { rateLimit: 'many', analysisRateLimit: null } })).toEqual({
      outcome: 'failed_open',
      reason: 'rate "many" is not <count>/<period>',
    })
    expect((await limiter.check({ ...registry, tiers: { rateLimit: '5/0m', analysisRateLimit: null } })).outcome).toBe(
      'failed_open',
    )
    expect(calls).toEqual([])

    const broken = createRateLimiter(
      {
        count: () => Promise.reject(new Error('Connection is closed.')),
        connected: async () => false,
        close: async () => {},
      },
      () => NOW,
    )
    expect(await broken.check(registry)).toMatchObject({ outcome: 'failed_open', reason: 'Connection is closed.' })
    const vanished = createRateLimiter(
      { count: async () => null, connected: async () => true, close: async () => {} },
      () => NOW,
    )
    expect((await vanished.check(registry)).outcome).toBe('failed_open')
  })
})

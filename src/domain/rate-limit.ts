import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'

// Rate limiting as Python does it (endpoints §1.8, D26): django-ratelimit 4.1.0's fixed windows in
// Django's Redis cache, reproduced to the byte so that Python and this service count every key in
// one shared counter while both serve traffic.

/** The groups of Python's `check_rate_limit`: each reads its own column of the key row. */
export type RateLimitGroup = 'registry' | 'analysis'

/** The tiers of a key row (`account_accountapikey`), as stored: `"125/15m"`, `""` or null. */
export interface RateLimitTiers {
  rateLimit: string | null
  analysisRateLimit: string | null
}

/** A rate string read as django-ratelimit reads it: `<count>/<multiplier><unit>`. */
export interface ParsedRate {
  limit: bigint
  periodSeconds: bigint
}

const UNIT_SECONDS: Record<string, bigint> = { s: 1n, m: 60n, h: 3600n, d: 86_400n }

/** django-ratelimit adds this many seconds to a counter's expiry "to avoid misses". */
export const EXPIRATION_FUDGE_SECONDS = 5n

/**
 * Django's cache key function with the settings Python runs with (no KEY_PREFIX, VERSION 1):
 * `<prefix>:<version>:<key>`, and django-ratelimit's default `RATELIMIT_CACHE_PREFIX`.
 */
export const DJANGO_CACHE_KEY_PREFIX = ':1:'
export const RATELIMIT_CACHE_PREFIX = 'rl:'

/**
 * The group of a path, by Python's rule: analysis for `/passport/…` and `/v2/models/score/…`,
 * registry for everything else.
 */
export function groupOfPath(path: string): RateLimitGroup {
  return path.startsWith('/passport/') || path.startsWith('/v2/models/score/') ? 'analysis' : 'registry'
}

/** The key's rate for a group: the column `check_standard_rate_limit` or `check_analysis_rate_limit` reads. */
export function rateOfTiers(tiers: RateLimitTiers, group: RateLimitGroup): string | null {
  return group === 'analysis' ? tiers.analysisRateLimit : tiers.rateLimit
}

/**
 * `_split_rate`: the regex is matched at the start only (trailing text is ignored), a missing unit
 * is seconds, and the multiplier multiplies the unit ("15m" → 900 s). Python fails on a string that
 * does not match (`None.groups()`); here that is `undefined` and the caller decides.
 */
export function parseRate(rate: string): ParsedRate | undefined {
  const match = /^(\d+)\/(\d*)([smhd])?/.exec(rate)
  if (!match) return undefined
  const [, count, multiplier, unit] = match
  const unitSeconds = UNIT_SECONDS[unit ?? 's']!
  return { limit: BigInt(count!), periodSeconds: multiplier ? unitSeconds * BigInt(multiplier) : unitSeconds }
}

/**
 * `_get_window`: the end of the current window, in whole epoch seconds. Windows are aligned to the
 * epoch and shifted by `crc32(value) % period` so that keys do not all reset at once.
 */
export function windowEnd(value: string, periodSeconds: bigint, nowMs: number): bigint {
  const ts = BigInt(Math.floor(nowMs / 1000))
  if (periodSeconds === 1n) return ts
  const jitter = BigInt(crc32(Buffer.from(value, 'utf8'))) % periodSeconds
  const end = ts - (ts % periodSeconds) + jitter
  return end < ts ? end + periodSeconds : end
}

/**
 * `_make_cache_key` behind Django's key function: sha256 of group, the rate normalised to
 * `<count>/<seconds>s`, the value, the window end and the methods part (`''` for ALL).
 */
export function rateLimitCacheKey(group: string, rate: ParsedRate, value: string, window: bigint): string {
  const text = `${group}${rate.limit}/${rate.periodSeconds}s${value}${window}`
  const digest = createHash('sha256').update(text, 'utf8').digest('hex')
  return `${DJANGO_CACHE_KEY_PREFIX}${RATELIMIT_CACHE_PREFIX}${digest}`
}

/** Where the counters live: `count` adds one to a window's counter and answers its new value. */
export interface RateLimitCounter {
  /**
   * Django's `cache.add(key, 1, ttl)` then, when the key existed, `cache.incr(key)`. `null` when
   * the counter could not be read (Python's `count is None`: the key vanished between the two).
   */
  count(key: string, ttlSeconds: number): Promise<number | null>
  /** Resolves true once the store is reachable, false when `timeoutMs` passed first. */
  connected(timeoutMs: number): Promise<boolean>
  close(): Promise<void>
}

export type RateLimitDecision =
  | { outcome: 'unlimited' }
  | { outcome: 'allowed' | 'limited'; key: string; count: number; limit: bigint }
  /** Python's RATELIMIT_FAIL_OPEN: the request passes. */
  | { outcome: 'failed_open'; reason: string; key?: string }

export interface RateLimitRequest {
  group: RateLimitGroup
  tiers: RateLimitTiers
  /** The key function's value: Python's `lambda _request, _group: request.api_key.prefix`. */
  apiKeyPrefix: string
}

export interface RateLimiter {
  check(request: RateLimitRequest): Promise<RateLimitDecision>
  /** Resolves true once the counters are reachable, false when `timeoutMs` passed first. */
  connected(timeoutMs: number): Promise<boolean>
  close(): Promise<void>
}

/**
 * `check_rate_limit` + `is_ratelimited(increment=True)`: the count goes up on every call, and the
 * call is limited when the count exceeds the limit (the 126th call of a window at `125/15m`).
 * An empty rate is Python's explicit bypass and null is django-ratelimit's `rate is None`: both
 * unlimited, without touching the counter. A rate Python could not parse (it would answer 500)
 * and a counter that fails pass the request (D17: never a 5xx; RATELIMIT_FAIL_OPEN).
 */
export function createRateLimiter(counter: RateLimitCounter, clock: () => number = Date.now): RateLimiter {
  return {
    async check({ group, tiers, apiKeyPrefix }) {
      const rateText = rateOfTiers(tiers, group)
      if (rateText === null || rateText === '') return { outcome: 'unlimited' }
      const rate = parseRate(rateText)
      if (!rate || rate.periodSeconds <= 0n) {
        return { outcome: 'failed_open', reason: `rate ${JSON.stringify(rateText)} is not <count>/<period>` }
      }
      const key = rateLimitCacheKey(group, rate, apiKeyPrefix, windowEnd(apiKeyPrefix, rate.periodSeconds, clock()))
      let count: number | null
      try {
        count = await counter.count(key, Number(rate.periodSeconds + EXPIRATION_FUDGE_SECONDS))
      } catch (error) {
        return { outcome: 'failed_open', reason: error instanceof Error ? error.message : String(error), key }
      }
      if (count === null)
        return { outcome: 'failed_open', reason: 'the counter vanished before it was incremented', key }
      return { outcome: BigInt(count) > rate.limit ? 'limited' : 'allowed', key, count, limit: rate.limit }
    },
    connected: (timeoutMs) => counter.connected(timeoutMs),
    close: () => counter.close(),
  }
}

export interface RedisRateLimiterOptions {
  url: string
  commandTimeoutMs: number
  onConnectionError: (error: Error) => void
  onReady?: () => void
  clock?: () => number
}

/**
 * The limiter on the shared Redis; the client exists only once rate limiting is on, and so does
 * ioredis: loading it took ~10 ms of every start (issue 12), and rate limiting is off by default.
 */
export function openRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const opening = import('../db/redis.js').then(({ createRedisCounter }) =>
    createRedisCounter({
      url: options.url,
      commandTimeoutMs: options.commandTimeoutMs,
      onConnectionError: options.onConnectionError,
      onReady: options.onReady,
    }),
  )
  return createRateLimiter(counterOnceLoaded(opening), options.clock)
}

/** A count waits for the client's module (it then fails at once while Redis is not connected). */
function counterOnceLoaded(opening: Promise<RateLimitCounter>): RateLimitCounter {
  return {
    count: async (key, ttlSeconds) => (await opening).count(key, ttlSeconds),
    connected(timeoutMs) {
      const startedAt = Date.now()
      return opening
        .then((counter) => counter.connected(Math.max(0, timeoutMs - (Date.now() - startedAt))))
        .catch(() => false)
    },
    close: async () => (await opening).close(),
  }
}

import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { rateLimitRedisUrl, type Config } from '../config.js'
import { groupOfPath, openRedisRateLimiter, type RateLimitGroup, type RateLimiter } from '../domain/rate-limit.js'

// endpoints §1.8 (D26): one preHandler for every limited route. It runs after the route's API-key
// hook (onRequest) and after parameter validation, where Python calls `check_rate_limit` as the
// first line of the view: auth 401 and validation 422 come first, then 429.

export const RATE_LIMITED_DETAIL = 'You have been rate limited!'

interface LimitedRoute {
  /** The route's URL as registered, parameter names free (`/v2/stamps/:any/score/:any`). */
  url: string
  /**
   * Python checks some things in the view before `check_rate_limit`; a request that such a check
   * refuses is not counted (false here), and the route answers its own error.
   */
  countsRequest?: (request: FastifyRequest) => boolean
}

/**
 * Every route on which Python calls `check_rate_limit` (passport-scorer `api/v2/api/*.py`), served
 * now or added by other route modules: a route listed here is limited as soon as it is registered,
 * with no code in its own module. The group follows from the path by Python's rule (`groupOfPath`).
 * Not limited, as in Python: the embed routes (`/internal/embed/…`, whose `embed_rate_limit` only
 * travels to the embed service through `validate-api-key`), `/ceramic-cache/…` (JWT, no key row),
 * the internal API and health.
 */
export const RATE_LIMITED_ROUTES: readonly LimitedRoute[] = [
  { url: '/v2/stamps/:scorer_id/score/:address' },
  {
    url: '/v2/stamps/:scorer_id/score/:address/history',
    // `get_score_history` refuses a key without `historical_endpoint` and an empty `created_at`
    // before it checks the rate limit.
    countsRequest: (request) => request.apiKey?.historicalEndpoint === true && hasCreatedAt(request.query),
  },
  { url: '/v2/stamps/metadata' },
  { url: '/v2/stamps/:address' },
  { url: '/v2/models/score/:address' },
]

function hasCreatedAt(query: unknown): boolean {
  const value = (query as Record<string, unknown> | undefined)?.created_at
  return typeof value === 'string' && value !== ''
}

/** `/a/:x/b/:y(^\d+$)` and `/a/:id/b/:z` are the same route. */
const normalisedUrl = (url: string): string => url.replace(/:[^/]+/g, ':')

const limitedByUrl = new Map(
  RATE_LIMITED_ROUTES.map((route) => [
    normalisedUrl(route.url),
    { ...route, group: groupOfPath(route.url.replace(/:[^/]+/g, 'x')) },
  ]),
)

declare module 'fastify' {
  interface FastifyInstance {
    /** Present only when RATELIMIT_ENABLE is on (endpoints §1.8). */
    rateLimiter?: RateLimiter
  }
}

const STARTUP_CONNECT_WAIT_MS = 1_000

/** A warning at most this often, with the number of like events since the last one. */
const WARN_INTERVAL_MS = 10_000

function throttledWarn(log: FastifyBaseLogger) {
  let lastAt = 0
  let suppressed = 0
  return (fields: Record<string, unknown>, message: string): void => {
    const now = Date.now()
    if (now - lastAt < WARN_INTERVAL_MS) {
      suppressed++
      return
    }
    log.warn({ ...fields, suppressedSinceLastWarning: suppressed }, message)
    lastAt = now
    suppressed = 0
  }
}

/** The limiter of this config: none when RATELIMIT_ENABLE is off (no Redis client, no traffic). */
export function rateLimiterFromConfig(config: Config, log: FastifyBaseLogger): RateLimiter | undefined {
  if (!config.rateLimitEnabled) return undefined
  const url = rateLimitRedisUrl(config)
  const warn = throttledWarn(log)
  return openRedisRateLimiter({
    url,
    commandTimeoutMs: config.rateLimitRedisTimeoutMs,
    onConnectionError: (error) =>
      warn({ err: error.message }, 'rate-limit Redis unavailable: requests pass unlimited until it is back'),
    onReady: () => log.info('rate-limit Redis connected'),
  })
}

/**
 * Installs the limit. `limiter` undefined → nothing is installed. `ownLimiter`: the app opened the
 * limiter, so the app closes it.
 */
export function installRateLimit(app: FastifyInstance, limiter: RateLimiter | undefined, ownLimiter: boolean): void {
  if (!limiter) return
  app.decorate('rateLimiter', limiter)
  if (ownLimiter) app.addHook('onClose', () => limiter.close())
  // Requests before the connection is up pass uncounted; a bounded wait at start keeps that
  // window short without making a start depend on Redis.
  app.addHook('onReady', async () => {
    if (!(await limiter.connected(STARTUP_CONNECT_WAIT_MS)))
      app.log.warn('rate-limit Redis not reachable at start: requests pass unlimited until it is')
  })
  const warn = throttledWarn(app.log)

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = limitedByUrl.get(normalisedUrl(request.routeOptions.url ?? ''))
    const apiKey = request.apiKey
    if (!route || !apiKey || (route.countsRequest && !route.countsRequest(request))) return
    const decision = await limiter.check({
      group: route.group satisfies RateLimitGroup,
      tiers: apiKey,
      apiKeyPrefix: apiKey.prefix,
    })
    if (decision.outcome === 'failed_open') {
      warn({ reason: decision.reason, group: route.group }, 'rate limit not applied (fail-open)')
      return
    }
    if (decision.outcome !== 'limited') return
    // Python's analytics row of a limited call: status 429, error str(Ratelimited()) = "".
    reply.analyticsError = ''
    return reply.code(429).send({ detail: RATE_LIMITED_DETAIL })
  })
}

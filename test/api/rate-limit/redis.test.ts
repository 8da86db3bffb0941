import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../../src/app.js'
import type { Config } from '../../../src/config.js'
import { createRedisCounter } from '../../../src/db/redis.js'
import {
  createRateLimiter,
  openRedisRateLimiter,
  parseRate,
  rateLimitCacheKey,
  windowEnd,
  type RateLimiter,
} from '../../../src/domain/rate-limit.js'
import { scoringTestConfig } from '../../helpers/app.js'
import { useTestDatabase } from '../../helpers/database.js'
import { createAccount, createCommunity, randomAddress } from '../../helpers/factories/accounts.js'
import { createTestApiKey } from '../../helpers/factories/scoring.js'
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js'

// endpoints §1.8 (D26) against the real Redis on 127.0.0.1:6379. This file alone uses database 11;
// every key row has a fresh random prefix, so its counters are its own, and each test deletes the
// counters it made.
const REDIS_DB = 11
const REDIS_URL = `redis://127.0.0.1:6379/${REDIS_DB}`
const RATE_LIMITED_BODY = '{"detail":"You have been rate limited!"}'
// One fixed instant for the injected limiters: every request of a test falls in one window.
const FROZEN_NOW = Date.now()

const database = useTestDatabase()
let redis: Redis
const sql = () => database.sql
const appsToClose: FastifyInstance[] = []
const limitersToClose: RateLimiter[] = []
const countersToDelete: string[] = []

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { lazyConnect: true })
  await redis.connect()
})

afterAll(async () => {
  for (const app of appsToClose) await app.close()
  for (const limiter of limitersToClose) await limiter.close()
  if (countersToDelete.length > 0) await redis.del(...countersToDelete)
  redis.disconnect()
})

async function limitedConfig(env: Record<string, string> = {}): Promise<Config> {
  return scoringTestConfig({ RATELIMIT_ENABLE: 'True', REDIS_URL, ...env })
}

/** An app on the shared test database; `rateLimiter` given → that one, else the config decides. */
async function startApp(
  config: Config,
  options: {
    rateLimiter?: RateLimiter
    logLines?: Record<string, unknown>[]
  } = {},
): Promise<FastifyInstance> {
  const logLines = options.logLines
  const logger = logLines
    ? { level: 'warn', stream: { write: (line: string) => void logLines.push(JSON.parse(line)) } }
    : false
  const app = await buildApp({ config, sql: sql(), logger, rateLimiter: options.rateLimiter })
  await app.ready()
  appsToClose.push(app)
  return app
}

/** A second instance's own Redis connection, on the frozen clock. */
function frozenLimiter(url = REDIS_URL, commandTimeoutMs = 100): RateLimiter {
  const limiter = openRedisRateLimiter({ url, commandTimeoutMs, onConnectionError: () => {}, clock: () => FROZEN_NOW })
  limitersToClose.push(limiter)
  return limiter
}

interface Partner {
  key: string
  prefix: string
  keyId: string
  communityId: number
}

/** An account with a scorer and a key whose tiers are set as given (null and "" included). */
async function partnerWith(tiers: { rateLimit?: string | null; analysisRateLimit?: string | null }): Promise<Partner> {
  const { accountId } = await createAccount(sql())
  const { communityId } = await createCommunity(sql(), { accountId })
  const created = await createTestApiKey(sql(), accountId, { withSha256: true })
  await sql()`
    update account_accountapikey
    set rate_limit = ${tiers.rateLimit === undefined ? '125/15m' : tiers.rateLimit},
        analysis_rate_limit = ${tiers.analysisRateLimit === undefined ? '15/15m' : tiers.analysisRateLimit},
        historical_endpoint = true
    where id = ${created.id}`
  return { key: created.key, prefix: created.prefix, keyId: created.id, communityId }
}

/** The counter Python would use for this key, group and rate at `now`. */
function counterKey(partner: Partner, group: 'registry' | 'analysis', rateText: string, now = FROZEN_NOW): string {
  const rate = parseRate(rateText)!
  const key = rateLimitCacheKey(group, rate, partner.prefix, windowEnd(partner.prefix, rate.periodSeconds, now))
  countersToDelete.push(key)
  return key
}

const score = (app: FastifyInstance, partner: Partner, scorerId: number | string = partner.communityId) =>
  app.inject({
    method: 'GET',
    url: `/v2/stamps/${scorerId}/score/${randomAddress()}`,
    headers: { 'x-api-key': partner.key },
  })

describe('rate limiting on the real Redis (endpoints §1.8)', () => {
  it('two instances share one counter per key: the 4th call of a "3/15m" key is refused by whichever instance gets it', async () => {
    const config = await limitedConfig()
    const first = await startApp(config, { rateLimiter: frozenLimiter() })
    const second = await startApp(config, { rateLimiter: frozenLimiter() })
    const partner = await partnerWith({ rateLimit: '3/15m' })
    const counter = counterKey(partner, 'registry', '3/15m')

    expect((await score(first, partner)).statusCode).toBe(200)
    expect((await score(second, partner)).statusCode).toBe(200)
    expect((await score(first, partner)).statusCode).toBe(200)
    const fourth = await score(second, partner)
    expect(fourth.statusCode).toBe(429)
    expect(fourth.body).toBe(RATE_LIMITED_BODY)
    expect((await score(first, partner)).statusCode).toBe(429)
    // Every call counts, refused ones too (django-ratelimit increments before it compares).
    expect(await redis.get(counter)).toBe('5')
  })

  it('one call leaves the counter Django would: value "1" under the key of the hand derivation, expiry period + 5 s', async () => {
    const app = await startApp(await limitedConfig(), { rateLimiter: frozenLimiter() })
    const partner = await partnerWith({ rateLimit: '125/15m' })
    const counter = counterKey(partner, 'registry', '125/15m')
    expect((await score(app, partner)).statusCode).toBe(200)

    expect(await redis.get(counter)).toBe('1')
    expect(await redis.type(counter)).toBe('string')
    const ttl = await redis.ttl(counter)
    expect(ttl).toBeGreaterThanOrEqual(903)
    expect(ttl).toBeLessThanOrEqual(905)
    expect((await score(app, partner)).statusCode).toBe(200)
    expect(await redis.get(counter)).toBe('2')
    // INCR keeps the expiry of the first call.
    expect(await redis.ttl(counter)).toBeLessThanOrEqual(ttl)
  })

  it('a Python counter already in Redis is continued, and a full one refuses at once', async () => {
    const app = await startApp(await limitedConfig(), { rateLimiter: frozenLimiter() })
    const partner = await partnerWith({ rateLimit: '125/15m' })
    const counter = counterKey(partner, 'registry', '125/15m')
    // What Django's cache.add + 124 × cache.incr leave: the integer as text.
    await redis.set(counter, '124', 'EX', 905)
    expect((await score(app, partner)).statusCode).toBe(200)
    expect(await redis.get(counter)).toBe('125')
    expect((await score(app, partner)).statusCode).toBe(429)
  })

  it('the 429: exact body and headers, an analytics row with status 429 and error "" (FF_API_ANALYTICS on)', async () => {
    const app = await startApp(await limitedConfig({ FF_API_ANALYTICS: 'on' }), { rateLimiter: frozenLimiter() })
    const partner = await partnerWith({ rateLimit: '0/15m' })
    counterKey(partner, 'registry', '0/15m')
    const response = await score(app, partner)
    expect(response.statusCode).toBe(429)
    expect(response.body).toBe(RATE_LIMITED_BODY)
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(response.headers['content-length']).toBe(String(RATE_LIMITED_BODY.length))
    // Python sends no Retry-After or X-RateLimit-* headers.
    expect(Object.keys(response.headers).filter((name) => /retry|ratelimit/i.test(name))).toEqual([])

    let rows: { status_code: number; error: string | null; response: unknown }[] = []
    for (let attempt = 0; attempt < 50 && rows.length === 0; attempt++) {
      rows = await sql()<typeof rows>`
        select status_code, error, response from account_accountapikeyanalytics where api_key_id = ${partner.keyId}`
      if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(rows).toEqual([{ status_code: 429, error: '', response: null }])
  })

  it('auth (401) and parameter validation (422) come first and are not counted', async () => {
    const app = await startApp(await limitedConfig(), { rateLimiter: frozenLimiter() })
    const partner = await partnerWith({ rateLimit: '1/15m' })
    const counter = counterKey(partner, 'registry', '1/15m')
    expect((await score(app, partner, 'not-an-int')).statusCode).toBe(422)
    expect((await score(app, { ...partner, key: `${partner.prefix}.wrong` })).statusCode).toBe(401)
    expect(await redis.exists(counter)).toBe(0)
    expect((await score(app, partner)).statusCode).toBe(200)
    expect((await score(app, partner, 'not-an-int')).statusCode).toBe(422)
    expect((await score(app, partner)).statusCode).toBe(429)
    expect(await redis.get(counter)).toBe('2')
  })

  it('rate_limit "" and null are unlimited and never touch Redis', async () => {
    // The real Redis counter, with its calls recorded (other processes may share this Redis, so its
    // key count proves nothing).
    const redisCounter = createRedisCounter({ url: REDIS_URL, commandTimeoutMs: 100, onConnectionError: () => {} })
    const counted: string[] = []
    const limiter = createRateLimiter(
      {
        count: (key, ttl) => {
          counted.push(key)
          return redisCounter.count(key, ttl)
        },
        connected: (timeoutMs) => redisCounter.connected(timeoutMs),
        close: () => redisCounter.close(),
      },
      () => FROZEN_NOW,
    )
    limitersToClose.push(limiter)
    const app = await startApp(await limitedConfig(), { rateLimiter: limiter })
    for (const rateLimit of ['', null]) {
      const partner = await partnerWith({ rateLimit })
      for (let call = 0; call < 4; call++) expect((await score(app, partner)).statusCode).toBe(200)
    }
    expect(counted).toEqual([])
    // The same app counts a key with a tier: the spy sees what Redis holds.
    const limited = await partnerWith({ rateLimit: '5/15m' })
    expect((await score(app, limited)).statusCode).toBe(200)
    expect(counted).toEqual([counterKey(limited, 'registry', '5/15m')])
    expect(await redis.get(counted[0]!)).toBe('1')
  })

  it('the table limits the analysis group on /v2/models/score, and the history route only once its own checks pass', async () => {
    const app = await startApp(await limitedConfig(), { rateLimiter: frozenLimiter() })
    const partner = await partnerWith({ rateLimit: '1/15m', analysisRateLimit: '2/15m' })
    const analysis = counterKey(partner, 'analysis', '2/15m')
    const registry = counterKey(partner, 'registry', '1/15m')
    const models = () =>
      app.inject({ method: 'GET', url: `/v2/models/score/${randomAddress()}`, headers: { 'x-api-key': partner.key } })
    expect((await models()).statusCode).not.toBe(429)
    expect((await models()).statusCode).not.toBe(429)
    const third = await models()
    expect(third.statusCode).toBe(429)
    expect(third.body).toBe(RATE_LIMITED_BODY)
    expect(await redis.get(analysis)).toBe('3')
    expect(await redis.exists(registry)).toBe(0)

    const history = (createdAt: string) =>
      app.inject({
        method: 'GET',
        url: `/v2/stamps/${partner.communityId}/score/${randomAddress()}/history?created_at=${createdAt}`,
        headers: { 'x-api-key': partner.key },
      })
    // An empty created_at is refused by the route before Python's check_rate_limit: not counted.
    expect((await history('')).statusCode).not.toBe(429)
    expect(await redis.exists(registry)).toBe(0)
    expect((await history('2024-01-01')).statusCode).not.toBe(429)
    expect((await history('2024-01-01')).statusCode).toBe(429)
    expect(await redis.get(registry)).toBe('2')
    // Without historical_endpoint the route answers its permission error, uncounted.
    await sql()`update account_accountapikey set historical_endpoint = false where id = ${partner.keyId}`
    expect((await history('2024-01-01')).statusCode).not.toBe(429)
    expect(await redis.get(registry)).toBe('2')
  })

  it('RATELIMIT_ENABLE on through the config alone: the app opens its own client and limits', async () => {
    const app = await startApp(await limitedConfig({ REDIS_URL: '', CELERY_BROKER_URL: REDIS_URL }))
    expect(app.rateLimiter).toBeDefined()
    const partner = await partnerWith({ rateLimit: '2/1d' })
    const statuses = []
    for (let call = 0; call < 3; call++) statuses.push((await score(app, partner)).statusCode)
    // A one-day window: the three calls share it unless a day boundary of this prefix falls in between.
    counterKey(partner, 'registry', '2/1d', Date.now())
    expect(statuses).toEqual([200, 200, 429])
  })
})

/** A TCP listener that counts connections (a Redis the app must not talk to). */
async function countingListener(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    url: `redis://127.0.0.1:${port}/0`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('off, and Redis away (endpoints §1.8: fail-open)', () => {
  it('RATELIMIT_ENABLE off (the default) → no client, no connection, nothing limited', async () => {
    const listener = await countingListener()
    try {
      const envs: Record<string, string>[] = [
        {},
        { RATELIMIT_ENABLE: 'off' },
        { RATELIMIT_ENABLE: '0' },
        { RATELIMIT_ENABLE: 'maybe' },
      ]
      for (const env of envs) {
        const app = await startApp(await scoringTestConfig({ REDIS_URL: listener.url, ...env }))
        expect(app.rateLimiter).toBeUndefined()
        const partner = await partnerWith({ rateLimit: '1/15m' })
        for (let call = 0; call < 3; call++) expect((await score(app, partner)).statusCode).toBe(200)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(listener.connections()).toBe(0)
    } finally {
      await listener.close()
    }
  })

  it('Redis refused (a closed port): the wait at start gives up, requests pass, the limiter answers at once, warnings logged', async () => {
    const port = await closedPort()
    const logLines: Record<string, unknown>[] = []
    const app = await startApp(await limitedConfig({ REDIS_URL: `redis://127.0.0.1:${port}/0` }), { logLines })
    // The start's wait for the connection is bounded: it gave up (the warning below), as this one does.
    const waitStartedAt = performance.now()
    expect(await app.rateLimiter!.connected(200)).toBe(false)
    expect(performance.now() - waitStartedAt).toBeGreaterThanOrEqual(190)
    expect(performance.now() - waitStartedAt).toBeLessThan(2_000)
    const partner = await partnerWith({ rateLimit: '1/15m' })
    for (let call = 0; call < 3; call++) expect((await score(app, partner)).statusCode).toBe(200)
    const warnings = logLines.filter((line) => line.level === 40).map((line) => line.msg)
    expect(warnings).toContain('rate-limit Redis unavailable: requests pass unlimited until it is back')
    expect(warnings).toContain('rate-limit Redis not reachable at start: requests pass unlimited until it is')
    expect(warnings).toContain('rate limit not applied (fail-open)')
    // Throttled: three failed requests, one warning.
    expect(warnings.filter((msg) => msg === 'rate limit not applied (fail-open)')).toHaveLength(1)
    for (let call = 0; call < 5; call++) {
      const startedAt = performance.now()
      const decision = await app.rateLimiter!.check({
        group: 'registry',
        tiers: { rateLimit: '1/15m', analysisRateLimit: null },
        apiKeyPrefix: partner.prefix,
      })
      expect(performance.now() - startedAt).toBeLessThan(100)
      expect(decision.outcome).toBe('failed_open')
    }
  })

  it('Redis frozen mid-run (TCP up, no answer): each check gives up after the command timeout; Redis back → limits again', async () => {
    const proxy: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 })
    try {
      const limiter = frozenLimiter(`redis://127.0.0.1:${proxy.port}/${REDIS_DB}`, 80)
      const app = await startApp(await limitedConfig(), { rateLimiter: limiter })
      const partner = await partnerWith({ rateLimit: '1/15m' })
      const counter = counterKey(partner, 'registry', '1/15m')
      await waitUntil(async () => (await score(app, partner)).statusCode === 200 && (await redis.exists(counter)) === 1)
      expect((await score(app, partner)).statusCode).toBe(429)

      proxy.stall()
      expect((await score(app, partner)).statusCode).toBe(200)
      const startedAt = performance.now()
      const decision = await limiter.check({
        group: 'registry',
        tiers: { rateLimit: '1/15m', analysisRateLimit: null },
        apiKeyPrefix: partner.prefix,
      })
      const elapsed = performance.now() - startedAt
      expect(decision).toMatchObject({ outcome: 'failed_open', reason: 'Command timed out', key: counter })
      expect(elapsed).toBeGreaterThanOrEqual(75)
      expect(elapsed).toBeLessThan(1_000)

      // Redis goes away altogether: the process lives on and requests pass.
      proxy.sever()
      proxy.refuse(true)
      for (let call = 0; call < 3; call++) expect((await score(app, partner)).statusCode).toBe(200)

      proxy.resume()
      proxy.refuse(false)
      // ioredis reconnects by itself; the counter is the same, so the key is refused again.
      await waitUntil(async () => (await score(app, partner)).statusCode === 429)
    } finally {
      await proxy.close()
    }
  })
})

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await condition()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('condition not met in time')
}

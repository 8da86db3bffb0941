import { describe, expect, it } from 'vitest'
import { ConfigError, describeConfig, loadConfig, rateLimitRedisUrl } from '../../../src/config.js'

// endpoints §1.8: the settings of rate limiting, read as Python's settings read them.
describe('rate-limit configuration', () => {
  it('RATELIMIT_ENABLE is django-environ 0.11 `env.bool`: int() text is true unless zero, else only the truthy words', () => {
    const enabled = (value?: string) =>
      loadConfig(value === undefined ? {} : { RATELIMIT_ENABLE: value }).rateLimitEnabled
    expect(enabled()).toBe(false)
    for (const value of ['True', 'true', ' on ', 'OK', 'y', 'YES', '1', '2', '-1', '+7', '1_000', ' 5 '])
      expect([value, enabled(value)]).toEqual([value, true])
    for (const value of ['', 'False', 'off', '0', '00', '-0', 'no', 'maybe', 'enable', '1.0', '0x1'])
      expect([value, enabled(value)]).toEqual([value, false])
  })

  it("the counters' Redis: REDIS_URL, else CELERY_BROKER_URL (Python's cache LOCATION), else Python's default", () => {
    expect(rateLimitRedisUrl(loadConfig({}))).toBe('redis://localhost:6379/0')
    expect(rateLimitRedisUrl(loadConfig({ CELERY_BROKER_URL: 'redis://cache:6379/2' }))).toBe('redis://cache:6379/2')
    expect(
      rateLimitRedisUrl(loadConfig({ CELERY_BROKER_URL: 'redis://cache:6379/2', REDIS_URL: ' redis://own:6380/1 ' })),
    ).toBe('redis://own:6380/1')
    expect(rateLimitRedisUrl(loadConfig({ REDIS_URL: '', CELERY_BROKER_URL: '' }))).toBe('redis://localhost:6379/0')
  })

  it('RATELIMIT_REDIS_TIMEOUT_MS: 100 by default, bounded', () => {
    expect(loadConfig({}).rateLimitRedisTimeoutMs).toBe(100)
    expect(loadConfig({ RATELIMIT_REDIS_TIMEOUT_MS: '50' }).rateLimitRedisTimeoutMs).toBe(50)
    expect(() => loadConfig({ RATELIMIT_REDIS_TIMEOUT_MS: '0' })).toThrow(ConfigError)
    expect(() => loadConfig({ RATELIMIT_REDIS_TIMEOUT_MS: 'fast' })).toThrow('RATELIMIT_REDIS_TIMEOUT_MS')
  })

  it('the start-up log masks Redis passwords', () => {
    const described = describeConfig(
      loadConfig({
        REDIS_URL: 'rediss://user:hunter2@cache:6379/0',
        CELERY_BROKER_URL: 'redis://:s3cret@broker:6379/0',
      }),
    )
    expect(described.redisUrl).toBe('rediss://user:***@cache:6379/0')
    expect(described.celeryBrokerUrl).toBe('redis://:***@broker:6379/0')
    expect(JSON.stringify(described)).not.toMatch(/hunter2|s3cret/)
  })
})

import { Redis } from 'ioredis'

// Redis, where Python's Django cache keeps the rate-limit counters (endpoints §1.8). Like the SQL
// in this folder, these are the only Redis commands of the service.

export interface RedisCounterOptions {
  url: string
  /** Bound of one command: past it the command fails and the caller passes the request. */
  commandTimeoutMs: number
  /** Called on connection trouble; the client keeps reconnecting in the background. */
  onConnectionError: (error: Error) => void
  /** Called when the connection is (again) usable. */
  onReady?: () => void
}

export interface RedisCounter {
  count(key: string, ttlSeconds: number): Promise<number | null>
  /** Resolves true once connected, false when `timeoutMs` passed first; never rejects. */
  connected(timeoutMs: number): Promise<boolean>
  close(): Promise<void>
}

// Django's `cache.add(key, 1, ttl)` is `SET key 1 EX ttl NX`; when the key existed,
// `cache.incr(key)` checks EXISTS, then INCR (which keeps the expiry). One script does the three
// in one round trip and atomically; a key that expired in between answers nil, as in Django.
const COUNT_SCRIPT = `
if redis.call('SET', KEYS[1], '1', 'EX', ARGV[1], 'NX') then return 1 end
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCR', KEYS[1]) end
return false`

type CountingRedis = Redis & { rateLimitCount(key: string, ttlSeconds: number): Promise<number | null> }

/**
 * A client made only when rate limiting is on. It connects in the background and never makes a
 * request wait for a connection: while it is down, commands fail at once (no offline queue), and a
 * command on a live but slow connection fails after `commandTimeoutMs`. Reconnection goes on
 * forever with ioredis's capped backoff, so Redis going away never stops the process.
 */
export function createRedisCounter(options: RedisCounterOptions): RedisCounter {
  const client = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 2_000,
    connectionName: 'passport-scorer-ts',
  }) as CountingRedis
  client.defineCommand('rateLimitCount', { numberOfKeys: 1, lua: COUNT_SCRIPT })
  client.on('error', options.onConnectionError)
  if (options.onReady) client.on('ready', options.onReady)
  client.connect().catch(() => {
    // Reported through the 'error' event; the client retries by itself.
  })
  return {
    count: (key, ttlSeconds) => client.rateLimitCount(key, ttlSeconds),
    connected(timeoutMs) {
      if (client.status === 'ready') return Promise.resolve(true)
      return new Promise((resolve) => {
        const done = (isReady: boolean) => {
          clearTimeout(timer)
          client.off('ready', onReady)
          resolve(isReady)
        }
        const onReady = () => done(true)
        const timer = setTimeout(() => done(false), timeoutMs)
        client.on('ready', onReady)
      })
    },
    async close() {
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect())
      else client.disconnect()
    },
  }
}

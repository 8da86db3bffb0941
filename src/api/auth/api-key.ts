import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../../config.js'
import type { Db, Sql } from '../../db/pool.js'
import { extractApiKey, verifyApiKey, verifyApiKeyWithReads, type AuthenticatedApiKey } from '../../domain/api-keys.js'
import { DomainError } from '../../domain/errors.js'
import { recordApiKeyAnalytics } from './api-key-analytics.js'

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: AuthenticatedApiKey
    /** What the route's `readAlongside` read with the key (for the route's one domain call). */
    readAlongsideApiKey?: unknown
  }
}

const INVALID_API_KEY = 'Invalid API Key.'

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

interface ApiKeyAuthOptions {
  /** Sync Django `ApiKey` routes apply demo aliases to both headers; async `aapi_key` to X-API-Key only (scoring §7.2). */
  aliasBothHeaders: boolean
  /** Write `account_accountapikeyanalytics` rows when FF_API_ANALYTICS is on (scoring §7.6). */
  trackUsage: boolean
  /**
   * Store the response body in the row (Python's `track_response`): the score route does; the
   * sync /v2 routes (history, stamps, metadata) record `response_skipped` instead (endpoints §1.9).
   */
  trackResponse?: boolean
  /**
   * Reads the route will need, sent in the API key's round trip (`verifyApiKeyWithReads`); from the
   * raw request, so undefined when they cannot be chosen yet.
   */
  readAlongside?: (request: FastifyRequest) => ((db: Db) => Promise<unknown>) | undefined
}

/**
 * Partner API key (endpoints §1.3.1, D5) as an `onRequest` hook, so a bad key wins over a bad
 * parameter (§1.2). PBKDF2 runs off the event loop; failed authentication writes no analytics.
 */
export function requireApiKey(config: Config, sql: Sql, options: ApiKeyAuthOptions) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const key = extractApiKey(
      { xApiKey: headerValue(request.headers['x-api-key']), authorization: headerValue(request.headers.authorization) },
      { demoApiKey: config.demoApiKey, demoApiKeyAliases: config.demoApiKeyAliases },
      options.aliasBothHeaders,
    )
    const readAlongside = key ? options.readAlongside?.(request) : undefined
    let apiKey: AuthenticatedApiKey | undefined
    if (key && readAlongside) {
      const verified = await verifyApiKeyWithReads(sql, key, readAlongside)
      apiKey = verified.apiKey
      request.readAlongsideApiKey = verified.reads
    } else if (key) {
      apiKey = await verifyApiKey(sql, key)
    }
    if (!apiKey) throw new DomainError('unauthorized', INVALID_API_KEY)
    request.apiKey = apiKey
    if (options.trackUsage && config.apiAnalyticsEnabled)
      recordApiKeyAnalytics(sql, request, reply, apiKey, options.trackResponse ?? true)
  }
}

import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Sql } from '../../db/pool.js'
import { recordApiKeyUsage, type AuthenticatedApiKey } from '../../domain/api-keys.js'

const MASKED_HEADERS = new Set(['x-api-key', 'authorization', 'cookie'])

// Django's request.headers spells names in Title-Case ("X-Api-Key").
function titleCase(name: string): string {
  return name
    .split('-')
    .map((word) => (word ? word[0]!.toUpperCase() + word.slice(1).toLowerCase() : word))
    .join('-')
}

function maskedHeaders(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue
    headers[titleCase(name)] = MASKED_HEADERS.has(name.toLowerCase())
      ? '***'
      : Array.isArray(value)
        ? value.join(', ')
        : value
  }
  return headers
}

function queryLists(url: string): Record<string, string[]> {
  const params: Record<string, string[]> = {}
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : ''
  for (const [name, value] of new URLSearchParams(query)) (params[name] ??= []).push(value)
  return params
}

declare module 'fastify' {
  interface FastifyReply {
    analyticsPayload?: string
    analyticsError?: string
  }
}

/**
 * scoring §7.6 / endpoints §1.9: one row per authenticated request, written after the response has
 * been sent, so it never delays or fails the request; write failures are only logged.
 */
export function recordApiKeyAnalytics(
  sql: Sql,
  request: FastifyRequest,
  reply: FastifyReply,
  apiKey: AuthenticatedApiKey,
  trackResponse = true,
): void {
  const path = request.url.split('?')[0] ?? request.url
  reply.raw.once('finish', () => {
    // parity (endpoints §1.9): Python's tracking decorator wraps the view, which ninja calls only
    // after the parameters validated, so a 422 leaves no row.
    if (reply.statusCode === 422) return
    const isJson = String(reply.getHeader('content-type') ?? '').includes('json')
    recordApiKeyUsage(sql, {
      apiKeyId: apiKey.id,
      path,
      pathSegments: path.split('/').slice(1),
      queryParams: queryLists(request.url),
      headers: maskedHeaders(request),
      payload: null,
      responseText: trackResponse && reply.statusCode < 400 && isJson ? (reply.analyticsPayload ?? null) : null,
      responseSkipped: !trackResponse,
      error: reply.analyticsError ?? null,
      statusCode: reply.statusCode,
    }).catch((err: unknown) => request.log.warn({ err }, 'could not record API key analytics'))
  })
}

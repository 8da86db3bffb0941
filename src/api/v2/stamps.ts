import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { Config } from '../../config.js'
import { requireApiKey } from '../auth/api-key.js'
import { ValidationFailure } from '../errors.js'
import { DetailError, ValidationErrorList } from '../schemas/common.js'
import { API_KEY_MISSING_OR_INVALID, responses } from '../schemas/responses.js'
import { ProviderMetadataWire } from '../schemas/stamp-metadata.js'
import { listPassportStamps, MAX_STAMP_PAGE, type StampPage } from '../../domain/passport-stamps.js'
import type { StampMetadataSource } from '../../domain/stamp-metadata.js'

export interface PassportStampsRouteOptions {
  stampMetadata: StampMetadataSource
}

// pydantic's boolean words (case-insensitive), as ninja reads a `bool` query parameter.
const TRUE_WORDS = new Set(['1', 'on', 't', 'true', 'y', 'yes'])
const FALSE_WORDS = new Set(['0', 'off', 'f', 'false', 'n', 'no'])

function parseIncludeMetadata(text: string | undefined): boolean {
  if (text === undefined) return false
  const word = text.toLowerCase()
  if (TRUE_WORDS.has(word)) return true
  if (FALSE_WORDS.has(word)) return false
  throw new ValidationFailure([
    {
      type: 'bool_parsing',
      loc: ['query', 'include_metadata'],
      msg: 'Input should be a valid boolean, unable to interpret input',
    },
  ])
}

/**
 * Django's `request.build_absolute_uri("/")` without the slash: the Host header as sent, and https
 * only when SECURE_PROXY_SSL_HEADER names a header that carries its value (first item of a list).
 */
function siteOrigin(request: FastifyRequest, config: Config): string {
  let scheme = 'http'
  if (config.secureProxySslHeader) {
    const [metaName, secureValue] = config.secureProxySslHeader
    const header =
      request.headers[
        metaName
          .replace(/^HTTP_/, '')
          .replace(/_/g, '-')
          .toLowerCase()
      ]
    const value = Array.isArray(header) ? header.join(',') : header
    if (value !== undefined) scheme = value.split(',', 1)[0]!.trim() === secureValue ? 'https' : 'http'
  }
  return `${scheme}://${request.headers.host ?? request.hostname}`
}

/** parity (endpoints §19): Python's page links point at the v1 route `/registry/stamps/{address}`. */
function pageUrl(origin: string, address: string, page: StampPage['next']): string | null {
  return page ? `${origin}/registry/stamps/${address}?token=${page.token}&limit=${page.limit}` : null
}

const StampItemWire = Type.Object({
  version: Type.String(),
  credential: Type.Object({}, { additionalProperties: true, description: 'The stamp as stored' }),
  metadata: Type.Optional(Type.Union([ProviderMetadataWire, Type.Null()])),
})

// endpoints §19: the stamps of an address, newest first, with Python's cursor pagination.
export const v2PassportStampsRoutes: FastifyPluginAsyncTypebox<PassportStampsRouteOptions> = async (app, options) => {
  app.get(
    '/v2/stamps/:address',
    {
      onRequest: requireApiKey(app.config, app.sql, { aliasBothHeaders: true, trackUsage: true, trackResponse: false }),
      schema: {
        operationId: 'v2_api_api_stamps_get_passport_stamps',
        tags: ['v2'],
        summary: 'Retrieve the Stamps that a specified account has verified.',
        description:
          'The stamps an address holds in the Passport app cache, newest first, one page at a time. `next` and ' +
          '`prev` are absolute URLs of the neighbouring pages (on the v1 path `/registry/stamps/…`, as Python ' +
          'writes them); pass their `token` and `limit` back to this route. `include_metadata=true` adds each ' +
          "stamp's platform and group from the stamp metadata.",
        security: [{ apiKey: [] }],
        params: Type.Object({ address: Type.String({ description: 'The Ethereum address whose stamps are listed' }) }),
        querystring: Type.Object({
          token: Type.String({ default: '', description: 'Cursor of a page, from `next` or `prev`' }),
          limit: Type.Integer({ default: MAX_STAMP_PAGE, description: 'Stamps per page, at most 1000' }),
          include_metadata: Type.Optional(Type.String({ description: 'A boolean: true, false, 1, 0, yes, no…' })),
        }),
        response: responses({
          200: [
            Type.Object({
              next: Type.Union([Type.String(), Type.Null()]),
              prev: Type.Union([Type.String(), Type.Null()]),
              items: Type.Array(StampItemWire),
            }),
            'One page of stamps and the links to its neighbours',
          ],
          400: [DetailError, '"Invalid limit." (over 1000 or negative), "Invalid address." or "Invalid token."'],
          401: API_KEY_MISSING_OR_INVALID,
          422: [ValidationErrorList, 'A query parameter of the wrong type'],
          500: [
            DetailError,
            'Metadata asked for but never fetched: "Error fetching external stamp metadata for provider …"',
          ],
        }),
      },
    },
    async (request) => {
      const page = await listPassportStamps(app.sql, options.stampMetadata, {
        address: request.params.address,
        token: request.query.token,
        limit: request.query.limit,
        includeMetadata: parseIncludeMetadata(request.query.include_metadata),
      })
      const origin = siteOrigin(request, app.config)
      return {
        next: pageUrl(origin, page.address, page.next),
        prev: pageUrl(origin, page.address, page.prev),
        items: page.items,
      }
    },
  )
}

import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { DomainError } from '../../domain/errors.js'

/** Where the documents are served (endpoints Appendix F). */
export const DOCS_PATHS = {
  fullUi: '/docs',
  fullJson: '/docs/json',
  v2Ui: '/v2/docs',
  v2Json: '/v2/openapi.json',
} as const

// Response headers of the docs server that the caller needs (type, caching, redirects).
const FORWARDED_HEADERS = ['content-type', 'location', 'cache-control', 'etag', 'last-modified']
const CONDITIONAL_HEADERS = ['if-none-match', 'if-modified-since']

/**
 * The OpenAPI documents and their Swagger UI pages. Startup only records the routes (issue 12: cold
 * start); the first request for a document or a page builds them (./documents.ts) on a separate
 * Fastify instance, which then answers every docs request.
 */
export function registerApiDocs(app: FastifyInstance): void {
  const documented: RouteOptions[] = []
  app.addHook('onRoute', (route) => {
    if (!(route.schema as { hide?: boolean } | undefined)?.hide) documented.push(route)
  })

  let docsServer: Promise<FastifyInstance> | undefined
  const serveFromDocsServer = async (request: FastifyRequest, reply: FastifyReply) => {
    docsServer ??= import('./documents.js').then(({ buildDocsServer }) => buildDocsServer(documented))
    const server = await docsServer.catch((error: unknown) => {
      docsServer = undefined
      throw error
    })
    const url = request.url.startsWith(DOCS_PATHS.v2Json) ? `${DOCS_PATHS.v2Ui}/json` : request.url
    const headers = Object.fromEntries(CONDITIONAL_HEADERS.flatMap((name) => pick(request, name)))
    const answer = await server.inject({ method: 'GET', url, headers })
    if (answer.statusCode === 404) throw new DomainError('not_found', 'Not Found')
    for (const name of FORWARDED_HEADERS) {
      const value = answer.headers[name]
      if (value !== undefined) void reply.header(name, value)
    }
    return reply.code(answer.statusCode).send(answer.rawPayload)
  }

  const hidden = { schema: { hide: true } }
  for (const prefix of [DOCS_PATHS.fullUi, DOCS_PATHS.v2Ui]) {
    app.get(prefix, hidden, serveFromDocsServer)
    app.get(`${prefix}/*`, hidden, serveFromDocsServer)
  }
  app.get(DOCS_PATHS.v2Json, hidden, serveFromDocsServer)
}

function pick(request: FastifyRequest, name: string): [string, string][] {
  const value = request.headers[name]
  return typeof value === 'string' ? [[name, value]] : []
}

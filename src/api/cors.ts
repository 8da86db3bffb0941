import cors from '@fastify/cors'
import type { FastifyInstance, FastifyRequest } from 'fastify'

// D23 / endpoints §1.10: django-cors-headers 4.6 as Python configures it (CORS_ALLOW_ALL_ORIGINS,
// no credentials, its CORS_ALLOW_HEADERS list, the library's default methods and max-age).
const ALLOWED_HEADERS = [
  'accept',
  'accept-encoding',
  'authorization',
  'content-type',
  'dnt',
  'origin',
  'user-agent',
  'x-csrftoken',
  'x-requested-with',
  'x-api-key',
]
const ALLOWED_METHODS = ['DELETE', 'GET', 'OPTIONS', 'PATCH', 'POST', 'PUT']
const PREFLIGHT_MAX_AGE_SECONDS = 86_400

/** A CORS preflight in django-cors-headers' sense: OPTIONS carrying Access-Control-Request-Method. */
const isPreflight = (request: FastifyRequest): boolean =>
  request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined

/**
 * Registered before every other hook, so that every answer — errors, 404, 405, deadline 503s —
 * carries the headers. A preflight is answered 200 with an empty body on any path, before routing,
 * as the Django middleware does; any other OPTIONS goes on to routing (405 with `Allow`, or 404).
 */
export async function registerCors(app: FastifyInstance): Promise<void> {
  // The four option sets a request can need, built once (issue 16: not an object and a promise per
  // request); a two-argument delegator is called back without a promise.
  const optionsFor = (hasOrigin: boolean, preflight: boolean) => ({
    // No Origin header: not a cross-origin request, so no Access-Control-* header (only Vary).
    origin: hasOrigin ? '*' : false,
    methods: ALLOWED_METHODS,
    allowedHeaders: ALLOWED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    preflight,
    strictPreflight: false,
    optionsSuccessStatus: 200,
  })
  const options = [
    [optionsFor(false, false), optionsFor(false, true)],
    [optionsFor(true, false), optionsFor(true, true)],
  ] as const
  await app.register(cors, {
    hook: 'onRequest',
    delegator: (request: FastifyRequest, callback: (error: Error | null, options: object) => void) =>
      callback(null, options[request.headers.origin ? 1 : 0][isPreflight(request) ? 1 : 0]),
  })
}

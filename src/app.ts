import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { randomUUID } from 'node:crypto'
import { Ajv } from 'ajv'
import type { Config } from './config.js'
import { poolUsage, type Sql } from './db/pool.js'
import { installErrorHandlers } from './api/errors.js'
import { installRequestLifecycle } from './api/request-lifecycle.js'
import { installInputGuards } from './api/input-guards.js'
import { installTransportListeners, MAX_PATH_SEGMENT_LENGTH, transportErrorOptions } from './api/transport-errors.js'
import { registerRoutes } from './api/routes.js'
import { registerApiDocs } from './api/openapi/register.js'
import { installObservability } from './api/observability.js'
import { registerCors } from './api/cors.js'
import { createFirstUseCompilers, type RouteRef } from './api/compile-on-first-use.js'
import './api/auth/api-key-analytics.js'
import { createSignatureCache, type SignatureVerifier } from './domain/credential-verifier.js'
import { jwtKeysFrom, type JwtKeys } from './domain/ceramic-jwt.js'
import { createStoredStampCache, type StoredStampCache } from './domain/stored-stamp-cache.js'
import { installRateLimit, rateLimiterFromConfig } from './api/rate-limit.js'
import { OneLinePerRequest } from './api/access-log.js'
import type { RateLimiter } from './domain/rate-limit.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    sql: Sql
    signatureVerifier: SignatureVerifier
    jwtKeys: JwtKeys
    storedStampCache: StoredStampCache
    /** Compiles the selected routes' validators and serializers ahead of their first request (src/api/compile-on-first-use.ts). */
    warmUpRoutes(wanted: (route: RouteRef) => boolean): Promise<number>
  }
}

// Enough for the stamps of every passport scored recently on one instance (~200 bytes each).
const SIGNATURE_CACHE_ENTRIES = 20_000
// A stored stamp's slim credential and verdict by row version take ~700 bytes (20,000 entries: 13.8
// MB of heap); re-added stamps fill it with new row versions. A miss costs one read of the
// credential and its signature-cache lookup, not a DIDKit check: 10,000 entries (~1,000 passports)
// keep RSS under the bench's load within issue 12's 150 MB.
const STORED_STAMP_CACHE_ENTRIES = 10_000

export interface AppDeps {
  config: Config
  sql: Sql
  /** `false` in tests; a pino options object or logger in the server. */
  logger?: boolean | Record<string, unknown> | FastifyBaseLogger
  /** Defaults to DIDKit behind a bounded cache of signature results. */
  signatureVerifier?: SignatureVerifier
  /** Defaults to the Redis limiter when RATELIMIT_ENABLE is on (endpoints §1.8); the caller closes its own. */
  rateLimiter?: RateLimiter
}

/** Builds the app without listening and without reading the environment (style §1). */
export async function buildApp({
  config,
  sql,
  logger = false,
  signatureVerifier,
  rateLimiter,
}: AppDeps): Promise<FastifyInstance> {
  const compilers = createFirstUseCompilers()
  const loggerOption =
    typeof logger === 'object' && 'info' in logger ? { loggerInstance: logger as FastifyBaseLogger } : { logger }
  const app = Fastify({
    ...loggerOption,
    logController: new OneLinePerRequest(),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Django's routes are exact; `/x/` and `/x` are different URLs (endpoints §1.1).
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: MAX_PATH_SEGMENT_LENGTH },
    // Receiving a request (headers and body) from a slow or stalled client is bounded; the request
    // deadline itself is src/api/request-lifecycle.ts.
    requestTimeout: config.requestTimeoutMs * 3,
    // Shutdown answers in our envelope (src/api/request-lifecycle.ts), not Fastify's own body.
    return503OnClosing: false,
    // D24: the HTTP parser's and the router's errors in the `{"detail": …}` envelope too.
    ...transportErrorOptions,
    schemaController: { compilersFactory: { buildSerializer: compilers.serializerFactory } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  // Path and query values are text and are coerced like ninja does ("5" → 5); a JSON body is not:
  // pydantic refuses "x" for a list or 5 for a string, so the body validator must not coerce either.
  // validateSchema off: checking a schema against the JSON Schema meta-schema first compiles the
  // meta-schema, ~10 ms of the first request per instance (issue 12); our schemas are TypeBox's,
  // and test/api/route-compilers.test.ts compiles every route's with the check on.
  const options = { useDefaults: true, removeAdditional: false, allErrors: false, validateSchema: false } as const
  const coercing = new Ajv({ ...options, coerceTypes: 'array' })
  const strict = new Ajv({ ...options, coerceTypes: false })
  app.setValidatorCompiler(({ schema, httpPart, method, url }) =>
    compilers.validatorOnFirstUse({ method, url }, () => (httpPart === 'body' ? strict : coercing).compile(schema)),
  )
  app.decorate('warmUpRoutes', compilers.warmUp)

  app.decorate('config', config)
  app.decorate('sql', sql)
  app.decorate('jwtKeys', jwtKeysFrom(config))
  // Slim credentials (~0.5 KB) and verdicts of the stamps this instance scored recently.
  app.decorate('storedStampCache', createStoredStampCache(STORED_STAMP_CACHE_ENTRIES))
  app.decorate('signatureVerifier', signatureVerifier ?? createSignatureCache({ maxEntries: SIGNATURE_CACHE_ENTRIES }))
  await installObservability(app, {
    poolUsage: () => poolUsage(sql),
    signatureVerifier: app.signatureVerifier,
    storedStampCache: app.storedStampCache,
  })
  installErrorHandlers(app)
  // After the error handler (its OPTIONS catch-all route keeps the handler set before it), before
  // the other hooks, so every answer carries the CORS headers.
  await registerCors(app)
  installRequestLifecycle(app, { requestTimeoutMs: config.requestTimeoutMs })
  installInputGuards(app)
  installTransportListeners(app)
  installRateLimit(app, rateLimiter ?? rateLimiterFromConfig(config, app.log), rateLimiter === undefined)
  // The analytics row stores the response body as sent (scoring §7.6).
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.apiKey && typeof payload === 'string') reply.analyticsPayload = payload
    done(null, payload)
  })

  // Before the routes: it records them for the OpenAPI documents, built on the first docs request.
  registerApiDocs(app)
  await registerRoutes(app)
  return app
}

import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify'
import { DetailError } from '../schemas/common.js'
import { responseDocs } from '../schemas/responses.js'

// Loaded on the first docs request only (./register.ts): the packages are imported here, not at
// the top, so that no bundle hoists them onto the startup path.

type OpenApiDocument = {
  openapi: string
  info: Record<string, unknown>
  tags?: { name: string }[]
  paths: Record<string, Record<string, unknown>>
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> }
}

const TAGS = [
  { name: 'v2', description: 'Public API for partners: scores and stamps under a partner API key.' },
  { name: 'embed', description: 'The embed widget (internal load balancer): score, add stamps, check a key.' },
  { name: 'internal', description: 'Internal API of the Passport services, under the internal key (weights: none).' },
  { name: 'ceramic-cache', description: "The Passport app: the signed-in address's stamps and score." },
  { name: 'account', description: 'The Passport app signing in: the nonce a SIWE message carries.' },
  { name: 'health', description: 'Probe for load balancers.' },
]

const SECURITY_SCHEMES = {
  apiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description:
      'A partner API key from the developer portal. Without `X-API-Key`, the second word of `Authorization` ' +
      '(`Authorization: Token <key>`) is read instead. Revoked and expired keys are refused (401).',
  },
  internalKey: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: 'The internal key: the whole `Authorization` header equals CGRANTS_API_TOKEN (no scheme word).',
  },
  jwt: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A Passport app access token for the signed-in address: `Authorization: Bearer <token>`.',
  },
} as const

const FULL_INFO = {
  title: 'Passport Scorer API (TypeScript)',
  version: '0.1.0',
  description:
    'Drop-in implementation of the Gitcoin Passport scorer API: the same requests and JSON as the Python ' +
    'scorer, on the same database. The public v2 API alone is at /v2/openapi.json.',
}

// Python's /v2 document (api/v2/api/__init__.py): this title and version, no servers.
const V2_INFO = {
  title: 'Passport Developer Platform',
  version: '2.0.0',
  description: 'Passport scores and Stamps of an address, for partners holding an API key.',
}

// Every route can answer it: the request deadline, a draining instance, and — on every route that
// reads or writes — a database that does not answer (src/api/errors.ts, request-lifecycle.ts).
const SERVICE_UNAVAILABLE = {
  description:
    'Service unavailable: the database did not answer ("Service Unavailable"), the request deadline ' +
    'passed ("Request timed out"), or the instance is shutting down ("Service Unavailable").',
  example: { detail: 'Service Unavailable' },
}

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null

/**
 * Components by name: every sub-schema with a `title` or `$id` (src/api/schemas/common.ts) becomes
 * a reference to a shared schema of that name. Two different schemas under one name are refused.
 */
class NamedSchemas {
  readonly byName = new Map<string, Json>()
  private readonly seen = new Map<string, string>()

  referenced(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.referenced(item))
    if (!isObject(value)) return value
    const copy: Json = {}
    for (const [key, inner] of Object.entries(value)) copy[key] = key === 'examples' ? inner : this.referenced(inner)
    const name = typeof value.$id === 'string' ? value.$id : typeof value.title === 'string' ? value.title : undefined
    if (name === undefined) return copy
    const text = JSON.stringify(copy)
    if (this.seen.has(name) && this.seen.get(name) !== text) throw new Error(`two different schemas named ${name}`)
    if (!this.seen.has(name)) this.byName.set(name, { ...copy, $id: name, title: name })
    this.seen.set(name, text)
    return { $ref: `${name}#` }
  }
}

/**
 * The route's schema as the document shows it: named sub-schemas as references, each response with
 * its description (src/api/schemas/responses.ts) in OpenAPI's `content` form, and the 503 added
 * where the route does not declare it.
 */
function documentedSchema(schema: FastifySchema | undefined, named: NamedSchemas): FastifySchema {
  const declared = (schema?.response ?? {}) as Json
  const docs = responseDocs(declared)
  const response: Json = {}
  for (const status of new Set([...Object.keys(declared), ...Object.keys(docs)].sort())) {
    const doc = docs[status]
    // OpenAPI requires a description of every response: routes declare theirs with responses().
    if (!doc)
      throw new Error(`${status} response without a description: declare the route's responses with responses()`)
    const media: Json = { schema: named.referenced(doc.schema) }
    if (doc.example !== undefined) media.example = doc.example
    response[status] = { description: doc.description, content: { [doc.mediaType ?? 'application/json']: media } }
  }
  response['503'] ??= {
    description: SERVICE_UNAVAILABLE.description,
    content: { 'application/json': { schema: named.referenced(DetailError), example: SERVICE_UNAVAILABLE.example } },
  }
  const { response: _declared, ...rest } = schema ?? {}
  return { ...(named.referenced(rest) as FastifySchema), response }
}

/** The paths under /v2/, with the tags, schemas and security schemes they use: Python's /v2 document. */
export function v2Document(full: OpenApiDocument): OpenApiDocument {
  const paths = Object.fromEntries(Object.entries(full.paths).filter(([path]) => path.startsWith('/v2/')))
  const allSchemas = full.components?.schemas ?? {}
  const schemas: Record<string, unknown> = {}
  const pending = referencedSchemas(paths)
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (name in schemas || !(name in allSchemas)) continue
    schemas[name] = allSchemas[name]
    pending.push(...referencedSchemas(allSchemas[name]))
  }
  const operations = Object.values(paths).flatMap((item) => Object.values(item)) as {
    tags?: string[]
    security?: Record<string, unknown>[]
  }[]
  const tagNames = new Set(operations.flatMap((operation) => operation.tags ?? []))
  const schemeNames = new Set(operations.flatMap((operation) => (operation.security ?? []).flatMap(Object.keys)))
  const securitySchemes = Object.fromEntries(
    Object.entries(full.components?.securitySchemes ?? {}).filter(([name]) => schemeNames.has(name)),
  )
  return {
    openapi: full.openapi,
    info: V2_INFO,
    tags: (full.tags ?? []).filter((tag) => tagNames.has(tag.name)),
    paths,
    components: { schemas, securitySchemes },
  }
}

function referencedSchemas(value: unknown): string[] {
  const found = JSON.stringify(value).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)
  return [...found].map((match) => decodeURIComponent(match[1]!))
}

const notServed = () => {
  throw new Error('the docs server only describes the routes')
}

/**
 * A Fastify instance that holds a schema-only copy of every documented route, generates both
 * documents from them (@fastify/swagger) and serves Swagger UI for each (@fastify/swagger-ui):
 * /docs, /docs/json, /v2/docs, /v2/docs/json.
 */
export async function buildDocsServer(routes: readonly RouteOptions[]): Promise<FastifyInstance> {
  const [{ default: Fastify }, { default: swagger }, { default: swaggerUi }] = await Promise.all([
    import('fastify'),
    import('@fastify/swagger'),
    import('@fastify/swagger-ui'),
  ])
  const server = Fastify({ logger: false, exposeHeadRoutes: false })
  // The copies never run: nothing to validate or serialize.
  server.setValidatorCompiler(() => () => true)
  server.setSerializerCompiler(() => (data) => JSON.stringify(data))
  server.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: 'Not Found' }))

  await server.register(swagger, {
    openapi: { info: FULL_INFO, tags: TAGS, components: { securitySchemes: SECURITY_SCHEMES } },
    // Components are named by their `$id` (set from a wire type's title by NamedSchemas), not `def-N`.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) => {
        if (typeof json.$id !== 'string') return `def-${index}`
        json.title ??= json.$id
        return json.$id
      },
    },
  })
  const named = new NamedSchemas()
  // The shared envelope first, so that its own description names the component.
  named.referenced(DetailError)
  const copies = routes.map((route) => ({ route, schema: documentedSchema(route.schema, named) }))
  for (const schema of named.byName.values()) server.addSchema(schema)
  await server.register(async (scope) => {
    for (const { route, schema } of copies) {
      // A HEAD beside a GET would repeat its operationId.
      const methods = [route.method].flat().filter((method) => method !== 'HEAD')
      if (methods.length > 0) scope.route({ method: methods, url: route.url, schema, handler: notServed })
    }
  })
  await server.register(async (scope) => scope.register(swaggerUi, { routePrefix: '/docs' }))
  await server.register(async (scope) =>
    scope.register(swaggerUi, {
      routePrefix: '/v2/docs',
      transformSpecification: (document) => v2Document(document as OpenApiDocument),
    }),
  )
  await server.ready()
  return server
}

import type { TSchema } from '@sinclair/typebox'
import { DetailError } from './common.js'

/** What the OpenAPI document says about one response. */
export interface ResponseDoc {
  schema: TSchema
  description: string
  /** The body's media type when it is not JSON (`/health` answers `text/html`). */
  mediaType?: string
  /** A body this response really carries, for the document; it must match the schema. */
  example?: unknown
}

type DeclaredResponse = readonly [
  schema: TSchema,
  description: string,
  more?: Omit<ResponseDoc, 'schema' | 'description'>,
]
type ResponseSchemas<M> = { [K in keyof M]: M[K] extends DeclaredResponse ? M[K][0] : never }

// A symbol key is invisible to Fastify, AJV and fast-json-stringify (they walk Object.keys), so the
// route's response map stays exactly the schemas it validates and serializes with.
const RESPONSE_DOCS = Symbol('response docs')

function docsOf(declared: Record<number, DeclaredResponse>): Record<string, ResponseDoc> {
  const docs: Record<string, ResponseDoc> = {}
  for (const [status, [schema, description, more]] of Object.entries(declared) as [string, DeclaredResponse][]) {
    docs[status] = { ...more, schema, description }
  }
  return docs
}

/**
 * A route's `response` map from `status: [schema, description, { mediaType, example }]`: the schemas
 * for Fastify, the descriptions and examples for the OpenAPI document (src/api/openapi).
 * `documentedOnly` lists answers the route gives without a response schema of its own (so that
 * documenting them changes no serializer): they appear in the document only.
 */
export function responses<M extends Record<number, DeclaredResponse>>(
  declared: M,
  documentedOnly: Record<number, DeclaredResponse> = {},
): ResponseSchemas<M> {
  const schemas: Record<string, TSchema> = {}
  for (const [status, [schema]] of Object.entries(declared) as [string, DeclaredResponse][]) schemas[status] = schema
  const docs = { ...docsOf(documentedOnly), ...docsOf(declared) }
  return Object.assign(schemas, { [RESPONSE_DOCS]: docs }) as ResponseSchemas<M>
}

/** The documentation `responses()` attached to a route's response map (empty for a plain map). */
export function responseDocs(responseMap: object | undefined): Readonly<Record<string, ResponseDoc>> {
  return (responseMap as { [RESPONSE_DOCS]?: Record<string, ResponseDoc> } | undefined)?.[RESPONSE_DOCS] ?? {}
}

/** The 503 of a route that reads or writes the database. */
export const DATABASE_UNAVAILABLE = [DetailError, 'The database is unavailable'] as const

/** The 401 of a ceramic-cache route called without a valid access token. */
export const NO_VALID_TOKEN = [DetailError, 'No valid token'] as const

/** The 401 of a v2 route called without a valid API key. */
export const API_KEY_MISSING_OR_INVALID = [DetailError, 'Missing or invalid API key: "Invalid API Key."'] as const

import type { TSchema } from '@sinclair/typebox'

/** What the OpenAPI document says about one response besides its body schema. */
export interface ResponseDoc {
  description: string
  /** The body's media type when it is not JSON (`/health` answers `text/html`). */
  mediaType?: string
  /** A body this response really carries, for the document; it must match the schema. */
  example?: unknown
}

type DeclaredResponse = readonly [schema: TSchema, description: string, more?: Omit<ResponseDoc, 'description'>]
type ResponseSchemas<M> = { [K in keyof M]: M[K] extends DeclaredResponse ? M[K][0] : never }

// A symbol key is invisible to Fastify, AJV and fast-json-stringify (they walk Object.keys), so the
// route's response map stays exactly the schemas it validates and serializes with.
const RESPONSE_DOCS = Symbol('response docs')

/**
 * A route's `response` map from `status: [schema, description, { mediaType, example }]`: the schemas
 * for Fastify, the descriptions and examples for the OpenAPI document (src/api/openapi).
 */
export function responses<M extends Record<number, DeclaredResponse>>(declared: M): ResponseSchemas<M> {
  const schemas: Record<string, TSchema> = {}
  const docs: Record<string, ResponseDoc> = {}
  for (const [status, [schema, description, more]] of Object.entries(declared) as [string, DeclaredResponse][]) {
    schemas[status] = schema
    docs[status] = { ...more, description }
  }
  return Object.assign(schemas, { [RESPONSE_DOCS]: docs }) as ResponseSchemas<M>
}

/** The documentation `responses()` attached to a route's response map (empty for a plain map). */
export function responseDocs(responseMap: object | undefined): Readonly<Record<string, ResponseDoc>> {
  return (responseMap as { [RESPONSE_DOCS]?: Record<string, ResponseDoc> } | undefined)?.[RESPONSE_DOCS] ?? {}
}

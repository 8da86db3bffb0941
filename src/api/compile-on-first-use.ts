// Cold start (README "Production"): Fastify compiles the validator and the serializer of every
// route while it starts — about 40 % of the CPU between spawn and listening. Here each one is
// compiled by the same compiler, with the same schema, on the first request that needs it, so a
// process pays only for the routes it serves (a Lambda often serves one or two). A long-running
// server can also compile chosen routes ahead of their first request, in the background once it
// listens (`warmUp`): the first score then finds its validators and serializer ready.
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'

interface Validator {
  (data: never): unknown
  errors?: unknown
}

type SerializerFactory = ReturnType<typeof SerializerSelector>

export interface RouteRef {
  method: string
  url: string
  /** Serializers only: the status code (or `2xx`, `default`) whose response they write. */
  httpStatus?: string
}

interface Pending {
  route: RouteRef
  compile(): void
  isCompiled(): boolean
}

export interface FirstUseCompilers {
  /** Wraps a compile step of a route's validator (Fastify's validator compiler calls it). */
  validatorOnFirstUse<V extends Validator>(route: RouteRef, compile: () => V): V
  /** Fastify's own serializer factory, for the `schemaController.compilersFactory.buildSerializer` option. */
  readonly serializerFactory: SerializerFactory
  /**
   * Compiles the not yet compiled validators and serializers of the routes `wanted` selects, in
   * that order, one per macrotask: a request arriving meanwhile waits for one compile at most.
   * Resolves with the number compiled.
   */
  warmUp(wanted: (route: RouteRef) => boolean): Promise<number>
}

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export function createFirstUseCompilers(): FirstUseCompilers {
  const pending: Pending[] = []
  const fastifyDefault = SerializerSelector()
  return {
    validatorOnFirstUse<V extends Validator>(route: RouteRef, compile: () => V): V {
      let compiled: V | undefined
      const validate: { (data: unknown): unknown; errors?: unknown } = (data) => {
        compiled ??= compile()
        const result = (compiled as unknown as (data: unknown) => unknown)(data)
        validate.errors = compiled.errors
        return result
      }
      pending.push({
        route: { method: route.method, url: route.url },
        compile: () => void (compiled ??= compile()),
        isCompiled: () => compiled !== undefined,
      })
      return validate as unknown as V
    },
    serializerFactory: (externalSchemas, options) => {
      const compileRoute = fastifyDefault(externalSchemas, options)
      return (route) => {
        let serialize: ((doc: unknown) => string) | undefined
        pending.push({
          route: { method: route.method, url: route.url, httpStatus: route.httpStatus },
          compile: () => void (serialize ??= compileRoute(withTypeLists(route))),
          isCompiled: () => serialize !== undefined,
        })
        return (doc) => (serialize ??= compileRoute(withTypeLists(route)))(doc)
      }
    },
    async warmUp(wanted) {
      let count = 0
      for (const step of pending.filter((entry) => wanted(entry.route))) {
        await nextMacrotask()
        if (step.isCompiled()) continue
        step.compile()
        count++
      }
      return count
    },
  }
}

type RouteSchema = Parameters<ReturnType<SerializerFactory>>[0]
type JsonSchema = Record<string, unknown>

// What a branch of a union may carry besides `type` and still be told apart by its type alone.
const ANNOTATIONS = new Set(['type', 'description', 'title', 'examples', 'default'])
const OBJECT_SHAPE = new Set([...ANNOTATIONS, 'properties', 'required', 'additionalProperties', 'patternProperties'])

function isTypeOnlyBranch(branch: unknown): branch is JsonSchema & { type: string } {
  if (typeof branch !== 'object' || branch === null) return false
  const { type } = branch as JsonSchema
  if (typeof type !== 'string' || type === 'array') return false
  const allowed = type === 'object' ? OBJECT_SHAPE : ANNOTATIONS
  return Object.keys(branch).every((key) => allowed.has(key))
}

/**
 * A union whose branches differ by JSON type (TypeBox's `Union([String(), Null()])`, `Union([Obj,
 * Null()])`) as one schema with a list of types. fast-json-stringify writes the same JSON for both,
 * but an `anyOf` makes it pick the branch with Ajv on every call: the first response compiled Ajv
 * validators for the whole schema (~15 ms of the first score, issue 12) and every response ran
 * them. A list of types is decided by `typeof` in the generated code. Other unions are left alone.
 */
export function mergeTypeUnions(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(mergeTypeUnions)
  if (typeof schema !== 'object' || schema === null) return schema
  const copy: JsonSchema = {}
  for (const [key, value] of Object.entries(schema)) copy[key] = mergeTypeUnions(value)
  const branches = copy.anyOf
  if (!Array.isArray(branches) || copy.type !== undefined) return copy
  if (!branches.every(isTypeOnlyBranch)) return copy
  const types = branches.map((branch) => branch.type)
  const objects = branches.filter((branch) => branch.type === 'object')
  if (new Set(types).size !== types.length || objects.length > 1) return copy
  const { anyOf: _union, ...outer } = copy
  const { type: _object, ...objectShape } = objects[0] ?? {}
  return { ...objectShape, ...outer, type: types }
}

function withTypeLists(route: RouteSchema): RouteSchema {
  return { ...route, schema: mergeTypeUnions(route.schema) as RouteSchema['schema'] }
}

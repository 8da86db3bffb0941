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
          compile: () => void (serialize ??= compileRoute(route)),
          isCompiled: () => serialize !== undefined,
        })
        return (doc) => (serialize ??= compileRoute(route))(doc)
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

// Cold start (README "Production"): Fastify compiles the validator and the serializer of every
// route while it starts — about 40 % of the CPU between spawn and listening. Here each one is
// compiled by the same compiler, with the same schema, on the first request that needs it, so a
// process pays only for the routes it serves (a Lambda often serves one or two).
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'

interface Validator {
  (data: never): unknown
  errors?: unknown
}

/** A validator that compiles on its first call; Fastify reads `errors` after a failed call. */
export function validatorOnFirstUse<V extends Validator>(compile: () => V): V {
  let compiled: V | undefined
  const validate: { (data: unknown): unknown; errors?: unknown } = (data) => {
    compiled ??= compile()
    const result = (compiled as unknown as (data: unknown) => unknown)(data)
    validate.errors = compiled.errors
    return result
  }
  return validate as unknown as V
}

type SerializerFactory = ReturnType<typeof SerializerSelector>

/**
 * Fastify's own serializer factory (fast-json-stringify), whose serializers compile on their
 * first call. For the `schemaController.compilersFactory.buildSerializer` option.
 */
export function serializersOnFirstUse(): SerializerFactory {
  const fastifyDefault = SerializerSelector()
  return (externalSchemas, options) => {
    const compileRoute = fastifyDefault(externalSchemas, options)
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined
      return (doc) => (serialize ??= compileRoute(route))(doc)
    }
  }
}

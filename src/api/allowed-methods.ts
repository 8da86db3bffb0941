import type { FastifyInstance, HTTPMethods } from 'fastify'

// The methods the routes of this app use; the router is asked about each of them. OPTIONS is not
// one: its only route is the CORS preflight catch-all (src/api/cors.ts), which serves no URL itself.
const ROUTED_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']

/**
 * D18: the methods some route serves at this URL, empty when no route matches it with any method
 * (a 404). Django's converters never match an empty segment (endpoints §1.1), so neither does this.
 */
export function allowedMethods(app: FastifyInstance, url: string): HTTPMethods[] {
  return ROUTED_METHODS.filter((method) => {
    const route = app.findRoute({ method, url })
    return route !== null && Object.values(route.params as Record<string, string>).every((value) => value !== '')
  })
}

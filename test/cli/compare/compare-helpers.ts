import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { FastifyInstance, RouteOptions } from 'fastify'
import { buildApp } from '../../../src/app.js'
import { loadConfig } from '../../../src/config.js'
import type { FixtureState } from '../../../src/cli/compare/fixtures.js'
import type { Sql } from '../../../src/db/pool.js'

/** This service on its own database with the environment `compare --setup` printed, listening on a free port. */
export async function startService(
  sql: Sql,
  state: FixtureState,
  customise?: (app: FastifyInstance) => void,
): Promise<{ app: FastifyInstance; url: string; routes: string[] }> {
  const routes: string[] = []
  // Fastify announces each new instance before any plugin runs: the route table comes from the app.
  const collectRoutes = (message: unknown): void => {
    ;(message as { fastify: FastifyInstance }).fastify.addHook('onRoute', (route: RouteOptions) => {
      for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push(`${method} ${route.url}`)
    })
  }
  subscribe('fastify.initialization', collectRoutes)
  let app: FastifyInstance
  try {
    app = await buildApp({ config: loadConfig(state.env), sql, logger: false })
  } finally {
    unsubscribe('fastify.initialization', collectRoutes)
  }
  customise?.(app)
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, url: address, routes }
}

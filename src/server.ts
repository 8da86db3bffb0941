import { setFlagsFromString } from 'node:v8'
import closeWithGrace from 'close-with-grace'
import { configWarnings, describeConfig, loadServiceConfig, ConfigError, type Config } from './config.js'
import { createSql, type Sql } from './db/pool.js'
import { pingDatabase } from './db/queries/health.js'
import type { EmbeddedDatabase } from './db/embedded.js'
import { buildApp } from './app.js'
import type { RouteRef } from './api/compile-on-first-use.js'
import type { FastifyInstance } from 'fastify'
import { describeConnectionError } from './db/errors.js'
import { startTracing } from './telemetry.js'
import { prepareDidKit, startDidKitCompile } from './domain/didkit.js'

interface Opened {
  config: Config
  sql: Sql
  embedded?: EmbeddedDatabase
  banner: string[]
}

// With DATABASE_URL the database belongs to Django: we read and write rows but never migrate it
// (D15). Without it we run on an embedded PGlite in `.data/`, migrated and seeded on first start.
// The embedded modules (PGlite's 27 MB, the demo seed and its signer) are loaded only in that mode,
// so a deployment's start never pays for them.
async function openDatabase(config: Config): Promise<Opened> {
  if (config.databaseUrl) {
    const sql = createSql({
      url: config.databaseUrl,
      max: config.dbPoolSize,
      prepare: config.dbPrepareStatements,
      ...timeouts(config),
    })
    await pingDatabase(sql)
    return { config, sql, banner: [] }
  }
  const [{ startEmbeddedDatabase, EMBEDDED_POOL_SIZE }, { applyMigrations }, { prepareEmbeddedDemo }] =
    await Promise.all([import('./db/embedded.js'), import('./db/migrate.js'), import('./dev/embedded-demo.js')])
  const embedded = await startEmbeddedDatabase({ dataDir: config.embeddedDataDir })
  const sql = createSql({ url: embedded.url, max: EMBEDDED_POOL_SIZE, prepare: true, ...timeouts(config) })
  try {
    await applyMigrations(sql)
    const demo = await prepareEmbeddedDemo(sql, config)
    return { config: demo.config, sql, embedded, banner: demo.banner }
  } catch (error) {
    await sql.end()
    await embedded.close()
    throw error
  }
}

// The public v2 score (endpoints Endpoint 1): the request a deployment answers most. Only its success
// path is compiled ahead: the error responses compile when one happens, as every other route's do.
const isPublicScore = (route: RouteRef): boolean =>
  route.method === 'GET' &&
  route.url === '/v2/stamps/:scorer_id/score/:address' &&
  (route.httpStatus === undefined || route.httpStatus === '200')

/**
 * Issue 12: once listening, the first score's validators and serializer are compiled and DIDKit is
 * loaded in the background, so the first score finds them ready. A request arriving meanwhile
 * waits for one step at most, and still gets a correct answer: each piece is also loaded on first use.
 */
async function warmUp(app: FastifyInstance): Promise<void> {
  const startedAt = performance.now()
  try {
    const compiled = await app.warmUpRoutes(isPublicScore)
    await prepareDidKit()
    app.log.info({ compiled, warmUpMs: Math.round(performance.now() - startedAt) }, 'warm-up done')
  } catch (err) {
    // The same compile fails again on the route's first request, which answers the error.
    app.log.warn({ err }, 'warm-up failed')
  }
  boundOldGenerationGrowth()
}

/**
 * Issue 12 (RSS ≤ 150 MB under load): V8 collects the old generation once it has grown to 1.1–4 ×
 * what survived the last collection, so ~30 MB of live objects made a heap of 70–80 MB; at 1.3 × it
 * stays near 40 (bench/README.md, "Memory"). Set once the server is warm, not on node's command
 * line: there any V8 heap flag makes node reject the code cache of its own built-in modules, and the
 * start-up's growing heap was collected more often: +30 ms of CPU before the first score (measured
 * 2026-12-01). V8 reads this factor at each collection, so it applies from the next one.
 */
const OLD_GENERATION_GROWTH_FLAG = '--heap-growing-percent=30'
function boundOldGenerationGrowth(): void {
  setFlagsFromString(OLD_GENERATION_GROWTH_FLAG)
}

function timeouts(config: Config) {
  return {
    statementTimeoutMs: config.dbStatementTimeoutMs,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    poolTimeoutMs: config.dbPoolTimeoutMs,
  }
}

async function main(): Promise<void> {
  // performance.now() counts from the process's start: this is node's boot plus loading our modules.
  const startedAt = performance.now()
  const initialConfig = loadServiceConfig(process.env)
  const tracing = await startTracing(initialConfig)
  const { config, sql, embedded, banner } = await openDatabase(initialConfig)
  const databaseMs = performance.now() - startedAt
  // Issue 12: DIDKit's WebAssembly compiles (lazily: src/domain/didkit.ts) while the app is built
  // and listens. Not earlier: beside the first connection an eager compile slowed the connect
  // (18 → 41 ms on 2 busy cores).
  startDidKitCompile()
  const app = await buildApp({
    config,
    sql,
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
    },
  })

  app.log.info({ config: describeConfig(config) }, 'effective configuration')
  for (const warning of configWarnings(config)) app.log.warn(warning)

  // In-flight requests finish within their deadline; the grace period covers one deadline more.
  closeWithGrace({ delay: config.requestTimeoutMs + 5_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down: finishing in-flight requests')
    await app.close()
    await sql.end({ timeout: 5 })
    await embedded?.close()
    await tracing?.shutdown()
  })

  const address = await app.listen({ host: config.host, port: config.port })
  // The cold-start breakdown of bench/cold-start.ts reads these three numbers.
  app.log.info(
    {
      bootMs: Math.round(startedAt),
      databaseMs: Math.round(databaseMs),
      startupMs: Math.round(performance.now() - startedAt),
      embedded: Boolean(embedded),
    },
    'listening',
  )
  void warmUp(app)
  const base = address.replace('[::1]', 'localhost')
  const lines = [
    `passport-scorer-ts is listening on ${base} (${embedded ? `embedded database in ${config.embeddedDataDir}` : 'DATABASE_URL'})`,
    `  curl -s ${base}/health/`,
    `  open ${base}/docs for the OpenAPI UI`,
    ...banner.map((line) => line.replaceAll('{base}', base)),
  ]
  process.stdout.write(`\n${lines.join('\n')}\n\n`)
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError ? `invalid configuration: ${error.message}` : describeConnectionError(error)
  process.stderr.write(`passport-scorer-ts: ${message}\n`)
  process.exit(1)
})

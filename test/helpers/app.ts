import { afterAll, beforeAll } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp, type AppDeps } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import type { Sql } from '../../src/db/pool.js'
import { createTestDatabase, type TestDatabase } from './database.js'

/** A config as the Python service would read it from this environment, with test overrides. */
export function testConfig(env: Record<string, string> = {}, overrides: Partial<Config> = {}): Config {
  return Object.freeze({
    ...loadConfig({ CGRANTS_API_TOKEN: 'internal-test-token', SECRET_KEY: 'test-secret-key', ...env }),
    ...overrides,
  })
}

export async function buildTestApp(
  sql: Sql,
  config: Config = testConfig(),
  logger: AppDeps['logger'] = false,
): Promise<FastifyInstance> {
  const app = await buildApp({ config, sql, logger })
  await app.ready()
  return app
}

/** The demo issuers trusted and FF_MULTI_NULLIFIER on, as the Python test-suite runs (scoring §3.1). */
export async function scoringTestConfig(env: Record<string, string> = {}): Promise<Config> {
  const { DEMO_ISSUER_DID, DEMO_ED25519_ISSUER_DID } = await import('../../src/dev/stamp-issuer.js')
  return testConfig({
    TRUSTED_IAM_ISSUERS: JSON.stringify([DEMO_ISSUER_DID, DEMO_ED25519_ISSUER_DID]),
    FF_MULTI_NULLIFIER: 'on',
    ...env,
  })
}

export interface TestAppOptions {
  /**
   * The app's config; `testConfig()` when absent. Called once the database exists, so it can first
   * create the rows a setting names (a CERAMIC_CACHE_SCORER_ID community).
   */
  config?: (database: TestDatabase) => Config | Promise<Config>
  poolSize?: number
  /** The app's logger (pino options, e.g. a level and a stream); none when absent. */
  logger?: AppDeps['logger']
}

export interface TestAppContext {
  readonly database: TestDatabase
  readonly app: FastifyInstance
}

/**
 * The hooks of an API test file: a fresh database and an app on it before the file's tests, both
 * closed after them. Read `database` and `app` inside tests and hooks only: they exist from
 * `beforeAll` on.
 */
export function useTestApp(options: TestAppOptions = {}): TestAppContext {
  let database: TestDatabase | undefined
  let app: FastifyInstance | undefined
  beforeAll(async () => {
    database = await createTestDatabase({ poolSize: options.poolSize })
    app = await buildTestApp(
      database.sql,
      options.config ? await options.config(database) : testConfig(),
      options.logger,
    )
  })
  afterAll(async () => {
    await app?.close()
    await database?.close()
  })
  return {
    get database() {
      if (!database) throw new Error('useTestApp: the database is created in beforeAll; read it inside a test or hook')
      return database
    },
    get app() {
      if (!app) throw new Error('useTestApp: the app is built in beforeAll; read it inside a test or hook')
      return app
    },
  }
}

import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, inject } from 'vitest'
import { createSql, type Sql } from '../../src/db/pool.js'
import { startEmbeddedDatabase, EMBEDDED_POOL_SIZE } from '../../src/db/embedded.js'
import { adminUrl } from './global-setup.js'

export interface TestDatabase {
  sql: Sql
  url: string
  /** True on the embedded PGlite database (one connection only). */
  isEmbedded: boolean
  close(): Promise<void>
}

/**
 * A fresh, migrated database for one test file: a clone of the template on real PostgreSQL
 * (`DATABASE_URL`), or a new in-memory PGlite loaded from the migrated dump otherwise.
 * Tests never share state (issue 2).
 */
export async function createTestDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const template = inject('templateDatabase')
  const databaseUrl = process.env.DATABASE_URL
  if (template && databaseUrl) {
    const name = `pst_t_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`
    const admin = createSql({ url: databaseUrl, max: 1, prepare: false })
    try {
      await admin.unsafe(`create database "${name}" template "${template}"`)
    } finally {
      await admin.end()
    }
    const url = adminUrl(databaseUrl, name)
    const sql = createSql({ url, max: options.poolSize ?? 5, prepare: true })
    return {
      sql,
      url,
      isEmbedded: false,
      async close() {
        await sql.end({ timeout: 5 })
        const cleanup = createSql({ url: databaseUrl, max: 1, prepare: false })
        try {
          await cleanup.unsafe(`drop database if exists "${name}" with (force)`)
        } finally {
          await cleanup.end()
        }
      },
    }
  }

  const dumpPath = inject('embeddedDumpPath')
  if (!dumpPath) throw new Error('global setup did not provide a database (see test/helpers/global-setup.ts)')
  const dump = new Blob([await readFile(dumpPath)])
  const embedded = await startEmbeddedDatabase({ dataDir: undefined, loadDataDir: dump })
  const sql = createSql({ url: embedded.url, max: EMBEDDED_POOL_SIZE, prepare: true })
  return {
    sql,
    url: embedded.url,
    isEmbedded: true,
    async close() {
      await sql.end({ timeout: 5 })
      await embedded.close()
    },
  }
}

/**
 * The hooks of a test file (or `describe` block) that needs a database of its own: it is created
 * in `beforeAll` and closed in `afterAll`. Call this before registering hooks that use the
 * database, since vitest runs `beforeAll` hooks in registration order and `afterAll` hooks in
 * reverse. Read the fields inside tests and hooks only: they exist from `beforeAll` on.
 */
export function useTestDatabase(options: { poolSize?: number } = {}): Readonly<Omit<TestDatabase, 'close'>> {
  let database: TestDatabase | undefined
  beforeAll(async () => {
    database = await createTestDatabase(options)
  })
  afterAll(async () => {
    await database?.close()
  })
  const created = (): TestDatabase => {
    if (database) return database
    throw new Error('useTestDatabase: the database is created in beforeAll; read it inside a test or hook')
  }
  return {
    get sql() {
      return created().sql
    },
    get url() {
      return created().url
    },
    get isEmbedded() {
      return created().isEmbedded
    },
  }
}

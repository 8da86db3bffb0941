import { randomBytes } from 'node:crypto'
import { createSql, type Sql } from '../src/db/pool.js'
import { applyMigrations } from '../src/db/migrate.js'
import { insertDemoAccount, insertDemoCommunity } from '../src/db/queries/demo.js'
import { createApiKey, type CreatedApiKey } from '../src/domain/api-keys.js'
import { REFERENCE_THRESHOLD, REFERENCE_WEIGHTS } from '../src/dev/demo-seed.js'
import { createDatabase, dropDatabase, listDatabasesNamedLike } from './sql.js'

const NAME_PREFIX = 'pst_bench_'
// A crashed run leaves its database behind; the next run removes those older than this.
const LEFTOVER_AGE_SECONDS = 6 * 3600
// Seeding runs a few statements at a time; more connections would only contend for 2 cores.
const SEED_POOL_SIZE = 4
// The sha256 keys are never checked against their PBKDF2 hash (the sha256 column decides alone,
// D5), so a cheap iteration count saves ~0.4 s of CPU per key without changing any request.
const FAST_PATH_KEY_ITERATIONS = 1_000

export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

export interface BenchDatabase {
  name: string
  url: string
  /** Seeding pool; the service and the floor open their own. */
  sql: Sql
  drop(): Promise<void>
}

async function dropLeftovers(admin: Sql): Promise<void> {
  const cutoff = Math.floor(Date.now() / 1000) - LEFTOVER_AGE_SECONDS
  for (const name of await listDatabasesNamedLike(admin, NAME_PREFIX)) {
    const createdAt = Number(name.split('_')[2])
    if (Number.isFinite(createdAt) && createdAt < cutoff) await dropDatabase(admin, name)
  }
}

/** A new database on the admin URL's cluster, migrated with our schema (= Django's). */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `${NAME_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(3).toString('hex')}`
  const admin = createSql({ url: adminUrl, max: 1, prepare: false })
  try {
    await dropLeftovers(admin)
    await createDatabase(admin, name)
  } finally {
    await admin.end()
  }
  const url = databaseUrl(adminUrl, name)
  const sql = createSql({ url, max: SEED_POOL_SIZE, prepare: true })
  await applyMigrations(sql)
  let dropped = false
  return {
    name,
    url,
    sql,
    async drop() {
      if (dropped) return
      dropped = true
      await sql.end({ timeout: 5 })
      const cleanup = createSql({ url: adminUrl, max: 1, prepare: false })
      try {
        await dropDatabase(cleanup, name)
      } finally {
        await cleanup.end()
      }
    },
  }
}

export interface BenchTenant {
  accountId: number
  communityId: number
  /** Keys on the sha256 fast path, as every key is after its first use. */
  sha256Keys: CreatedApiKey[]
  /** Keys with only the production PBKDF2 hash (never used yet). */
  pbkdf2Keys: CreatedApiKey[]
}

/** The partner: an account, its binary scorer with the reference weights, and its API keys. */
export async function createBenchTenant(sql: Sql, keys: { sha256: number; pbkdf2: number }): Promise<BenchTenant> {
  const { accountId, communityId } = await sql.begin(async (tx) => {
    const accountId = await insertDemoAccount(
      tx,
      `0x${randomBytes(20).toString('hex')}`,
      randomBytes(16).toString('hex'),
    )
    const communityId = await insertDemoCommunity(tx, {
      accountId,
      name: 'Bench',
      weights: REFERENCE_WEIGHTS,
      threshold: REFERENCE_THRESHOLD,
    })
    return { accountId, communityId }
  })
  const sha256Keys: CreatedApiKey[] = []
  for (let i = 0; i < keys.sha256; i++) {
    sha256Keys.push(
      await createApiKey(sql, {
        accountId,
        name: `bench key ${i}`,
        withSha256: true,
        iterations: FAST_PATH_KEY_ITERATIONS,
      }),
    )
  }
  // Production iterations (Django's default, 600,000): their first use is what the scenario measures.
  const pbkdf2Keys = await Promise.all(
    Array.from({ length: keys.pbkdf2 }, (_, i) => createApiKey(sql, { accountId, name: `bench pbkdf2 key ${i}` })),
  )
  return { accountId, communityId, sha256Keys, pbkdf2Keys }
}

import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Sql } from './pool.js'

// Our own bookkeeping lives in a schema of its own, so the `public` schema stays exactly Django's
// (D15) and a Django deployment never sees an object it does not know.
const LEDGER_SCHEMA = 'passport_scorer_ts'
const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url))

export class ForeignDatabaseError extends Error {
  constructor() {
    super(
      'the database already has tables that passport-scorer-ts did not create; refusing to change it (D15). Point DATABASE_URL at an empty database to migrate it.',
    )
    this.name = 'ForeignDatabaseError'
  }
}

export async function listMigrationFiles(): Promise<string[]> {
  return (await readdir(MIGRATIONS_DIR)).filter((name) => /^\d{4}_.+\.sql$/.test(name)).sort()
}

/** True when our ledger schema exists: the database was created by our migrations. */
export async function isCreatedByUs(sql: Sql): Promise<boolean> {
  const [row] = await sql<
    { exists: boolean }[]
  >`select exists (select 1 from pg_namespace where nspname = ${LEDGER_SCHEMA}) as exists`
  return row?.exists ?? false
}

async function countPublicTables(sql: Sql): Promise<number> {
  const [row] = await sql<{ count: number }[]>`select count(*)::int as count from pg_tables where schemaname = 'public'`
  return row?.count ?? 0
}

/** Applies pending migrations, each in its own transaction. Returns the names applied now. */
export async function applyMigrations(sql: Sql): Promise<string[]> {
  if (!(await isCreatedByUs(sql))) {
    if ((await countPublicTables(sql)) > 0) throw new ForeignDatabaseError()
    await sql.unsafe(
      `create schema ${LEDGER_SCHEMA}; create table ${LEDGER_SCHEMA}.applied_migration (name text primary key, applied_at timestamptz not null default now())`,
    )
  }
  const applied = new Set(
    (await sql<{ name: string }[]>`select name from passport_scorer_ts.applied_migration`).map((row) => row.name),
  )
  const appliedNow: string[] = []
  for (const file of await listMigrationFiles()) {
    if (applied.has(file)) continue
    const text = await readFile(new URL(file, `file://${MIGRATIONS_DIR}`), 'utf8')
    await sql.begin(async (tx) => {
      await tx.unsafe(text)
      await tx`insert into passport_scorer_ts.applied_migration (name) values (${file})`
    })
    appliedNow.push(file)
  }
  return appliedNow
}

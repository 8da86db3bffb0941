import type { Db } from '../pool.js'

// Generic inserts for the fixtures of `npm run compare --setup` (src/cli/compare/fixtures.ts):
// a scenario file names a table and its column values as text, and each value is cast to the
// column's own type by PostgreSQL, so numbers keep their spelling (`numeric`, `jsonb`) and a
// team can add rows to any table without new code. Only for fixture databases.

export interface ColumnTypeRow {
  name: string
  type: string
}

export function listColumnTypes(db: Db, table: string): Promise<ColumnTypeRow[]> {
  return db<ColumnTypeRow[]>`
    select a.attname::text as name, format_type(a.atttypid, a.atttypmod) as type
    from pg_attribute a join pg_class c on c.oid = a.attrelid
    where c.relnamespace = 'public'::regnamespace and c.relname = ${table} and a.attnum > 0 and not a.attisdropped
    order by a.attnum`
}

const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`

/**
 * Inserts one row and returns it as jsonb text. Column names and types come from the catalog
 * (an unknown column is an error), values are bound parameters cast `::text::<type>`.
 */
export async function insertFixtureRow(
  db: Db,
  table: string,
  values: Readonly<Record<string, string | null>>,
): Promise<string> {
  const columns = new Map((await listColumnTypes(db, table)).map((column) => [column.name, column.type]))
  if (columns.size === 0) throw new Error(`no table ${JSON.stringify(table)} in the public schema`)
  const names = Object.keys(values)
  for (const name of names)
    if (!columns.has(name)) throw new Error(`table ${table} has no column ${JSON.stringify(name)}`)
  const casts = names.map((name, index) => `$${index + 1}::text::${columns.get(name)}`)
  const text =
    `insert into ${quoteIdentifier(table)} as inserted (${names.map(quoteIdentifier).join(', ')}) ` +
    `values (${casts.join(', ')}) returning to_jsonb(inserted)::text as row`
  const [row] = await db.unsafe<{ row: string }[]>(
    text,
    names.map((name) => values[name] ?? null),
  )
  return row!.row
}

/** True when nothing has been written by a scorer or a fixture: no account, no cached stamp. */
export async function isFixtureFree(db: Db): Promise<boolean> {
  const [row] = await db<{ empty: boolean }[]>`
    select not exists (select 1 from account_account) and not exists (select 1 from ceramic_cache_ceramiccache) as empty`
  return row?.empty ?? false
}

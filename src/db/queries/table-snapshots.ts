import { textArray, type Db } from '../pool.js'

// Whole-table reads for `npm run compare` (src/cli/compare): the rows a scenario step wrote are
// found by reading the tables the scorer writes before and after the step. Fixture databases
// are small, so a full read per step is cheap and needs no trigger or audit table in a schema
// that belongs to Django (D15).

export interface TableKeyRow {
  table_name: string
  kind: 'p' | 'f'
  columns: string[]
  /** The referenced table of a foreign key; null for the primary key. */
  referenced_table: string | null
}

/** Primary and foreign keys of the given tables, from the catalog. */
export function listTableKeys(db: Db, tables: readonly string[]): Promise<TableKeyRow[]> {
  return db<TableKeyRow[]>`
    select c.conrelid::regclass::text as table_name, c.contype as kind,
           array(select a.attname::text from unnest(c.conkey) with ordinality as k(attnum, position)
                 join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum order by k.position) as columns,
           case when c.contype = 'f' then c.confrelid::regclass::text end as referenced_table
    from pg_constraint c
    where c.contype in ('p', 'f')
      and c.conrelid in (select oid from pg_class where relnamespace = 'public'::regnamespace and relname = any(${textArray(db, tables)}::text[]))
    order by 1, 2, 3`
}

export async function listExistingTables(db: Db, tables: readonly string[]): Promise<string[]> {
  const rows = await db<{ name: string }[]>`
    select relname::text as name from pg_class
    where relnamespace = 'public'::regnamespace and relkind = 'r' and relname = any(${textArray(db, tables)}::text[])`
  return rows.map((row) => row.name)
}

export interface SnapshotRow {
  /** The primary key's values as text, joined; the whole row when the table has none. */
  key: string
  row: string
}

function keyExpression(db: Db, primaryKey: readonly string[]) {
  if (primaryKey.length === 0) return db`to_jsonb(t)::text`
  return db`concat_ws(chr(31), ${primaryKey.map((column, index) => (index === 0 ? db`t.${db(column)}::text` : db`, t.${db(column)}::text`))})`
}

/**
 * Every row as jsonb text: numeric keeps its scale (`20.00000`), timestamps arrive in one ISO
 * form, jsonb columns nest as JSON. The caller parses the text losslessly.
 */
export function listRowsAsJson(db: Db, table: string, primaryKey: readonly string[]): Promise<SnapshotRow[]> {
  return db<SnapshotRow[]>`select ${keyExpression(db, primaryKey)} as key, to_jsonb(t)::text as row from ${db(table)} t`
}

/** The rows of the given keys only: after a step, just the rows it inserted or changed are read in full. */
export function listRowsByKey(
  db: Db,
  table: string,
  primaryKey: readonly string[],
  keys: readonly string[],
): Promise<SnapshotRow[]> {
  const key = keyExpression(db, primaryKey)
  return db<SnapshotRow[]>`
    select ${key} as key, to_jsonb(t)::text as row from ${db(table)} t where ${key} = any(${textArray(db, keys)}::text[])`
}

export interface RowHash {
  table_name: string
  key: string
  hash: string
}

/**
 * A digest per row of every given table, in one statement: enough to see which rows a step
 * touched without moving their contents.
 */
export function listRowHashes(
  db: Db,
  tables: readonly { table: string; primaryKey: readonly string[] }[],
): Promise<RowHash[]> {
  const selects = tables.map(
    ({ table, primaryKey }, index) =>
      db`${index === 0 ? db`` : db`union all`} select ${table}::text as table_name, ${keyExpression(db, primaryKey)} as key, md5(to_jsonb(t)::text) as hash from ${db(table)} t`,
  )
  return db<RowHash[]>`${selects}`
}

/**
 * Other sessions of this database that are running a statement or hold a transaction open: a
 * service that answered may still be writing (our API-key analytics row follows the response).
 */
export async function countBusySessions(db: Db): Promise<number> {
  const [row] = await db<{ busy: number }[]>`
    select count(*)::int as busy from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
      and state is not null and state <> 'idle'`
  return row?.busy ?? 0
}

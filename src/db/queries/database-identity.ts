import type { Db } from '../pool.js'

// What makes a database the same database seen through two URLs (host aliases, ports behind a
// proxy): the server's start time, the database's oid and name. `npm run shadow` refuses to
// mirror writes when the primary's and the candidate's databases are the same one.

export interface DatabaseIdentityRow {
  started_at: string
  database_oid: number
  database_name: string
}

export async function findDatabaseIdentity(db: Db): Promise<DatabaseIdentityRow> {
  const [row] = await db<DatabaseIdentityRow[]>`
    select pg_postmaster_start_time()::text as started_at, d.oid::int8 as database_oid, d.datname::text as database_name
    from pg_database d where d.datname = current_database()`
  return row!
}

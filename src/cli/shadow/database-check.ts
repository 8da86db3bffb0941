import type { Db } from '../../db/pool.js'
import { findDatabaseIdentity } from '../../db/queries/database-identity.js'

export class SameDatabaseError extends Error {}

/** Writes are mirrored only into a database that is not the primary's (the same rows written twice otherwise). */
export async function checkSeparateDatabases(primary: Db, candidate: Db): Promise<void> {
  const [a, b] = await Promise.all([findDatabaseIdentity(primary), findDatabaseIdentity(candidate)])
  if (a.started_at === b.started_at && a.database_oid === b.database_oid && a.database_name === b.database_name)
    throw new SameDatabaseError(
      `--primary-db and --candidate-db are the same database (${a.database_name}): writes would be applied twice`,
    )
}

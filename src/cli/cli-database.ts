import type { Config } from '../config.js'
import { createSql, type Sql } from '../db/pool.js'
import { startEmbeddedDatabase, EMBEDDED_POOL_SIZE } from '../db/embedded.js'

export interface CliDatabase {
  sql: Sql
  /** True when the tool opened the embedded database (DATABASE_URL unset). */
  isEmbedded: boolean
  close(): Promise<void>
}

/**
 * The database a one-shot tool works on: DATABASE_URL with one unprepared connection, or the embedded
 * data directory `npm start` uses. Whoever opens it closes it (style §1).
 */
export async function openCliDatabase(config: Config): Promise<CliDatabase> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedDatabase({ dataDir: config.embeddedDataDir })
  const sql = createSql({
    url: config.databaseUrl ?? embedded!.url,
    max: embedded ? EMBEDDED_POOL_SIZE : 1,
    prepare: false,
  })
  return {
    sql,
    isEmbedded: embedded !== undefined,
    async close() {
      await sql.end()
      await embedded?.close()
    },
  }
}

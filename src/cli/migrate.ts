import { loadConfig, ConfigError } from '../config.js'
import { applyMigrations, ForeignDatabaseError } from '../db/migrate.js'
import { describeConnectionError } from '../db/errors.js'
import { openCliDatabase } from './cli-database.js'

// `npm run migrate`: applies our schema (identical to Django's final state) to an EMPTY database,
// or brings one created by us up to date. It refuses any other database (D15).
async function main(): Promise<void> {
  const config = loadConfig(process.env)
  const database = await openCliDatabase(config)
  const { sql } = database
  try {
    const applied = await applyMigrations(sql)
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply: the schema is up to date')
  } finally {
    await database.close()
  }
}

main().catch((error: unknown) => {
  if (error instanceof ForeignDatabaseError || error instanceof ConfigError) console.error(`migrate: ${error.message}`)
  else console.error(`migrate: ${describeConnectionError(error)}`)
  process.exit(1)
})

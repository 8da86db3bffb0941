import { loadConfig, ConfigError } from '../config.js'
import { describeConnectionError } from '../db/errors.js'
import { openCliDatabase } from './cli-database.js'
import { applyMigrations } from '../db/migrate.js'
import { seedDemoData } from '../dev/demo-seed.js'
import { DomainError } from '../domain/errors.js'

// `npm run seed`: demo data in the embedded database (migrated first), or in DATABASE_URL when
// that database was created by `npm run migrate`. A Django-owned database is refused (D15).
async function main(): Promise<void> {
  const config = loadConfig(process.env)
  const database = await openCliDatabase(config)
  const { sql } = database
  try {
    if (database.isEmbedded) await applyMigrations(sql)
    const seed = await seedDemoData(sql)
    console.log(
      seed.createdNow
        ? 'created the demo account, scorer and API key'
        : 'demo account and scorer already present: kept',
    )
    console.log(
      `scorer id: ${seed.communityId}\naddress:   ${seed.address}\nissuer:    ${seed.issuerDid} (add it to TRUSTED_IAM_ISSUERS)\nstamps re-signed: ${seed.stampsSigned}`,
    )
    if (seed.apiKey) console.log(`API key (shown once, store it now): ${seed.apiKey}`)
  } finally {
    await database.close()
  }
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError || error instanceof DomainError ? error.message : describeConnectionError(error)
  console.error(`seed: ${message}`)
  process.exit(1)
})

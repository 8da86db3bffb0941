import { loadConfig, ConfigError } from '../config.js'
import { createSql } from '../db/pool.js'
import { describeConnectionError } from '../db/errors.js'
import { startEmbeddedDatabase, EMBEDDED_POOL_SIZE } from '../db/embedded.js'
import { applyMigrations } from '../db/migrate.js'
import { seedDemoData } from '../dev/demo-seed.js'
import { DomainError } from '../domain/errors.js'

// `npm run seed`: demo data in the embedded database (migrated first), or in DATABASE_URL when
// that database was created by `npm run migrate`. A Django-owned database is refused (D15).
async function main(): Promise<void> {
  const config = loadConfig(process.env)
  const embedded = config.databaseUrl ? undefined : await startEmbeddedDatabase({ dataDir: config.embeddedDataDir })
  const sql = createSql({
    url: config.databaseUrl ?? embedded!.url,
    max: embedded ? EMBEDDED_POOL_SIZE : 1,
    prepare: false,
  })
  try {
    if (embedded) await applyMigrations(sql)
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
    await sql.end()
    await embedded?.close()
  }
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError || error instanceof DomainError ? error.message : describeConnectionError(error)
  console.error(`seed: ${message}`)
  process.exit(1)
})

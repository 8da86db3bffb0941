import { loadConfig } from '../../src/config.js'
import { DEMO_ISSUER_DID } from '../../src/dev/stamp-issuer.js'
import { createBenchDatabase, createBenchTenant, type BenchDatabase } from '../bench-database.js'
import { captureWarmRescores, describeSequence, type CapturedRescore } from '../floor.js'
import { planCohorts } from '../population.js'
import { credentialTemplate, insertSignedPassports, seedBackground } from '../seeding.js'
import { signPassports } from '../signing.js'
import { analyzeTables } from '../sql.js'

// The warm rescore's statements, captured exactly as `npm run bench` captures its floor
// (bench/floor.ts): the v2 route's own domain calls on a postgres.js pool whose debug hook
// records every query with its bound values. A smaller population than the main bench (64 warm
// passports of 10 signed stamps, 2,000 background passports) keeps this step to a few seconds.

export interface Capture {
  database: BenchDatabase
  sequences: CapturedRescore[]
  labels: string[]
}

const WARM_PASSPORTS = 64
const BACKGROUND_PASSPORTS = 2_000

export async function captureWarmSequences(adminUrl: string, log: (line: string) => void): Promise<Capture> {
  const database = await createBenchDatabase(adminUrl)
  try {
    const tenant = await createBenchTenant(database.sql, { sha256: 16, pbkdf2: 0 })
    const layout = planCohorts(
      { warm: WARM_PASSPORTS, embed: 0, cold: 0, contendedGroups: 0, sha256Keys: 16, pbkdf2Keys: 0 },
      BACKGROUND_PASSPORTS,
    )
    log(
      `capture: signing ${WARM_PASSPORTS * 10} stamps, seeding ${BACKGROUND_PASSPORTS} background passports in ${database.name}`,
    )
    const signed = await signPassports(layout.warm, { latestIssuance: new Date() })
    await insertSignedPassports(database.sql, signed)
    await seedBackground(
      database.sql,
      { start: layout.backgroundStart, end: layout.backgroundStart + BACKGROUND_PASSPORTS },
      {
        communityId: tenant.communityId,
        template: credentialTemplate(signed[0]!.credentials[0]!),
      },
    )
    await analyzeTables(database.sql)
    const input = {
      url: database.url,
      config: loadConfig({
        DATABASE_URL: database.url,
        TRUSTED_IAM_ISSUERS: JSON.stringify([DEMO_ISSUER_DID]),
        CERAMIC_CACHE_SCORER_ID: String(tenant.communityId),
      }),
      communityId: tenant.communityId,
      accountId: tenant.accountId,
      passports: layout.warm.map((plan, i) => ({
        address: plan.address,
        key: tenant.sha256Keys[i % tenant.sha256Keys.length]!,
      })),
    }
    // The first pass is each passport's first score (it writes the registry rows and fills this
    // process's stamp cache, as the service's warm-up does); the second is the warm rescore.
    await captureWarmRescores(input)
    const sequences = await captureWarmRescores(input)
    return { database, sequences, labels: describeSequence(sequences[0]!).map((statement) => statement.label) }
  } catch (error) {
    await database.drop()
    throw error
  }
}

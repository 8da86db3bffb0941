import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { createApiKey } from '../src/domain/api-keys.js'
import { seedDemoData } from '../src/dev/demo-seed.js'
import { createBenchDatabase } from './bench-database.js'
import { COLD_START_KINDS, describeBreakdowns, measureColdStarts, type ColdStartKind } from './cold-start.js'
import { DEFAULT_DATABASE_URL } from './options.js'

// `npm run bench:cold-start -- [--runs N] [--only bundle,lambda]`: the bench's cold-start stage
// alone, on a fresh database holding the demo passport (12 signed stamps) and a key on the sha256
// fast path. Same measurements and breakdown as the cold-start section of `npm run bench`.

const log = (line: string): void => void process.stderr.write(`[cold-start] ${line}\n`)

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, only: { type: 'string' } },
})
const runs = Number(values.runs)
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs: expected a positive integer, got ${values.runs}`)
const kinds = (values.only?.split(',') ?? COLD_START_KINDS).map((kind) => {
  if (!(COLD_START_KINDS as readonly string[]).includes(kind))
    throw new Error(`--only: one or more of ${COLD_START_KINDS.join(',')}, got ${kind}`)
  return kind as ColdStartKind
})

const db = await createBenchDatabase(process.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL)
try {
  const seed = await seedDemoData(db.sql)
  const key = await createApiKey(db.sql, { accountId: seed.accountId, name: 'cold start', withSha256: true })
  const env = {
    DATABASE_URL: db.url,
    TRUSTED_IAM_ISSUERS: JSON.stringify([seed.issuerDid]),
    CGRANTS_API_TOKEN: randomBytes(16).toString('hex'),
    SECRET_KEY: randomBytes(32).toString('hex'),
    CERAMIC_CACHE_SCORER_ID: String(seed.communityId),
  }
  const records = await measureColdStarts({
    env,
    runs,
    path: `/v2/stamps/${seed.communityId}/score/${seed.address}`,
    apiKey: key.key,
    log,
    kinds,
  })
  for (const c of records) {
    const each = c.runs.map((r) => r.firstScoreMs.toFixed(0)).join(', ')
    process.stdout.write(
      `${c.title}\n  ${c.error ? `failed: ${c.error}` : `listening ${c.listeningMs.toFixed(0)} ms, first score ${c.firstScoreMs.toFixed(0)} ms (runs: ${each}), RSS ${c.rssAtStartMb.toFixed(0)} MB`}\n`,
    )
  }
  for (const line of describeBreakdowns(records)) process.stdout.write(`${line}\n`)
} finally {
  await db.drop()
}

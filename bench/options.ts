import { parseArgs } from 'node:util'
import type { ServiceRuntime } from './service.js'

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres'

export const USAGE = `Usage: npm run bench -- [options]

Seeds a dedicated database on DATABASE_URL (created and dropped by the run; default
${DEFAULT_DATABASE_URL} when DATABASE_URL is unset), starts the service as a child process on
127.0.0.1, loads it with autocannon, replays the database floor and writes
bench/results/<date>.json and .md.

  --quick                 small population and 3 s scenarios (under 2 minutes; the CI smoke test)
  --passports N           passports in the main population (default 10000, quick 300)
  --scale A,B,C           population sizes of the scale check (default 1000,10000; quick 150,300);
                          add 100000 for the 100k point (~2M cache rows: several more minutes of seeding)
  --duration S            seconds per load scenario (default 12, quick 3)
  --concurrency N         connections of the high-concurrency scenarios (default 16)
  --cold-start-runs N     spawns per cold-start measurement (default 3, quick 1)
  --db-pool-size N        DB_POOL_SIZE of the service (default: the service's own default)
  --log-level L           LOG_LEVEL of the service (default warn: the log pipe is not what we measure)
  --runtime R             how the service runs: tsx (default, npm start) or bundle (the production
                          build, node dist/server.js, built into a directory of the run)
  --sign-all              sign every background stamp too (slow: ~2.4 ms per stamp per core)
  --skip-cold-start       skip the cold-start measurements
  --scenarios A,B         run only these scenarios (ids as in bench/README.md; the floor follows warm-rescore)
  --keep-database         do not drop the bench database at the end (its name is printed)
  --out DIR               where results go (default bench/results)
  --help`

export class UsageError extends Error {}

export interface BenchOptions {
  quick: boolean
  adminUrl: string
  isDefaultDatabaseUrl: boolean
  passports: number
  scaleSizes: number[]
  durationSeconds: number
  concurrency: number
  coldStartRuns: number
  dbPoolSize: number | undefined
  logLevel: string
  runtime: ServiceRuntime
  signAll: boolean
  skipColdStart: boolean
  keepDatabase: boolean
  outDir: string
  /** --scenarios: only these scenario ids; undefined = all. */
  scenarios: string[] | undefined
  /** Cohort sizes: addresses that scenarios actually score, each stamp signed individually. */
  cohorts: CohortSizes
}

export interface CohortSizes {
  /** 10-stamp passports rescored by the warm scenarios and the floor. */
  warm: number
  /** 10-stamp passports re-added through the embed and ceramic-cache endpoints. */
  embed: number
  /** Never-scored passports of 10–30 stamps for the cold scenario. */
  cold: number
  /** Groups of CONTENDED_GROUP_SIZE addresses sharing four nullifiers. */
  contendedGroups: number
  /** Partner keys on the sha256 fast path. */
  sha256Keys: number
  /** Keys with only a production PBKDF2 hash: the first use of each pays PBKDF2 and migrates it. */
  pbkdf2Keys: number
}

export const CONTENDED_GROUP_SIZE = 8

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`--${name}: expected a positive integer, got ${JSON.stringify(value)}`)
  return Number(value)
}

function sizeList(value: string | undefined, fallback: number[]): number[] {
  if (value === undefined) return fallback
  const sizes = value.split(',').map((item) => positiveInt(item.trim().replace(/k$/i, '000'), 'scale', 0))
  return [...new Set(sizes)].sort((a, b) => a - b)
}

// Sized so the default run stays under 10 minutes on 2 cores: signing is ~2.4 ms per stamp and
// the cold scenario consumes ~25 never-scored passports a second (~2 ms of DIDKit per stamp).
function cohortSizes(quick: boolean): CohortSizes {
  return quick
    ? { warm: 40, embed: 20, cold: 60, contendedGroups: 4, sha256Keys: 20, pbkdf2Keys: 2 }
    : { warm: 400, embed: 200, cold: 600, contendedGroups: 60, sha256Keys: 300, pbkdf2Keys: 8 }
}

export function cohortTotal(cohorts: CohortSizes): number {
  return cohorts.warm + cohorts.embed + cohorts.cold + cohorts.contendedGroups * CONTENDED_GROUP_SIZE
}

export function parseBenchOptions(argv: string[], env: Record<string, string | undefined>): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      passports: { type: 'string' },
      scale: { type: 'string' },
      duration: { type: 'string' },
      concurrency: { type: 'string' },
      'cold-start-runs': { type: 'string' },
      'db-pool-size': { type: 'string' },
      'log-level': { type: 'string' },
      runtime: { type: 'string', default: 'tsx' },
      'sign-all': { type: 'boolean', default: false },
      'skip-cold-start': { type: 'boolean', default: false },
      'keep-database': { type: 'boolean', default: false },
      out: { type: 'string' },
      scenarios: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help) return 'help'
  const quick = values.quick === true
  const cohorts = cohortSizes(quick)
  const passports = positiveInt(values.passports, 'passports', quick ? 300 : 10_000)
  const minimum = cohortTotal(cohorts)
  if (passports < minimum)
    throw new UsageError(`--passports: at least ${minimum} (the scored cohorts) are needed, got ${passports}`)
  // 100k is not in the default: seeding ~2M cache rows alone would take the run past 10 minutes.
  const scaleSizes = sizeList(values.scale, quick ? [150, 300] : [1_000, 10_000])
  if (scaleSizes.some((size) => size < cohorts.warm))
    throw new UsageError(`--scale: every size must hold the ${cohorts.warm} warm passports`)
  if (values.runtime !== 'tsx' && values.runtime !== 'bundle')
    throw new UsageError(`--runtime: tsx or bundle, got ${JSON.stringify(values.runtime)}`)
  const rawUrl = env.DATABASE_URL?.trim()
  return {
    quick,
    adminUrl: rawUrl || DEFAULT_DATABASE_URL,
    isDefaultDatabaseUrl: !rawUrl,
    passports,
    scaleSizes,
    durationSeconds: positiveInt(values.duration, 'duration', quick ? 3 : 12),
    concurrency: positiveInt(values.concurrency, 'concurrency', 16),
    coldStartRuns: positiveInt(values['cold-start-runs'], 'cold-start-runs', quick ? 1 : 3),
    dbPoolSize:
      values['db-pool-size'] === undefined ? undefined : positiveInt(values['db-pool-size'], 'db-pool-size', 5),
    logLevel: values['log-level'] ?? 'warn',
    runtime: values.runtime,
    signAll: values['sign-all'] === true,
    skipColdStart: values['skip-cold-start'] === true,
    keepDatabase: values['keep-database'] === true,
    outDir: values.out ?? 'bench/results',
    scenarios: values.scenarios?.split(',').map((id) => id.trim()),
    cohorts,
  }
}

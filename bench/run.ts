import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import { describeConnectionError } from '../src/db/errors.js'
import { DEMO_ISSUER_DID } from '../src/dev/stamp-issuer.js'
import { createBenchDatabase, createBenchTenant, type BenchDatabase, type BenchTenant } from './bench-database.js'
import { measureColdStarts } from './cold-start.js'
import { benchDeploymentIfTargeted, DEPLOYMENT_USAGE } from './deployment.js'
import { describeSequence } from './floor.js'
import { cohortTotal, parseBenchOptions, UsageError, USAGE, type BenchOptions } from './options.js'
import { planBackground, planCohorts, type CohortLayout, type PassportPlan } from './population.js'
import { formatTable, resultStamp, writeReport, type BenchReport, type ScalePoint } from './report.js'
import type { ScenarioContext } from './scenarios.js'
import { credentialTemplate, insertSignedPassports } from './seeding.js'
import { buildServerBundle, removeServerBundle, type RunningService } from './service.js'
import { signPassports, type SignedPassport } from './signing.js'
import { countTables, findServerVersion, insertBans, listClientBackendPids } from './sql.js'
import {
  captureRescores,
  growBackground,
  measureScalePoint,
  profileWarmPath,
  runScenariosAndFloor,
  startWarmService,
  WARM_UP_CONCURRENCY,
  type RunState,
} from './stages.js'
import { evaluateTargets, machineNotes } from './targets.js'
import { scoreEach } from './warm-up.js'

// `npm run bench`: see USAGE in bench/options.ts and bench/README.md. Progress goes to stderr,
// the results table to stdout, the full report to bench/results/<date>.json and .md.

const log = (line: string): void =>
  void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
const BAN_COUNT = 300

function serviceEnv(
  options: BenchOptions,
  url: string,
  communityId: number,
  secrets: { internalToken: string; secretKey: string },
): Record<string, string | undefined> {
  return {
    DATABASE_URL: url,
    LOG_LEVEL: options.logLevel,
    CGRANTS_API_TOKEN: secrets.internalToken,
    SECRET_KEY: secrets.secretKey,
    TRUSTED_IAM_ISSUERS: JSON.stringify([DEMO_ISSUER_DID]),
    CERAMIC_CACHE_SCORER_ID: String(communityId),
    DB_POOL_SIZE: options.dbPoolSize === undefined ? undefined : String(options.dbPoolSize),
  }
}

async function signCohorts(
  layout: CohortLayout,
  signAll: boolean,
): Promise<{ signed: Map<string, SignedPassport>; stamps: number; seconds: number }> {
  const plans: PassportPlan[] = [...layout.warm, ...layout.embed, ...layout.cold, ...layout.contended]
  const total = plans.reduce((sum, plan) => sum + plan.stamps.length, 0)
  log(
    `signing ${total} stamps of ${plans.length} scored passports on ${availableParallelism()} threads${signAll ? ' (background follows, --sign-all)' : ''}`,
  )
  const startedAt = performance.now()
  const signed = await signPassports(plans, {
    latestIssuance: new Date(),
    onProgress: (done) => done % 200 === 0 && log(`  signed passports: ${done}/${plans.length}`),
  })
  return {
    signed: new Map(signed.map((passport) => [passport.plan.address, passport])),
    stamps: total,
    seconds: (performance.now() - startedAt) / 1000,
  }
}

function gitState(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== ''
    return { commit, dirty }
  } catch {
    return { commit: 'unknown', dirty: false }
  }
}

interface Prepared {
  state: RunState
  tenant: BenchTenant
  layout: CohortLayout
  signing: Awaited<ReturnType<typeof signCohorts>>
  secrets: { internalToken: string; secretKey: string }
}

async function prepare(options: BenchOptions, db: BenchDatabase): Promise<Prepared> {
  const secrets = { internalToken: randomBytes(16).toString('hex'), secretKey: randomBytes(32).toString('hex') }
  const tenant = await createBenchTenant(db.sql, {
    sha256: options.cohorts.sha256Keys,
    pbkdf2: options.cohorts.pbkdf2Keys,
  })
  const layout = planCohorts(options.cohorts, options.passports - cohortTotal(options.cohorts))
  const signing = await signCohorts(layout, options.signAll)
  const state: RunState = {
    sql: db.sql,
    url: db.url,
    env: serviceEnv(options, db.url, tenant.communityId, secrets),
    communityId: tenant.communityId,
    accountId: tenant.accountId,
    warm: layout.warm,
    keys: tenant.sha256Keys,
    durationSeconds: options.durationSeconds,
    concurrency: options.concurrency,
    listBackends: () => listClientBackendPids(db.sql),
    runtime: options.runtime,
    background: {
      communityId: tenant.communityId,
      template: credentialTemplate(signing.signed.get(layout.warm[0]!.address)!.credentials[0]!),
      ...(options.signAll
        ? {
            insertSigned: async (range) =>
              insertSignedPassports(
                db.sql,
                await signPassports(planBackground(range.start, range.end), { latestIssuance: new Date() }),
              ),
          }
        : {}),
    },
    backgroundStart: layout.backgroundStart,
    backgroundEnd: layout.backgroundStart,
    backgroundSeconds: 0,
    log,
    scenarioIds: options.scenarios,
  }
  return { state, tenant, layout, signing, secrets }
}

const backgroundFor = (options: BenchOptions, layout: CohortLayout, passports: number): number =>
  layout.backgroundStart +
  Math.min(Math.max(0, passports - layout.warm.length), options.passports - cohortTotal(options.cohorts))

/** Stage 1: the warm cohort and background up to the smallest scale size, then the service, warmed. */
async function startStageOne(options: BenchOptions, { state, layout, signing }: Prepared): Promise<RunningService> {
  await insertSignedPassports(
    state.sql,
    layout.warm.map((plan) => signing.signed.get(plan.address)!),
  )
  await growBackground(
    state,
    backgroundFor(options, layout, options.scaleSizes.find((size) => size < options.passports) ?? 0),
  )
  log(`starting the service and warming ${layout.warm.length} passports`)
  return startWarmService(state, layout.warm)
}

async function measureSmallerScales(
  options: BenchOptions,
  { state, layout }: Prepared,
  service: RunningService,
): Promise<ScalePoint[]> {
  const points: ScalePoint[] = []
  for (const size of options.scaleSizes.filter((candidate) => candidate < options.passports)) {
    await growBackground(state, backgroundFor(options, layout, size))
    points.push(await measureScalePoint(state, service))
  }
  return points
}

/** Stage 2: the full population, then every scenario, the floor right after the warm one. */
async function runMainStage(options: BenchOptions, prepared: Prepared, service: RunningService) {
  const { state, tenant, layout, signing, secrets } = prepared
  log('seeding the other cohorts and the rest of the background')
  for (const cohort of [layout.embed, layout.cold, layout.contended])
    await insertSignedPassports(
      state.sql,
      cohort.map((plan) => signing.signed.get(plan.address)!),
    )
  await growBackground(state, layout.backgroundStart + options.passports - cohortTotal(options.cohorts))
  await insertBans(state.sql, BAN_COUNT)
  const population = await countTables(state.sql)
  await scoreEach({
    baseUrl: service.baseUrl,
    communityId: tenant.communityId,
    addresses: layout.embed.map((plan) => plan.address),
    keys: tenant.sha256Keys,
    concurrency: WARM_UP_CONCURRENCY,
  })
  log(`capturing the statements of ${layout.warm.length} warm rescores for the floor`)
  const sequences = await captureRescores(state, layout.warm)
  const ctx: ScenarioContext = {
    baseUrl: service.baseUrl,
    servicePid: service.pid,
    listBackends: state.listBackends,
    sql: state.sql,
    communityId: tenant.communityId,
    internalToken: secrets.internalToken,
    secretKey: secrets.secretKey,
    durationSeconds: options.durationSeconds,
    concurrency: options.concurrency,
    warm: layout.warm,
    embed: layout.embed,
    cold: layout.cold,
    contended: layout.contended,
    credentials: new Map([...signing.signed].map(([address, passport]) => [address, passport.credentials])),
    sha256Keys: tenant.sha256Keys,
    pbkdf2Keys: tenant.pbkdf2Keys,
  }
  const { scenarios, floor, notes } = await runScenariosAndFloor(ctx, state, sequences)
  return { population, sequences, scenarios, floor, notes }
}

async function run(options: BenchOptions, db: BenchDatabase): Promise<BenchReport> {
  const startedAt = new Date()
  const loadAverageStart = loadavg()
  const prepared = await prepare(options, db)
  const { state, tenant, layout, signing } = prepared
  const scale: ScalePoint[] = []
  let service: RunningService | undefined
  try {
    if (options.runtime === 'bundle' && !(await buildServerBundle()))
      throw new Error('--runtime bundle: the production build failed (is esbuild installed?)')
    service = await startStageOne(options, prepared)
    const rssAtStartMb = service.rssAtStartMb
    scale.push(...(await measureSmallerScales(options, prepared, service)))
    const main = await runMainStage(options, prepared, service)
    if (options.scaleSizes.includes(options.passports))
      scale.push(
        await measureScalePoint(state, service, main.scenarios.find((record) => record.id === 'warm-rescore')?.result),
      )
    for (const size of options.scaleSizes.filter((candidate) => candidate > options.passports)) {
      log(`growing the background to ${size} passports`)
      await growBackground(state, layout.backgroundStart + size - cohortTotal(options.cohorts))
      scale.push(await measureScalePoint(state, service))
    }
    const peakRss = main.scenarios.reduce((peak, record) => Math.max(peak, record.result?.resources.rssPeakMb ?? 0), 0)
    await service.stop()
    service = undefined

    log('profiling the warm path (--cpu-prof)')
    const profile = await profileWarmPath(state, join(options.outDir, `${resultStamp(startedAt)}-warm.cpuprofile`))
    const coldStart = options.skipColdStart
      ? []
      : await measureColdStarts({
          env: state.env,
          runs: options.coldStartRuns,
          path: `/v2/stamps/${tenant.communityId}/score/${layout.warm[0]!.address}`,
          apiKey: tenant.sha256Keys[0]!.key,
          log,
        })
    const report: BenchReport = {
      version: 1,
      startedAt: startedAt.toISOString(),
      totalSeconds: (Date.now() - startedAt.getTime()) / 1000,
      quick: options.quick,
      machine: await describeMachine(db, loadAverageStart),
      git: gitState(),
      database: {
        server: options.adminUrl.replace(/\/\/[^@/]*@/, '//'),
        name: db.name,
        defaultUrlUsed: options.isDefaultDatabaseUrl,
      },
      options: { ...options, adminUrl: undefined },
      service: {
        logLevel: options.logLevel,
        dbPoolSize: options.dbPoolSize === undefined ? 'default (5)' : String(options.dbPoolSize),
        startedAs:
          options.runtime === 'bundle' ? 'node dist/server.js (npm run build)' : 'node --import tsx src/server.ts',
        rssAtStartMb,
      },
      seeding: {
        signedPassports: signing.signed.size,
        signedStamps: signing.stamps,
        signingSeconds: signing.seconds,
        backgroundPassports: state.backgroundEnd - state.backgroundStart,
        backgroundSeconds: state.backgroundSeconds,
        method: seedingMethod(options, layout, signing.stamps, signing.seconds),
      },
      population: main.population,
      scenarios: main.scenarios,
      floor: {
        capturedPassports: main.sequences.length,
        statements: describeSequence(main.sequences[0]!),
        results: main.floor,
      },
      coldStart,
      scale,
      profile,
      targets: [],
      notes: [],
    }
    report.targets = evaluateTargets(report, peakRss)
    report.notes = [...main.notes, ...machineNotes(report, options)]
    return report
  } finally {
    await service?.stop()
    if (options.runtime === 'bundle') await removeServerBundle()
  }
}

async function describeMachine(db: BenchDatabase, loadAverageStart: number[]): Promise<BenchReport['machine']> {
  const version = await findServerVersion(db.sql)
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: /PostgreSQL [\d.]+/.exec(version ?? '')?.[0] ?? 'PostgreSQL',
    loadAverageStart,
    loadAverageEnd: loadavg(),
  }
}

function seedingMethod(options: BenchOptions, layout: CohortLayout, stamps: number, seconds: number): string[] {
  const c = options.cohorts
  return [
    `Scored cohorts — ${c.warm} warm and ${c.embed} embed passports of 10 stamps, ${c.cold} never-scored passports of 10–30 stamps (1 in 5 carrying two nullifiers an existing passport owns), ${c.contendedGroups} groups of 8 passports whose first 4 stamps share nullifiers: every stamp signed individually in the production EIP-712 format (demo issuer, DIDKit) on ${availableParallelism()} worker threads, ${stamps} stamps in ${seconds.toFixed(1)} s. No signature is shared: the subject's DID is part of the signed document, so one signature per (address, provider) is the honest minimum.`,
    options.signAll
      ? 'Background passports: signed individually as well (--sign-all).'
      : `Background passports (from index ${layout.backgroundStart}): 10–30 stamps each, generated inside PostgreSQL from ONE signed template credential with each row's own DID, provider and nullifier; their proofValue has a signature's length but is not a signature over that subject. No scenario scores them: they give the tables production-like size, together with the registry rows a past scoring left (passport, DONE score, stamps, hash links, SCU event). --sign-all signs them for real (~2.4 ms per stamp per core).`,
    `API keys: ${c.sha256Keys} on the sha256 fast path (their PBKDF2 hash uses 1,000 iterations since it is never evaluated) and ${c.pbkdf2Keys} stored with production PBKDF2 (600,000 iterations) only. ${BAN_COUNT} active bans on background addresses and nullifiers.`,
    "Rows are written with the project's own query functions (insertCeramicCacheStamps, createApiKey, the demo account/community inserts) or SQL that fills every column as Django does; tables are VACUUM ANALYZEd after each growth step.",
  ]
}

async function main(): Promise<void> {
  if (await benchDeploymentIfTargeted(process.argv.slice(2), log)) return
  let options: BenchOptions | 'help'
  try {
    options = parseBenchOptions(process.argv.slice(2), process.env)
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`)
    process.exit(2)
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n\n${DEPLOYMENT_USAGE}\n`)
    return
  }
  if (options.isDefaultDatabaseUrl) log(`DATABASE_URL is unset: using ${options.adminUrl}`)
  const db = await createBenchDatabase(options.adminUrl)
  log(`created database ${db.name}`)
  const dropOnSignal = (): void => {
    log('interrupted: dropping the bench database')
    void db.drop().finally(() => process.exit(130))
  }
  process.once('SIGINT', dropOnSignal)
  process.once('SIGTERM', dropOnSignal)
  try {
    const report = await run(options, db)
    const files = await writeReport(report, options.outDir)
    process.stdout.write(`\n${formatTable(report)}\n\n`)
    for (const target of report.targets)
      process.stdout.write(
        `${target.pass === null ? ' n/a ' : target.pass ? ' met ' : 'MISSED'}  ${target.name}: ${target.measured} (target ${target.target})\n`,
      )
    process.stdout.write(`\nwrote ${files.json}\n      ${files.markdown}\n`)
  } finally {
    if (options.keepDatabase) {
      await db.sql.end({ timeout: 5 })
      log(`kept database ${db.name}`)
    } else {
      await db.drop()
    }
  }
}

main().catch((error: unknown) => {
  const message =
    error instanceof UsageError
      ? error.message
      : error instanceof Error && !('code' in error)
        ? (error.stack ?? error.message)
        : describeConnectionError(error)
  process.stderr.write(`bench: ${message}\n`)
  process.exit(1)
})

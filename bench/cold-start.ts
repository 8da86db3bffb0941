import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { invokePackagedLambda, unzipPackage } from '../scripts/lambda-invoker.js'
import {
  buildServerBundle,
  removeServerBundle,
  sampleProcess,
  startService,
  ticksToMs,
  type ServiceRuntime,
} from './service.js'

export interface ColdStartRun {
  /** Process start → listening. */
  listeningMs: number
  /** Process start → the first 200 of a score. */
  firstScoreMs: number
  /** Resident set at listening. */
  rssAtStartMb: number
  /** Where the time went (the server's own 'listening' log line and the first request). */
  breakdown?: StartBreakdown
}

export interface StartBreakdown {
  /** Process start → main() runs: node's boot and loading the service's modules. */
  bootMs: number
  /** Within main(): reading the config, the first database connection and its ping. */
  databaseMs: number
  /** main() → listening: database, building the app, binding the port. */
  startupMs: number
  /** Listening → the first 200 of a score: routing, DIDKit loaded and compiled, the scoring transaction. */
  firstRequestMs: number
  /** Resident set after the first score. */
  rssAfterFirstScoreMb: number
  /** CPU (user + system) the server used from spawn to its first score: what a loaded machine does not inflate. */
  cpuMsAtFirstScore: number
}

export interface ColdStartRecord {
  id: string
  title: string
  runs: ColdStartRun[]
  /** Medians of the runs. */
  firstScoreMs: number
  listeningMs: number
  rssAtStartMb: number
  /** Medians of the runs' breakdowns, when the runtime printed one. */
  breakdown?: StartBreakdown
  /** Lambda only: the size of dist/lambda.zip. */
  packageBytes?: number
  /** The built runtime only: loading DIDKit as the service does, in a fresh process (median). */
  didKitInitMs?: number
  error?: string
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

interface ScoreTarget {
  path: string
  headers: Record<string, string>
}

async function timeOneStart(
  env: Record<string, string | undefined>,
  target: (banner: string) => ScoreTarget,
  runtime: ServiceRuntime = 'tsx',
): Promise<ColdStartRun> {
  let startedAt = performance.now()
  // LOG_LEVEL info for the server's 'listening' line, which carries its own side of the breakdown.
  const service = await startService({ env: { ...env, LOG_LEVEL: 'info' }, runtime, onSpawn: (at) => (startedAt = at) })
  try {
    const listeningMs = performance.now() - startedAt
    const rssAtStartMb = service.rssAtStartMb
    const { path, headers } = target(service.banner)
    const response = await fetch(`${service.baseUrl}${path}`, { headers })
    const body = await response.text()
    const firstScoreMs = performance.now() - startedAt
    if (response.status !== 200 || !body.includes('"error":null'))
      throw new Error(`first score answered ${response.status}: ${body.slice(0, 200)}`)
    const logged = LISTENING_LOG.exec(service.stdout())
    const rssAfter = await sampleProcess(service.pid)
    const breakdown = logged
      ? {
          bootMs: Number(logged[1]),
          databaseMs: Number(logged[2]),
          startupMs: Number(logged[3]),
          firstRequestMs: firstScoreMs - listeningMs,
          rssAfterFirstScoreMb: (rssAfter?.rssBytes ?? 0) / 1048576,
          cpuMsAtFirstScore: ticksToMs(rssAfter?.cpuTicks ?? 0),
        }
      : undefined
    return { listeningMs, firstScoreMs, rssAtStartMb, ...(breakdown ? { breakdown } : {}) }
  } finally {
    await service.stop()
  }
}

const LISTENING_LOG = /"bootMs":(\d+),"databaseMs":(\d+),"startupMs":(\d+)/

function medianBreakdown(runs: ColdStartRun[]): StartBreakdown | undefined {
  const all = runs.flatMap((run) => (run.breakdown ? [run.breakdown] : []))
  if (all.length === 0) return undefined
  const of = (field: keyof StartBreakdown): number => median(all.map((breakdown) => breakdown[field]))
  return {
    bootMs: of('bootMs'),
    databaseMs: of('databaseMs'),
    startupMs: of('startupMs'),
    firstRequestMs: of('firstRequestMs'),
    rssAfterFirstScoreMb: of('rssAfterFirstScoreMb'),
    cpuMsAtFirstScore: of('cpuMsAtFirstScore'),
  }
}

function record(id: string, title: string, runs: ColdStartRun[]): ColdStartRecord {
  const breakdown = medianBreakdown(runs)
  return {
    id,
    title,
    runs,
    firstScoreMs: median(runs.map((run) => run.firstScoreMs)),
    listeningMs: median(runs.map((run) => run.listeningMs)),
    rssAtStartMb: median(runs.map((run) => run.rssAtStartMb)),
    ...(breakdown ? { breakdown } : {}),
  }
}

async function measure(
  id: string,
  title: string,
  runs: number,
  once: () => Promise<ColdStartRun>,
): Promise<ColdStartRecord> {
  const results: ColdStartRun[] = []
  try {
    for (let i = 0; i < runs; i++) results.push(await once())
    return record(id, title, results)
  } catch (error) {
    return {
      ...record(id, title, results.length > 0 ? results : [{ listeningMs: 0, firstScoreMs: 0, rssAtStartMb: 0 }]),
      error: error instanceof Error ? error.message : String(error),
    }
  }
}

/** Against the bench database: a v2 score (API key, warm passport, empty signature cache). */
export function measureRealPostgres(input: {
  env: Record<string, string | undefined>
  runs: number
  path: string
  apiKey: string
  runtime: ServiceRuntime
}): Promise<ColdStartRecord> {
  const how = input.runtime === 'tsx' ? '`node --import tsx` (npm start)' : '`node dist/server.js` (npm run build)'
  return measure(
    input.runtime === 'tsx' ? 'real-postgres' : 'real-postgres-bundle',
    `real PostgreSQL, ${how}: spawn → first 200 of a v2 score`,
    input.runs,
    () => timeOneStart(input.env, () => ({ path: input.path, headers: { 'x-api-key': input.apiKey } }), input.runtime),
  )
}

const DEMO_BANNER = /demo data: scorer (\d+) \("Demo"\), address (0x[0-9a-f]{40})/

/**
 * The embedded database: first boot of an empty data directory (initdb, migrations, demo seed and
 * its 12 signatures), then restarts on the same directory. The score is the internal endpoint's,
 * for the demo passport the server prints.
 */
export async function measureEmbedded(input: {
  env: Record<string, string | undefined>
  runs: number
}): Promise<ColdStartRecord[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pst-bench-embedded-'))
  const env: Record<string, string | undefined> = { ...input.env, DATABASE_URL: undefined, EMBEDDED_DATA_DIR: dataDir }
  const target = (banner: string): ScoreTarget => {
    const match = DEMO_BANNER.exec(banner)
    if (!match) throw new Error(`no demo scorer in the start banner: ${banner.slice(0, 300)}`)
    return {
      path: `/internal/score/v2/${match[1]}/${match[2]}`,
      headers: { authorization: String(env.CGRANTS_API_TOKEN) },
    }
  }
  try {
    const first = await measure(
      'embedded-first-boot',
      'embedded PGlite, empty data dir (initdb + migrate + demo seed), npm start: spawn → first 200 of a score',
      1,
      () => timeOneStart(env, target),
    )
    const restart = await measure(
      'embedded-restart',
      'embedded PGlite, existing data dir, npm start: spawn → first 200 of a score',
      input.runs,
      () => timeOneStart(env, target),
    )
    return [first, restart]
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url))
const run = promisify(execFile)

/**
 * DIDKit's share of a first score, alone: a fresh node process loads it as the service does
 * (src/domain/didkit.ts: its 9 MB of WebAssembly read and compiled lazily, then instantiated).
 */
export async function measureDidKitInit(runs: number): Promise<number[]> {
  const script =
    "import { loadDidKit } from './src/domain/didkit.ts'; const t = performance.now(); await loadDidKit(); process.stdout.write(String(performance.now() - t))"
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
    })
    times.push(Number(stdout))
  }
  return times
}

/**
 * The Lambda package (`npm run build:lambda`), unzipped and run by a fresh node process per run,
 * answering one ALB event for the v2 score: INIT (node + handler import) and the first answer.
 */
export async function measureLambda(input: {
  env: Record<string, string | undefined>
  runs: number
  path: string
  apiKey: string
}): Promise<ColdStartRecord> {
  const id = 'lambda-package'
  const buildDir = join(REPO_ROOT, 'bench', 'results', '.build', `lambda-${process.pid}`)
  let unzipped: string | undefined
  try {
    const { buildLambda } = await import('../scripts/build.js')
    const { zip, bytes } = await buildLambda(buildDir)
    unzipped = await unzipPackage(zip)
    const event = {
      requestContext: {
        elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/bench/1' },
      },
      httpMethod: 'GET',
      path: input.path,
      queryStringParameters: {},
      headers: { host: 'bench.invalid', 'x-api-key': input.apiKey, 'x-forwarded-proto': 'https' },
      body: '',
      isBase64Encoded: false,
    }
    const env = Object.fromEntries(
      Object.entries({ ...input.env, DB_POOL_SIZE: '1', DB_PREPARE_STATEMENTS: 'false', LOG_LEVEL: 'warn' }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    )
    const runs: ColdStartRun[] = []
    for (let i = 0; i < input.runs; i++) {
      const invocation = await invokePackagedLambda(unzipped, [event], env)
      const answer = invocation.results[0]!
      if (answer.statusCode !== 200 || !answer.body.includes('"error":null'))
        throw new Error(`the handler answered ${answer.statusCode}: ${answer.body.slice(0, 200)}`)
      runs.push({
        listeningMs: invocation.initMs,
        firstScoreMs: invocation.answeredMs[0]!,
        rssAtStartMb: invocation.rssMb,
      })
    }
    return {
      ...record(
        id,
        `Lambda package (${(bytes / 1048576).toFixed(1)} MB zip), fresh node process: INIT (handler imported) → first ALB v2 score answered; RSS after it`,
        runs,
      ),
      packageBytes: bytes,
    }
  } catch (error) {
    return {
      ...record(id, 'Lambda package', [{ listeningMs: 0, firstScoreMs: 0, rssAtStartMb: 0 }]),
      error: error instanceof Error ? error.message : String(error),
    }
  } finally {
    await rm(buildDir, { recursive: true, force: true })
    if (unzipped) await rm(unzipped, { recursive: true, force: true })
  }
}

/** The breakdown lines under the cold-start table (report and console). */
export function describeBreakdowns(records: readonly ColdStartRecord[]): string[] {
  return records.flatMap((c) => {
    const b = c.breakdown
    if (!b || c.error) return []
    const didKit =
      c.didKitInitMs === undefined
        ? ''
        : ` (of which loading DIDKit as the service does, alone in a fresh node: ${c.didKitInitMs.toFixed(0)} ms)`
    return [
      `${c.id}: spawn → main() ${b.bootMs.toFixed(0)} ms (node boot + module load); in main(), config + first DB connection ${b.databaseMs.toFixed(0)} ms, main() → listening ${b.startupMs.toFixed(0)} ms; listening → first score ${b.firstRequestMs.toFixed(0)} ms${didKit}; CPU used by the server up to its first score ${b.cpuMsAtFirstScore.toFixed(0)} ms; RSS ${c.rssAtStartMb.toFixed(0)} MB at listening, ${b.rssAfterFirstScoreMb.toFixed(0)} MB after the first score`,
    ]
  })
}

export type ColdStartKind = 'tsx' | 'bundle' | 'lambda' | 'embedded'
export const COLD_START_KINDS: readonly ColdStartKind[] = ['tsx', 'bundle', 'lambda', 'embedded']

/**
 * Real PostgreSQL under both runtimes (the production build when esbuild is there, with DIDKit's
 * init measured alone beside it), the Lambda package, then the embedded mode.
 */
export async function measureColdStarts(input: {
  env: Record<string, string | undefined>
  runs: number
  path: string
  apiKey: string
  log: (line: string) => void
  kinds?: readonly ColdStartKind[]
}): Promise<ColdStartRecord[]> {
  const kinds = new Set(input.kinds ?? COLD_START_KINDS)
  const records: ColdStartRecord[] = []
  if (kinds.has('tsx')) {
    input.log('cold start: real PostgreSQL, npm start (tsx)')
    records.push(await measureRealPostgres({ ...input, runtime: 'tsx' }))
  }
  if (kinds.has('bundle')) {
    input.log('cold start: real PostgreSQL, node dist/server.js')
    if (await buildServerBundle()) {
      try {
        const built = await measureRealPostgres({ ...input, runtime: 'bundle' })
        records.push({ ...built, didKitInitMs: median(await measureDidKitInit(input.runs)) })
      } finally {
        await removeServerBundle()
      }
    }
  }
  if (kinds.has('lambda')) {
    input.log('cold start: Lambda package')
    records.push(await measureLambda(input))
  }
  if (kinds.has('embedded')) {
    input.log('cold start: embedded PGlite')
    records.push(
      ...(await measureEmbedded({
        env: { ...input.env, CERAMIC_CACHE_SCORER_ID: undefined, TRUSTED_IAM_ISSUERS: undefined },
        runs: input.runs,
      })),
    )
  }
  return records
}

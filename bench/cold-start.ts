import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildServerBundle, removeServerBundle, startService, type ServiceRuntime } from './service.js'

export interface ColdStartRun {
  /** Process start → listening. */
  listeningMs: number
  /** Process start → the first 200 of a score. */
  firstScoreMs: number
  /** Resident set at listening. */
  rssAtStartMb: number
}

export interface ColdStartRecord {
  id: string
  title: string
  runs: ColdStartRun[]
  /** Medians of the runs. */
  firstScoreMs: number
  listeningMs: number
  rssAtStartMb: number
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
  const service = await startService({ env, runtime, onSpawn: (at) => (startedAt = at) })
  try {
    const listeningMs = performance.now() - startedAt
    const rssAtStartMb = service.rssAtStartMb
    const { path, headers } = target(service.banner)
    const response = await fetch(`${service.baseUrl}${path}`, { headers })
    const body = await response.text()
    const firstScoreMs = performance.now() - startedAt
    if (response.status !== 200 || !body.includes('"error":null'))
      throw new Error(`first score answered ${response.status}: ${body.slice(0, 200)}`)
    return { listeningMs, firstScoreMs, rssAtStartMb }
  } finally {
    await service.stop()
  }
}

function record(id: string, title: string, runs: ColdStartRun[]): ColdStartRecord {
  return {
    id,
    title,
    runs,
    firstScoreMs: median(runs.map((run) => run.firstScoreMs)),
    listeningMs: median(runs.map((run) => run.listeningMs)),
    rssAtStartMb: median(runs.map((run) => run.rssAtStartMb)),
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
  const how = input.runtime === 'tsx' ? '`node --import tsx` (npm start)' : 'esbuild bundle on plain node'
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

/** Real PostgreSQL under both runtimes (the bundle when esbuild is there), then the embedded mode. */
export async function measureColdStarts(input: {
  env: Record<string, string | undefined>
  runs: number
  path: string
  apiKey: string
  log: (line: string) => void
}): Promise<ColdStartRecord[]> {
  const records: ColdStartRecord[] = []
  input.log('cold start: real PostgreSQL')
  records.push(await measureRealPostgres({ ...input, runtime: 'tsx' }))
  if (await buildServerBundle()) {
    try {
      records.push(await measureRealPostgres({ ...input, runtime: 'bundle' }))
    } finally {
      await removeServerBundle()
    }
  }
  input.log('cold start: embedded PGlite')
  records.push(
    ...(await measureEmbedded({
      env: { ...input.env, CERAMIC_CACHE_SCORER_ID: undefined, TRUSTED_IAM_ISSUERS: undefined },
      runs: input.runs,
    })),
  )
  return records
}

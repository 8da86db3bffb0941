import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { runLoad, type LoadRequest, type LoadResult } from './load.js'
import { formatTable, resultStamp } from './report.js'
import type { ScenarioRecord } from './scenarios.js'

// `npm run bench -- --target URL`: loads a deployment that is already running (ours or Python's)
// instead of one the bench starts on its own database. Nothing is seeded and no database is
// reached: the operator names a scorer, its API key and addresses that exist there. By default
// only endpoints that write nothing are loaded; the scoring endpoints (which write a score, its
// stamps, an event and an analytics row per call, as Django does) need --allow-writes.

export const DEPLOYMENT_USAGE = `Against a running deployment (nothing is seeded, no database is opened):

  --target URL            base URL of the deployment, e.g. https://scorer.example.org
  --api-key KEY           a partner API key of that deployment (X-API-Key)
  --scorer ID             a scorer (community) id the key's account owns
  --address A,B,…         addresses with stamps in that deployment's ceramic cache
  --allow-writes          also load the scoring endpoints, which write rows on every call
  --service-pid PID       a local process to watch for CPU and RSS (when the target runs here)
  --duration S            seconds per scenario (default 10)
  --concurrency N         connections (default 16)
  --out DIR               where the JSON report goes (default bench/results)`

export interface DeploymentOptions {
  target: string
  apiKey: string | undefined
  scorerId: number | undefined
  addresses: string[]
  allowWrites: boolean
  servicePid: number | undefined
  durationSeconds: number
  concurrency: number
  outDir: string
}

export class DeploymentUsageError extends Error {}

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new DeploymentUsageError(`--${name}: expected a positive integer, got ${JSON.stringify(value)}`)
  return Number(value)
}

/** Undefined when the arguments do not ask for a deployment (no --target). */
export function parseDeploymentOptions(argv: string[]): DeploymentOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string' },
      'api-key': { type: 'string' },
      scorer: { type: 'string' },
      address: { type: 'string' },
      'allow-writes': { type: 'boolean', default: false },
      'service-pid': { type: 'string' },
      duration: { type: 'string' },
      concurrency: { type: 'string' },
      out: { type: 'string' },
    },
    // The run's own options (`--passports 300`, `--runtime bundle`) are unknown here: without
    // --target they are parseBenchOptions' to judge, and their values must not read as positionals.
    strict: false,
    allowPositionals: true,
  })
  if (typeof values.target !== 'string') return undefined
  let target: URL
  try {
    target = new URL(values.target)
  } catch {
    throw new DeploymentUsageError(`--target: not a URL: ${values.target}`)
  }
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? values[name] : undefined)
  const addresses = (text('address') ?? '')
    .split(',')
    .map((address) => address.trim().toLowerCase())
    .filter(Boolean)
  for (const address of addresses)
    if (!/^0x[0-9a-f]{40}$/.test(address)) throw new DeploymentUsageError(`--address: not an address: ${address}`)
  return {
    target: target.toString().replace(/\/$/, ''),
    apiKey: text('api-key'),
    scorerId: text('scorer') === undefined ? undefined : positive(text('scorer'), 'scorer', 1),
    addresses,
    allowWrites: values['allow-writes'] === true,
    servicePid: text('service-pid') === undefined ? undefined : positive(text('service-pid'), 'service-pid', 1),
    durationSeconds: positive(text('duration'), 'duration', 10),
    concurrency: positive(text('concurrency'), 'concurrency', 16),
    outDir: text('out') ?? 'bench/results',
  }
}

interface RemoteScenario {
  id: string
  title: string
  writes: boolean
  /** Why it cannot run with these options, or the i-th request. */
  plan(
    options: DeploymentOptions,
  ): { skip: string } | { next: (i: number) => LoadRequest; isGoodBody?: (body: string) => boolean }
}

const rotate = <T>(items: readonly T[], i: number): T => items[i % items.length]!
const scoredWithoutError = (body: string): boolean => body.includes('"error":null')

const SCENARIOS: RemoteScenario[] = [
  {
    id: 'health',
    title: 'GET /health/ (pings the database)',
    writes: false,
    plan: () => ({ next: () => ({ method: 'GET', path: '/health/', headers: {} }) }),
  },
  {
    id: 'ceramic-cache-weights',
    title: 'GET /ceramic-cache/weights',
    writes: false,
    plan: () => ({ next: () => ({ method: 'GET', path: '/ceramic-cache/weights', headers: {} }) }),
  },
  {
    id: 'embed-weights',
    title: 'GET /internal/embed/weights?community_id={scorer}',
    writes: false,
    plan: (o) =>
      o.scorerId === undefined
        ? { skip: 'needs --scorer' }
        : {
            next: () => ({ method: 'GET', path: `/internal/embed/weights?community_id=${o.scorerId}`, headers: {} }),
          },
  },
  {
    id: 'stamp-list',
    // Endpoints §5.4: an address without a score in CERAMIC_CACHE_SCORER_ID's community is scored.
    title: 'GET /ceramic-cache/stamp?address={address} (scores an address that has no score yet)',
    writes: true,
    plan: (o) =>
      o.addresses.length === 0
        ? { skip: 'needs --address' }
        : {
            next: (i) => ({
              method: 'GET',
              path: `/ceramic-cache/stamp?address=${rotate(o.addresses, i)}`,
              headers: {},
            }),
          },
  },
  {
    id: 'validate-api-key',
    title: 'GET /internal/embed/validate-api-key (the key check alone)',
    writes: false,
    plan: (o) =>
      o.apiKey === undefined
        ? { skip: 'needs --api-key' }
        : {
            next: () => ({
              method: 'GET',
              path: '/internal/embed/validate-api-key',
              headers: { 'x-api-key': o.apiKey! },
            }),
          },
  },
  {
    id: 'v2-score',
    title: 'GET /v2/stamps/{scorer}/score/{address} (writes the score, its event and an analytics row)',
    writes: true,
    plan: (o) =>
      o.apiKey === undefined || o.scorerId === undefined || o.addresses.length === 0
        ? { skip: 'needs --api-key, --scorer and --address' }
        : {
            next: (i) => ({
              method: 'GET',
              path: `/v2/stamps/${o.scorerId}/score/${rotate(o.addresses, i)}`,
              headers: { 'x-api-key': o.apiKey! },
            }),
            isGoodBody: scoredWithoutError,
          },
  },
  {
    id: 'embed-score',
    title: 'GET /internal/embed/score/{scorer}/{address} (scores and writes, as the embed widget does)',
    writes: true,
    plan: (o) =>
      o.scorerId === undefined || o.addresses.length === 0
        ? { skip: 'needs --scorer and --address' }
        : {
            next: (i) => ({
              method: 'GET',
              path: `/internal/embed/score/${o.scorerId}/${rotate(o.addresses, i)}`,
              headers: {},
            }),
          },
  },
]

export interface DeploymentReport {
  version: 1
  startedAt: string
  target: string
  allowWrites: boolean
  concurrency: number
  durationSeconds: number
  servicePid: number | null
  scenarios: ScenarioRecord[]
}

/** Runs the scenarios one after the other; progress on `log`, the table on stdout, the JSON in outDir. */
export async function runAgainstDeployment(
  options: DeploymentOptions,
  log: (line: string) => void,
): Promise<DeploymentReport> {
  const startedAt = new Date()
  const scenarios: ScenarioRecord[] = []
  for (const scenario of SCENARIOS) {
    const connections = options.concurrency
    const skipped = (reason: string): ScenarioRecord => ({
      id: scenario.id,
      title: scenario.title,
      connections,
      status: 'skipped',
      skipReason: reason,
      notes: [],
    })
    if (scenario.writes && !options.allowWrites) {
      scenarios.push(skipped('writes rows: only with --allow-writes'))
      continue
    }
    const plan = scenario.plan(options)
    if ('skip' in plan) {
      scenarios.push(skipped(plan.skip))
      continue
    }
    log(`${scenario.id}: ${options.durationSeconds} s at ${connections} connections`)
    const result: LoadResult = await runLoad({
      baseUrl: options.target,
      connections,
      durationSeconds: options.durationSeconds,
      next: plan.next,
      expectedStatus: 200,
      ...(plan.isGoodBody ? { isGoodBody: plan.isGoodBody } : {}),
      // Without a local pid there is no CPU or RSS to read, and no database to list backends of.
      servicePid: options.servicePid ?? 0,
      listBackends: async () => [],
    })
    scenarios.push({ id: scenario.id, title: scenario.title, connections, status: 'ok', result, notes: [] })
  }
  const report: DeploymentReport = {
    version: 1,
    startedAt: startedAt.toISOString(),
    target: options.target,
    allowWrites: options.allowWrites,
    concurrency: options.concurrency,
    durationSeconds: options.durationSeconds,
    servicePid: options.servicePid ?? null,
    scenarios,
  }
  await mkdir(options.outDir, { recursive: true })
  const file = join(options.outDir, `${resultStamp(startedAt)}-deployment.json`)
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`)
  log(`report: ${file}`)
  return report
}

/** The bench's table (same columns), for the scenarios of a deployment run. */
export function formatDeploymentTable(report: DeploymentReport): string {
  const table = formatTable({
    scenarios: report.scenarios,
    floor: { capturedPassports: 0, statements: [], results: [] },
  })
  const skipped = report.scenarios
    .filter((record) => record.status === 'skipped')
    .map((record) => `  ${record.id}: skipped, ${record.skipReason}`)
  const note =
    report.servicePid === null ? ['  (svc CPU and RSS: not measured, no --service-pid; pg CPU: not measured)'] : []
  return [table, ...skipped, ...note].join('\n')
}

/**
 * The entry of `npm run bench` for --target: true when the arguments named a deployment (and it
 * was loaded), false to go on with the self-contained bench.
 */
export async function benchDeploymentIfTargeted(argv: string[], log: (line: string) => void): Promise<boolean> {
  let options: DeploymentOptions | undefined
  try {
    options = parseDeploymentOptions(argv)
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n\n${DEPLOYMENT_USAGE}\n`)
    process.exit(2)
  }
  if (!options) return false
  log(
    `loading ${options.target}: ${options.allowWrites ? 'read-only and writing' : 'read-only'} scenarios, ${options.durationSeconds} s each`,
  )
  const report = await runAgainstDeployment(options, log)
  process.stdout.write(`\n${formatDeploymentTable(report)}\n`)
  return true
}

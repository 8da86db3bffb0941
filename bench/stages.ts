import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Sql } from '../src/db/pool.js'
import type { CreatedApiKey } from '../src/domain/api-keys.js'
import { captureWarmRescores, explainRescore, replayFloor, type CapturedRescore, type FloorResult } from './floor.js'
import { findPgbench, runPgbenchFloor } from './pgbench.js'
import { buildPythonSequences } from './python-sequence.js'
import { SCENARIOS, runScenario, type ScenarioContext, type ScenarioRecord } from './scenarios.js'
import { runLoad, type LoadResult } from './load.js'
import type { PassportPlan } from './population.js'
import { readMainThreadProfile, summarizeProfile, type ProfileSummary } from './profile.js'
import type { ScalePoint } from './report.js'
import { seedBackground, type BackgroundOptions } from './seeding.js'
import { startService, type BackendLister, type RunningService, type ServiceRuntime } from './service.js'
import { analyzeTables, countTables } from './sql.js'
import { scoreEach } from './warm-up.js'
import { loadConfig } from '../src/config.js'

// The pieces run.ts strings together; each stage is one step of the run described in USAGE.

export interface RunState {
  sql: Sql
  url: string
  env: Record<string, string | undefined>
  communityId: number
  accountId: number
  warm: PassportPlan[]
  keys: CreatedApiKey[]
  durationSeconds: number
  concurrency: number
  listBackends: BackendLister
  /** How the service runs (--runtime): under tsx, or the production build. */
  runtime: ServiceRuntime
  background: BackgroundOptions
  backgroundStart: number
  /** End (exclusive) of the background generated so far, and the time it took. */
  backgroundEnd: number
  backgroundSeconds: number
  log: (line: string) => void
  /** Only these scenarios (--scenarios); all when undefined. */
  scenarioIds?: readonly string[]
}

export const WARM_UP_CONCURRENCY = 4

export async function growBackground(state: RunState, end: number): Promise<void> {
  if (end <= state.backgroundEnd) return
  const startedAt = performance.now()
  const total = end - state.backgroundEnd
  state.log(`growing the background to ${end - state.backgroundStart} passports`)
  await seedBackground(
    state.sql,
    { start: state.backgroundEnd, end },
    {
      ...state.background,
      onProgress: (done) => state.log(`  background passports: ${done}/${total}`),
    },
  )
  state.backgroundEnd = end
  await analyzeTables(state.sql)
  state.backgroundSeconds += (performance.now() - startedAt) / 1000
}

/** Every scenario in order; right after the warm one, the floor at 1 and at N connections. */
export async function runScenariosAndFloor(
  ctx: ScenarioContext,
  state: RunState,
  sequences: readonly CapturedRescore[],
): Promise<{ scenarios: ScenarioRecord[]; floor: FloorResult[]; notes: string[] }> {
  const scenarios: ScenarioRecord[] = []
  const floor: FloorResult[] = []
  const notes: string[] = []
  const pgbench = await findPgbench()
  if (!pgbench) notes.push('pgbench was not found: the floor was replayed by postgres.js only.')
  const wanted = state.scenarioIds
  for (const scenario of SCENARIOS) {
    if (wanted && !wanted.includes(scenario.id)) continue
    state.log(`scenario ${scenario.id}`)
    scenarios.push(await runScenario(scenario, ctx))
    if (scenario.id !== 'warm-rescore') continue
    // Right after the warm scenario, so both see the same tables and the same machine.
    floor.push(...(await replayFloors(state, sequences, pgbench, notes)))
  }
  return { scenarios, floor, notes }
}

/** Our captured statements (postgres.js and pgbench), then Python's sequence (pgbench), at 1 and N connections. */
async function replayFloors(
  state: RunState,
  sequences: readonly CapturedRescore[],
  pgbench: string | undefined,
  notes: string[],
): Promise<FloorResult[]> {
  const floor: FloorResult[] = []
  const python = pgbench
    ? await buildPythonSequences(state.sql, {
        communityId: state.communityId,
        accountId: state.accountId,
        passports: state.warm.map((plan, i) => ({ address: plan.address, key: state.keys[i % state.keys.length]! })),
      })
    : []
  const tryPgbench = async (input: Parameters<typeof runPgbenchFloor>[0]): Promise<void> => {
    try {
      floor.push(await runPgbenchFloor(input))
    } catch (error) {
      notes.push(
        `pgbench (${input.sequence} statements) at ${input.connections} connection(s) failed: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`,
      )
      state.log(notes.at(-1)!)
    }
  }
  for (const connections of [...new Set([1, state.concurrency])]) {
    state.log(`floor: replaying the warm rescore's SQL at ${connections} connection(s)`)
    const input = {
      url: state.url,
      sequences,
      connections,
      durationSeconds: state.durationSeconds,
      listBackends: state.listBackends,
    }
    floor.push(await replayFloor(input))
    if (!pgbench) continue
    await tryPgbench({ ...input, pgbench, sequence: 'ours' })
    state.log(`floor: replaying Python's statement sequence at ${connections} connection(s)`)
    await tryPgbench({ ...input, pgbench, sequences: python, sequence: 'python' })
  }
  return floor
}

export function warmLoad(
  state: RunState,
  service: RunningService,
  passports: readonly PassportPlan[] = state.warm,
  connections = state.concurrency,
): Promise<LoadResult> {
  return runLoad({
    baseUrl: service.baseUrl,
    connections,
    durationSeconds: state.durationSeconds,
    expectedStatus: 200,
    isGoodBody: (body) => body.includes('"error":null'),
    next: (i) => ({
      method: 'GET',
      path: `/v2/stamps/${state.communityId}/score/${passports[i % passports.length]!.address}`,
      headers: { 'x-api-key': state.keys[i % state.keys.length]!.key },
    }),
    servicePid: service.pid,
    listBackends: state.listBackends,
  })
}

export function captureRescores(state: RunState, passports: readonly PassportPlan[]): Promise<CapturedRescore[]> {
  return captureWarmRescores({
    url: state.url,
    config: loadConfig(state.env),
    communityId: state.communityId,
    accountId: state.accountId,
    passports: passports.map((plan, i) => ({ address: plan.address, key: state.keys[i % state.keys.length]! })),
  })
}

/** The warm scenario at the current size, plus EXPLAIN ANALYZE of one rescore's statements. */
export async function measureScalePoint(
  state: RunState,
  service: RunningService,
  warm?: LoadResult,
): Promise<ScalePoint> {
  const counts = await countTables(state.sql)
  state.log(`scale check at ${counts.passports} passports (${counts.cacheRows} cache rows)`)
  const result = warm ?? (await warmLoad(state, service))
  const [sequence] = await captureRescores(state, state.warm.slice(0, 1))
  return { passports: counts.passports, counts, warm: result, explain: await explainRescore(state.url, sequence!) }
}

export async function startWarmService(
  state: RunState,
  passports: readonly PassportPlan[],
  nodeArgs: string[] = [],
): Promise<RunningService> {
  const service = await startService({ env: state.env, nodeArgs, runtime: state.runtime })
  try {
    await scoreEach({
      baseUrl: service.baseUrl,
      communityId: state.communityId,
      addresses: passports.map((plan) => plan.address),
      keys: state.keys,
      concurrency: WARM_UP_CONCURRENCY,
    })
  } catch (error) {
    await service.stop()
    throw error
  }
  return service
}

// Enough passports for 16 connections to rarely collide, few enough to warm in ~1 s.
const PROFILE_PASSPORTS = 64

/**
 * A separate service under --cpu-prof: warmed on a few passports, then the warm scenario; only the
 * samples after the warm-up are counted (the profile's clock is CLOCK_MONOTONIC, like hrtime).
 */
export async function profileWarmPath(state: RunState, keepAs: string): Promise<ProfileSummary | { error: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'pst-bench-prof-'))
  try {
    const passports = state.warm.slice(0, PROFILE_PASSPORTS)
    const service = await startWarmService(state, passports, ['--cpu-prof', `--cpu-prof-dir=${dir}`])
    const fromMicros = Number(process.hrtime.bigint() / 1000n)
    try {
      await warmLoad(state, service, passports)
    } finally {
      await service.stop()
    }
    const found = await readMainThreadProfile(dir)
    if (!found) return { error: 'the service wrote no .cpuprofile (did it exit cleanly on SIGTERM?)' }
    await mkdir(dirname(keepAs), { recursive: true })
    await copyFile(found.file, keepAs)
    return summarizeProfile(found.profile, keepAs, fromMicros)
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

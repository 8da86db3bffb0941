import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Variant } from './drivers.js'
import type { ReplayResult } from './replay-worker.js'

// Warm-rescore speed per driver: the captured statements (capture.ts) replayed by each client in
// its own process, interleaved (A B C D, A B C D, …) because the machine is shared and noisy.

const run = promisify(execFile)
const REPLAY_FILE = fileURLToPath(new URL('./replay-worker.ts', import.meta.url))

export interface SpeedCase {
  id: string
  label: string
  variant: Variant
  prepare: boolean
}

// postgres.js upstream is not replayed: the patch touches only the close and error paths, not
// one instruction of a query that succeeds.
export const SPEED_CASES: readonly SpeedCase[] = [
  {
    id: 'postgresjs',
    label: 'postgres.js, prepared (the service today)',
    variant: 'postgresjs-patched',
    prepare: true,
  },
  { id: 'pg-named', label: 'pg pipeline, named statements', variant: 'pg', prepare: true },
  { id: 'postgresjs-unprepared', label: 'postgres.js, prepare: false', variant: 'postgresjs-patched', prepare: false },
  { id: 'pg-unnamed', label: 'pg pipeline, unnamed statements', variant: 'pg', prepare: false },
]

export interface SpeedRun {
  caseId: string
  /** direct, or through PgBouncer */
  route: string
  connections: number
  round: number
  transactionsPerSecond: number
  p50Ms: number
  p99Ms: number
  errors: number
  errorsByCode: Record<string, number>
  wrongAnswers: number
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

export async function replayOnce(input: {
  speedCase: SpeedCase
  url: string
  connections: number
  seconds: number
  capturePath: string
}): Promise<ReplayResult> {
  const args = [
    '--import',
    'tsx',
    REPLAY_FILE,
    input.speedCase.variant,
    input.speedCase.prepare ? '1' : '0',
    input.url,
    String(input.connections),
    String(input.seconds),
    input.capturePath,
  ]
  try {
    const { stdout } = await run(process.execPath, args, {
      timeout: (input.seconds + 60) * 1000,
      maxBuffer: 64 * 1024 * 1024,
    })
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as ReplayResult
  } catch (error) {
    // A replay that did not finish (killed at its time limit, or crashed) is a result too.
    const reason = (error as { killed?: boolean }).killed
      ? 'did not finish (killed)'
      : `exited: ${String((error as Error).message)
          .split('\n')[0]!
          .slice(0, 80)}`
    return { transactions: 0, seconds: 0, latenciesMs: [], errors: 1, errorsByCode: { [reason]: 1 }, wrongAnswers: 0 }
  }
}

export function toSpeedRun(
  speedCase: SpeedCase,
  route: string,
  connections: number,
  round: number,
  result: ReplayResult,
): SpeedRun {
  return {
    caseId: speedCase.id,
    route,
    connections,
    round,
    transactionsPerSecond: result.seconds > 0 ? result.transactions / result.seconds : 0,
    p50Ms: percentile(result.latenciesMs, 50),
    p99Ms: percentile(result.latenciesMs, 99),
    errors: result.errors,
    errorsByCode: result.errorsByCode,
    wrongAnswers: result.wrongAnswers,
  }
}

export async function runSpeed(input: {
  url: string
  capturePath: string
  cases: readonly SpeedCase[]
  connections: readonly number[]
  rounds: number
  seconds: number
  route?: string
  log: (line: string) => void
}): Promise<SpeedRun[]> {
  const runs: SpeedRun[] = []
  for (let round = 1; round <= input.rounds; round++) {
    for (const connections of input.connections) {
      for (const speedCase of input.cases) {
        const result = await replayOnce({
          speedCase,
          url: input.url,
          connections,
          seconds: input.seconds,
          capturePath: input.capturePath,
        })
        const speedRun = toSpeedRun(speedCase, input.route ?? 'direct', connections, round, result)
        runs.push(speedRun)
        input.log(
          `  round ${round}, ${connections} conn, ${speedCase.id}${input.route ? ` via ${input.route}` : ''}: ${speedRun.transactionsPerSecond.toFixed(0)} tx/s, p50 ${speedRun.p50Ms.toFixed(2)} ms, p99 ${speedRun.p99Ms.toFixed(2)} ms, errors ${speedRun.errors}, wrong ${speedRun.wrongAnswers}`,
        )
      }
    }
  }
  return runs
}

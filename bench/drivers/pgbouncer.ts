import { createSql } from '../../src/db/pool.js'
import { mergeStats, startChild } from './child.js'
import { startPgBouncer } from './cluster.js'
import { emptyPhaseStats, type PhaseStats } from './fault-protocol.js'
import { runSpeed, type SpeedCase, type SpeedRun } from './speed.js'

// Both drivers through PgBouncer in transaction mode (what DB_PREPARE_STATEMENTS=false is for):
// the fault harness's load (pipelined transactions whose rows are checked) and the warm-rescore
// replay, with 4 server connections for more clients, so a client's consecutive statements land on
// different server connections. The prepared variants run once as a control: they must fail there
// ("prepared statement … does not exist"), or this check could not see the problem.

export interface PoolerLoad {
  caseId: string
  seconds: number
  stats: PhaseStats
}

export interface PoolerResult {
  pgbouncer: string
  serverPoolSize: number
  loads: PoolerLoad[]
  replays: SpeedRun[]
}

const SERVER_POOL_SIZE = 4
const LOAD_SHAPE = { workers: 8, poolSize: 5 }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function runLoad(speedCase: SpeedCase, url: string, seconds: number): Promise<PoolerLoad> {
  const child = await startChild(speedCase.variant, { ...LOAD_SHAPE, prepare: speedCase.prepare })
  const stats = emptyPhaseStats()
  try {
    child.send({ type: 'connect', url })
    // Counted from the first connection on: a prepared statement fails while the pooler's server
    // connections do not all have it yet, and that is exactly what this check is for.
    await sleep(seconds * 1000)
    child.send({ type: 'stats' })
    const measured = await child.next((message) => (message.type === 'stats' ? message.stats : undefined), 5_000)
    if (measured) mergeStats(stats, measured)
  } finally {
    await child.stop()
  }
  return { caseId: speedCase.id, seconds, stats }
}

export async function runPgBouncerCheck(input: {
  benchUrl: string
  benchDatabase: string
  capturePath: string
  cases: readonly SpeedCase[]
  controls: readonly SpeedCase[]
  listenPort: number
  rounds: number
  seconds: number
  version: string
  log: (line: string) => void
}): Promise<PoolerResult | { skipped: string }> {
  const target = new URL(input.benchUrl)
  const bouncer = await startPgBouncer({
    listenPort: input.listenPort,
    targetPort: Number(target.port || 5432),
    database: input.benchDatabase,
    serverPoolSize: SERVER_POOL_SIZE,
  })
  if ('missing' in bouncer) return { skipped: bouncer.missing }
  // The fault worker's scratch table, in the bench database (dropped with it).
  const sql = createSql({ url: input.benchUrl, max: 1, prepare: false })
  try {
    await sql.unsafe(
      'create table if not exists driver_fault (id bigserial primary key, worker int not null, token text not null)',
    )
    await sql.unsafe('create index if not exists driver_fault_token on driver_fault (token)')
  } finally {
    await sql.end()
  }
  const url = bouncer.urlFor(input.benchDatabase)
  try {
    const loads: PoolerLoad[] = []
    for (const speedCase of [...input.cases, ...input.controls]) {
      // At least 12 s: a worker stuck since its first transaction is then past HANG_MS.
      const load = await runLoad(speedCase, url, Math.max(input.seconds, 12))
      input.log(
        `  pgbouncer load ${speedCase.id}: ${load.stats.succeeded}/${load.stats.transactions} ok, wrong rows ${load.stats.wrongRows}, errors ${JSON.stringify(load.stats.errorsByCode)}`,
      )
      loads.push(load)
    }
    const common = {
      url,
      capturePath: input.capturePath,
      connections: [16],
      seconds: input.seconds,
      route: 'pgbouncer',
      log: input.log,
    }
    const replays = [
      ...(await runSpeed({ ...common, cases: input.cases, rounds: input.rounds })),
      ...(await runSpeed({ ...common, cases: input.controls, rounds: 1 })),
    ]
    return { pgbouncer: input.version, serverPoolSize: SERVER_POOL_SIZE, loads, replays }
  } finally {
    await bouncer.stop()
  }
}

import { execFile } from 'node:child_process'
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createSql, type Sql } from '../src/db/pool.js'
import type { CapturedRescore, FloorResult } from './floor.js'
import { summarize } from './load.js'
import { watchResources, type BackendLister } from './service.js'
import { inferParameterTypes, type CapturedStatement } from './sql.js'

// The floor once more, with pgbench instead of postgres.js: a C client that costs the two shared
// cores almost nothing, as in the reference numbers. Each captured rescore becomes one
// script file with its values written as typed literals; pgbench picks a script at random per
// transaction, so concurrent clients work on different passports like the service's load does.

const run = promisify(execFile)
// pgbench accepts at most 128 scripts (MAX_SCRIPTS).
const MAX_SCRIPTS = 128
const PGBENCH_CANDIDATES = [
  '/usr/lib/postgresql/17/bin/pgbench',
  '/usr/lib/postgresql/16/bin/pgbench',
  '/usr/lib/postgresql/15/bin/pgbench',
  '/usr/bin/pgbench',
]

export async function findPgbench(): Promise<string | undefined> {
  for (const candidate of PGBENCH_CANDIDATES) {
    try {
      await access(candidate)
      return candidate
    } catch {
      // try the next one
    }
  }
  return undefined
}

// An escape string with every ':' written as \x3a: pgbench takes ":name" as one of its variables
// anywhere in a command, quoted or not, and JSON and DIDs are full of colons.
const quote = (text: string): string =>
  `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "''").replaceAll(':', '\\x3a')}'`

function literal(sql: Sql, statement: CapturedStatement, index: number, type: { oid: number; name: string }): string {
  const value = statement.params[index]
  if (value === null || value === undefined) return `null::${type.name}`
  const oid = statement.types[index] || type.oid
  const serialize = (sql.options.serializers as Record<number, ((value: unknown) => string) | undefined>)[oid]
  return `${quote(serialize ? serialize(value) : String(value))}::${type.name}`
}

async function writeScripts(sql: Sql, sequences: readonly CapturedRescore[], dir: string): Promise<string[]> {
  const types = new Map<string, { oid: number; name: string }[]>()
  const files: string[] = []
  for (const [s, sequence] of sequences.slice(0, MAX_SCRIPTS).entries()) {
    const lines: string[] = []
    for (const statement of sequence.statements) {
      if (!types.has(statement.text) && statement.params.length > 0)
        types.set(statement.text, await inferParameterTypes(sql, statement.text, types.size))
      const inferred = types.get(statement.text) ?? []
      const text = statement.text.replace(/\$(\d+)/g, (_, n: string) =>
        literal(sql, statement, Number(n) - 1, inferred[Number(n) - 1]!),
      )
      lines.push(`${text.trim()};`)
    }
    const file = join(dir, `rescore-${s}.sql`)
    await writeFile(file, `${lines.join('\n')}\n`)
    files.push(file)
  }
  return files
}

async function readLatencies(dir: string): Promise<number[]> {
  const latencies: number[] = []
  for (const name of (await readdir(dir)).filter((entry) => entry.startsWith('tx.'))) {
    // client_id transaction_no time_us script_no time_epoch time_us_fraction
    for (const line of (await readFile(join(dir, name), 'utf8')).split('\n')) {
      const micros = Number(line.split(' ')[2])
      if (line !== '' && Number.isFinite(micros)) latencies.push(micros / 1000)
    }
  }
  return latencies
}

export async function runPgbenchFloor(input: {
  pgbench: string
  url: string
  sequences: readonly CapturedRescore[]
  /** Default 'ours'. */
  sequence?: FloorResult['sequence']
  connections: number
  durationSeconds: number
  listBackends: BackendLister
}): Promise<FloorResult> {
  const dir = await mkdtemp(join(tmpdir(), 'pst-bench-pgbench-'))
  const sql = createSql({ url: input.url, max: 1, prepare: false })
  try {
    const files = await writeScripts(sql, input.sequences, dir)
    const url = new URL(input.url)
    const env = {
      ...process.env,
      PGHOST: url.hostname,
      PGPORT: url.port || '5432',
      PGUSER: decodeURIComponent(url.username || 'postgres'),
      PGPASSWORD: decodeURIComponent(url.password),
      PGDATABASE: url.pathname.slice(1),
    }
    const watch = watchResources(undefined, input.listBackends)
    const startedAt = performance.now()
    const { stdout } = await run(
      input.pgbench,
      [
        '--no-vacuum',
        '--protocol=prepared',
        `--client=${input.connections}`,
        `--jobs=${Math.min(2, input.connections)}`,
        `--time=${input.durationSeconds}`,
        '--log',
        `--log-prefix=${join(dir, 'tx')}`,
        ...files.map((file) => `--file=${file}`),
      ],
      { env, maxBuffer: 16 * 1024 * 1024 },
    )
    const durationSeconds = (performance.now() - startedAt) / 1000
    const resources = await watch.stop()
    const latencies = await readLatencies(dir)
    const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0)
    const tps = Number(
      /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1] ??
        latencies.length / input.durationSeconds,
    )
    return {
      client: 'pgbench',
      sequence: input.sequence ?? 'ours',
      connections: input.connections,
      transactions: latencies.length,
      durationSeconds,
      transactionsPerSecond: tps,
      latencyMs: summarize(latencies),
      errors: failed,
      resources,
    }
  } finally {
    await sql.end({ timeout: 5 })
    await rm(dir, { recursive: true, force: true })
  }
}

import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createSql } from '../../src/db/pool.js'
import { captureWarmSequences } from './capture.js'
import { pgBouncerVersion, startDriversCluster } from './cluster.js'
import { VARIANTS } from './drivers.js'
import { runFaultHarness } from './faults.js'
import { runPgBouncerCheck } from './pgbouncer.js'
import { renderReport, type DriverReport } from './report.js'
import { runSpeed, SPEED_CASES } from './speed.js'

// `npm run bench:drivers` (after `npm --prefix bench/drivers ci`): see bench/drivers/README.md.

const USAGE = `Usage: npm run bench:drivers -- [--quick] [--only faults,speed,pgbouncer]
  --quick            8 severs, 5 crashes, an 8 s freeze, 2 speed rounds of 3 s (~4 min instead of ~9)
  --only LIST        run only these parts
  --cluster-port N   port of the throwaway PostgreSQL 15 cluster (default 5499)
  --pgbouncer-port N (default 6499)
DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) must allow CREATE DATABASE: the
replay's bench database is created there and dropped at the end. The faults never touch it.`

const log = (line: string): void =>
  void process.stderr.write(`[drivers ${new Date().toISOString().slice(11, 19)}] ${line}\n`)

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'cluster-port': { type: 'string', default: '5499' },
    'pgbouncer-port': { type: 'string', default: '6499' },
    help: { type: 'boolean', default: false },
  },
})
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
const parts = new Set((values.only ?? 'faults,speed,pgbouncer').split(',').map((part) => part.trim()))
const quick = values.quick
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const faultPlan = quick
  ? { severs: 8, crashes: 5, freezeSeconds: 8, workers: 8, poolSize: 5 }
  : { severs: 30, crashes: 20, freezeSeconds: 20, workers: 8, poolSize: 5 }
const speed = quick ? { rounds: 2, seconds: 3 } : { rounds: 3, seconds: 4 }

async function serverVersion(): Promise<string> {
  const sql = createSql({ url: adminUrl, max: 1, prepare: false })
  try {
    const [row] = await sql<{ version: string }[]>`select version()`
    return row!.version.split(' on ')[0]!
  } finally {
    await sql.end()
  }
}

const startedAt = new Date()
const report: DriverReport = {
  startedAt: startedAt.toISOString(),
  totalSeconds: 0,
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    loadAverageStart: loadavg(),
    loadAverageEnd: [],
    node: process.version,
    postgres: await serverVersion(),
    git: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(),
  },
  command: `npm run bench:drivers${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
}

const outDir = fileURLToPath(new URL('./results/', import.meta.url))
const stamp = startedAt.toISOString().slice(0, 19).replace(/[:T]/g, '-')

/** Writes what has been measured so far: a part that fails later does not take the others along. */
async function save(): Promise<string> {
  report.totalSeconds = (Date.now() - startedAt.getTime()) / 1000
  report.machine.loadAverageEnd = loadavg()
  const markdown = renderReport(report)
  await mkdir(outDir, { recursive: true })
  await writeFile(join(outDir, `${stamp}.json`), JSON.stringify(report, null, 2))
  await writeFile(join(outDir, `${stamp}.md`), markdown)
  return markdown
}

if (parts.has('faults')) {
  log(`throwaway PostgreSQL 15 cluster on 127.0.0.1:${values['cluster-port']}`)
  const cluster = await startDriversCluster(Number(values['cluster-port']))
  try {
    report.faultPlan = faultPlan
    report.faults = await runFaultHarness(cluster, faultPlan, VARIANTS, log)
  } finally {
    await cluster.remove()
  }
  await save()
}

if (parts.has('speed') || parts.has('pgbouncer')) {
  const capture = await captureWarmSequences(adminUrl, log)
  const dir = await mkdtemp(join(tmpdir(), 'pst-drivers-capture-'))
  try {
    const capturePath = join(dir, 'capture.json')
    await writeFile(capturePath, JSON.stringify(capture.sequences))
    report.capturedStatements = capture.labels
    if (parts.has('speed')) {
      log(`speed: ${speed.rounds} interleaved rounds of ${speed.seconds} s per client and connection count`)
      report.speed = await runSpeed({
        url: capture.database.url,
        capturePath,
        cases: SPEED_CASES,
        connections: [1, 16],
        ...speed,
        log,
      })
      await save()
    }
    if (parts.has('pgbouncer')) {
      log('pgbouncer: transaction mode')
      const unprepared = SPEED_CASES.filter((speedCase) => !speedCase.prepare)
      const prepared = SPEED_CASES.filter((speedCase) => speedCase.prepare)
      report.pooler = await runPgBouncerCheck({
        benchUrl: capture.database.url,
        benchDatabase: capture.database.name,
        capturePath,
        cases: unprepared,
        controls: prepared,
        listenPort: Number(values['pgbouncer-port']),
        rounds: speed.rounds,
        seconds: speed.seconds,
        version: (await pgBouncerVersion()) ?? 'pgbouncer',
        log,
      })
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
    await capture.database.drop()
  }
}

process.stdout.write(await save())
log(`written: bench/drivers/results/${stamp}.{json,md}`)

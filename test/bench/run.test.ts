import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { createSql } from '../../src/db/pool.js'
import { DEFAULT_DATABASE_URL } from '../../bench/options.js'
import type { BenchReport } from '../../bench/report.js'

// The CI smoke test of issue 7: `npm run bench -- --quick` end to end, checking the report's
// SHAPE, never its numbers (CI times nothing). The bench always needs real PostgreSQL: it creates
// and drops a database of its own on DATABASE_URL. On the embedded run (DATABASE_URL unset) it
// falls back, as `npm run bench` does, to its default URL, so the test runs in both runs.

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const databaseUrl = process.env.DATABASE_URL?.trim() || undefined
// --quick is ~1 minute on an idle 2-core machine; CI runs other test files beside it.
const BENCH_TIMEOUT_MS = 300_000

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.once('error', reject)
    child.once('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

const latencyShape = {
  p50: expect.any(Number),
  p95: expect.any(Number),
  p99: expect.any(Number),
  max: expect.any(Number),
  mean: expect.any(Number),
}

describe('npm run bench -- --quick', () => {
  let outDir: string | undefined

  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true })
  })

  it(
    'issue 7: writes a JSON and a Markdown report of the expected shape, prints the table and drops its database',
    async () => {
      outDir = await mkdtemp(join(tmpdir(), 'pst-bench-test-'))
      const { code, stdout, stderr } = await runBench(['--quick', '--duration', '1', '--out', outDir])
      expect(code, stderr.slice(-3000)).toBe(0)
      expect(stdout).toMatch(/scenario\s+conn\s+req\/s\s+p50 ms\s+p95 ms\s+p99 ms\s+max ms\s+errors/)

      const files = await readdir(outDir)
      const jsonFile = files.find((name) => name.endsWith('.json'))
      const markdownFile = files.find((name) => name.endsWith('.md'))
      expect(jsonFile).toBeDefined()
      expect(markdownFile).toBeDefined()
      const report = JSON.parse(await readFile(join(outDir, jsonFile!), 'utf8')) as BenchReport

      expect(report).toMatchObject({
        version: 1,
        quick: true,
        machine: { cpus: expect.any(Number) },
        population: { passports: expect.any(Number) },
        // The embedded run has no DATABASE_URL: the bench must have taken its default, not failed.
        database: { defaultUrlUsed: databaseUrl === undefined },
      })
      expect(report.scenarios.map((record) => record.id)).toEqual([
        'cold-first-score',
        'warm-rescore-1',
        'warm-rescore',
        'v2-pbkdf2-first-use',
        'v2-sha256-after-migration',
        'embed-add-rescore',
        'ceramic-cache-add',
        'internal-weights',
        'internal-check-bans',
        'contended-lifo',
      ])
      for (const record of report.scenarios) {
        expect(['ok', 'skipped']).toContain(record.status)
        if (record.status === 'skipped') {
          expect(record.skipReason).toMatch(/404/)
          continue
        }
        expect(record.result).toMatchObject({
          requests: expect.any(Number),
          requestsPerSecond: expect.any(Number),
          errors: expect.any(Number),
          latencyMs: latencyShape,
          resources: {
            serviceCpuPercent: expect.any(Number),
            postgresCpuPercent: expect.any(Number),
            rssPeakMb: expect.any(Number),
          },
        })
      }
      // Issue 16: the first scores are counted alone (never past the pool of 60 fresh passports of
      // --quick), with their cost per stamp.
      const cold = report.scenarios.find((record) => record.id === 'cold-first-score')!
      expect(cold.result!.requests).toBeLessThanOrEqual(60)
      expect(cold.notes.join('\n')).toMatch(
        /per stamp \(\d+\.\d stamps per passport on average\): service CPU \d+\.\d\d ms, p50 latency \d+\.\d\d ms/,
      )
      // The scoring scenarios exist on every tree this test runs on.
      expect(
        report.scenarios
          .filter((record) => record.id.startsWith('warm-rescore'))
          .every((record) => record.status === 'ok'),
      ).toBe(true)

      // postgres.js always; pgbench too where the PostgreSQL client tools are installed.
      const replays = report.floor.results.map((result) => `${result.client}@${result.connections}`)
      expect(replays).toEqual(expect.arrayContaining(['postgres.js@1', 'postgres.js@16']))
      for (const replay of replays)
        expect(['postgres.js@1', 'postgres.js@16', 'pgbench@1', 'pgbench@16']).toContain(replay)
      for (const result of report.floor.results)
        expect(result).toMatchObject({
          transactionsPerSecond: expect.any(Number),
          latencyMs: latencyShape,
          errors: 0,
          resources: { postgresCpuMs: expect.any(Number) },
        })
      // Issue 16: with pgbench, Python's statement sequence is replayed beside ours at both counts.
      if (replays.includes('pgbench@1'))
        expect(
          report.floor.results
            .filter((result) => result.sequence === 'python')
            .map((result) => `${result.client}@${result.connections}`),
        ).toEqual(['pgbench@1', 'pgbench@16'])
      expect(stdout).toMatch(/svc ms\/req\s+pg ms\/tx/)
      // The statements themselves belong to the scoring code and change with it; the driver's own
      // type lookup on a new connection must not be among them.
      const labels = report.floor.statements.map((statement) => statement.label)
      expect(labels.length).toBeGreaterThan(2)
      expect(labels).not.toContain('select · pg_catalog')

      expect(report.coldStart.map((record) => record.id)).toEqual(
        expect.arrayContaining(['real-postgres', 'embedded-first-boot', 'embedded-restart']),
      )
      expect(report.scale.map((point) => point.passports).length).toBe(2)
      for (const point of report.scale) {
        expect(point.explain.length).toBeGreaterThan(5)
        expect(point.explain[0]).toMatchObject({
          label: expect.any(String),
          executionMs: expect.any(Number),
          nodes: expect.any(Array),
        })
      }
      // Issue 7's six, and issue 16's three per warm scenario when Python's sequence was replayed
      // (pgbench installed): PostgreSQL CPU, p50 or throughput against it, service CPU.
      const againstPython = report.targets.filter((target) =>
        /Python's sequence|service CPU per warm rescore/.test(target.name),
      )
      expect(report.targets.length - againstPython.length).toBe(6)
      const pythonReplays = report.floor.results.filter((result) => result.sequence === 'python').length
      expect(againstPython).toHaveLength(pythonReplays === 2 ? 6 : 0)
      for (const target of report.targets)
        expect(target).toMatchObject({
          name: expect.any(String),
          target: expect.any(String),
          measured: expect.any(String),
        })
      // Where the kernel keeps scheduler stats, each scenario says how long the service waited for
      // a CPU, and the latency targets repeat it per request.
      const schedulerStats = await readFile(`/proc/${process.pid}/task/${process.pid}/schedstat`, 'utf8').then(
        () => true,
        () => false,
      )
      const warm = report.scenarios.find((record) => record.id === 'warm-rescore')!.result!
      if (schedulerStats) {
        expect(warm.resources.serviceCpuWaitMs).toBeGreaterThanOrEqual(0)
        const p99 = report.targets.find((target) => target.name.startsWith('warm rescore p99'))!
        expect(p99.measured).toMatch(
          /^\d+\.\d\d ms \(the service's main thread waited for a CPU \d+\.\d\d ms per request, \d+ % of the window\)$/,
        )
      } else {
        expect(warm.resources.serviceCpuWaitMs).toBeNull()
      }

      const markdown = await readFile(join(outDir, markdownFile!), 'utf8')
      for (const heading of [
        '## Scenarios',
        '## Targets (issue 7)',
        '## The floor',
        '## Cold start',
        '## Scale check',
        '## How the data was made',
      ])
        expect(markdown).toContain(heading)

      const admin = createSql({ url: databaseUrl ?? DEFAULT_DATABASE_URL, max: 1, prepare: false })
      try {
        const rows = await admin`select 1 from pg_database where datname = ${report.database.name}`
        expect(rows).toHaveLength(0)
      } finally {
        await admin.end()
      }
    },
    BENCH_TIMEOUT_MS,
  )
})

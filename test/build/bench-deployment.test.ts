import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatDeploymentTable, parseDeploymentOptions, runAgainstDeployment } from '../../bench/deployment.js'
import { seedDemoData, type DemoSeed } from '../../src/dev/demo-seed.js'
import { createApiKey } from '../../src/domain/api-keys.js'
import { buildTestApp, scoringTestConfig } from '../helpers/app.js'
import { useTestDatabase } from '../helpers/database.js'
import { readScoringRows } from '../helpers/factories/scoring-rows.js'

// `npm run bench -- --target URL` (bench/deployment.ts) against a service listening on a real
// port: read-only scenarios by default, the scoring ones only with --allow-writes.

const database = useTestDatabase()
let app: FastifyInstance
let seed: DemoSeed
let apiKey: string
let base: string
let outDir: string
beforeAll(async () => {
  seed = await seedDemoData(database.sql)
  // A key already on the sha256 path, as a deployment's keys are after their first use: the demo
  // key's first check is a 600,000-iteration PBKDF2, longer than a 1 s scenario on a busy machine.
  apiKey = (await createApiKey(database.sql, { accountId: seed.accountId, name: 'bench', withSha256: true })).key
  app = await buildTestApp(database.sql, await scoringTestConfig({ CERAMIC_CACHE_SCORER_ID: String(seed.communityId) }))
  base = await app.listen({ host: '127.0.0.1', port: 0 })
  outDir = await mkdtemp(join(tmpdir(), 'pst-bench-deployment-'))
})
afterAll(async () => {
  await app?.close()
  if (outDir) await rm(outDir, { recursive: true, force: true })
})

const argsFor = (extra: string[]): string[] => [
  '--target',
  base,
  '--api-key',
  apiKey,
  '--scorer',
  String(seed.communityId),
  '--address',
  seed.address,
  '--duration',
  '1',
  '--concurrency',
  '2',
  '--service-pid',
  String(process.pid),
  '--out',
  outDir,
  ...extra,
]

describe('npm run bench -- --target URL', () => {
  it('without --target the self-contained bench goes on', () => {
    expect(parseDeploymentOptions(['--quick'])).toBeUndefined()
    expect(parseDeploymentOptions(['--quick', '--scenarios', 'warm-rescore-1,warm-rescore'])).toBeUndefined()
  })

  it('loads the read-only scenarios only, writes no score, and prints the bench table', async () => {
    const options = parseDeploymentOptions(argsFor([]))!
    const report = await runAgainstDeployment(options, () => undefined)
    const ran = report.scenarios.filter((record) => record.status === 'ok')
    expect(ran.map((record) => record.id)).toEqual([
      'health',
      'ceramic-cache-weights',
      'embed-weights',
      'validate-api-key',
    ])
    for (const record of ran) {
      expect(record.result!.requests, record.id).toBeGreaterThan(0)
      expect(record.result!.errors, record.id).toBe(0)
      expect(record.result!.statuses, record.id).toEqual({ 200: record.result!.requests })
    }
    const skipped = report.scenarios.filter((record) => record.status === 'skipped')
    expect(skipped.map((record) => record.id)).toEqual(['stamp-list', 'v2-score', 'embed-score'])
    for (const record of skipped) expect(record.skipReason).toBe('writes rows: only with --allow-writes')
    expect((await readScoringRows(database.sql, seed.address, seed.communityId)).score).toBeUndefined()
    const table = formatDeploymentTable(report)
    expect(table).toMatch(/scenario\s+conn\s+req\/s\s+p50 ms\s+p95 ms\s+p99 ms\s+max ms\s+errors/)
    expect(table).toContain('v2-score: skipped, writes rows: only with --allow-writes')
    expect((await readdir(outDir)).some((name) => name.endsWith('-deployment.json'))).toBe(true)
  }, 60_000)

  it('with --allow-writes also scores through the v2 and embed endpoints', async () => {
    const report = await runAgainstDeployment(parseDeploymentOptions(argsFor(['--allow-writes']))!, () => undefined)
    const v2 = report.scenarios.find((record) => record.id === 'v2-score')!
    expect(v2.status).toBe('ok')
    expect(v2.result!.requests).toBeGreaterThan(0)
    expect(v2.result!.errors + v2.result!.badBodies).toBe(0)
    for (const id of ['embed-score', 'stamp-list'])
      expect(report.scenarios.find((record) => record.id === id)!.result!.errors, id).toBe(0)
    const rows = await readScoringRows(database.sql, seed.address, seed.communityId)
    expect(rows.score?.status).toBe('DONE')
    expect(rows.events.filter((event) => event.action === 'SCU').length).toBeGreaterThan(0)
  }, 60_000)
})

import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { serialiseState, loadRules } from '../../../src/cli/compare/data-files.js'
import { setupFixtures, type FixtureState } from '../../../src/cli/compare/fixtures.js'
import type { CompareReport } from '../../../src/cli/compare/report.js'
import { runComparison } from '../../../src/cli/compare/run.js'
import { loadScenario } from '../../../src/cli/compare/scenario.js'
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js'
import { startService } from './compare-helpers.js'

// A candidate that differs from the baseline in three known ways — one weight, the date format of
// last_score_timestamp, a route that answers 404 — and the comparison must report exactly those.
let databases: TestDatabase[] = []
let services: { app: FastifyInstance; url: string }[] = []
let state: FixtureState
let report: CompareReport
let workDir: string
const SCENARIO = 'test/cli/compare/scenarios/changes.yaml'

function breakCandidate(app: FastifyInstance): void {
  // Python's `+00:00` written as `Z`: the same instant, another format.
  app.addHook('onSend', async (_request, _reply, payload) =>
    typeof payload === 'string' ? payload.replace(/("last_score_timestamp":"[^"]+)\+00:00"/g, '$1Z"') : payload,
  )
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/internal/cgrants/')) await reply.code(404).send({ detail: 'Not Found' })
  })
}

beforeAll(async () => {
  databases = [await createTestDatabase(), await createTestDatabase()]
  const scenario = await loadScenario(SCENARIO)
  state = await setupFixtures(scenario, [
    { name: 'baseline', db: databases[0]!.sql },
    { name: 'candidate', db: databases[1]!.sql },
  ])
  // The candidate's scorer weighs Google 1.525 instead of 0.525.
  await databases[1]!.sql`
    update scorer_weighted_binaryweightedscorer set weights = jsonb_set(weights, '{Google}', '1.525')`
  services = [
    await startService(databases[0]!.sql, state),
    await startService(databases[1]!.sql, state, breakCandidate),
  ]
  report = await runComparison({
    scenario,
    state,
    rules: await loadRules('compare/normalisation.yaml'),
    known: [
      {
        id: 'accepted-date-format',
        reason: 'this test accepts the Z spelling in bodies',
        match: { where: 'body', path: '$.last_score_timestamp' },
      },
    ],
    baseline: { url: services[0]!.url, db: databases[0]!.sql },
    candidate: { url: services[1]!.url, db: databases[1]!.sql },
  })
  workDir = await mkdtemp(join(tmpdir(), 'compare-test-'))
}, 120_000)

afterAll(async () => {
  for (const service of services) await service.app.close()
  for (const database of databases) await database.close()
  if (workDir) await rm(workDir, { recursive: true, force: true })
})

const describeDifferences = (step: CompareReport['steps'][number]) =>
  step.differences.map(
    (d) =>
      `${d.where}${d.op ? ` ${d.op}` : ''} ${d.kind} ${d.path}: ${d.baseline ?? ''} → ${d.candidate ?? ''}${d.known ? ` [${d.known.id}]` : ''}`,
  )

describe('npm run compare against a changed candidate', () => {
  it('reports the changed weight in the body and in every row the score wrote, and the date format as known', () => {
    const [score] = report.steps
    expect(describeDifferences(score!)).toEqual([
      // A binary scorer's score is 0 or 1: the raw score carries the weight (scoring §4.3).
      'body value $.score: "1.52500" → "2.52500"',
      'body value $.last_score_timestamp: "YYYY-MM-DDTHH:MM:SS.ffffff+00:00" → "YYYY-MM-DDTHH:MM:SS.ffffffZ" [accepted-date-format]',
      'body value $.stamps.Google.score: "0.52500" → "1.52500"',
      'rows insert value registry_event[+1].data.fields.stamps.Google.score: "0.52500" → "1.52500"',
      'rows insert value registry_event[+1].data.fields.evidence.rawScore: "1.525000000000000022204460493" → "2.524999999999999911182158030"',
      'rows insert value registry_event[+1].data.fields.stamp_scores.Google: 0.525 → 1.525',
      'rows insert value registry_score[+1].stamps.Google.score: "0.52500" → "1.52500"',
      'rows insert value registry_score[+1].evidence.rawScore: "1.525000000000000022204460493" → "2.524999999999999911182158030"',
      'rows insert value registry_score[+1].stamp_scores.Google: 0.525 → 1.525',
    ])
  })

  it('finds the unchanged step identical', () => {
    expect(report.steps[1]!.differences).toEqual([])
  })

  it('reports the missing route by status and body', () => {
    expect(describeDifferences(report.steps[2]!)).toEqual([
      'status status status: 200 → 404',
      'body missing $.num_grants_contribute_to: 0.0 → ',
      'body missing $.total_contribution_amount: 0.0 → ',
      'body extra $.detail:  → "Not Found"',
    ])
  })

  it('counts unexpected and known differences in the summary', () => {
    expect(report.summary).toMatchObject({
      steps: 3,
      identical: 1,
      knownOnly: 0,
      unexpected: 2,
      differences: { unexpected: 12, known: 1 },
      byKind: { 'body:value': 2, 'rows:value': 6, 'status:status': 1, 'body:missing': 2, 'body:extra': 1 },
      byKnown: { 'accepted-date-format': 1 },
    })
  })

  it('the CLI exits 1 on an unexpected difference and writes the JSON report', async () => {
    const statePath = join(workDir, 'state.json')
    const reportPath = join(workDir, 'report.json')
    await writeFile(statePath, serialiseState(state))
    const cli = promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/compare.ts',
        '--baseline',
        services[0]!.url,
        '--candidate',
        services[1]!.url,
        '--scenario',
        SCENARIO,
        '--state',
        statePath,
        '--report',
        reportPath,
      ],
      { timeout: 60_000 },
    )
    const failure = await cli.then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    )
    expect(failure.stderr).toBe('')
    expect(failure.code).toBe(1)
    expect(failure.stdout).toContain('✗ 3. cgrants statistics')
    expect(failure.stdout).toContain('unexpected 2')
    const written = JSON.parse(await readFile(reportPath, 'utf8')) as CompareReport
    expect(written.rowsCompared).toBe(false)
    expect(
      written.steps.map((step) => [step.candidate.status, step.differences.filter((d) => !d.known).length > 0]),
    ).toEqual([
      [200, true],
      [200, false],
      [404, true],
    ])
  }, 60_000)
})

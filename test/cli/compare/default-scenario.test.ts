import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { loadKnownDifferences, loadRules } from '../../../src/cli/compare/data-files.js'
import { setupFixtures, type FixtureState } from '../../../src/cli/compare/fixtures.js'
import type { CompareReport } from '../../../src/cli/compare/report.js'
import { SERVICE_ROUTES } from '../../../src/cli/compare/routes.js'
import { runComparison } from '../../../src/cli/compare/run.js'
import { loadScenario } from '../../../src/cli/compare/scenario.js'
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js'
import { startService } from './compare-helpers.js'

// Two instances of this service, each on its own database set up by `compare --setup`: the
// default scenario must find no difference at all, bodies and rows, and reach every route.
let databases: TestDatabase[] = []
let services: { app: FastifyInstance; url: string; routes: string[] }[] = []
let state: FixtureState
let report: CompareReport

beforeAll(async () => {
  databases = [await createTestDatabase(), await createTestDatabase()]
  const scenario = await loadScenario('compare/scenarios/default.yaml')
  state = await setupFixtures(scenario, [
    { name: 'baseline', db: databases[0]!.sql },
    { name: 'candidate', db: databases[1]!.sql },
  ])
  services = [await startService(databases[0]!.sql, state), await startService(databases[1]!.sql, state)]
  report = await runComparison({
    scenario,
    state,
    rules: await loadRules('compare/normalisation.yaml'),
    known: await loadKnownDifferences('compare/known-differences.yaml'),
    baseline: { url: services[0]!.url, db: databases[0]!.sql },
    candidate: { url: services[1]!.url, db: databases[1]!.sql },
  })
}, 120_000)

afterAll(async () => {
  for (const service of services) await service.app.close()
  for (const database of databases) await database.close()
})

describe('npm run compare, default scenario, two instances of this service', () => {
  it('finds no difference in any status, body or row', () => {
    const differing = report.steps.filter((step) => step.differences.length > 0)
    expect(differing.map((step) => ({ step: step.name, differences: step.differences }))).toEqual([])
    expect(report.rowsCompared).toBe(true)
    expect(report.summary).toMatchObject({
      steps: report.steps.length,
      identical: report.steps.length,
      unexpected: 0,
      differences: { unexpected: 0, known: 0 },
    })
  })

  it('reaches every route the app registers (SERVICE_ROUTES is that list), each route but health and weights with an error status too', () => {
    // The OpenAPI pages are documents, not part of the scored contract; `OPTIONS *` is the CORS
    // preflight answer (endpoints §1.10).
    const apiRoutes = services[0]!.routes.filter(
      (route) => !/^GET \/(v2\/)?docs|^GET \/v2\/openapi\.json$|^OPTIONS \*$/.test(route),
    )
    expect(apiRoutes.sort()).toEqual([...SERVICE_ROUTES].sort())
    expect(Object.keys(report.summary.routes).sort()).toEqual([...SERVICE_ROUTES].sort())
    // A scripted scenario cannot sign a SIWE message or a terms proof for a nonce it learns at run
    // time, and no metadata file or model service runs beside it: those routes are compared on their
    // error paths only. A nonce has no error path.
    const errorPathsOnly = new Set([
      'POST /ceramic-cache/authenticate/v2',
      'POST /ceramic-cache/authenticate',
      'POST /ceramic-cache/tos/signed-message/:tos_type/:address',
      'GET /v2/stamps/metadata',
      'GET /v2/models/score/:address',
    ])
    for (const [route, statuses] of Object.entries(report.summary.routes)) {
      expect(errorPathsOnly.has(route) || statuses.some((status) => status >= 200 && status < 300), route).toBe(true)
      if (!/health|weights$|^GET \/account\/nonce$/.test(route))
        expect(
          statuses.some((status) => status >= 400),
          route,
        ).toBe(true)
    }
  })

  it('wrote what the scenario promises: LIFO dedup, a PBKDF2 key migrated, human points on main only', async () => {
    const [baseline] = databases
    const sql = baseline!.sql
    const dedup = report.steps.find((step) => step.name === "LIFO dave's Google is deduplicated on main")!
    expect(dedup.baseline.status).toBe(200)
    const [ldp] = await sql<{ count: number }[]>`select count(*)::int as count from registry_event where action = 'LDP'`
    expect(ldp!.count).toBe(2)
    const [legacy] = await sql<{ sha: string | null }[]>`
      select hashed_key_sha256 as sha from account_accountapikey where name = 'legacy'`
    expect(legacy!.sha).toMatch(/^sha256\$[0-9a-f]{64}$/)
    const points = await sql<{ address: string }[]>`select distinct address from registry_humanpoints order by address`
    expect(points.map((row) => row.address)).toContain(String(state.vars['address.alice']))
    const qualified = await sql<{ community_id: number }[]>`
      select community_id from registry_humanpointscommunityqualifiedusers`
    expect(new Set(qualified.map((row) => row.community_id))).toEqual(
      new Set([Number(String(state.vars['scorer.main']))]),
    )
  })
})

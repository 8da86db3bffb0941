import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { randomAddress } from '../helpers/factories/accounts.js'
import { addCacheStamps, signStamps } from '../helpers/factories/scoring.js'
import { pyIsoDaysFromNow } from '../helpers/factories/py-expect.js'
import { setScorerWeightsJson, uniqueNullifier } from '../helpers/factories/scoring-rows.js'
import { buildTestApp, scoringTestConfig } from '../helpers/app.js'
import { useV2ScoreApp } from '../helpers/v2-score.js'

// Item 6 of issue 12 (docs/observability.md): GET /metrics with METRICS_ENABLED, scraped after
// requests whose effects are known: three scored runs, two ERROR runs, one deduplicated stamp, four
// LIFO retries, five DIDKit checks, the caches' hits, a 404 and a 401.

const ctx = useV2ScoreApp({ METRICS_ENABLED: 'true' })
const sql = () => ctx.database.sql

let appWithoutMetrics: FastifyInstance
beforeAll(async () => {
  appWithoutMetrics = await buildTestApp(ctx.database.sql, await scoringTestConfig())
})
afterAll(async () => {
  await appWithoutMetrics?.close()
})

/** `name{labels}` → value, for every sample of a scrape. */
async function scrape(app: FastifyInstance = ctx.app): Promise<Map<string, number>> {
  const response = await app.inject({ method: 'GET', url: '/metrics' })
  expect(response.statusCode).toBe(200)
  expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
  const samples = new Map<string, number>()
  for (const line of response.body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    samples.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return samples
}

const V2_ROUTE = 'route="/v2/stamps/:scorer_id/score/:address"'

describe('GET /metrics (METRICS_ENABLED)', () => {
  it('counts requests by route pattern and status, scoring outcomes, dedup, LIFO retries and signature checks', async () => {
    const scorer = await ctx.createScorer()
    await setScorerWeightsJson(sql(), scorer.scorerId, '{"Linkedin": 2.2, "Github": 1.1, "P1": 1, "P2": 1}')
    const expirationDate = pyIsoDaysFromNow(90)
    const linkedin = uniqueNullifier('v0:linkedin')
    const [owner, latecomer, clashing] = [randomAddress(), randomAddress(), randomAddress()]
    const github = { provider: 'Github', nullifiers: [uniqueNullifier('v0:github')], expirationDate }
    const ownerStamps = [{ provider: 'Linkedin', nullifiers: [linkedin], expirationDate }, github]
    await addCacheStamps(sql(), owner, await signStamps(owner, ownerStamps))
    const latecomerStamps = [{ provider: 'Linkedin', nullifiers: [linkedin], expirationDate }]
    await addCacheStamps(sql(), latecomer, await signStamps(latecomer, latecomerStamps))
    // Two stamps sharing one new nullifier: every LIFO attempt violates the unique key (scoring §13.26).
    const both = uniqueNullifier('v0:both')
    const clashingStamps = ['P1', 'P2'].map((provider) => ({ provider, nullifiers: [both], expirationDate }))
    await addCacheStamps(sql(), clashing, await signStamps(clashing, clashingStamps))
    const otherRule = await ctx.createScorer({ rule: 'FIFO' })

    expect((await ctx.scoreV2(scorer, owner)).body.error).toBeNull() // 2 DIDKit checks
    const dedup = await ctx.scoreV2(scorer, latecomer) // 1 DIDKit check, its stamp deduplicated
    expect(dedup.body).toMatchObject({ error: null, stamps: { Linkedin: { dedup: true } } })
    expect((await ctx.scoreV2(scorer, owner)).body.error).toBeNull() // 2 stored-stamp cache hits
    expect((await ctx.scoreV2(scorer, clashing)).body.error).toBe('Failed to save HashScorerLinks') // 2 checks
    expect((await ctx.scoreV2(otherRule, owner)).body.error).toBe('Invalid rule') // 2 stored-stamp hits
    ctx.app.storedStampCache.clear()
    expect((await ctx.scoreV2(scorer, owner)).body.error).toBeNull() // 2 signature cache hits
    expect((await ctx.app.inject({ method: 'GET', url: '/no/such/page' })).statusCode).toBe(404)
    const badKey = await ctx.app.inject({
      method: 'GET',
      url: `/v2/stamps/${scorer.communityId}/score/${owner}`,
      headers: { 'x-api-key': 'not-a-key' },
    })
    expect(badKey.statusCode).toBe(401)

    const samples = await scrape()
    expect(samples.get(`http_request_duration_seconds_count{method="GET",${V2_ROUTE},status_code="200"}`)).toBe(6)
    expect(samples.get(`http_request_duration_seconds_count{method="GET",${V2_ROUTE},status_code="401"}`)).toBe(1)
    expect(samples.get('http_request_duration_seconds_count{method="GET",route="(unmatched)",status_code="404"}')).toBe(
      1,
    )
    // Every observation falls in the last bucket; the raw URL never becomes a label.
    expect(
      samples.get(`http_request_duration_seconds_bucket{le="+Inf",method="GET",${V2_ROUTE},status_code="200"}`),
    ).toBe(6)
    expect(
      samples.get(`http_request_duration_seconds_sum{method="GET",${V2_ROUTE},status_code="200"}`),
    ).toBeGreaterThan(0)
    expect([...samples.keys()].some((key) => key.includes(owner) || key.includes('/no/such/page'))).toBe(false)

    expect(samples.get('scorer_scoring_runs_total{outcome="scored",reason=""}')).toBe(4)
    expect(samples.get('scorer_scoring_runs_total{outcome="error",reason="Failed to save HashScorerLinks"}')).toBe(1)
    expect(samples.get('scorer_scoring_runs_total{outcome="error",reason="Invalid rule"}')).toBe(1)
    expect(samples.get('scorer_stamps_deduplicated_total')).toBe(1)
    expect(samples.get('scorer_lifo_retries_total')).toBe(4)
    expect(samples.get('scorer_didkit_verifications_total')).toBe(5)
    expect(samples.get('scorer_signature_cache_hits_total')).toBe(2)
    expect(samples.get('scorer_stored_stamp_cache_hits_total')).toBe(4)
    expect(samples.get('scorer_stored_stamp_cache_misses_total')).toBe(7)
    expect(samples.get('scorer_signature_check_cache_hit_ratio')).toBeCloseTo(6 / 11, 10)
    expect(samples.get('process_resident_memory_bytes')).toBeGreaterThan(10_000_000)

    // The app without METRICS_ENABLED has no /metrics, and counts nothing of the other's traffic.
    const absent = await appWithoutMetrics.inject({ method: 'GET', url: '/metrics' })
    expect(absent.statusCode).toBe(404)
    expect(absent.json()).toEqual({ detail: 'Not Found' })
  })

  it('shows the pool: free connections, one held by a transaction, queries waiting for a connection', async () => {
    const pool = (samples: Map<string, number>) => ({
      max: samples.get('scorer_db_pool_max_connections'),
      free:
        samples.get('scorer_db_pool_connections{state="idle"}')! +
        samples.get('scorer_db_pool_connections{state="unopened"}')!,
      busy: samples.get('scorer_db_pool_connections{state="busy"}'),
      reserved: samples.get('scorer_db_pool_connections{state="reserved"}'),
      connecting: samples.get('scorer_db_pool_connections{state="connecting"}'),
      waiting: samples.get('scorer_db_pool_waiting'),
    })
    // 5 on PostgreSQL, 1 on the embedded database.
    const max = sql().options.max
    expect(pool(await scrape())).toEqual({ max, free: max, busy: 0, reserved: 0, connecting: 0, waiting: 0 })

    // Every connection held by a transaction, and one more statement queued behind them.
    let release = () => {}
    const released = new Promise<void>((resolve) => (release = resolve))
    const opened: Promise<void>[] = []
    const holders = Array.from({ length: max }, () => {
      let markOpened = () => {}
      opened.push(new Promise<void>((resolve) => (markOpened = resolve)))
      return sql().begin(async () => {
        markOpened()
        await released
      })
    })
    await Promise.all(opened)
    const queued = sql()`select 1 as one`.execute()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(pool(await scrape())).toEqual({ max, free: 0, busy: 0, reserved: max, connecting: 0, waiting: 1 })
    release()
    await Promise.all(holders)
    expect(await queued).toEqual([{ one: 1 }])
    expect(pool(await scrape())).toMatchObject({ free: max, reserved: 0, waiting: 0 })
  })
})

import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { PoolUsage } from '../db/pool.js'
import type { SignatureVerifier } from './credential-verifier.js'

// The Prometheus metrics of one app (docs/observability.md). Each app has its own registry, so
// two apps in one process (tests) count apart. Built only when METRICS_ENABLED is on: prom-client
// is imported lazily by src/api/telemetry.ts.

function countsOf(verifier: SignatureVerifier): SignatureCacheCounts | undefined {
  const counts = verifier as Partial<SignatureCacheCounts>
  return typeof counts.hits === 'number' && typeof counts.misses === 'number'
    ? { hits: counts.hits, misses: counts.misses }
    : undefined
}

/** What scoring reports while it runs; absent when metrics are off. */
export interface ScoringMetrics {
  /** A run that stored a score, or one that stored the ERROR state with this error text. */
  scoringRun(outcome: 'scored' | 'error', errorText?: string): void
  stampsDeduplicated(count: number): void
  /** A LIFO attempt after the first (scoring §3.3). */
  lifoRetry(): void
}

export interface ServiceMetrics extends ScoringMetrics {
  observeRequest(labels: { method: string; route: string; statusCode: number }, seconds: number): void
  /** The text a scrape returns, and its content type. */
  render(): Promise<string>
  readonly contentType: string
}

interface SignatureCacheCounts {
  readonly hits: number
  readonly misses: number
}

export interface MetricSources {
  /** Usage of the app's pool, read at each scrape. */
  poolUsage: () => PoolUsage | undefined
  /** The app's verifier: the signature cache counts its hits and misses (a verifier a test injects may not). */
  signatureVerifier: SignatureVerifier
}

// The errors Python stores as a run's `error` text that name a known cause; anything else is
// counted as "other" so an exception message never becomes a label value.
const KNOWN_RUN_ERRORS = new Set([
  'Invalid rule',
  'Failed to save HashScorerLinks',
  'Unexpected number of HashScorerLinks',
])

function scoringErrorReason(errorText: string): string {
  return KNOWN_RUN_ERRORS.has(errorText) ? errorText : 'other'
}

// A warm score takes a few milliseconds, a first score of a full passport a few hundred.
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

const POOL_STATES = ['idle', 'busy', 'reserved', 'connecting', 'unopened'] as const

export function createServiceMetrics(sources: MetricSources): ServiceMetrics {
  const signatureCache = () => countsOf(sources.signatureVerifier)
  const registry = new Registry()
  const registers = [registry]

  const requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by route pattern, method and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  })
  const scoringRuns = new Counter({
    name: 'scorer_scoring_runs_total',
    help: 'Scoring runs by outcome: scored, or error (the ERROR state stored) with its reason',
    labelNames: ['outcome', 'reason'] as const,
    registers,
  })
  const deduplicated = new Counter({
    name: 'scorer_stamps_deduplicated_total',
    help: 'Stamps left out of a score because another address holds their nullifier (LIFO)',
    registers,
  })
  const lifoRetries = new Counter({
    name: 'scorer_lifo_retries_total',
    help: 'LIFO deduplication attempts after the first (a concurrent request claimed a hash first)',
    registers,
  })
  countedAtScrape(
    'scorer_didkit_verifications_total',
    'DIDKit signature verifications run (signature cache misses)',
    () => signatureCache()?.misses,
  )
  countedAtScrape(
    'scorer_signature_cache_hits_total',
    'Signature checks answered by the cache of DIDKit results',
    () => signatureCache()?.hits,
  )
  new Gauge({
    name: 'scorer_signature_cache_hit_ratio',
    help: 'Share of signature checks answered by the cache since the start (hits / (hits + misses))',
    registers,
    collect() {
      const counts = signatureCache()
      const total = counts ? counts.hits + counts.misses : 0
      this.set(counts && total > 0 ? counts.hits / total : 0)
    },
  })
  new Gauge({
    name: 'scorer_db_pool_connections',
    help: 'Connections of the database pool by state (busy: running queries; reserved: in a transaction)',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const usage = sources.poolUsage()
      if (!usage) return
      for (const state of POOL_STATES) this.set({ state }, usage[state])
    },
  })
  new Gauge({
    name: 'scorer_db_pool_max_connections',
    help: 'Connections the pool may open (DB_POOL_SIZE)',
    registers,
    collect() {
      const usage = sources.poolUsage()
      if (usage) this.set(usage.max)
    },
  })
  new Gauge({
    name: 'scorer_db_pool_waiting',
    help: 'Queries and transactions waiting for a free connection',
    registers,
    collect() {
      const usage = sources.poolUsage()
      if (usage) this.set(usage.waiting)
    },
  })
  new Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes',
    registers,
    collect() {
      this.set(process.memoryUsage.rss())
    },
  })

  /** A counter kept elsewhere (the signature cache counts for itself), copied at each scrape. */
  function countedAtScrape(name: string, help: string, read: () => number | undefined): void {
    new Counter({
      name,
      help,
      registers,
      collect() {
        const value = read()
        this.reset()
        if (value !== undefined) this.inc(value)
      },
    })
  }

  return {
    scoringRun: (outcome, errorText) =>
      scoringRuns.inc({ outcome, reason: errorText === undefined ? '' : scoringErrorReason(errorText) }),
    stampsDeduplicated: (count) => {
      if (count > 0) deduplicated.inc(count)
    },
    lifoRetry: () => lifoRetries.inc(),
    observeRequest: ({ method, route, statusCode }, seconds) =>
      requestDuration.observe({ method, route, status_code: statusCode }, seconds),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  }
}

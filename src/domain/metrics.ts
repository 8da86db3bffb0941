import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { PoolUsage } from '../db/pool.js'
import type { SignatureVerifier } from './credential-verifier.js'
import type { StoredStampCache } from './stored-stamp-cache.js'

// The Prometheus metrics of one app (docs/observability.md). Each app has its own registry, so
// two apps in one process (tests) count apart. Built only when METRICS_ENABLED is on: prom-client
// is imported lazily by src/api/telemetry.ts.

/** The lookups a cache counted, when it counts them. */
function countsOf(cache: object): CacheCounts | undefined {
  const counts = cache as Partial<CacheCounts>
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

interface CacheCounts {
  readonly hits: number
  readonly misses: number
}

export interface MetricSources {
  /** Usage of the app's pool, read at each scrape. */
  poolUsage: () => PoolUsage | undefined
  /** The app's verifier: the signature cache counts its hits and misses (a verifier a test injects may not). */
  signatureVerifier: SignatureVerifier
  /** Verdicts of stored stamps, consulted before the verifier: a hit needs no signature check at all. */
  storedStampCache: StoredStampCache
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
  const storedStampCache = () => countsOf(sources.storedStampCache)
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
    'DIDKit signature verifications run (neither cache knew the credential)',
    () => signatureCache()?.misses,
  )
  countedAtScrape(
    'scorer_signature_cache_hits_total',
    'Signature checks answered by the cache of DIDKit results (keyed by the credential JSON)',
    () => signatureCache()?.hits,
  )
  countedAtScrape(
    'scorer_stored_stamp_cache_hits_total',
    "Stored stamps whose verdict was remembered (keyed by the stored JSON's digest): no signature check",
    () => storedStampCache()?.hits,
  )
  countedAtScrape(
    'scorer_stored_stamp_cache_misses_total',
    'Stored stamps read and checked in full',
    () => storedStampCache()?.misses,
  )
  new Gauge({
    name: 'scorer_signature_check_cache_hit_ratio',
    help: 'Share of signature checks since the start answered by either cache instead of DIDKit',
    registers,
    collect() {
      const answered = (storedStampCache()?.hits ?? 0) + (signatureCache()?.hits ?? 0)
      const total = answered + (signatureCache()?.misses ?? 0)
      this.set(total > 0 ? answered / total : 0)
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

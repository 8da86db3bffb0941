import autocannon, { type Result } from 'autocannon'
import { watchResources, type BackendLister, type ResourceWindow } from './service.js'

export interface LoadRequest {
  method: 'GET' | 'POST'
  path: string
  headers: Record<string, string>
  body?: string
}

export interface LatencySummary {
  p50: number
  p95: number
  p99: number
  max: number
  mean: number
}

export interface LoadResult {
  requests: number
  durationSeconds: number
  requestsPerSecond: number
  latencyMs: LatencySummary
  /** Responses other than the expected status, plus socket errors and timeouts. */
  errors: number
  /** Expected status, but the body says the work failed (e.g. a 200 score with `error` set). */
  badBodies: number
  statuses: Record<string, number>
  resources: ResourceWindow
}

export interface LoadSpec {
  baseUrl: string
  connections: number
  /** Fixed duration… */
  durationSeconds?: number
  /** …or a fixed number of requests. */
  amount?: number
  /** Stop the fixed-duration run early after this many responses (a pool of fresh addresses ran out). */
  maxResponses?: number
  /** The i-th request (called once per request, in order). */
  next: (i: number) => LoadRequest
  expectedStatus: number
  /** false = the body reports a failure of the work. */
  isGoodBody?: (body: string) => boolean
  servicePid: number
  listBackends: BackendLister
}

export function summarize(latencies: readonly number[]): LatencySummary {
  if (latencies.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 }
  const sorted = Float64Array.from(latencies).sort()
  // Nearest rank: the smallest value with at least p% of the samples at or below it.
  const rank = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
  let sum = 0
  for (const value of sorted) sum += value
  return { p50: rank(50), p95: rank(95), p99: rank(99), max: sorted[sorted.length - 1]!, mean: sum / sorted.length }
}

// A request that takes this long is a failure worth counting, not a latency to average.
const REQUEST_TIMEOUT_SECONDS = 30

/** One autocannon run: every latency recorded (for p95, which autocannon does not report). */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  let badBodies = 0
  let issued = 0
  const watch = watchResources(spec.servicePid, spec.listBackends)
  const startedAt = performance.now()
  // autocannon stops at its next one-second tick, still sending meanwhile: with a pool of fresh
  // addresses, the responses past the pool's last (rescores of used addresses) and their time and
  // CPU are not the scenario's, so the window closes at that response.
  const counted = spec.maxResponses ?? Number.POSITIVE_INFINITY
  let responses = 0
  let poolUsedUp: { at: number; resources: Promise<ResourceWindow> } | undefined
  const result = await new Promise<Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.baseUrl,
        connections: spec.connections,
        ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.durationSeconds ?? 10 }),
        timeout: REQUEST_TIMEOUT_SECONDS,
        pipelining: 1,
        requests: [
          {
            setupRequest: (request) => ({ ...request, ...spec.next(issued++) }),
            onResponse: (status, body) => {
              if (responses >= counted) return
              statuses[status] = (statuses[status] ?? 0) + 1
              if (status === spec.expectedStatus && spec.isGoodBody && !spec.isGoodBody(body)) badBodies++
              if (++responses === counted) {
                poolUsedUp = { at: performance.now(), resources: watch.stop() }
                instance.stop()
              }
            },
          },
        ],
      },
      (error, value) => (error ? reject(error) : resolve(value)),
    )
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
      if (latencies.length < counted) latencies.push(responseTimeMs)
    })
  })
  const durationSeconds = ((poolUsedUp?.at ?? performance.now()) - startedAt) / 1000
  const resources = await (poolUsedUp?.resources ?? watch.stop())
  const unexpected = Object.entries(statuses).reduce(
    (sum, [status, count]) => sum + (Number(status) === spec.expectedStatus ? 0 : count),
    0,
  )
  return {
    requests: latencies.length,
    durationSeconds,
    requestsPerSecond: latencies.length / durationSeconds,
    latencyMs: summarize(latencies),
    // autocannon's `errors` already includes its timeouts.
    errors: unexpected + result.errors,
    badBodies,
    statuses,
    resources,
  }
}

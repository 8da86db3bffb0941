// The proxy's counters, served as JSON at /shadow/stats and summarised in the log.

/** The last latencies of one upstream; percentiles over a bounded window, not since the start. */
export class LatencyWindow {
  private readonly samples: number[] = []
  private next = 0

  constructor(private readonly size = 10_000) {}

  add(ms: number): void {
    if (this.samples.length < this.size) this.samples.push(ms)
    else this.samples[this.next] = ms
    this.next = (this.next + 1) % this.size
  }

  percentiles(): { count: number; p50: number | null; p99: number | null } {
    if (this.samples.length === 0) return { count: 0, p50: null, p99: null }
    const sorted = [...this.samples].sort((a, b) => a - b)
    const at = (q: number) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 100) / 100
    return { count: this.samples.length, p50: at(0.5), p99: at(0.99) }
  }
}

export interface DifferenceKindStats {
  signature: string
  route: string
  where: string
  kind: string
  path: string
  known?: string
  count: number
  firstSeen: string
  lastSeen: string
}

export class ShadowStats {
  readonly since = new Date().toISOString()
  requests = 0
  /** Requests the proxy could mirror (method allowed). */
  eligible = 0
  mirrored = 0
  skipped = { share: 0, method: 0, inFlight: 0, bodyTooLarge: 0 }
  compared = 0
  matched = 0
  /** Compared requests with at least one difference that is neither noise nor known. */
  mismatched = 0
  /** …with known differences only. */
  knownOnly = 0
  candidateErrors = 0
  primaryErrors = 0
  noise = { learnedFields: 0, ignoredDifferences: 0 }
  readonly kinds = new Map<string, DifferenceKindStats>()
  readonly mirroredByRoute = new Map<string, number>()
  /** The denominator of a kind's rate: compared answers of its route. */
  readonly comparedByRoute = new Map<string, number>()
  readonly primaryLatency = new LatencyWindow()
  readonly candidateLatency = new LatencyWindow()

  toJSON() {
    const rate = (count: number, of: number) => (of === 0 ? 0 : Math.round((count / of) * 1e6) / 1e6)
    return {
      since: this.since,
      requests: this.requests,
      eligible: this.eligible,
      mirrored: this.mirrored,
      skipped: this.skipped,
      compared: this.compared,
      matched: this.matched,
      mismatched: this.mismatched,
      knownOnly: this.knownOnly,
      mismatchRate: rate(this.mismatched, this.compared),
      candidateErrors: this.candidateErrors,
      primaryErrors: this.primaryErrors,
      noise: this.noise,
      latencyMs: { primary: this.primaryLatency.percentiles(), candidate: this.candidateLatency.percentiles() },
      kinds: [...this.kinds.values()].map((kind) => ({
        ...kind,
        rate: rate(kind.count, this.comparedByRoute.get(kind.route) ?? 0),
      })),
    }
  }
}

import { compareResponses, type Difference, type SideResponse } from '../compare/compare-step.js'
import { labelKnownDifferences, type compileKnownDifferences } from '../compare/known-differences.js'
import type { CompiledRule } from '../compare/normalise.js'
import type { ShadowStats } from './stats.js'

// What the shadow proxy does with the three answers of one mirrored request: the candidate's is
// compared with the primary's using the compare tool's normaliser; the second primary's (when
// configured) teaches which fields differ between two instances of the primary itself — noise,
// ignored from then on for that route (the idea of Twitter's Diffy). Each kind of difference is
// logged once, in full, when first seen; afterwards it is counted, and the summary lines and
// /shadow/stats carry the counts and rates.

export type LogLine = Record<string, unknown> & { type: 'difference' | 'noise' | 'summary' | 'start' | 'error' }

/** `$.stamps[3].id` → `$.stamps[*].id`: one kind of difference whatever the element. */
export function pathPattern(path: string): string {
  return path.replace(/\[\d+\]/g, '[*]').replace(/\[[+=][^\]]*\]/g, '[*]')
}

const fieldOf = (difference: Difference) => `${difference.where} ${pathPattern(difference.path)}`

export class DifferenceTracker {
  private readonly noise = new Map<string, Set<string>>()

  constructor(
    private readonly rules: readonly CompiledRule[],
    private readonly known: ReturnType<typeof compileKnownDifferences>,
    private readonly stats: ShadowStats,
    private readonly log: (line: LogLine) => void,
  ) {}

  record(
    request: { method: string; path: string; route: string },
    primary: SideResponse,
    candidate: SideResponse,
    secondary?: SideResponse,
  ): void {
    if (secondary && !secondary.error) this.learnNoise(request.route, compareResponses(primary, secondary, this.rules))
    const noise = this.noise.get(request.route)
    const differences = compareResponses(primary, candidate, this.rules).filter((difference) => {
      if (!noise?.has(fieldOf(difference))) return true
      this.stats.noise.ignoredDifferences += 1
      return false
    })
    labelKnownDifferences(
      differences,
      {
        step: '',
        route: request.route,
        baselineStatus: String(primary.status),
        candidateStatus: String(candidate.status),
      },
      this.known,
    )
    this.stats.compared += 1
    this.stats.comparedByRoute.set(request.route, (this.stats.comparedByRoute.get(request.route) ?? 0) + 1)
    if (differences.length === 0) this.stats.matched += 1
    else if (differences.every((difference) => difference.known)) this.stats.knownOnly += 1
    else this.stats.mismatched += 1
    for (const difference of differences) this.count(request, difference)
  }

  private learnNoise(route: string, differences: readonly Difference[]): void {
    let fields = this.noise.get(route)
    for (const difference of differences) {
      const field = fieldOf(difference)
      if (!fields) this.noise.set(route, (fields = new Set()))
      if (fields.has(field)) continue
      fields.add(field)
      this.stats.noise.learnedFields += 1
      this.log({
        type: 'noise',
        time: new Date().toISOString(),
        route,
        where: difference.where,
        path: pathPattern(difference.path),
      })
    }
  }

  private count(request: { method: string; path: string; route: string }, difference: Difference): void {
    const path = pathPattern(difference.path)
    const signature = `${request.route} ${difference.where} ${difference.kind} ${path}`
    const now = new Date().toISOString()
    const existing = this.stats.kinds.get(signature)
    if (existing) {
      existing.count += 1
      existing.lastSeen = now
      return
    }
    this.stats.kinds.set(signature, {
      signature,
      route: request.route,
      where: difference.where,
      kind: difference.kind,
      path,
      ...(difference.known ? { known: difference.known.id } : {}),
      count: 1,
      firstSeen: now,
      lastSeen: now,
    })
    this.log({
      type: 'difference',
      time: now,
      signature,
      route: request.route,
      request: `${request.method} ${request.path}`,
      where: difference.where,
      kind: difference.kind,
      path: difference.path,
      primary: difference.baseline,
      candidate: difference.candidate,
      ...(difference.known ? { known: difference.known.id } : {}),
      rate: this.rate(request.route, 1),
    })
  }

  private rate(route: string, count: number): number {
    const compared = this.stats.comparedByRoute.get(route) ?? 0
    return compared === 0 ? 0 : Math.round((count / compared) * 1e6) / 1e6
  }
}

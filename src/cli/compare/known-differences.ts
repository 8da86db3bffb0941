import type { Difference } from './compare-step.js'

// Accepted differences: the owner's decisions that depart from the Python scorer on purpose
// (docs: README "Differences from the Python scorer"). Each entry names the decision and matches
// differences by their fields; a matched difference is reported as known and does not fail the run.

export interface KnownDifference {
  id: string
  reason: string
  match: {
    step?: string
    route?: string
    /** The statuses the two sides answered in this step (`500`, `4*`). */
    baselineStatus?: string
    candidateStatus?: string
    where?: string
    kind?: string
    op?: string
    path?: string
    baseline?: string
    candidate?: string
  }
}

/** `*` stands for any run of characters; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${escaped.join('[\\s\\S]*')}$`)
}

interface CompiledKnown extends KnownDifference {
  tests: [keyof KnownDifference['match'], RegExp][]
}

export function compileKnownDifferences(list: readonly KnownDifference[]): CompiledKnown[] {
  return list.map((entry) => ({
    ...entry,
    tests: Object.entries(entry.match).map(([field, glob]) => [
      field as keyof KnownDifference['match'],
      globToRegExp(String(glob)),
    ]),
  }))
}

export interface DifferenceContext {
  step: string
  route: string
  baselineStatus: string
  candidateStatus: string
}

export function labelKnownDifferences(
  differences: Difference[],
  context: DifferenceContext,
  known: readonly CompiledKnown[],
): void {
  for (const difference of differences) {
    const fields: Record<string, unknown> = { ...context, ...difference }
    const entry = known.find((candidate) =>
      candidate.tests.every(([field, pattern]) => pattern.test(String(fields[field] ?? ''))),
    )
    if (entry) difference.known = { id: entry.id, reason: entry.reason }
  }
}

import type { Difference } from './compare-step.js'

export interface SideOutcome {
  status: number
  durationMs: number
  error?: string
}

export interface StepResult {
  index: number
  name: string
  route: string
  request: { method: string; path: string }
  baseline: SideOutcome
  candidate: SideOutcome
  differences: Difference[]
}

export interface CompareSummary {
  steps: number
  identical: number
  /** Steps whose every difference is on the known list. */
  knownOnly: number
  /** Steps with at least one difference not on the known list: these fail the run. */
  unexpected: number
  differences: { unexpected: number; known: number }
  /** Unexpected differences by `where:kind`. */
  byKind: Record<string, number>
  /** Known differences by the id of the accepted entry. */
  byKnown: Record<string, number>
  /** Routes of the service the scenario reached, with the statuses the baseline answered. */
  routes: Record<string, number[]>
}

export interface CompareReport {
  scenario: string
  baseline: string
  candidate: string
  rowsCompared: boolean
  startedAt: string
  durationMs: number
  summary: CompareSummary
  steps: StepResult[]
}

const increment = (record: Record<string, number>, key: string) => {
  record[key] = (record[key] ?? 0) + 1
}

export function summarise(steps: readonly StepResult[]): CompareSummary {
  const summary: CompareSummary = {
    steps: steps.length,
    identical: 0,
    knownOnly: 0,
    unexpected: 0,
    differences: { unexpected: 0, known: 0 },
    byKind: {},
    byKnown: {},
    routes: {},
  }
  for (const step of steps) {
    const unexpected = step.differences.filter((difference) => !difference.known)
    if (step.differences.length === 0) summary.identical += 1
    else if (unexpected.length === 0) summary.knownOnly += 1
    else summary.unexpected += 1
    for (const difference of step.differences) {
      if (difference.known) {
        summary.differences.known += 1
        increment(summary.byKnown, difference.known.id)
      } else {
        summary.differences.unexpected += 1
        increment(summary.byKind, `${difference.where}:${difference.kind}`)
      }
    }
    if (!step.route.endsWith('(not a route)')) {
      const statuses = (summary.routes[step.route] ??= [])
      if (!statuses.includes(step.baseline.status)) statuses.push(step.baseline.status)
    }
  }
  return summary
}

function describeDifference(difference: Difference): string {
  const where = difference.where === 'rows' ? `rows ${difference.op}` : difference.where
  const values =
    difference.baseline !== undefined || difference.candidate !== undefined
      ? `  ${difference.baseline ?? '(absent)'}  →  ${difference.candidate ?? '(absent)'}`
      : ''
  const known = difference.known ? `   [known: ${difference.known.id}]` : ''
  // `status status status` reads as `status`: each of where, kind and path is said once.
  const subject = [...new Set([where, difference.kind, difference.path])].join(' ')
  return `    ${subject}${values}${known}`
}

/** The readable diff of one step: nothing for an identical step. */
export function formatStep(step: StepResult, options: { showKnown?: boolean } = {}): string {
  if (step.differences.length === 0) return ''
  const unexpected = step.differences.filter((difference) => !difference.known)
  if (unexpected.length === 0 && !options.showKnown) return ''
  const mark = unexpected.length > 0 ? '✗' : '≈'
  const header = `${mark} ${step.index}. ${step.name}\n    ${step.request.method} ${step.request.path}  (baseline ${step.baseline.status}, candidate ${step.candidate.status})`
  const shown = options.showKnown ? step.differences : unexpected
  const hidden = step.differences.length - shown.length
  const lines = shown.map(describeDifference)
  if (hidden > 0) lines.push(`    … and ${hidden} known difference(s)`)
  return [header, ...lines].join('\n')
}

export function formatSummary(report: CompareReport, reportPath: string | undefined): string {
  const { summary } = report
  const byKind = Object.entries(summary.byKind)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ')
  const byKnown = Object.entries(summary.byKnown)
    .map(([id, count]) => `${id} ${count}`)
    .join(', ')
  return [
    `scenario ${report.scenario}: ${summary.steps} steps in ${(report.durationMs / 1000).toFixed(1)} s, rows ${report.rowsCompared ? 'compared' : 'not compared (no --baseline-db/--candidate-db)'}`,
    `  identical ${summary.identical}, known differences only ${summary.knownOnly}, unexpected ${summary.unexpected}`,
    `  unexpected differences: ${summary.differences.unexpected}${byKind ? ` (${byKind})` : ''}`,
    `  known differences: ${summary.differences.known}${byKnown ? ` (${byKnown})` : ''}`,
    `  routes reached: ${Object.keys(summary.routes).length}`,
    ...(reportPath ? [`  report: ${reportPath}`] : []),
  ].join('\n')
}

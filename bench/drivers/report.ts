import { VARIANT_LABELS } from './drivers.js'
import type { VariantFaults, PhaseResult } from './faults.js'
import type { PoolerResult } from './pgbouncer.js'
import { SPEED_CASES, type SpeedRun } from './speed.js'

// The markdown tables of a run (printed and written next to the JSON in bench/drivers/results/).

export interface DriverReport {
  startedAt: string
  totalSeconds: number
  machine: {
    cpus: number
    cpuModel: string
    loadAverageStart: number[]
    loadAverageEnd: number[]
    node: string
    postgres: string
    git: string
  }
  command: string
  faultPlan?: { severs: number; crashes: number; freezeSeconds: number; workers: number; poolSize: number }
  faults?: VariantFaults[]
  capturedStatements?: string[]
  speed?: SpeedRun[]
  pooler?: PoolerResult | { skipped: string }
}

const ms = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? '—' : value >= 100 ? value.toFixed(0) : value.toFixed(1)
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
const codes = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([code, count]) => `${code} ${count}`)
    .join(', ') || '—'
const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((total, count) => total + count, 0)

function recoveryCell(phase: PhaseResult, pick: 'firstSuccessMs' | 'allWorkersMs'): string {
  const measured = phase.recoveries.map((recovery) => recovery[pick]).filter((value): value is number => value !== null)
  const missing = phase.faults - phase.deaths.length - measured.length
  if (measured.length === 0) return missing > 0 ? `none of ${phase.faults}` : '—'
  return `${ms(median(measured))} / ${ms(Math.max(...measured))}${missing > 0 ? ` (${missing} later)` : ''}`
}

function faultRow(variant: string, phase: PhaseResult): string {
  const s = phase.stats
  const deaths = phase.deaths.length
  return `| ${variant} | ${phase.phase} | ${phase.faults - deaths} / ${phase.faults} | ${s.neverSettled} | ${s.hung} | ${codes(s.errorsByCode)} | ${sum(s.errorsAfterRecovery)} | ${s.wrongRows} | ${recoveryCell(phase, 'firstSuccessMs')} | ${recoveryCell(phase, 'allWorkersMs')} | ${ms(Math.max(0, ...s.outage.waitsMs))} | ${s.succeeded} / ${s.transactions} |`
}

export function faultTables(faults: readonly VariantFaults[]): string {
  const lines = [
    '| driver | fault | survived / faults | never settled | pending > 10 s | errors by code | errors after recovery | wrong rows | to first success ms, median / max | to every worker ms, median / max | longest wait ms | ok / transactions |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (const { variant, phases } of faults)
    for (const phase of phases) lines.push(faultRow(VARIANT_LABELS[variant], phase))
  const deaths = faults.flatMap(({ variant, phases }) =>
    phases.flatMap((phase) =>
      phase.deaths.map((death) => `${VARIANT_LABELS[variant]}, ${phase.phase} ${death.fault + 1}: ${death.error}`),
    ),
  )
  const distinct = [...new Set(deaths.map((line) => line.replace(/^[^:]*: /, '')))]
  if (distinct.length > 0)
    lines.push('', `Process deaths: ${deaths.length}, by error: ${distinct.map((error) => `\`${error}\``).join('; ')}`)
  lines.push(
    '',
    '| driver | reset at the first statement of a new connection (postgres.js: its pg_type query) |',
    '| --- | --- |',
  )
  for (const { variant, startupProbe } of faults)
    lines.push(
      `| ${VARIANT_LABELS[variant]} | ${startupProbe.survived ? 'survived' : '**process died**'}: \`${startupProbe.detail.replaceAll('|', '/')}\` |`,
    )
  lines.push(
    '',
    '| driver | freeze: errored before resume | time to error ms, median / max | in flight, settled after resume | their wait ms, max |',
    '| --- | --- | --- | --- | --- |',
  )
  for (const { variant, phases } of faults) {
    const freeze = phases.find((phase) => phase.phase === 'freeze')
    if (!freeze) continue
    const o = freeze.stats.outage
    lines.push(
      `| ${VARIANT_LABELS[variant]} | ${o.erroredBeforeBack} (${codes(freeze.stats.errorsByCode)}) | ${o.timeToErrorMs.length ? `${ms(median(o.timeToErrorMs))} / ${ms(Math.max(...o.timeToErrorMs))}` : '—'} | ${o.settledOkAfterBack} ok, ${o.erroredAfterBack} errors | ${ms(Math.max(0, ...o.waitsMs))} |`,
    )
  }
  return lines.join('\n')
}

function spread(values: readonly number[]): string {
  if (values.length === 0) return '—'
  return `${ms(median(values))} (${ms(Math.min(...values))}–${ms(Math.max(...values))})`
}

export function speedTable(runs: readonly SpeedRun[]): string {
  const lines = [
    '| client | route | conn | runs | tx/s median (min–max) | p50 ms median (min–max) | p99 ms median (min–max) | errors | wrong answers |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ]
  const keys = [...new Set(runs.map((run) => `${run.route}|${run.connections}|${run.caseId}`))]
  for (const key of keys) {
    const group = runs.filter((run) => `${run.route}|${run.connections}|${run.caseId}` === key)
    const first = group[0]!
    const label = SPEED_CASES.find((speedCase) => speedCase.id === first.caseId)?.label ?? first.caseId
    const errors = group.reduce((total, run) => total + run.errors, 0)
    const errorCodes: Record<string, number> = {}
    for (const run of group)
      for (const [code, count] of Object.entries(run.errorsByCode)) errorCodes[code] = (errorCodes[code] ?? 0) + count
    lines.push(
      `| ${label} | ${first.route} | ${first.connections} | ${group.length} | ${spread(group.map((run) => run.transactionsPerSecond))} | ${spread(group.map((run) => run.p50Ms))} | ${spread(group.map((run) => run.p99Ms))} | ${errors ? `${errors} (${codes(errorCodes)})` : 0} | ${group.reduce((total, run) => total + run.wrongAnswers, 0)} |`,
    )
  }
  return lines.join('\n')
}

export function poolerTable(pooler: PoolerResult): string {
  const lines = [
    `${pooler.pgbouncer}, pool_mode = transaction, ${pooler.serverPoolSize} server connections; load = 8 workers on a pool of 5, pipelined transactions with checked rows.`,
    '',
    '| client | load: ok / transactions | wrong rows | pending > 10 s | errors by code |',
    '| --- | --- | --- | --- | --- |',
  ]
  for (const load of pooler.loads) {
    const label = SPEED_CASES.find((speedCase) => speedCase.id === load.caseId)?.label ?? load.caseId
    lines.push(
      `| ${label} | ${load.stats.succeeded} / ${load.stats.transactions} | ${load.stats.wrongRows} | ${load.stats.hung} | ${codes(load.stats.errorsByCode)} |`,
    )
  }
  lines.push('', 'Warm-rescore replay through PgBouncer (16 clients):', '', speedTable(pooler.replays))
  return lines.join('\n')
}

export function renderReport(report: DriverReport): string {
  const m = report.machine
  const parts = [
    `# Driver measurements, ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `\`${report.command}\` at ${m.git}; ${m.cpus} × ${m.cpuModel}, node ${m.node}, ${m.postgres}; load average ${m.loadAverageStart.map((x) => x.toFixed(1)).join(' ')} at start, ${m.loadAverageEnd.map((x) => x.toFixed(1)).join(' ')} at end (the machine is shared); ${(report.totalSeconds / 60).toFixed(1)} min.`,
  ]
  if (report.faults && report.faultPlan) {
    const p = report.faultPlan
    parts.push(
      '',
      `## Faults (${p.severs} severs, ${p.crashes} crashes, a ${p.freezeSeconds} s freeze; ${p.workers} workers per driver on a pool of ${p.poolSize}, all drivers at once)`,
      '',
      faultTables(report.faults),
    )
  }
  if (report.speed) {
    parts.push(
      '',
      `## Warm-rescore replay (${report.capturedStatements?.length ?? '?'} statements: ${report.capturedStatements?.join(', ') ?? ''})`,
      '',
      speedTable(report.speed),
    )
  }
  if (report.pooler) {
    parts.push(
      '',
      '## PgBouncer, transaction mode',
      '',
      'skipped' in report.pooler ? `Skipped: ${report.pooler.skipped}` : poolerTable(report.pooler),
    )
  }
  return `${parts.join('\n')}\n`
}

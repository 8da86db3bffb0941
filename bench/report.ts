import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describeBreakdowns, type ColdStartRecord } from './cold-start.js'
import { describePlan, type ExplainedStatement, type FloorResult } from './floor.js'
import type { LatencySummary, LoadResult } from './load.js'
import type { ProfileSummary } from './profile.js'
import type { ScenarioRecord } from './scenarios.js'
import type { TableCounts } from './sql.js'

export interface ScalePoint {
  passports: number
  counts: TableCounts
  warm: LoadResult
  explain: ExplainedStatement[]
}

export interface TargetCheck {
  name: string
  target: string
  measured: string
  pass: boolean | null
}

export interface BenchReport {
  version: 1
  startedAt: string
  totalSeconds: number
  quick: boolean
  machine: {
    cpus: number
    cpuModel: string
    memoryGb: number
    node: string
    postgres: string
    loadAverageStart: number[]
    loadAverageEnd: number[]
  }
  git: { commit: string; dirty: boolean }
  database: { server: string; name: string; defaultUrlUsed: boolean }
  options: Record<string, unknown>
  service: { logLevel: string; dbPoolSize: string; startedAs: string; rssAtStartMb: number }
  seeding: {
    signedPassports: number
    signedStamps: number
    signingSeconds: number
    backgroundPassports: number
    backgroundSeconds: number
    method: string[]
  }
  population: TableCounts
  scenarios: ScenarioRecord[]
  floor: { capturedPassports: number; statements: { label: string; text: string }[]; results: FloorResult[] }
  coldStart: ColdStartRecord[]
  scale: ScalePoint[]
  profile: ProfileSummary | { error: string } | null
  targets: TargetCheck[]
  notes: string[]
}

const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '—')

/**
 * The floor is what PostgreSQL allowed for our statements: the faster of the two replays unless a
 * client is named. `sequence: 'python'` asks for Python's statement sequence instead.
 */
export function floorFor(
  report: Pick<BenchReport, 'floor'>,
  connections: number,
  client?: FloorResult['client'],
  sequence: FloorResult['sequence'] = 'ours',
): FloorResult | undefined {
  const matching = report.floor.results.filter(
    (result) =>
      result.connections === connections &&
      (client === undefined || result.client === client) &&
      (result.sequence ?? 'ours') === sequence,
  )
  return matching.reduce<FloorResult | undefined>(
    (best, result) => (!best || result.transactionsPerSecond > best.transactionsPerSecond ? result : best),
    undefined,
  )
}

export function ratioToFloor(report: Pick<BenchReport, 'floor'>, record: ScenarioRecord): string {
  if (!record.result || !record.id.startsWith('warm-rescore')) return ''
  const share = (floor: FloorResult | undefined): string =>
    floor ? `${fixed((100 * record.result!.requestsPerSecond) / floor.transactionsPerSecond, 0)} %` : '—'
  const strict = floorFor(report, record.connections)
  const python = floorFor(report, record.connections, 'pgbench', 'python')
  return `${share(floorFor(report, record.connections, 'pgbench'))} / ${share(floorFor(report, record.connections, 'postgres.js'))}${strict ? ` (p50 ×${fixed(record.result.latencyMs.p50 / strict.latencyMs.p50, 1)})` : ''}${python ? `; Python's sequence ${share(python)} (p50 ×${fixed(record.result.latencyMs.p50 / python.latencyMs.p50, 1)})` : ''}`
}

interface Row {
  name: string
  connections: string
  rps: string
  latency: LatencySummary | undefined
  errors: string
  serviceCpu: string
  postgresCpu: string
  /** CPU milliseconds per request (service) and per request/transaction (PostgreSQL backends). */
  serviceCpuPerRequest: string
  postgresCpuPerRequest: string
  rss: string
  vsFloor: string
}

function rows(report: TableInput): Row[] {
  const scenarioRows = report.scenarios.map((record): Row => {
    const result = record.result
    if (!result)
      return {
        name: record.id,
        connections: String(record.connections),
        rps: 'skipped',
        latency: undefined,
        errors: '',
        serviceCpu: '',
        postgresCpu: '',
        serviceCpuPerRequest: '',
        postgresCpuPerRequest: '',
        rss: '',
        vsFloor: '',
      }
    return {
      name: record.id,
      connections: String(record.connections),
      rps: fixed(result.requestsPerSecond, 0),
      latency: result.latencyMs,
      errors: `${result.errors}${result.badBodies > 0 ? ` (+${result.badBodies} bad)` : ''}`,
      serviceCpu: `${fixed(result.resources.serviceCpuPercent, 0)} %`,
      postgresCpu: `${fixed(result.resources.postgresCpuPercent, 0)} %`,
      serviceCpuPerRequest: fixed(result.resources.serviceCpuMs / result.requests, 2),
      postgresCpuPerRequest: fixed(result.resources.postgresCpuMs / result.requests, 2),
      rss: `${fixed(result.resources.rssPeakMb, 0)}`,
      vsFloor: ratioToFloor(report, record),
    }
  })
  const floorRows = report.floor.results.map((result): Row => ({
    name: `FLOOR ${result.sequence === 'python' ? "Python's sequence" : 'ours'} (${result.client} replay)`,
    connections: String(result.connections),
    rps: fixed(result.transactionsPerSecond, 0),
    latency: result.latencyMs,
    errors: String(result.errors),
    serviceCpu: '—',
    postgresCpu: `${fixed(result.resources.postgresCpuPercent, 0)} %`,
    serviceCpuPerRequest: '—',
    postgresCpuPerRequest: fixed(result.resources.postgresCpuMs / result.transactions, 2),
    rss: '—',
    vsFloor: '',
  }))
  return [...scenarioRows, ...floorRows]
}

const HEADERS = [
  'scenario',
  'conn',
  'req/s',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'max ms',
  'errors',
  'svc CPU',
  'pg CPU',
  'svc ms/req',
  'pg ms/tx',
  'RSS MB',
  'vs floor pgbench / pg.js',
]

function cells(row: Row): string[] {
  const l = row.latency
  return [
    row.name,
    row.connections,
    row.rps,
    l ? fixed(l.p50, 2) : '',
    l ? fixed(l.p95, 2) : '',
    l ? fixed(l.p99, 2) : '',
    l ? fixed(l.max, 1) : '',
    row.errors,
    row.serviceCpu,
    row.postgresCpu,
    row.serviceCpuPerRequest,
    row.postgresCpuPerRequest,
    row.rss,
    row.vsFloor,
  ]
}

/** What the table reads: the scenarios and the floor (empty for a deployment run, bench/deployment.ts). */
export type TableInput = Pick<BenchReport, 'scenarios' | 'floor'>

export function formatTable(report: TableInput): string {
  const table = [HEADERS, ...rows(report).map(cells)]
  const widths = HEADERS.map((_, column) => Math.max(...table.map((line) => line[column]!.length)))
  const line = (values: string[]): string =>
    values
      .map((value, column) => (column === 0 ? value.padEnd(widths[column]!) : value.padStart(widths[column]!)))
      .join('  ')
  return [line(table[0]!), widths.map((width) => '─'.repeat(width)).join('  '), ...table.slice(1).map(line)].join('\n')
}

function markdownTable(headers: string[], body: string[][]): string {
  const escape = (value: string): string => value.replaceAll('|', '\\|')
  return [
    `| ${headers.join(' | ')} |`,
    `|${headers.map(() => ' --- ').join('|')}|`,
    ...body.map((line) => `| ${line.map(escape).join(' | ')} |`),
  ].join('\n')
}

function scaleSection(report: BenchReport): string[] {
  if (report.scale.length === 0) return []
  const lines = ['## Scale check: warm rescore as the tables grow', '']
  lines.push(
    markdownTable(
      [
        'scored passports',
        'cache passports',
        'cache rows',
        'hash links',
        'DB MB',
        'req/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'errors',
      ],
      report.scale.map((point) => [
        String(point.counts.passports),
        String(point.counts.cacheAddresses),
        String(point.counts.cacheRows),
        String(point.counts.hashLinks),
        String(point.counts.databaseMb),
        fixed(point.warm.requestsPerSecond, 0),
        fixed(point.warm.latencyMs.p50, 2),
        fixed(point.warm.latencyMs.p95, 2),
        fixed(point.warm.latencyMs.p99, 2),
        String(point.warm.errors),
      ]),
    ),
  )
  lines.push(
    '',
    'EXPLAIN (ANALYZE) of each statement of one warm rescore, at each size (execution ms; plan at the largest size):',
    '',
  )
  const largest = report.scale.at(-1)!
  lines.push(
    markdownTable(
      ['#', 'statement', ...report.scale.map((point) => `${point.passports} ms`), `plan at ${largest.passports}`],
      largest.explain.map((statement, i) => [
        String(i + 1),
        statement.label,
        ...report.scale.map((point) => (point.explain[i] ? fixed(point.explain[i]!.executionMs, 3) : '')),
        `${describePlan(statement.nodes)}${statement.hasSeqScanOnBigTable ? ' ⚠ seq scan' : ''}`,
      ]),
    ),
  )
  return [...lines, '']
}

function profileSection(report: BenchReport): string[] {
  const profile = report.profile
  if (!profile) return []
  if ('error' in profile) return ['## CPU profile of the warm path', '', `not available: ${profile.error}`, '']
  const entry = (e: { name: string; selfMs: number; percent: number }): string[] => [
    e.name,
    fixed(e.selfMs, 0),
    `${fixed(e.percent, 1)} %`,
  ]
  return [
    '## CPU profile of the warm path (service, `--cpu-prof`)',
    '',
    `Window ${fixed(profile.windowMs / 1000, 1)} s, ${fixed(profile.busyMs, 0)} ms busy (\`${profile.file}\`: open it in Chrome DevTools). Self time by module:`,
    '',
    markdownTable(['module', 'self ms', 'of busy'], profile.topModules.slice(0, 10).map(entry)),
    '',
    'Top functions by self time:',
    '',
    markdownTable(['function', 'self ms', 'of busy'], profile.topFunctions.slice(0, 15).map(entry)),
    '',
  ]
}

export function formatMarkdown(report: BenchReport): string {
  const m = report.machine
  const lines = [
    `# passport-scorer-ts benchmark — ${report.startedAt}${report.quick ? ' (quick)' : ''}`,
    '',
    `${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, node ${m.node}, ${m.postgres}; commit ${report.git.commit}${report.git.dirty ? ' (dirty tree)' : ''}.`,
    `Load average at start ${m.loadAverageStart.map((v) => fixed(v, 2)).join(' / ')}, at end ${m.loadAverageEnd.map((v) => fixed(v, 2)).join(' / ')}. Run took ${fixed(report.totalSeconds / 60, 1)} min.`,
    `Service: \`${report.service.startedAs}\`, LOG_LEVEL=${report.service.logLevel}, DB_POOL_SIZE=${report.service.dbPoolSize}, RSS ${fixed(report.service.rssAtStartMb, 0)} MB when it starts listening. Population: ${report.population.cacheAddresses} passports in the ceramic cache (${report.population.passports} scored before the scenarios), ${report.population.cacheRows} cache rows, ${report.population.hashLinks} hash links, ${report.population.databaseMb} MB.`,
    '',
    '## Scenarios',
    '',
    markdownTable(HEADERS, rows(report).map(cells)),
    '',
    "`svc CPU` / `pg CPU`: % of one core used by the service process / by the bench database's backends. `vs floor`: throughput as a share of the same SQL replayed at the same connection count by pgbench / by postgres.js, and the p50 ratio to the faster of the two (the floor). `bad`: a 200 whose body carries a scoring error.",
    '',
  ]
  const skipped = report.scenarios.filter((record) => record.status === 'skipped')
  if (skipped.length > 0)
    lines.push('Skipped:', '', ...skipped.map((record) => `- \`${record.id}\`: ${record.skipReason}`), '')
  const noted = report.scenarios.filter((record) => record.notes.length > 0)
  if (noted.length > 0)
    lines.push(
      'Notes:',
      '',
      ...noted.map((record) => `- \`${record.id}\` (${record.title}): ${record.notes.join('; ')}`),
      '',
    )
  lines.push(
    '## Targets (issue 7)',
    '',
    markdownTable(
      ['target', 'wanted', 'measured', ''],
      report.targets.map((t) => [t.name, t.target, t.measured, t.pass === null ? 'n/a' : t.pass ? 'met' : 'MISSED']),
    ),
    '',
  )
  lines.push(
    '## The floor',
    '',
    `The ${report.floor.statements.length} statements one warm v2 rescore sends, captured from the route's own domain calls (verifyApiKey → resolveCommunityForAccount → scorePassport) through postgres.js' debug hook on ${report.floor.capturedPassports} passports. Replayed (1) by postgres.js: same text, bound values and types, prepared, one reserved connection per client; (2) by pgbench --protocol=prepared: one script per passport (up to 128), values written as literals of the types the server infers; clients pick scripts at random.`,
    '',
    ...report.floor.statements.map((statement, i) => `${i + 1}. \`${statement.label}\``),
    '',
  )
  lines.push(
    '## Cold start',
    '',
    markdownTable(
      ['how', 'spawn → listening ms', 'spawn → first score ms', 'RSS at listening MB', 'runs'],
      report.coldStart.map((c) => [
        c.title,
        fixed(c.listeningMs, 0),
        c.error ? `failed: ${c.error.slice(0, 120)}` : fixed(c.firstScoreMs, 0),
        fixed(c.rssAtStartMb, 0),
        String(c.runs.length),
      ]),
    ),
    '',
    ...describeBreakdowns(report.coldStart).map((line) => `- ${line}`),
    '',
  )
  lines.push(...scaleSection(report), ...profileSection(report))
  lines.push('## How the data was made', '', ...report.seeding.method.map((line) => `- ${line}`), '')
  if (report.notes.length > 0) lines.push('## Notes', '', ...report.notes.map((note) => `- ${note}`), '')
  return lines.join('\n')
}

/** File-name form of the run's start: 2026-01-15T10-20-30Z. */
export function resultStamp(startedAt: Date): string {
  return startedAt
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z')
}

export async function writeReport(report: BenchReport, outDir: string): Promise<{ json: string; markdown: string }> {
  await mkdir(outDir, { recursive: true })
  const stamp = resultStamp(new Date(report.startedAt))
  const json = join(outDir, `${stamp}.json`)
  const markdown = join(outDir, `${stamp}.md`)
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`)
  await writeFile(markdown, `${formatMarkdown(report)}\n`)
  return { json, markdown }
}

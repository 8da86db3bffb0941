import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import { createSql, type Sql } from '../db/pool.js'
import { describeConnectionError } from '../db/errors.js'
import { loadKnownDifferences, loadRules, loadState, serialiseState } from './compare/data-files.js'
import { setupFixtures, type FixtureState } from './compare/fixtures.js'
import { formatStep, formatSummary } from './compare/report.js'
import { runComparison } from './compare/run.js'
import { loadScenario } from './compare/scenario.js'

const USAGE = `Usage:
  npm run compare -- --setup --baseline-db URL --candidate-db URL [--scenario FILE] [--state FILE]
  npm run compare -- --baseline URL --candidate URL [--baseline-db URL --candidate-db URL] [options]

Sends the scenario's requests to a baseline (the Python scorer) and a candidate (this service)
and compares statuses, JSON bodies (losslessly) and, given both databases, the rows each step
wrote. Exit status: 0 no unexpected difference, 1 unexpected differences, 2 usage or setup error.
--setup first creates the scenario's fixtures in two fresh databases and prints the environment
both services need. Docs: docs/migration-proof.md.

Options:
  --scenario FILE    scenario (YAML or JSON)            default compare/scenarios/default.yaml
  --state FILE       written by --setup, read by a run  default .data/compare/state.json
  --rules FILE       normalisation rules                default compare/normalisation.yaml
  --known FILE       accepted differences               default compare/known-differences.yaml
  --report FILE      JSON report                        default .data/compare/report.json
  --show-known       print known differences per step too
  --timeout-ms N     per request                        default 30000`

const OPTIONS = {
  setup: { type: 'boolean' },
  baseline: { type: 'string' },
  candidate: { type: 'string' },
  'baseline-db': { type: 'string' },
  'candidate-db': { type: 'string' },
  scenario: { type: 'string', default: 'compare/scenarios/default.yaml' },
  state: { type: 'string', default: '.data/compare/state.json' },
  rules: { type: 'string', default: 'compare/normalisation.yaml' },
  known: { type: 'string', default: 'compare/known-differences.yaml' },
  report: { type: 'string', default: '.data/compare/report.json' },
  'show-known': { type: 'boolean' },
  'timeout-ms': { type: 'string', default: '30000' },
  help: { type: 'boolean', short: 'h' },
} as const

class UsageError extends Error {}

const openDatabase = (url: string): Sql => createSql({ url, max: 1, prepare: false })

async function writeText(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, text, { mode: 0o600 })
}

function formatEnvironment(state: FixtureState, baselineDb: string, candidateDb: string): string {
  const lines = Object.entries(state.env).map(([name, value]) => `export ${name}='${value.replaceAll("'", "'\\''")}'`)
  return [
    '# The environment of both services (a variable one of them does not know is ignored by it):',
    ...lines,
    `# baseline (Python scorer):   export DATABASE_URL='${baselineDb}'`,
    `# candidate (this service):   export DATABASE_URL='${candidateDb}'`,
  ].join('\n')
}

async function setup(values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values']): Promise<number> {
  if (!values['baseline-db'] || !values['candidate-db'])
    throw new UsageError('--setup needs --baseline-db and --candidate-db')
  if (values['baseline-db'] === values['candidate-db']) throw new UsageError('the two databases must differ')
  const scenario = await loadScenario(values.scenario)
  const baseline = openDatabase(values['baseline-db'])
  const candidate = openDatabase(values['candidate-db'])
  try {
    const state = await setupFixtures(scenario, [
      { name: 'baseline', db: baseline },
      { name: 'candidate', db: candidate },
    ])
    await writeText(values.state, serialiseState(state))
    console.error(`fixtures of scenario ${scenario.name} written to both databases; state in ${values.state}`)
    console.log(formatEnvironment(state, values['baseline-db'], values['candidate-db']))
    return 0
  } finally {
    await Promise.all([baseline.end(), candidate.end()])
  }
}

async function compare(values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values']): Promise<number> {
  if (!values.baseline || !values.candidate)
    throw new UsageError('--baseline and --candidate are required (or --setup)')
  if (Boolean(values['baseline-db']) !== Boolean(values['candidate-db']))
    throw new UsageError('rows are compared only with both --baseline-db and --candidate-db')
  const [scenario, state, rules, known] = await Promise.all([
    loadScenario(values.scenario),
    loadState(values.state),
    loadRules(values.rules),
    loadKnownDifferences(values.known),
  ])
  const baselineDb = values['baseline-db'] ? openDatabase(values['baseline-db']) : undefined
  const candidateDb = values['candidate-db'] ? openDatabase(values['candidate-db']) : undefined
  try {
    const report = await runComparison({
      scenario,
      state,
      rules,
      known,
      baseline: { url: values.baseline, db: baselineDb },
      candidate: { url: values.candidate, db: candidateDb },
      timeoutMs: Number(values['timeout-ms']),
      onStep: (step) => {
        const text = formatStep(step, { showKnown: values['show-known'] })
        if (text) console.log(text)
      },
    })
    await writeText(values.report, `${JSON.stringify(report, null, 2)}\n`)
    console.log(`\n${formatSummary(report, values.report)}`)
    return report.summary.unexpected > 0 ? 1 : 0
  } finally {
    await Promise.all([baselineDb?.end(), candidateDb?.end()])
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  return values.setup ? setup(values) : compare(values)
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const isUsage =
      error instanceof UsageError ||
      (error instanceof TypeError && String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS'))
    const message =
      isUsage || !(typeof error === 'object' && error !== null && 'code' in error)
        ? error instanceof Error
          ? error.message
          : String(error)
        : describeConnectionError(error)
    console.error(`compare: ${message}${isUsage ? ' (see --help)' : ''}`)
    process.exit(2)
  },
)

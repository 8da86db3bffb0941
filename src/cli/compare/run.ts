import { createPrivateKey } from 'node:crypto'
import { stringify } from 'lossless-json'
import { Agent, request } from 'undici'
import type { Sql } from '../../db/pool.js'
import { mintSiweToken } from '../../domain/ceramic-jwt.js'
import {
  compareResponses,
  compareTableChanges,
  normaliseChange,
  type Difference,
  type NormalisedChange,
  type SideResponse,
} from './compare-step.js'
import type { FixtureState } from './fixtures.js'
import { plainJson, type JsonValue } from './json-values.js'
import { compileKnownDifferences, labelKnownDifferences, type KnownDifference } from './known-differences.js'
import { compileRules, type NormalisationRule } from './normalise.js'
import { describeTables, referenceRules, RowLabels, TableWatcher, type TableShape } from './rows.js'
import { routeOf } from './routes.js'
import type { LoadedScenario, StampsSpecValue } from './scenario.js'
import { signFixtureStamps } from './signing.js'
import { resolveJson, resolveText, type TemplateContext } from './templates.js'
import { summarise, type CompareReport, type StepResult } from './report.js'

export interface Rules {
  /** Tables whose rows are compared after each step (those the scorer writes). */
  tables: string[]
  body: NormalisationRule[]
  rows: NormalisationRule[]
}

export interface CompareTarget {
  url: string
  /** The service's own database: the rows each step wrote are compared when both sides have one. */
  db?: Sql
}

export interface CompareOptions {
  scenario: LoadedScenario
  state: FixtureState
  baseline: CompareTarget
  candidate: CompareTarget
  rules: Rules
  known: readonly KnownDifference[]
  /** Per request; a service that does not answer in time is a difference, not a hang. */
  timeoutMs?: number
  onStep?: (step: StepResult) => void
}

interface ResolvedRequest {
  method: string
  path: string
  headers: Record<string, string>
  body: string | undefined
}

/** Every step resolved before the first request: both services get byte-identical requests. */
async function resolveSteps(scenario: LoadedScenario, state: FixtureState): Promise<ResolvedRequest[]> {
  const vars = new Map<string, JsonValue>(Object.entries(state.vars))
  const jwtKey = createPrivateKey(state.jwtPrivateKeyPem)
  const tokens = new Map<string, string>()
  for (const name of Object.keys(scenario.addresses)) {
    const address = String(vars.get(`address.${name}`))
    tokens.set(`token.${name}`, await mintSiweToken(address, jwtKey))
  }
  const signed = new Map<string, JsonValue[]>()
  const context: TemplateContext = {
    vars,
    dynamic: (name) => tokens.get(name),
    signStamps: async (spec: StampsSpecValue) => {
      const key = JSON.stringify(spec)
      if (!signed.has(key)) signed.set(key, plainJson((await signFixtureStamps(spec)) as never) as JsonValue[])
      return signed.get(key)!
    },
  }
  const requests: ResolvedRequest[] = []
  for (const step of scenario.steps) {
    const headers = Object.fromEntries(
      Object.entries(step.headers ?? {}).map(([name, value]) => [name.toLowerCase(), resolveText(value, context)]),
    )
    let body: string | undefined
    if (step.raw.json !== undefined) {
      body = stringify(await resolveJson(step.raw.json, context))
      headers['content-type'] ??= 'application/json'
    } else if (step.body !== undefined) body = resolveText(step.body, context)
    requests.push({ method: step.method, path: resolveText(step.path, context), headers, body })
  }
  return requests
}

async function send(agent: Agent, baseUrl: string, req: ResolvedRequest): Promise<SideResponse> {
  const started = performance.now()
  try {
    const response = await request(new URL(req.path, baseUrl), {
      method: req.method as 'GET',
      headers: req.headers,
      body: req.body,
      dispatcher: agent,
    })
    const body = await response.body.text()
    const contentType =
      String(response.headers['content-type'] ?? '')
        .split(';', 1)[0]!
        .trim() || undefined
    return { status: response.statusCode, contentType, body, durationMs: performance.now() - started }
  } catch (error) {
    const code = (error as { code?: string }).code
    return {
      status: 0,
      contentType: undefined,
      body: '',
      durationMs: performance.now() - started,
      error: code ?? String(error),
    }
  }
}

interface Side {
  watcher: TableWatcher
  labels: RowLabels
}

async function openSide(db: Sql, shapes: readonly TableShape[]): Promise<Side> {
  const watcher = new TableWatcher(db, shapes)
  await watcher.start()
  const labels = new RowLabels(shapes)
  labels.registerExisting(watcher.rows)
  return { watcher, labels }
}

async function stepRows(side: Side, normaliser: Parameters<typeof normaliseChange>[2]) {
  const changes = await side.watcher.takeChanges()
  side.labels.registerInserted(changes)
  const normalised = new Map<string, NormalisedChange>()
  for (const shape of side.watcher.shapes) {
    const change = changes.get(shape.table)
    if (change) normalised.set(shape.table, normaliseChange(shape, change, normaliser, side.labels))
  }
  return normalised
}

export async function runComparison(options: CompareOptions): Promise<CompareReport> {
  const startedAt = new Date()
  const requests = await resolveSteps(options.scenario, options.state)
  const bodyRules = compileRules(options.rules.body)
  const known = compileKnownDifferences(options.known)
  const withRows = Boolean(options.baseline.db && options.candidate.db)
  const shapes = withRows ? await describeTables(options.baseline.db!, options.rules.tables) : []
  const normaliser = { rules: compileRules(options.rules.rows), fallbackRules: referenceRules(shapes) }
  const sides = withRows
    ? {
        baseline: await openSide(options.baseline.db!, shapes),
        candidate: await openSide(options.candidate.db!, shapes),
      }
    : undefined
  const timeoutMs = options.timeoutMs ?? 30_000
  const agent = new Agent({ headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connections: 4 })
  const steps: StepResult[] = []
  try {
    for (const [index, req] of requests.entries()) {
      const step = options.scenario.steps[index]!
      const [baseline, candidate] = await Promise.all([
        send(agent, options.baseline.url, req),
        send(agent, options.candidate.url, req),
      ])
      const differences: Difference[] = []
      if (sides) {
        const [baseRows, candRows] = await Promise.all([
          stepRows(sides.baseline, normaliser),
          stepRows(sides.candidate, normaliser),
        ])
        differences.push(
          ...compareResponses(baseline, candidate, bodyRules, {
            baseline: sides.baseline.labels,
            candidate: sides.candidate.labels,
          }),
        )
        for (const shape of shapes)
          differences.push(...compareTableChanges(shape.table, baseRows.get(shape.table), candRows.get(shape.table)))
      } else differences.push(...compareResponses(baseline, candidate, bodyRules))
      const route = routeOf(req.method, req.path)
      labelKnownDifferences(
        differences,
        { step: step.name, route, baselineStatus: String(baseline.status), candidateStatus: String(candidate.status) },
        known,
      )
      const result: StepResult = {
        index: index + 1,
        name: step.name,
        route,
        request: { method: req.method, path: req.path },
        baseline: {
          status: baseline.status,
          durationMs: round(baseline.durationMs),
          ...(baseline.error ? { error: baseline.error } : {}),
        },
        candidate: {
          status: candidate.status,
          durationMs: round(candidate.durationMs),
          ...(candidate.error ? { error: candidate.error } : {}),
        },
        differences,
      }
      steps.push(result)
      options.onStep?.(result)
    }
  } finally {
    await agent.close()
  }
  return {
    scenario: options.scenario.name,
    baseline: options.baseline.url,
    candidate: options.candidate.url,
    rowsCompared: withRows,
    startedAt: startedAt.toISOString(),
    durationMs: round(Date.now() - startedAt.getTime()),
    summary: summarise(steps),
    steps,
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10

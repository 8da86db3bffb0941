import type { Config } from '../src/config.js'
import { createSql } from '../src/db/pool.js'
import { pingDatabase } from '../src/db/queries/health.js'
import { verifyApiKey, type CreatedApiKey } from '../src/domain/api-keys.js'
import { resolveCommunityForAccount } from '../src/domain/scorers.js'
import { scorePassport } from '../src/domain/score-passport.js'
import { createStoredStampCache } from '../src/domain/stored-stamp-cache.js'
import { summarize, type LatencySummary } from './load.js'
import { watchResources, type BackendLister, type ResourceWindow } from './service.js'
import {
  explainStatement,
  listTableSizes,
  replayStatement,
  rollback,
  sendTransactionControl,
  type CapturedStatement,
} from './sql.js'

// The FLOOR: what PostgreSQL (through the same driver) allows for the exact statements of one
// warm rescore, without HTTP, JSON, signatures or scoring logic. The statements are captured by
// running the v2 route's own domain calls (verifyApiKey → resolveCommunityForAccount →
// scorePassport) on a pool whose postgres.js `debug` hook records every query with its bound
// values, then replayed verbatim: same text, same values and types, prepared statements, one
// reserved connection per client, BEGIN/SAVEPOINT/COMMIT included.

export interface CapturedRescore {
  address: string
  statements: CapturedStatement[]
}

export interface CaptureInput {
  url: string
  config: Config
  communityId: number
  accountId: number
  passports: readonly { address: string; key: CreatedApiKey }[]
}

/**
 * Signatures are not checked here (the stub says "valid"): the service already verified these
 * exact stamps while warming up, and validity is all the SQL depends on. The capture is itself a
 * warm rescore of each passport, so it leaves the database as the service would.
 */
export async function captureWarmRescores(input: CaptureInput): Promise<CapturedRescore[]> {
  const sql = createSql({ url: input.url, max: 1, prepare: true })
  // A new connection first asks pg_type for array types: that is the pool's, not a rescore's.
  await pingDatabase(sql)
  let current: CapturedStatement[] = []
  sql.options.debug = (_connection: number, text: string, params: unknown[], types: number[]) => {
    current.push({ text, params: [...params], types: [...types] })
  }
  const silent = { info: () => {}, warn: () => {}, error: () => {} }
  const captured: CapturedRescore[] = []
  // As the service's: a first pass (not kept) fills it, so the kept pass reads no stamp JSON.
  const storedStampCache = createStoredStampCache(input.passports.length * 64)
  try {
    for (const pass of ['warm-up', 'kept'] as const)
      for (const { address, key } of input.passports) {
        current = []
        const apiKey = await verifyApiKey(sql, key.key)
        if (!apiKey) throw new Error(`floor capture: key ${key.prefix} did not verify`)
        // Exactly as src/api/v2/score.ts: what the resolver returns goes to scorePassport as it is.
        const community = await resolveCommunityForAccount(sql, String(input.communityId), apiKey.accountId)
        const outcome = await scorePassport(
          { sql, config: input.config, verifySignature: async () => [], log: silent, storedStampCache },
          address,
          community,
        )
        if (outcome.error !== null) throw new Error(`floor capture: scoring ${address} failed: ${outcome.error}`)
        if (pass === 'kept') captured.push({ address, statements: current })
      }
  } finally {
    await sql.end({ timeout: 5 })
  }
  return captured
}

const isTransactionControl = (text: string): boolean => /^\s*(begin|commit|rollback|savepoint|release)\b/i.test(text)

/** "select · account_accountapikey", "insert · registry_stamp", "begin", … */
export function labelStatement(text: string): string {
  const compact = text.replace(/\s+/g, ' ').trim()
  if (isTransactionControl(compact)) return compact.toLowerCase().replace(/"/g, '')
  const verb = compact.split(' ', 1)[0]!.toLowerCase()
  const table = /\b(?:from|into|update)\s+([a-z_]+)/i.exec(compact)?.[1] ?? '?'
  return `${verb} · ${table}`
}

export function describeSequence(sequence: CapturedRescore): { label: string; text: string }[] {
  return sequence.statements.map((statement) => ({
    label: labelStatement(statement.text),
    text: statement.text.replace(/\s+/g, ' ').trim(),
  }))
}

export interface FloorResult {
  /** postgres.js replay (same driver as the service) or pgbench (C client). */
  client: 'postgres.js' | 'pgbench'
  /** Whose statements: the service's captured ones, or Python's sequence (bench/python-sequence.ts). */
  sequence: 'ours' | 'python'
  connections: number
  transactions: number
  durationSeconds: number
  transactionsPerSecond: number
  latencyMs: LatencySummary
  errors: number
  resources: ResourceWindow
}

export async function replayFloor(input: {
  url: string
  sequences: readonly CapturedRescore[]
  connections: number
  durationSeconds: number
  listBackends: BackendLister
}): Promise<FloorResult> {
  const sql = createSql({ url: input.url, max: input.connections, prepare: true })
  const latencies: number[] = []
  let errors = 0
  let next = 0
  try {
    const connections = await Promise.all(Array.from({ length: input.connections }, () => sql.reserve()))
    // One untimed pass per connection, so every client has its statements prepared, as a warm pool has.
    await Promise.all(
      connections.map(async (connection, c) => {
        for (const statement of input.sequences[c % input.sequences.length]!.statements)
          await replayStatement(connection, sql, statement, { prepare: true })
      }),
    )
    const watch = watchResources(undefined, input.listBackends)
    const startedAt = performance.now()
    const deadline = startedAt + input.durationSeconds * 1000
    await Promise.all(
      connections.map(async (connection) => {
        while (performance.now() < deadline) {
          const sequence = input.sequences[next++ % input.sequences.length]!
          const begun = performance.now()
          try {
            for (const statement of sequence.statements) {
              await replayStatement(connection, sql, statement, { prepare: statement.params.length > 0 })
            }
            latencies.push(performance.now() - begun)
          } catch {
            errors++
            await rollback(connection)
          }
        }
      }),
    )
    const durationSeconds = (performance.now() - startedAt) / 1000
    const resources = await watch.stop()
    for (const connection of connections) connection.release()
    return {
      client: 'postgres.js',
      sequence: 'ours',
      connections: input.connections,
      transactions: latencies.length,
      durationSeconds,
      transactionsPerSecond: latencies.length / durationSeconds,
      latencyMs: summarize(latencies),
      errors,
      resources,
    }
  } finally {
    await sql.end({ timeout: 5 })
  }
}

export interface PlanNodeSummary {
  node: string
  relation?: string
  index?: string
}

export interface ExplainedStatement {
  label: string
  /** "Index Scan using … on …" nodes, outermost first. */
  nodes: PlanNodeSummary[]
  executionMs: number
  hasSeqScanOnBigTable: boolean
  plan: unknown
}

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  Plans?: PlanNode[]
}

// A sequential scan of a table this small is the planner's right choice, not a missing index.
const BIG_TABLE_ROWS = 10_000

function flattenPlan(node: PlanNode, into: PlanNodeSummary[] = []): PlanNodeSummary[] {
  into.push({
    node: node['Node Type'],
    ...(node['Relation Name'] ? { relation: node['Relation Name'] } : {}),
    ...(node['Index Name'] ? { index: node['Index Name'] } : {}),
  })
  for (const child of node.Plans ?? []) flattenPlan(child, into)
  return into
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of every data statement of one captured rescore, in order, inside one
 * transaction that is rolled back: each statement sees what its predecessors did, and nothing stays.
 */
export async function explainRescore(url: string, sequence: CapturedRescore): Promise<ExplainedStatement[]> {
  const sql = createSql({ url, max: 1, prepare: false })
  const explained: ExplainedStatement[] = []
  try {
    const sizes = await listTableSizes(sql)
    const connection = await sql.reserve()
    try {
      await sendTransactionControl(connection, 'begin')
      for (const statement of sequence.statements) {
        if (/^\s*(begin|commit)\b/i.test(statement.text)) continue
        if (isTransactionControl(statement.text)) {
          await sendTransactionControl(connection, statement.text)
          continue
        }
        const plan = await explainStatement(connection, sql, statement)
        const nodes = flattenPlan(plan.Plan as PlanNode)
        explained.push({
          label: labelStatement(statement.text),
          nodes,
          executionMs: plan['Execution Time'],
          hasSeqScanOnBigTable: nodes.some(
            (node) => node.node === 'Seq Scan' && (sizes.get(node.relation ?? '') ?? 0) > BIG_TABLE_ROWS,
          ),
          plan: plan.Plan,
        })
      }
    } finally {
      await rollback(connection)
      connection.release()
    }
  } finally {
    await sql.end({ timeout: 5 })
  }
  return explained
}

export function describePlan(nodes: readonly PlanNodeSummary[]): string {
  return (
    nodes
      .filter((node) => node.relation !== undefined || node.index !== undefined)
      .map(
        (node) =>
          `${node.node}${node.index ? ` using ${node.index}` : ''}${node.relation && !node.index ? ` on ${node.relation}` : ''}`,
      )
      .join('; ') || nodes.map((node) => node.node).join(' → ')
  )
}

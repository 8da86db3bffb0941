import { diffJson, type ValueDifference } from './diff-json.js'
import { parseLossless, renderJson, type JsonObject, type JsonValue } from './json-values.js'
import { normaliseValue, type CompiledRule, type RefLabeller } from './normalise.js'
import { normaliseRow, type NormalisedRow, type TableChange, type TableShape } from './rows.js'

export type DifferenceWhere = 'status' | 'header' | 'body' | 'rows'

export interface Difference extends Omit<ValueDifference, 'kind'> {
  where: DifferenceWhere
  /** A ValueDifferenceKind, or status, content-type, text, row-only-baseline, row-only-candidate, changed-columns, rewritten. */
  kind: string
  /** Rows only: what the step did to the row. */
  op?: 'insert' | 'delete' | 'update' | 'rewrite'
  /** Set when the difference is on the list of accepted ones (compare/known-differences.yaml). */
  known?: { id: string; reason: string }
}

export interface SideResponse {
  status: number
  /** Media type without parameters: `application/json`, `text/html`. */
  contentType: string | undefined
  body: string
  durationMs: number
  /** A transport failure (refused, reset, timed out) instead of an answer. */
  error?: string
}

/** Status, content type and body of one step, normalised with the body rules on each side's own labels. */
export function compareResponses(
  baseline: SideResponse,
  candidate: SideResponse,
  rules: readonly CompiledRule[],
  refs: { baseline?: RefLabeller; candidate?: RefLabeller } = {},
): Difference[] {
  const differences: Difference[] = []
  const statusText = (side: SideResponse) => (side.error ? `no answer (${side.error})` : String(side.status))
  if (statusText(baseline) !== statusText(candidate))
    differences.push({
      where: 'status',
      kind: 'status',
      path: 'status',
      baseline: statusText(baseline),
      candidate: statusText(candidate),
    })
  if (baseline.error || candidate.error) return differences
  if ((baseline.contentType ?? '') !== (candidate.contentType ?? ''))
    differences.push({
      where: 'header',
      kind: 'content-type',
      path: 'content-type',
      baseline: baseline.contentType ?? '(none)',
      candidate: candidate.contentType ?? '(none)',
    })
  const base = parseBody(baseline.body)
  const cand = parseBody(candidate.body)
  if (base.json === undefined || cand.json === undefined) {
    if (baseline.body !== candidate.body)
      differences.push({
        where: 'body',
        kind: 'text',
        path: '$',
        baseline: clip(baseline.body),
        candidate: clip(candidate.body),
      })
    return differences
  }
  const normalisedBase = normaliseValue(base.json, [], { rules, refs: refs.baseline })
  const normalisedCand = normaliseValue(cand.json, [], { rules, refs: refs.candidate })
  for (const difference of diffJson(normalisedBase, normalisedCand)) differences.push({ where: 'body', ...difference })
  return differences
}

function parseBody(text: string): { json: JsonValue | undefined } {
  if (text.trim() === '') return { json: undefined }
  try {
    return { json: parseLossless(text) }
  } catch {
    return { json: undefined }
  }
}

function clip(text: string, max = 240): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

export interface NormalisedChange {
  inserted: NormalisedRow[]
  deleted: NormalisedRow[]
  changed: { label: string; after: NormalisedRow; columns: string[] }[]
  /** Deleted and inserted again with the same content (Django's stamp rewrite). */
  rewritten: NormalisedRow[]
}

export interface RowNormaliser {
  rules: readonly CompiledRule[]
  fallbackRules: readonly CompiledRule[]
}

export function normaliseChange(
  shape: TableShape,
  change: TableChange,
  normaliser: RowNormaliser,
  refs: RefLabeller,
): NormalisedChange {
  const normalise = (row: JsonObject) => normaliseRow(shape, row, normaliser.rules, normaliser.fallbackRules, refs)
  const inserted = change.inserted.map(normalise)
  const deleted = change.deleted.map(normalise)
  const rewritten: NormalisedRow[] = []
  for (let index = deleted.length - 1; index >= 0; index -= 1) {
    const twin = inserted.findIndex((row) => row.content === deleted[index]!.content)
    if (twin < 0) continue
    rewritten.push(inserted[twin]!)
    inserted.splice(twin, 1)
    deleted.splice(index, 1)
  }
  const changed = change.changed.map(({ before, after }) => {
    const columns = Object.keys(after).filter(
      (column) => renderJson(before[column] ?? null) !== renderJson(after[column] ?? null),
    )
    const normalised = normalise(after)
    return { label: normalised.label, after: normalised, columns }
  })
  return { inserted, deleted, changed, rewritten }
}

const EMPTY: NormalisedChange = { inserted: [], deleted: [], changed: [], rewritten: [] }

/** The rows of one table written by one step on each side, compared after normalisation. */
export function compareTableChanges(
  table: string,
  baseline: NormalisedChange = EMPTY,
  candidate: NormalisedChange = EMPTY,
): Difference[] {
  const differences: Difference[] = [
    ...compareRowSets(table, 'insert', baseline.inserted, candidate.inserted),
    ...compareRowSets(table, 'delete', baseline.deleted, candidate.deleted),
    ...compareChangedRows(table, baseline.changed, candidate.changed),
  ]
  const rewritten = (change: NormalisedChange) =>
    change.rewritten
      .map((row) => row.content)
      .sort()
      .join('\n')
  if (rewritten(baseline) !== rewritten(candidate))
    differences.push({
      where: 'rows',
      kind: 'rewritten',
      op: 'rewrite',
      path: table,
      baseline: `${baseline.rewritten.length} row(s) deleted and inserted again unchanged`,
      candidate: `${candidate.rewritten.length} row(s) deleted and inserted again unchanged`,
    })
  return differences
}

function compareRowSets(
  table: string,
  op: 'insert' | 'delete',
  baseline: readonly NormalisedRow[],
  candidate: readonly NormalisedRow[],
): Difference[] {
  // Matched by content without the row's own id: which id a new row got is the sequence's business,
  // what it holds and which rows it points to are compared.
  const unmatched = [...candidate]
  const baseOnly: NormalisedRow[] = []
  for (const row of baseline) {
    const twin = unmatched.findIndex((other) => other.content === row.content)
    if (twin >= 0) unmatched.splice(twin, 1)
    else baseOnly.push(row)
  }
  const differences: Difference[] = []
  for (const row of baseOnly) {
    const partner = unmatched.findIndex((other) => other.label !== '' && other.label === row.label)
    if (partner >= 0) {
      const [other] = unmatched.splice(partner, 1)
      for (const difference of diffJson(row.withoutKey, other!.withoutKey, [`${table}[${row.label}]`]))
        differences.push({ where: 'rows', op, ...difference })
    } else
      differences.push({
        where: 'rows',
        kind: 'row-only-baseline',
        op,
        path: `${table}[${row.label}]`,
        baseline: renderJson(row.row, 400),
      })
  }
  for (const row of unmatched)
    differences.push({
      where: 'rows',
      kind: 'row-only-candidate',
      op,
      path: `${table}[${row.label}]`,
      candidate: renderJson(row.row, 400),
    })
  return differences
}

function compareChangedRows(
  table: string,
  baseline: NormalisedChange['changed'],
  candidate: NormalisedChange['changed'],
): Difference[] {
  const differences: Difference[] = []
  const byLabel = new Map(candidate.map((change) => [change.label, change]))
  for (const change of baseline) {
    const other = byLabel.get(change.label)
    const path = `${table}[${change.label}]`
    if (!other) {
      differences.push({
        where: 'rows',
        kind: 'row-only-baseline',
        op: 'update',
        path,
        baseline: `columns ${change.columns.join(', ')}`,
      })
      continue
    }
    byLabel.delete(change.label)
    if (change.columns.join(',') !== other.columns.join(','))
      differences.push({
        where: 'rows',
        kind: 'changed-columns',
        op: 'update',
        path,
        baseline: change.columns.join(', '),
        candidate: other.columns.join(', '),
      })
    const columns = [...new Set([...change.columns, ...other.columns])]
    const pick = (row: JsonObject) => Object.fromEntries(columns.map((column) => [column, row[column] ?? null]))
    for (const difference of diffJson(pick(change.after.row), pick(other.after.row), [path]))
      if (difference.kind !== 'key-order') differences.push({ where: 'rows', op: 'update', ...difference })
  }
  for (const change of byLabel.values())
    differences.push({
      where: 'rows',
      kind: 'row-only-candidate',
      op: 'update',
      path: `${table}[${change.label}]`,
      candidate: `columns ${change.columns.join(', ')}`,
    })
  return differences
}

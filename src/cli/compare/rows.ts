import type { Db } from '../../db/pool.js'
import {
  countBusySessions,
  listExistingTables,
  listRowHashes,
  listRowsAsJson,
  listRowsByKey,
  listTableKeys,
} from '../../db/queries/table-snapshots.js'
import {
  canonicalText,
  isJsonObject,
  parseLossless,
  renderJson,
  type JsonObject,
  type JsonValue,
} from './json-values.js'
import { compileRules, normaliseValue, type CompiledRule, type RefLabeller } from './normalise.js'

// The rows one step wrote: each tracked table is read before and after the step, rows are
// matched by primary key, and the change is inserted / deleted / changed rows. Ids are turned
// into labels by insertion order (`=7` for a row that existed before the run, `+3` for the third
// row inserted during it), on each side separately, so the two databases compare equal when the
// same rows were written in the same order even if their sequences drifted apart.

export interface TableShape {
  table: string
  primaryKey: string[]
  /** column → referenced table */
  foreignKeys: Map<string, string>
}

export interface TableChange {
  inserted: JsonObject[]
  deleted: JsonObject[]
  changed: { before: JsonObject; after: JsonObject }[]
}

export async function describeTables(db: Db, wanted: readonly string[]): Promise<TableShape[]> {
  const tables = await listExistingTables(db, wanted)
  const keys = await listTableKeys(db, tables)
  return tables.sort().map((table) => {
    const own = keys.filter((key) => key.table_name === table)
    const foreignKeys = new Map<string, string>()
    for (const key of own)
      if (key.kind === 'f' && key.columns.length === 1) foreignKeys.set(key.columns[0]!, key.referenced_table!)
    return { table, primaryKey: own.find((key) => key.kind === 'p')?.columns ?? [], foreignKeys }
  })
}

type Hashes = Map<string, Map<string, string>>

// A service may write after it answered (our API-key analytics row is written once the response
// has been sent). Before the rows are read, the other sessions of the database must be idle, and
// two reads of the digests a short while apart must agree; both waits are bounded.
const SETTLE_INTERVAL_MS = 10
const SETTLE_LIMIT_MS = 3_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * One side's tracked tables: every row's text is read once at the start, then after each step
 * only digests, and in full just the rows whose digest is new.
 */
export class TableWatcher {
  private hashes: Hashes = new Map()
  /** table → key → row text, as of the last step. */
  readonly rows = new Map<string, Map<string, string>>()

  constructor(
    private readonly db: Db,
    readonly shapes: readonly TableShape[],
  ) {}

  async start(): Promise<void> {
    const tables = await Promise.all(this.shapes.map((shape) => listRowsAsJson(this.db, shape.table, shape.primaryKey)))
    for (const [index, shape] of this.shapes.entries())
      this.rows.set(shape.table, new Map(tables[index]!.map((row) => [row.key, row.row])))
    this.hashes = await this.readHashes()
  }

  /** The rows written since the last call. */
  async takeChanges(): Promise<Map<string, TableChange>> {
    const after = await this.settledHashes()
    const changes = new Map<string, TableChange>()
    for (const shape of this.shapes) {
      const before = this.hashes.get(shape.table) ?? new Map<string, string>()
      const now = after.get(shape.table) ?? new Map<string, string>()
      const touched = [...now].filter(([key, hash]) => before.get(key) !== hash).map(([key]) => key)
      const gone = [...before.keys()].filter((key) => !now.has(key))
      if (touched.length === 0 && gone.length === 0) continue
      const stored = this.rows.get(shape.table)!
      const fresh = touched.length > 0 ? await listRowsByKey(this.db, shape.table, shape.primaryKey, touched) : []
      const change: TableChange = { inserted: [], deleted: [], changed: [] }
      for (const { key, row } of fresh) {
        const previous = stored.get(key)
        if (previous === undefined) change.inserted.push(parseLossless(row) as JsonObject)
        else
          change.changed.push({
            before: parseLossless(previous) as JsonObject,
            after: parseLossless(row) as JsonObject,
          })
        stored.set(key, row)
      }
      for (const key of gone) {
        change.deleted.push(parseLossless(stored.get(key)!) as JsonObject)
        stored.delete(key)
      }
      changes.set(shape.table, change)
    }
    this.hashes = after
    return changes
  }

  private async readHashes(): Promise<Hashes> {
    const hashes: Hashes = new Map(this.shapes.map((shape) => [shape.table, new Map()]))
    for (const row of await listRowHashes(this.db, this.shapes)) hashes.get(row.table_name)!.set(row.key, row.hash)
    return hashes
  }

  private async settledHashes(): Promise<Hashes> {
    const deadline = Date.now() + SETTLE_LIMIT_MS
    await sleep(SETTLE_INTERVAL_MS / 2)
    while ((await countBusySessions(this.db)) > 0 && Date.now() < deadline) await sleep(SETTLE_INTERVAL_MS / 2)
    let previous = await this.readHashes()
    for (;;) {
      await sleep(SETTLE_INTERVAL_MS)
      const next = await this.readHashes()
      if (sameHashes(previous, next) || Date.now() > deadline) return next
      previous = next
    }
  }
}

function sameHashes(a: Hashes, b: Hashes): boolean {
  for (const [table, rows] of a) {
    const other = b.get(table)
    if (!other || other.size !== rows.size) return false
    for (const [key, hash] of rows) if (other.get(key) !== hash) return false
  }
  return true
}

/** Per side: row id → label. Rows present before the first step keep their id (`=7`). */
export class RowLabels implements RefLabeller {
  private readonly labels = new Map<string, Map<string, string>>()
  private readonly counters = new Map<string, number>()

  constructor(private readonly shapes: readonly TableShape[]) {}

  registerExisting(rows: ReadonlyMap<string, ReadonlyMap<string, string>>): void {
    for (const shape of this.shapes) {
      const column = this.idColumn(shape)
      if (!column) continue
      for (const text of rows.get(shape.table)?.values() ?? []) {
        const id = renderJson((parseLossless(text) as JsonObject)[column] ?? null)
        this.tableLabels(shape.table).set(id, `=${id}`)
      }
    }
  }

  /** Labels the rows a step inserted, in id order: the order of the inserts. */
  registerInserted(changes: Map<string, TableChange>): void {
    for (const shape of this.shapes) {
      const column = this.idColumn(shape)
      const inserted = changes.get(shape.table)?.inserted
      if (!column || !inserted) continue
      const ids = inserted.map((row) => renderJson(row[column] ?? null)).sort(compareIds)
      for (const id of ids) {
        const next = (this.counters.get(shape.table) ?? 0) + 1
        this.counters.set(shape.table, next)
        this.tableLabels(shape.table).set(id, `+${next}`)
      }
    }
  }

  label(table: string, id: JsonValue): string | undefined {
    return this.labels.get(table)?.get(renderJson(id))
  }

  private idColumn(shape: TableShape): string | undefined {
    return shape.primaryKey.length === 1 ? shape.primaryKey[0] : undefined
  }

  private tableLabels(table: string): Map<string, string> {
    let labels = this.labels.get(table)
    if (!labels) this.labels.set(table, (labels = new Map()))
    return labels
  }
}

function compareIds(a: string, b: string): number {
  const [x, y] = [a.replace(/^"|"$/g, ''), b.replace(/^"|"$/g, '')]
  if (/^\d+$/.test(x) && /^\d+$/.test(y)) return x.length - y.length || (x < y ? -1 : x > y ? 1 : 0)
  return x < y ? -1 : x > y ? 1 : 0
}

/** The automatic rules of a table: its id and its foreign keys become labels. */
export function referenceRules(shapes: readonly TableShape[]): CompiledRule[] {
  const rules = shapes.flatMap((shape) => [
    ...(shape.primaryKey.length === 1
      ? [{ path: `${shape.table}.${shape.primaryKey[0]}`, as: 'ref' as const, table: shape.table }]
      : []),
    ...[...shape.foreignKeys].map(([column, table]) => ({
      path: `${shape.table}.${column}`,
      as: 'ref' as const,
      table,
    })),
  ])
  return compileRules(rules)
}

export interface NormalisedRow {
  /** The row's own label (`+1`, `=7`); empty for a table without a single-column key. */
  label: string
  row: JsonObject
  withoutKey: JsonObject
  canonical: string
  /** Canonical text without the primary key: a row deleted and inserted again with the same content. */
  content: string
}

export function normaliseRow(
  shape: TableShape,
  row: JsonObject,
  rules: readonly CompiledRule[],
  fallbackRules: readonly CompiledRule[],
  refs: RefLabeller,
): NormalisedRow {
  const normalised = normaliseValue(row, [shape.table], { rules, fallbackRules, refs })
  const object = isJsonObject(normalised) ? normalised : {}
  const idColumn = shape.primaryKey.length === 1 ? shape.primaryKey[0]! : undefined
  const withoutKey = Object.fromEntries(Object.entries(object).filter(([column]) => column !== idColumn))
  const canonical = canonicalText(object)
  const label =
    (idColumn && refs.label(shape.table, row[idColumn] ?? null)) || (idColumn ? renderJson(row[idColumn] ?? null) : '')
  return { label, row: object, withoutKey, canonical, content: canonicalText(withoutKey) }
}

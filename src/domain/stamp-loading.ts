import type { CachedStamp, Credential } from './credentials.js'

export interface CacheRowForScoring {
  id?: number
  provider: string
  stamp: unknown
  updated_at: string
}

/**
 * scoring §1 steps 2–4: group by the cache `provider` column, keep the greatest `updated_at`
 * (strictly greater: on a tie the first row wins), in order of first appearance.
 * `updated_at` is PostgreSQL's text in one session time zone, so it compares as an instant only
 * after parsing; `parseInstant` is passed in to keep this rule pure.
 */
export function pickLatestPerProvider(
  rows: readonly CacheRowForScoring[],
  parseInstant: (text: string) => bigint,
): CachedStamp[] {
  return pickLatestRows(rows, parseInstant).map((row) => ({
    provider: row.provider,
    credential: row.stamp as Credential,
    ...(row.id === undefined ? {} : { cacheId: row.id }),
  }))
}

/** The rule of `pickLatestPerProvider` for any row carrying `provider` and `updated_at`. */
export function pickLatestRows<Row extends { provider: string; updated_at: string }>(
  rows: readonly Row[],
  parseInstant: (text: string) => bigint,
): Row[] {
  const latest = new Map<string, { row: Row; at: bigint }>()
  for (const row of rows) {
    const at = parseInstant(row.updated_at)
    const current = latest.get(row.provider)
    if (!current || at > current.at) latest.set(row.provider, { row, at })
  }
  return [...latest.values()].map(({ row }) => row)
}

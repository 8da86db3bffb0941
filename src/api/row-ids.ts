/**
 * Ids arrive as text or JSON numbers of any size; the domain and the queries take JS numbers. Every
 * id column is a bigint identity that starts at 1, so an id beyond what a number holds exactly
 * (2^53) names no row: Python looks it up and finds nothing, or fails on the bigint overflow (D17).
 * Such an id becomes NO_ROW_ID, which no identity column holds, so the route answers its own
 * "not found" (or "Invalid scorer_id") exactly as for any other unknown id.
 */
const NO_ROW_ID = 0

/** `value` is an integer already (digits, or a number AJV or JSON produced). */
export function rowIdOf(value: number | string): number {
  const id = Number(value)
  return Number.isSafeInteger(id) ? id : NO_ROW_ID
}

import type { Db } from '../db/pool.js'
import { findScoringCommunity } from '../db/queries/scorers.js'
import { DomainError, failWith, translateFailure } from './errors.js'

/** Python caches the JSON-encoded weights in Redis for one minute (`cache.set(…, 1 * 60)`). */
export const WEIGHTS_CACHE_TTL_SECONDS = 60
/** Only resolved communities are cached, so this bounds memory, not behaviour. */
const WEIGHTS_CACHE_MAX_ENTRIES = 10_000

/**
 * Stands in for Python's Redis cache of scorer weights (endpoints §8 step 1). It lives in this
 * process only, so each instance may serve weights up to a minute old independently, where Python's
 * instances share one Redis entry. The key is the resolved community id; Python keys the raw query
 * text, which only changes which spelling of an id ("01", "1") sees a stale entry.
 */
export class ScorerWeightsCache {
  private readonly entries = new Map<number, { weights: unknown; expiresAtMs: number }>()

  get(communityId: number, nowMs: number): unknown {
    const entry = this.entries.get(communityId)
    if (entry === undefined) return undefined
    if (entry.expiresAtMs <= nowMs) {
      this.entries.delete(communityId)
      return undefined
    }
    return entry.weights
  }

  set(communityId: number, weights: unknown, nowMs: number): void {
    if (this.entries.size >= WEIGHTS_CACHE_MAX_ENTRIES) {
      for (const [key, entry] of this.entries) if (entry.expiresAtMs <= nowMs) this.entries.delete(key)
      // Map iteration is insertion order: drop the oldest entry if nothing had expired.
      if (this.entries.size >= WEIGHTS_CACHE_MAX_ENTRIES)
        this.entries.delete(this.entries.keys().next().value as number)
    }
    this.entries.set(communityId, { weights, expiresAtMs: nowMs + WEIGHTS_CACHE_TTL_SECONDS * 1000 })
  }
}

/**
 * Python's `int(text)` as Django applies it to an id lookup: surrounding whitespace, a sign and
 * single underscores between digits are accepted. Undefined when Python would raise ValueError or
 * when the value cannot be an id we could hold.
 */
export function parsePythonIntId(text: string): number | undefined {
  const trimmed = text.trim()
  if (!/^[+-]?\d+(_\d+)*$/.test(trimmed)) return undefined
  const value = Number(trimmed.replaceAll('_', ''))
  return Number.isSafeInteger(value) ? value : undefined
}

/** Python float() of one stored weight, as pydantic's lax `float` accepts it; undefined otherwise. */
export function toPythonFloat(value: unknown): number | undefined {
  if (typeof value === 'number') return value
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'string') {
    const trimmed = value.trim()
    // Decimal spellings only: JS Number() would also take '' and '0x10', which Python rejects.
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return undefined
    const parsed = Number(trimmed)
    // 'inf'/'nan' strings or overflow would make Python emit invalid JSON (Infinity); we refuse.
    return Number.isFinite(parsed) ? parsed : undefined
  }
  return undefined
}

/**
 * The response's `Dict[str, float]`: every stored weight coerced to a float. Anything else fails
 * pydantic's response validation in Python, outside the handler's try: a plain 500.
 */
export function toWeightFloats(weights: unknown): [string, number][] {
  const unhandled = new DomainError('internal', 'Internal Server Error')
  if (weights === null || typeof weights !== 'object' || Array.isArray(weights)) throw unhandled
  return Object.entries(weights as Record<string, unknown>).map(([provider, weight]) => {
    const float = toPythonFloat(weight)
    if (float === undefined) throw unhandled
    return [provider, float]
  })
}

interface WeightsRequest {
  /** The `community_id` query text; empty or absent means the default scorer. */
  communityId: string | undefined
  /** CERAMIC_CACHE_SCORER_ID. */
  defaultCommunityId: number | undefined
  nowMs: number
}

/**
 * endpoints §8: the scorer's own weights (no customization overlay). Every failure to resolve the
 * scorer gives the same text naming the setting, even when `community_id` was given. Python answers
 * it with a 500; a `community_id` that is no id or names no community is the client's, so it is
 * not_found here (D17), while a broken configured scorer stays an internal error.
 */
export async function loadScorerWeights(
  db: Db,
  cache: ScorerWeightsCache,
  request: WeightsRequest,
): Promise<[string, number][]> {
  const text = `Unable to retrieve configured scorer! settings.CERAMIC_CACHE_SCORER_ID=${request.defaultCommunityId ?? 'None'}`
  const unresolved = new DomainError('internal', text)
  const unknown = request.communityId ? new DomainError('not_found', text) : unresolved
  const idText = request.communityId
    ? request.communityId
    : request.defaultCommunityId === undefined
      ? ''
      : String(request.defaultCommunityId)
  const communityId = parsePythonIntId(idText)
  if (communityId === undefined) throw unknown

  let weights = cache.get(communityId, request.nowMs)
  if (weights === undefined) {
    const row = await translateFailure(() => findScoringCommunity(db, communityId), failWith('internal', text))
    if (row === undefined) throw unknown
    if (!row.has_scorer_row) throw unresolved
    // The jsonb's text, parsed as postgres.js parses jsonb.
    weights = row.weights === null ? null : (JSON.parse(row.weights) as unknown)
    cache.set(communityId, weights, request.nowMs)
  }
  return toWeightFloats(weights)
}

import { PyDecimal } from './formats/py-decimal.js'
import { formatDjangoJson, formatPyIso, parsePgTimestamp, type PyDateTime } from './formats/py-datetime.js'
import type { StampScoreEntry } from './score-calculation.js'

export interface PointsData {
  total_points: number
  is_eligible: boolean
  multiplier: number
  breakdown: Record<string, number>
}

/** `V2ScoreResponse` (endpoints §1.6), keys in Python's declaration order. */
export interface V2ScoreResponse {
  address: string
  score: string
  passing_score: boolean
  last_score_timestamp: string | null
  expiration_timestamp: string | null
  threshold: string
  error: string | null
  stamps: Record<string, StampScoreEntry>
  points_data: PointsData | null
  possible_points_data: PointsData | null
  linked_score: null
}

/** The score as Python holds it in memory after a run (or as read back from registry_score). */
export interface ScoreState {
  address: string
  status: 'DONE' | 'ERROR' | 'PROCESSING' | string | null
  error: string | null
  evidence: { rawScore?: unknown; threshold?: unknown } | null
  lastScoreTimestamp: PyDateTime | null
  expirationDate: PyDateTime | null
  stamps: Record<string, StampScoreEntry> | null
}

// parity (scoring §4.6): `evidence.get(key, default) if evidence else default` — an empty dict is
// falsy, a missing key takes the default — and a None value is Decimal(0).
function evidenceDecimal(evidence: ScoreState['evidence'], key: 'rawScore' | 'threshold', fallback: string): PyDecimal {
  const isTruthy = evidence !== null && Object.keys(evidence).length > 0
  const value = isTruthy && evidence[key] !== undefined ? evidence[key] : fallback
  return value === null ? PyDecimal.fromInt(0) : PyDecimal.fromJson(value)
}

/**
 * `format_v2_score_response` (scoring §4.6): raw score and threshold come from the evidence, with
 * "0" and "20" when there is none (so an ERROR score always shows threshold "20.00000").
 */
export function formatV2ScoreResponse(
  state: ScoreState,
  points: { points: PointsData | null; possible: PointsData | null } = { points: null, possible: null },
): V2ScoreResponse {
  const raw = evidenceDecimal(state.evidence, 'rawScore', '0')
  const threshold = evidenceDecimal(state.evidence, 'threshold', '20')
  return {
    address: state.address,
    score: raw.toFixed(5),
    passing_score: raw.gte(threshold),
    last_score_timestamp: state.lastScoreTimestamp ? formatPyIso(state.lastScoreTimestamp) : null,
    expiration_timestamp: state.expirationDate ? formatPyIso(state.expirationDate) : null,
    threshold: threshold.toFixed(5),
    error: state.error,
    stamps: state.stamps ?? {},
    points_data: points.points,
    possible_points_data: points.possible,
    linked_score: null,
  }
}

export interface StoredScore {
  address: string
  status: string | null
  error: string | null
  evidence: unknown
  last_score_timestamp: string | null
  expiration_date: string | null
  stamps: unknown
}

/** A registry_score row as the in-memory state (ceramic-cache GET of a stored score, §9.5). */
export function scoreStateFromRow(row: StoredScore): ScoreState {
  return {
    address: row.address,
    status: row.status,
    error: row.error,
    evidence: row.evidence && typeof row.evidence === 'object' ? (row.evidence as ScoreState['evidence']) : null,
    lastScoreTimestamp: row.last_score_timestamp ? parsePgTimestamp(row.last_score_timestamp) : null,
    expirationDate: row.expiration_date ? parsePgTimestamp(row.expiration_date) : null,
    stamps: row.stamps && typeof row.stamps === 'object' ? (row.stamps as Record<string, StampScoreEntry>) : null,
  }
}

export interface ScoreUpdatePayloadInput {
  scoreId: number
  passportId: number
  score: '1' | '0'
  lastScoreTimestamp: PyDateTime
  evidence: unknown
  stampScores: unknown
  stamps: unknown
  expirationDate: PyDateTime | null
}

/**
 * scoring §5.3: Django's serializer output for the Score, element [0] — one object, not a list —
 * with datetimes in DjangoJSONEncoder format (ms, "Z").
 */
export function scoreUpdateEventData(input: ScoreUpdatePayloadInput): Record<string, unknown> {
  return {
    model: 'registry.score',
    pk: input.scoreId,
    fields: {
      passport: input.passportId,
      score: input.score,
      last_score_timestamp: formatDjangoJson(input.lastScoreTimestamp),
      status: 'DONE',
      error: null,
      evidence: input.evidence,
      stamp_scores: input.stampScores,
      stamps: input.stamps,
      expiration_date: input.expirationDate ? formatDjangoJson(input.expirationDate) : null,
    },
  }
}

import type { StoredScoreRow } from '../db/queries/passports.js'
import { PyDecimal } from './formats/py-decimal.js'
import { parsePgTimestamp, type PyDateTime } from './formats/py-datetime.js'
import type { AddressPoints, PointsSummary } from './human-points.js'
import type { StampScoreEntry } from './score-calculation.js'

/** A passport's score as the V2 response reports it (scoring §4.6): just computed, or as stored. */
export interface PassportScore {
  address: string
  communityId: number
  rawScore: PyDecimal
  threshold: PyDecimal
  /** Passing at equality. */
  isPassing: boolean
  lastScoreTimestamp: PyDateTime | null
  expirationDate: PyDateTime | null
  /** The run's failure text (ERROR state), else null. */
  error: string | null
  /** `registry_score.stamps`: provider → breakdown, as Python stores it (scoring §4.4). */
  stamps: Record<string, StampScoreEntry>
  points: PointsSummary | null
  possiblePoints: PointsSummary | null
}

/** The registry_score fields the response is made of, as Python holds them after a run or reads them back. */
export interface ScoreFields {
  error: string | null
  evidence: unknown
  lastScoreTimestamp: PyDateTime | null
  expirationDate: PyDateTime | null
  stamps: unknown
}

type Evidence = Record<string, unknown> | null

// parity (scoring §4.6): `evidence.get(key, default) if evidence else default` — an empty dict is
// falsy, a missing key takes the default — and a None value is Decimal(0).
function evidenceDecimal(evidence: Evidence, key: 'rawScore' | 'threshold', fallback: string): PyDecimal {
  const isTruthy = evidence !== null && Object.keys(evidence).length > 0
  const value = isTruthy && evidence[key] !== undefined ? evidence[key] : fallback
  return value === null ? PyDecimal.fromInt(0) : PyDecimal.fromJson(value)
}

const asObject = <T>(value: unknown): T | null => (value && typeof value === 'object' ? (value as T) : null)

/**
 * `format_v2_score_response` (scoring §4.6) up to the wire: raw score and threshold come from the
 * evidence, with "0" and "20" when there is none (so an ERROR score always shows threshold 20).
 */
export function toPassportScore(
  address: string,
  communityId: number,
  fields: ScoreFields,
  points: AddressPoints | null = null,
): PassportScore {
  const evidence = asObject<Record<string, unknown>>(fields.evidence)
  const rawScore = evidenceDecimal(evidence, 'rawScore', '0')
  const threshold = evidenceDecimal(evidence, 'threshold', '20')
  return {
    address,
    communityId,
    rawScore,
    threshold,
    isPassing: rawScore.gte(threshold),
    lastScoreTimestamp: fields.lastScoreTimestamp,
    expirationDate: fields.expirationDate,
    error: fields.error,
    stamps: asObject<Record<string, StampScoreEntry>>(fields.stamps) ?? {},
    points: points?.points ?? null,
    possiblePoints: points?.possible ?? null,
  }
}

/** A registry_score row as the in-memory fields (ceramic-cache GET of a stored score, scoring §9.5). */
export function scoreFieldsFromRow(row: StoredScoreRow): ScoreFields {
  return {
    error: row.error,
    evidence: row.evidence,
    lastScoreTimestamp: row.last_score_timestamp ? parsePgTimestamp(row.last_score_timestamp) : null,
    expirationDate: row.expiration_date ? parsePgTimestamp(row.expiration_date) : null,
    stamps: row.stamps,
  }
}

import type { Db } from '../db/pool.js'
import { findAccountCommunityId, findLatestScoreEvent } from '../db/queries/score-history.js'
import { DomainError } from './errors.js'
import { parsePyIsoDateTime } from './formats/py-fromisoformat.js'
import { daysInMonth, fromWallClock, toPgTimestamp, type PyDateTime } from './formats/py-datetime.js'
import { PyDecimal } from './formats/py-decimal.js'
import { isPlainObject } from './formats/py-values.js'

// endpoints §17: a past score, rebuilt from the newest SCORE_UPDATE event at or before a time.

/** The 404 of a missing score carries the address beside `detail`, as Python's handler adds it. */
export class ScoreNotFoundError extends DomainError {
  override readonly extraBody: Readonly<Record<string, string>>

  constructor(address: string, createdAt: string) {
    super('not_found', `No Score Found for ${address} at ${createdAt}`)
    this.extraBody = { address }
  }
}

export interface HistoricalStamp {
  score: string
  dedup: boolean
  expiration_date: string | null
  source_wallet?: string
}

export interface HistoricalScore {
  address: string
  score: PyDecimal
  passingScore: boolean
  /** As stored in the event (Django's serializer text, `…T14:36:10.426Z`), never reformatted. */
  lastScoreTimestamp: string | null
  expirationTimestamp: string | null
  threshold: PyDecimal
  error: string | null
  stamps: Record<string, HistoricalStamp> | null
}

// Django 4.2's datetime_re, the fallback of parse_datetime after fromisoformat.
const DJANGO_DATETIME =
  /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,6})\d{0,6})?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/

function parseDjangoRegexDateTime(text: string): PyDateTime | null {
  const match = DJANGO_DATETIME.exec(text)
  if (!match) return null
  const [year, month, day, hour, minute] = match.slice(1, 6).map(Number) as [number, number, number, number, number]
  const second = Number(match[6] ?? '0')
  const microsecond = Number((match[7] ?? '').padEnd(6, '0'))
  const zone = match[8]
  let offsetMinutes: number | null = null
  if (zone === 'Z') offsetMinutes = 0
  else if (zone !== undefined) {
    offsetMinutes = Number(zone.slice(1, 3)) * 60 + (zone.length > 3 ? Number(zone.slice(-2)) : 0)
    if (zone.startsWith('-')) offsetMinutes = -offsetMinutes
    // datetime.timezone accepts offsets strictly inside ±24 h.
    if (Math.abs(offsetMinutes) >= 24 * 60) return null
  }
  // datetime(**fields) refuses impossible fields; Django then reports the value as invalid.
  const isPossible =
    year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59
  if (!isPossible || second > 59) return null
  const offset = offsetMinutes === null ? null : BigInt(offsetMinutes) * 60_000_000n
  return fromWallClock({ year, month, day, hour, minute, second, microsecond }, offset)
}

/**
 * How django-filter's IsoDateTimeFilter reads `created_at`: stripped, then Python 3.12's
 * fromisoformat, then Django's regex; a naive time is UTC (TIME_ZONE). null when neither reads it.
 */
export function parseCreatedAtFilter(raw: string): PyDateTime | null {
  const text = raw.trim()
  let parsed: PyDateTime | null
  try {
    parsed = parsePyIsoDateTime(text)
  } catch {
    parsed = parseDjangoRegexDateTime(text)
  }
  if (parsed === null) return null
  return parsed.offsetMinutes === null ? { epochMicros: parsed.epochMicros, offsetMinutes: 0 } : parsed
}

const FIRST_UTC_INSTANT = -62_135_596_800_000_000n // 0001-01-01T00:00:00Z
const LAST_UTC_INSTANT = 253_402_300_799_999_999n // 9999-12-31T23:59:59.999999Z

/** A stamp of the event, as pydantic's V2StampScoreResponse takes it (extra keys dropped). */
function toHistoricalStamp(raw: unknown): HistoricalStamp {
  if (!isPlainObject(raw) || typeof raw.score !== 'string' || typeof raw.dedup !== 'boolean')
    throw new Error('SCU event stamp without a text score and a boolean dedup')
  if (!('expiration_date' in raw) || (raw.expiration_date !== null && typeof raw.expiration_date !== 'string'))
    throw new Error('SCU event stamp without expiration_date')
  const stamp: HistoricalStamp = { score: raw.score, dedup: raw.dedup, expiration_date: raw.expiration_date }
  if (typeof raw.source_wallet === 'string') stamp.source_wallet = raw.source_wallet
  return stamp
}

function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') throw new Error(`SCU event ${field} is not text`)
  return value
}

/**
 * Python's reading of an event's data, in both formats: the Django serializer's
 * `{"model", "pk", "fields": {…}}` and the flat score of older events. The score is
 * `evidence.rawScore` when present, else `score`; the threshold `evidence.threshold`, else "0".
 */
export function readScoreEvent(address: string, data: unknown): HistoricalScore {
  if (!isPlainObject(data)) throw new Error('SCU event data is not an object')
  const fields = 'fields' in data ? data.fields : data
  if (!isPlainObject(fields)) throw new Error('SCU event fields are not an object')
  const evidence = fields.evidence || {}
  if (!isPlainObject(evidence)) throw new Error('SCU event evidence is not an object')
  const rawScore = 'evidence' in fields && 'rawScore' in evidence ? evidence.rawScore : (fields.score ?? '0')
  const threshold = PyDecimal.fromJson(evidence.threshold ?? '0')
  const score = PyDecimal.fromJson(rawScore)
  // parity (endpoints §17): `Decimal(score) >= Decimal(threshold) if score else False`.
  const isTruthy = rawScore !== 0 && rawScore !== '' && rawScore !== false
  const stamps = fields.stamps
  if (stamps !== undefined && stamps !== null && !isPlainObject(stamps)) throw new Error('SCU event stamps')
  return {
    address,
    score,
    passingScore: isTruthy && score.gte(threshold),
    lastScoreTimestamp: optionalText(fields.last_score_timestamp, 'last_score_timestamp'),
    expirationTimestamp: optionalText(fields.expiration_date, 'expiration_date'),
    threshold,
    error: optionalText(fields.error, 'error'),
    stamps: stamps ? Object.fromEntries(Object.entries(stamps).map(([p, s]) => [p, toHistoricalStamp(s)])) : null,
  }
}

export interface ScoreHistoryRequest {
  /** The path's scorer id; a negative one names the demo scorer (DEMO_API_SCORER_ID). */
  scorerId: number
  address: string
  createdAt: string
  accountId: number
  hasHistoricalAccess: boolean
  demoApiScorerId: number | undefined
}

/** endpoints §17: permission (403), created_at (400), community (404), event (404), in Python's order. */
export async function getHistoricalScore(db: Db, request: ScoreHistoryRequest): Promise<HistoricalScore> {
  if (!request.hasHistoricalAccess) throw new DomainError('forbidden', 'Invalid permissions for action.')
  if (request.createdAt === '') throw new DomainError('bad_request', 'You must provide created_at as a query param.')
  const scorerId = request.scorerId < 0 ? request.demoApiScorerId : request.scorerId
  const communityId =
    scorerId !== undefined && Number.isSafeInteger(scorerId)
      ? await findAccountCommunityId(db, scorerId, request.accountId)
      : undefined
  if (communityId === undefined) throw new DomainError('not_found', 'No Community matches the given query.')

  const notFound = new ScoreNotFoundError(request.address, request.createdAt)
  // parity (endpoints §17): django-filter drops a filter whose value does not validate, so a time it
  // cannot read means "the newest event", and an address that is blank once stripped means any address.
  const createdAt = parseCreatedAtFilter(request.createdAt)
  if (createdAt !== null && createdAt.epochMicros < FIRST_UTC_INSTANT) throw notFound
  const bound = createdAt === null || createdAt.epochMicros > LAST_UTC_INSTANT ? undefined : toPgTimestamp(createdAt)
  const address = request.address.trim()
  const event = await findLatestScoreEvent(db, {
    communityId,
    address: address === '' ? undefined : address,
    createdAtOrBefore: bound,
  })
  if (!event) throw notFound
  return readScoreEvent(request.address, event.data)
}

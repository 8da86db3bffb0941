import { Type, type Static } from '@sinclair/typebox'
import { formatPyIso } from '../../domain/formats/py-datetime.js'
import type { PointsSummary } from '../../domain/human-points.js'
import type { PassportScore } from '../../domain/passport-score.js'
import { EXAMPLE_V2_SCORE } from './examples.js'

const V2StampScore = Type.Object(
  {
    score: Type.String({ description: 'The weight this stamp added, five decimals; "0.00000" when deduplicated' }),
    dedup: Type.Boolean({ description: 'True when another address had already claimed this stamp' }),
    expiration_date: Type.Union([Type.String(), Type.Null()], { description: "The stamp's expiration" }),
  },
  { title: 'V2StampScoreResponse' },
)

const PointsData = Type.Object(
  {
    total_points: Type.Integer(),
    is_eligible: Type.Boolean(),
    multiplier: Type.Integer(),
    breakdown: Type.Record(Type.String(), Type.Integer(), { description: 'Points per action' }),
  },
  { title: 'PointsData', description: 'Human points of the address (scorers in the human points program)' },
)
type PointsData = Static<typeof PointsData>

/** endpoints §1.6, fields in Python's declaration order. */
export const V2ScoreResponse = Type.Object(
  {
    address: Type.String(),
    score: Type.Union([Type.String(), Type.Null()]),
    passing_score: Type.Boolean(),
    last_score_timestamp: Type.Union([Type.String(), Type.Null()]),
    expiration_timestamp: Type.Union([Type.String(), Type.Null()]),
    threshold: Type.String(),
    error: Type.Union([Type.String(), Type.Null()]),
    stamps: Type.Record(Type.String(), V2StampScore),
    points_data: Type.Union([PointsData, Type.Null()]),
    possible_points_data: Type.Union([PointsData, Type.Null()]),
    linked_score: Type.Null(),
  },
  {
    $id: 'V2ScoreResponse',
    description: 'The score of an address for a scorer, with the weight each stamp added',
    examples: [EXAMPLE_V2_SCORE],
  },
)
export type V2ScoreResponse = Static<typeof V2ScoreResponse>

function formatPointsData(points: PointsSummary | null): PointsData | null {
  if (points === null) return null
  return {
    total_points: points.totalPoints,
    is_eligible: points.isEligible,
    multiplier: points.multiplier,
    breakdown: points.breakdown,
  }
}

/** `format_v2_score_response` (scoring §4.6): five decimals, Python isoformat. */
export function formatV2ScoreResponse(score: PassportScore): V2ScoreResponse {
  return {
    address: score.address,
    score: score.rawScore.toFixed(5),
    passing_score: score.isPassing,
    last_score_timestamp: score.lastScoreTimestamp ? formatPyIso(score.lastScoreTimestamp) : null,
    expiration_timestamp: score.expirationDate ? formatPyIso(score.expirationDate) : null,
    threshold: score.threshold.toFixed(5),
    error: score.error,
    stamps: score.stamps,
    points_data: formatPointsData(score.points),
    possible_points_data: formatPointsData(score.possiblePoints),
    linked_score: null,
  }
}

import { Type, type Static } from '@sinclair/typebox'

export const V2StampScore = Type.Object({
  score: Type.String(),
  dedup: Type.Boolean(),
  expiration_date: Type.Union([Type.String(), Type.Null()]),
})

export const PointsData = Type.Object({
  total_points: Type.Integer(),
  is_eligible: Type.Boolean(),
  multiplier: Type.Integer(),
  breakdown: Type.Record(Type.String(), Type.Integer()),
})

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
  { $id: 'V2ScoreResponse' },
)
export type V2ScoreResponseWire = Static<typeof V2ScoreResponse>

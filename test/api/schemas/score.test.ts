import { describe, expect, it } from 'vitest'
import { formatV2ScoreResponse } from '../../../src/api/schemas/score.js'
import { parsePgTimestamp, type PyDateTime } from '../../../src/domain/formats/py-datetime.js'
import { parsePyIsoDateTime } from '../../../src/domain/formats/py-fromisoformat.js'
import { scoreFieldsFromRow, toPassportScore, type ScoreFields } from '../../../src/domain/passport-score.js'
import type { PointsSummary } from '../../../src/domain/human-points.js'

// 2025-01-15 10:20:30.123456 UTC (scoring §0 P3/P4 vectors)
const NOW: PyDateTime = { epochMicros: 1_736_936_430_123_456n, offsetMinutes: 0 }

const WORKED_STAMPS = {
  Ens: { score: '0.20800', dedup: false, expiration_date: '2025-03-01T00:00:00+00:00' },
  Google: { score: '0.52500', dedup: false, expiration_date: '2025-02-20T12:34:56.789000+00:00' },
  Linkedin: { score: '0.00000', dedup: true, expiration_date: '2025-03-15T08:00:00.000Z' },
}
const WORKED_EVIDENCE = {
  type: 'ThresholdScoreCheck',
  success: false,
  rawScore: '0.7330000000000000126565424807',
  threshold: '20.00000',
}

const ADDRESS = '0xb81c935d01e734b3d8bb233f5c4e1d72dbc30f6c'

function fields(overrides: Partial<ScoreFields>): ScoreFields {
  return { error: null, evidence: null, lastScoreTimestamp: null, expirationDate: null, stamps: null, ...overrides }
}

/** The domain's reading of the stored fields (scoring §4.6), then the wire format. */
const format = (overrides: Partial<ScoreFields>, points: Parameters<typeof toPassportScore>[3] = null) =>
  formatV2ScoreResponse(toPassportScore(ADDRESS, 1, fields(overrides), points))

describe('formatV2ScoreResponse (scoring §4.6)', () => {
  it("scoring §4.7: the worked example's response", () => {
    const response = format({
      evidence: WORKED_EVIDENCE,
      lastScoreTimestamp: NOW,
      expirationDate: parsePyIsoDateTime('2025-02-20T12:34:56.789Z'),
      stamps: WORKED_STAMPS,
    })
    expect(JSON.stringify(response)).toBe(
      JSON.stringify({
        address: '0xb81c935d01e734b3d8bb233f5c4e1d72dbc30f6c',
        score: '0.73300',
        passing_score: false,
        last_score_timestamp: '2025-01-15T10:20:30.123456+00:00',
        expiration_timestamp: '2025-02-20T12:34:56.789000+00:00',
        threshold: '20.00000',
        error: null,
        stamps: WORKED_STAMPS,
        points_data: null,
        possible_points_data: null,
        linked_score: null,
      }),
    )
  })

  it('scoring §4.6: an ERROR score always reports threshold "20.00000" and score "0.00000"', () => {
    expect(format({ error: 'Invalid rule' })).toEqual({
      address: '0xb81c935d01e734b3d8bb233f5c4e1d72dbc30f6c',
      score: '0.00000',
      passing_score: false,
      last_score_timestamp: null,
      expiration_timestamp: null,
      threshold: '20.00000',
      error: 'Invalid rule',
      stamps: {},
      points_data: null,
      possible_points_data: null,
      linked_score: null,
    })
  })

  it('scoring §0 P1/P3: 5 decimals half-even, passing at equality, isoformat keeps the credential offset and omits zero microseconds', () => {
    const response = format({
      evidence: { rawScore: '20.000005', threshold: '20.00000' },
      lastScoreTimestamp: { epochMicros: 1_736_936_430_000_000n, offsetMinutes: 0 },
      expirationDate: parsePyIsoDateTime('2025-02-20T12:34:56+02:00'),
      stamps: {},
    })
    expect(response).toMatchObject({
      score: '20.00000',
      passing_score: true,
      threshold: '20.00000',
      last_score_timestamp: '2025-01-15T10:20:30+00:00',
      expiration_timestamp: '2025-02-20T12:34:56+02:00',
    })
    expect(format({ evidence: { rawScore: '0.000015', threshold: '5' } })).toMatchObject({
      score: '0.00002',
      threshold: '5.00000',
      passing_score: false,
    })
    expect(format({ evidence: { rawScore: '309.5190000000000054014570595', threshold: '100.00000' } })).toMatchObject({
      score: '309.51900',
      passing_score: true,
    })
  })

  it('Python\'s .get defaults: evidence {} is falsy, a missing key reads "0"/"20", a null value reads 0', () => {
    // format_v2_score_response: evidence.get("rawScore", "0") if evidence else "0"; None → Decimal(0).
    expect(format({ evidence: {} })).toMatchObject({
      score: '0.00000',
      threshold: '20.00000',
      passing_score: false,
    })
    expect(format({ evidence: { threshold: '5.00000' } })).toMatchObject({
      score: '0.00000',
      threshold: '5.00000',
      passing_score: false,
    })
    expect(format({ evidence: { rawScore: '7' } })).toMatchObject({
      score: '7.00000',
      threshold: '20.00000',
      passing_score: false,
    })
    expect(format({ evidence: { rawScore: null, threshold: null } })).toMatchObject({
      score: '0.00000',
      threshold: '0.00000',
      passing_score: true,
    })
    expect(format({ evidence: { rawScore: 1.5, threshold: '1.00000' } })).toMatchObject({
      score: '1.50000',
      passing_score: true,
    })
  })
})

describe('scoreFieldsFromRow', () => {
  it('reads registry_score text timestamps with their microseconds', () => {
    const read = scoreFieldsFromRow({
      id: 1,
      passport_id: 1,
      address: ADDRESS,
      score: '0',
      status: 'DONE',
      error: null,
      evidence: WORKED_EVIDENCE,
      last_score_timestamp: '2025-01-15 10:20:30.123456+00',
      expiration_date: '2025-02-20 12:34:56.789+00',
      stamp_scores: {},
      stamps: WORKED_STAMPS,
    })
    expect(read.lastScoreTimestamp).toEqual(parsePgTimestamp('2025-01-15 10:20:30.123456+00'))
    expect(format(read)).toMatchObject({
      last_score_timestamp: '2025-01-15T10:20:30.123456+00:00',
      expiration_timestamp: '2025-02-20T12:34:56.789000+00:00',
      score: '0.73300',
    })
  })
})

describe('points data (scoring §6.4)', () => {
  it("Python's keys in Python's order, for both the points and the possible points", () => {
    const points: PointsSummary = { totalPoints: 700, isEligible: true, multiplier: 2, breakdown: { HKY: 100 } }
    const possible: PointsSummary = { totalPoints: 0, isEligible: false, multiplier: 2, breakdown: { SCB: 500 } }
    const response = format({ evidence: WORKED_EVIDENCE }, { points, possible })
    expect(JSON.stringify([response.points_data, response.possible_points_data])).toBe(
      JSON.stringify([
        { total_points: 700, is_eligible: true, multiplier: 2, breakdown: { HKY: 100 } },
        { total_points: 0, is_eligible: false, multiplier: 2, breakdown: { SCB: 500 } },
      ]),
    )
  })
})

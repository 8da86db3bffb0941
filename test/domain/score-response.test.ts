import { describe, expect, it } from 'vitest'
import { parsePgTimestamp, type PyDateTime } from '../../src/domain/formats/py-datetime.js'
import { parsePyIsoDateTime } from '../../src/domain/formats/py-fromisoformat.js'
import { PyFloat, pyJsonDumps } from '../../src/domain/formats/py-json.js'
import {
  formatV2ScoreResponse,
  scoreStateFromRow,
  scoreUpdateEventData,
  type ScoreState,
} from '../../src/domain/score-response.js'

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

function state(overrides: Partial<ScoreState>): ScoreState {
  return {
    address: '0xb81c935d01e734b3d8bb233f5c4e1d72dbc30f6c',
    status: 'DONE',
    error: null,
    evidence: null,
    lastScoreTimestamp: null,
    expirationDate: null,
    stamps: null,
    ...overrides,
  }
}

describe('formatV2ScoreResponse (scoring §4.6)', () => {
  it("scoring §4.7: the worked example's response", () => {
    const response = formatV2ScoreResponse(
      state({
        evidence: WORKED_EVIDENCE,
        lastScoreTimestamp: NOW,
        expirationDate: parsePyIsoDateTime('2025-02-20T12:34:56.789Z'),
        stamps: WORKED_STAMPS,
      }),
    )
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
    expect(formatV2ScoreResponse(state({ status: 'ERROR', error: 'Invalid rule' }))).toEqual({
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
    const response = formatV2ScoreResponse(
      state({
        evidence: { rawScore: '20.000005', threshold: '20.00000' },
        lastScoreTimestamp: { epochMicros: 1_736_936_430_000_000n, offsetMinutes: 0 },
        expirationDate: parsePyIsoDateTime('2025-02-20T12:34:56+02:00'),
        stamps: {},
      }),
    )
    expect(response).toMatchObject({
      score: '20.00000',
      passing_score: true,
      threshold: '20.00000',
      last_score_timestamp: '2025-01-15T10:20:30+00:00',
      expiration_timestamp: '2025-02-20T12:34:56+02:00',
    })
    expect(formatV2ScoreResponse(state({ evidence: { rawScore: '0.000015', threshold: '5' } }))).toMatchObject({
      score: '0.00002',
      threshold: '5.00000',
      passing_score: false,
    })
    expect(
      formatV2ScoreResponse(state({ evidence: { rawScore: '309.5190000000000054014570595', threshold: '100.00000' } })),
    ).toMatchObject({ score: '309.51900', passing_score: true })
  })

  it('Python\'s .get defaults: evidence {} is falsy, a missing key reads "0"/"20", a null value reads 0', () => {
    // format_v2_score_response: evidence.get("rawScore", "0") if evidence else "0"; None → Decimal(0).
    expect(formatV2ScoreResponse(state({ evidence: {} }))).toMatchObject({
      score: '0.00000',
      threshold: '20.00000',
      passing_score: false,
    })
    expect(formatV2ScoreResponse(state({ evidence: { threshold: '5.00000' } }))).toMatchObject({
      score: '0.00000',
      threshold: '5.00000',
      passing_score: false,
    })
    expect(formatV2ScoreResponse(state({ evidence: { rawScore: '7' } }))).toMatchObject({
      score: '7.00000',
      threshold: '20.00000',
      passing_score: false,
    })
    expect(formatV2ScoreResponse(state({ evidence: { rawScore: null, threshold: null } }))).toMatchObject({
      score: '0.00000',
      threshold: '0.00000',
      passing_score: true,
    })
    expect(formatV2ScoreResponse(state({ evidence: { rawScore: 1.5, threshold: '1.00000' } }))).toMatchObject({
      score: '1.50000',
      passing_score: true,
    })
  })
})

describe('scoreUpdateEventData (scoring §5.3)', () => {
  it('scoring §13.45: the Django serializer object, not a list, with DjangoJSONEncoder datetimes', () => {
    const data = scoreUpdateEventData({
      scoreId: 42,
      passportId: 7,
      score: '0',
      lastScoreTimestamp: NOW,
      evidence: WORKED_EVIDENCE,
      stampScores: { Ens: new PyFloat(0.208), Google: new PyFloat(0.525) },
      stamps: WORKED_STAMPS,
      expirationDate: parsePyIsoDateTime('2025-02-20T12:34:56.789Z'),
    })
    expect(pyJsonDumps(data)).toBe(
      pyJsonDumps({
        model: 'registry.score',
        pk: 42,
        fields: {
          passport: 7,
          score: '0',
          last_score_timestamp: '2025-01-15T10:20:30.123Z',
          status: 'DONE',
          error: null,
          evidence: WORKED_EVIDENCE,
          stamp_scores: { Ens: new PyFloat(0.208), Google: new PyFloat(0.525) },
          stamps: WORKED_STAMPS,
          expiration_date: '2025-02-20T12:34:56.789Z',
        },
      }),
    )
    expect(pyJsonDumps(data)).toContain('"stamp_scores": {"Ens": 0.208, "Google": 0.525}')
  })

  it('scoring §0 P4: whole seconds have no fraction, microseconds are cut to milliseconds, other offsets stay', () => {
    const fields = (lastScoreTimestamp: PyDateTime, expirationDate: PyDateTime | null) =>
      scoreUpdateEventData({
        scoreId: 1,
        passportId: 1,
        score: '1',
        lastScoreTimestamp,
        evidence: null,
        stampScores: {},
        stamps: {},
        expirationDate,
      }).fields as Record<string, unknown>
    expect(fields(parsePyIsoDateTime('2025-03-01T00:00:00Z'), null)).toMatchObject({
      last_score_timestamp: '2025-03-01T00:00:00Z',
      expiration_date: null,
      score: '1',
    })
    expect(
      fields(parsePyIsoDateTime('2025-03-01T00:00:00.000999Z'), parsePyIsoDateTime('2025-02-20T12:34:56+02:00')),
    ).toMatchObject({
      last_score_timestamp: '2025-03-01T00:00:00.000Z',
      expiration_date: '2025-02-20T12:34:56+02:00',
    })
  })
})

describe('scoreStateFromRow', () => {
  it('reads registry_score text timestamps with their microseconds', () => {
    const s = scoreStateFromRow({
      address: '0xabc',
      status: 'DONE',
      error: null,
      evidence: WORKED_EVIDENCE,
      last_score_timestamp: '2025-01-15 10:20:30.123456+00',
      expiration_date: '2025-02-20 12:34:56.789+00',
      stamps: WORKED_STAMPS,
    })
    expect(s.lastScoreTimestamp).toEqual(parsePgTimestamp('2025-01-15 10:20:30.123456+00'))
    expect(formatV2ScoreResponse(s)).toMatchObject({
      last_score_timestamp: '2025-01-15T10:20:30.123456+00:00',
      expiration_timestamp: '2025-02-20T12:34:56.789000+00:00',
      score: '0.73300',
    })
  })
})

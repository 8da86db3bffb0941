import { describe, expect, it } from 'vitest'
import type { PyDateTime } from '../../src/domain/formats/py-datetime.js'
import { parsePyIsoDateTime } from '../../src/domain/formats/py-fromisoformat.js'
import { PyFloat, pyJsonDumps } from '../../src/domain/formats/py-json.js'
import { scoreUpdateEventData } from '../../src/domain/score-storage.js'

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

import { describe, expect, it } from 'vitest'
import type { CachedStamp } from '../../src/domain/credentials.js'
import { formatPyIso } from '../../src/domain/formats/py-datetime.js'
import { PyFloat, pyJsonDumps } from '../../src/domain/formats/py-json.js'
import { calculateScore, WeightsMissingError } from '../../src/domain/score-calculation.js'

// scoring §4.2–§4.4 with literal stamps and weights as postgres.js hands the jsonb over (JSON.parse).
function stamp(provider: string, expirationDate = '2099-01-01T00:00:00.000Z'): CachedStamp {
  return { provider, credential: { expirationDate, credentialSubject: { provider, nullifiers: [`v0:${provider}`] } } }
}

const weightsOf = (json: string) => new Map(Object.entries(JSON.parse(json) as Record<string, unknown>))

const rawScoreOf = (weightsJson: string, providers: string[]) =>
  calculateScore(
    providers.map((p) => stamp(p)),
    new Map(),
    weightsOf(weightsJson),
    '20.00000',
  ).evidence.rawScore

/** stamp_scores as Python's json.dumps writes them (scoring §0 P2). */
const stampScoresJson = (scores: ReadonlyMap<string, number>) =>
  pyJsonDumps(Object.fromEntries([...scores].map(([p, v]) => [p, new PyFloat(v)])))

describe('calculateScore (scoring §4)', () => {
  it('scoring §4.7 (the weights of §13.30): the worked example, float weights, failing', () => {
    const ens = stamp('Ens', '2025-03-01T00:00:00.000Z')
    const google = stamp('Google', '2025-02-20T12:34:56.789Z')
    const linkedin = stamp('Linkedin', '2025-03-15T08:00:00.000Z')
    const computed = calculateScore(
      [ens, google],
      new Map([['Linkedin', linkedin]]),
      weightsOf('{"Ens": 0.208, "Google": 0.525, "Linkedin": 1.5}'),
      '20.00000',
    )

    expect(computed.binaryScore).toBe(0)
    expect(computed.evidence).toEqual({
      type: 'ThresholdScoreCheck',
      success: false,
      rawScore: '0.7330000000000000126565424807',
      threshold: '20.00000',
    })
    expect(stampScoresJson(computed.stampScores)).toBe('{"Ens": 0.208, "Google": 0.525}')
    expect(Object.fromEntries(computed.stamps)).toEqual({
      Ens: { score: '0.20800', dedup: false, expiration_date: '2025-03-01T00:00:00+00:00' },
      Google: { score: '0.52500', dedup: false, expiration_date: '2025-02-20T12:34:56.789000+00:00' },
      Linkedin: { score: '0.00000', dedup: true, expiration_date: '2025-03-15T08:00:00.000Z' },
    })
    expect([...computed.stamps.keys()]).toEqual(['Ens', 'Google', 'Linkedin'])
    expect(formatPyIso(computed.earliestExpiration!)).toBe('2025-02-20T12:34:56.789000+00:00')
  })

  it('scoring §0 P1: rawScore is str() of the running 28-digit half-even sum', () => {
    expect(rawScoreOf('{}', [])).toBe('0')
    expect(rawScoreOf('{"Ens": 15, "Google": 15, "Gitcoin": 15}', ['Ens', 'Google', 'Gitcoin'])).toBe('45')
    expect(rawScoreOf('{"Ens": 0.208, "Google": 0.525}', ['Ens', 'Google'])).toBe('0.7330000000000000126565424807')
    expect(rawScoreOf('{"AllowList#MyList": "10.0000"}', ['AllowList#MyList'])).toBe('10.0000')
    expect(rawScoreOf('{"AllowList#MyList": "10.0000", "Ens": 0.673}', ['AllowList#MyList', 'Ens'])).toBe(
      '10.67300000000000004263256415',
    )
    expect(rawScoreOf('{"AllowList#MyList": "10.0000", "Ens": 0.673}', ['Ens', 'AllowList#MyList'])).toBe(
      '10.67300000000000004263256415',
    )
    expect(rawScoreOf('{"A": 2.0, "B": 3.0}', ['A', 'B'])).toBe('5')
    expect(rawScoreOf('{"A": "1.50", "B": 1}', ['A', 'B'])).toBe('2.50')
    expect(rawScoreOf('{"A": 1e-7}', ['A'])).toBe('9.999999999999999547481118259E-8')
  })

  it('scoring §0 P1: every 5-decimal stamp score is half-even on the exact value', () => {
    const computed = calculateScore(
      [stamp('Tie'), stamp('Up')],
      new Map(),
      weightsOf('{"Tie": 0.015625, "Up": 0.046875}'),
      '20.00000',
    )
    expect(computed.stamps.get('Tie')!.score).toBe('0.01562')
    expect(computed.stamps.get('Up')!.score).toBe('0.04688')
  })

  it('scoring §0 P2: stamp_scores are Python floats (15.0, 0.0, 1e-05)', () => {
    const computed = calculateScore(
      [stamp('Ens'), stamp('Tiny'), stamp('UnknownProvider'), stamp('Text')],
      new Map(),
      weightsOf('{"Ens": 15, "Tiny": 0.00001, "Text": "1.5000"}'),
      '20.00000',
    )
    expect(stampScoresJson(computed.stampScores)).toBe(
      '{"Ens": 15.0, "Tiny": 1e-05, "UnknownProvider": 0.0, "Text": 1.5}',
    )
  })

  it('scoring §13.31/§13.32/§13.34: the binary score is 1 at sum ≥ threshold (inclusive)', () => {
    const weights = weightsOf('{"FirstEthTxnProvider": 1.0, "Google": 1, "Ens": 1.0}')
    expect(calculateScore([stamp('Ens'), stamp('Google')], new Map(), weights, '2.00000')).toMatchObject({
      binaryScore: 1,
      evidence: { success: true, rawScore: '2', threshold: '2.00000' },
    })
    const failing = calculateScore([stamp('Ens'), stamp('Google')], new Map(), weights, '20.00000')
    expect(failing).toMatchObject({
      binaryScore: 0,
      evidence: { type: 'ThresholdScoreCheck', success: false, rawScore: '2', threshold: '20.00000' },
    })
    expect(failing.stamps.get('Ens')!.score).toBe('1.00000')
    expect(calculateScore([stamp('Ens'), stamp('Google')], new Map(), weights, '2.00001')).toMatchObject({
      binaryScore: 0,
      evidence: { success: false },
    })
    expect(calculateScore([stamp('Ens')], new Map(), weightsOf('{"Ens": 15.0}'), '15.00000').binaryScore).toBe(1)
  })

  it('scoring §13.35: an unknown provider weighs 0 but its expiry still counts', () => {
    const computed = calculateScore(
      [stamp('Google', '2099-05-01T00:00:00Z'), stamp('UnknownProvider', '2099-04-01T00:00:00Z')],
      new Map(),
      weightsOf('{"Google": 1}'),
      '20.00000',
    )
    expect(computed.evidence.rawScore).toBe('1')
    expect(computed.stamps.get('UnknownProvider')).toEqual({
      score: '0.00000',
      dedup: false,
      expiration_date: '2099-04-01T00:00:00+00:00',
    })
    expect(formatPyIso(computed.earliestExpiration!)).toBe('2099-04-01T00:00:00+00:00')
  })

  it('scoring §13.36: the earliest expiry compares instants and keeps its own offset', () => {
    const computed = calculateScore(
      [stamp('A', '2099-01-03T00:00:00Z'), stamp('B', '2099-01-02T01:00:00+02:00'), stamp('C', '2099-01-02T00:00:00Z')],
      new Map(),
      weightsOf('{}'),
      '20.00000',
    )
    expect(formatPyIso(computed.earliestExpiration!)).toBe('2099-01-02T01:00:00+02:00')
    expect(computed.stamps.get('B')!.expiration_date).toBe('2099-01-02T01:00:00+02:00')
  })

  it('scoring §13.40: a provider twice (quirk Q4.1) counts once, but its stamp score ends 0.0', () => {
    const computed = calculateScore(
      [stamp('Ens', '2099-02-01T00:00:00Z'), stamp('Ens', '2099-01-01T00:00:00Z')],
      new Map(),
      weightsOf('{"Ens": 1.0}'),
      '20.00000',
    )
    expect(computed.evidence.rawScore).toBe('1')
    expect(stampScoresJson(computed.stampScores)).toBe('{"Ens": 0.0}')
    expect(computed.stamps.get('Ens')).toEqual({
      score: '0.00000',
      dedup: false,
      expiration_date: '2099-02-01T00:00:00+00:00',
    })
    expect(formatPyIso(computed.earliestExpiration!)).toBe('2099-02-01T00:00:00+00:00')
  })

  it('scoring §4.4: a clash of a provider that was also kept shows its score with dedup true and the raw clash expiry', () => {
    const computed = calculateScore(
      [stamp('Ens', '2099-02-01T00:00:00Z')],
      new Map([['Ens', stamp('Ens', '2099-03-01T00:00:00.000Z')]]),
      weightsOf('{"Ens": 1.0}'),
      '20.00000',
    )
    expect(computed.stamps.get('Ens')).toEqual({
      score: '1.00000',
      dedup: true,
      expiration_date: '2099-03-01T00:00:00.000Z',
    })
  })

  it('scoring §13.29: no kept stamps → "0", no expiry, empty breakdowns; a deduped stamp shows its raw expirationDate', () => {
    const computed = calculateScore(
      [],
      new Map([['Ens', stamp('Ens', '2099-03-01T00:00:00.000Z')]]),
      weightsOf('{"Ens": 1}'),
      '20.00000',
    )
    expect(computed).toMatchObject({
      binaryScore: 0,
      evidence: { rawScore: '0', threshold: '20.00000' },
      earliestExpiration: null,
    })
    expect(computed.stampScores.size).toBe(0)
    expect(Object.fromEntries(computed.stamps)).toEqual({
      Ens: { score: '0.00000', dedup: true, expiration_date: '2099-03-01T00:00:00.000Z' },
    })
  })

  it("Python's errors: NULL scorer weights fail on the first stamp; a null weight cannot become a Decimal", () => {
    expect(() => calculateScore([stamp('Ens')], new Map(), null, '20.00000')).toThrow(WeightsMissingError)
    expect(() => calculateScore([stamp('Ens')], new Map(), null, '20.00000')).toThrow(
      "'NoneType' object has no attribute 'get'",
    )
    expect(calculateScore([], new Map(), null, '20.00000').evidence.rawScore).toBe('0')
    expect(() => calculateScore([stamp('Ens')], new Map(), weightsOf('{"Ens": null}'), '20.00000')).toThrow(
      'conversion from NoneType to Decimal is not supported',
    )
  })
})

describe('calculateScore remembered by its inputs (issue 16)', () => {
  const weightsMap = (entries: [string, unknown][]) => new Map<string, unknown>(entries)

  it('the same inputs give one frozen result, shared', () => {
    const inputs = () =>
      [[stamp('Ens'), stamp('Google')], new Map(), weightsOf('{"Ens": 0.208, "Google": 0.525}')] as const
    const first = calculateScore(...inputs(), '20.00000')
    expect(calculateScore(...inputs(), '20.00000')).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
    expect(Object.isFrozen(first.evidence)).toBe(true)
    expect(Object.isFrozen(first.stamps.get('Ens'))).toBe(true)
    expect(first.evidence.rawScore).toBe('0.7330000000000000126565424807')
  })

  it('P1/P2: a weight of -0.0 is not the weight 0 (Decimal("-0") and "-0.0" in stamp_scores)', () => {
    const zero = calculateScore([stamp('Ens')], new Map(), weightsMap([['Ens', 0]]), '20')
    const negativeZero = calculateScore([stamp('Ens')], new Map(), weightsMap([['Ens', -0]]), '20')
    expect(Object.is(zero.stampScores.get('Ens'), 0)).toBe(true)
    expect(Object.is(negativeZero.stampScores.get('Ens'), -0)).toBe(true)
    expect(stampScoresJson(negativeZero.stampScores)).toBe('{"Ens": -0.0}')
  })

  it('P1: the weight "0.1" (a JSON string) is not the weight 0.1 (a JSON float)', () => {
    const asText = calculateScore([stamp('Ens')], new Map(), weightsMap([['Ens', '0.1']]), '20')
    const asFloat = calculateScore([stamp('Ens')], new Map(), weightsMap([['Ens', 0.1]]), '20')
    expect(asText.evidence.rawScore).toBe('0.1')
    expect(asFloat.evidence.rawScore).toBe('0.1000000000000000055511151231')
  })

  it('scoring §4.4: the same instant spelled with another offset is another expiry text', () => {
    const utc = calculateScore([stamp('Ens', '2099-01-01T02:00:00+00:00')], new Map(), weightsMap([['Ens', 1]]), '20')
    const plusTwo = calculateScore(
      [stamp('Ens', '2099-01-01T04:00:00+02:00')],
      new Map(),
      weightsMap([['Ens', 1]]),
      '20',
    )
    expect(utc.stamps.get('Ens')!.expiration_date).toBe('2099-01-01T02:00:00+00:00')
    expect(plusTwo.stamps.get('Ens')!.expiration_date).toBe('2099-01-01T04:00:00+02:00')
  })

  it('the threshold, a missing weight, a clashing stamp and the order of the kept stamps are inputs too', () => {
    const weights = weightsMap([
      ['Ens', 10],
      ['Google', 15],
    ])
    expect(calculateScore([stamp('Ens')], new Map(), weights, '5').binaryScore).toBe(1)
    expect(calculateScore([stamp('Ens')], new Map(), weights, '50').binaryScore).toBe(0)
    expect(calculateScore([stamp('Lens')], new Map(), weights, '5').evidence.rawScore).toBe('0')
    const clashing = calculateScore([stamp('Ens')], new Map([['Google', stamp('Google')]]), weights, '5')
    expect([...clashing.stamps.keys()]).toEqual(['Ens', 'Google'])
    expect([...calculateScore([stamp('Google'), stamp('Ens')], new Map(), weights, '5').stamps.keys()]).toEqual([
      'Google',
      'Ens',
    ])
  })

  it('WeightsMissingError every time for a scorer without weights', () => {
    for (let i = 0; i < 2; i += 1)
      expect(() => calculateScore([stamp('Ens')], new Map(), null, '20')).toThrow(WeightsMissingError)
  })
})

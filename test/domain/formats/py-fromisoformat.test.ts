import { describe, expect, it } from 'vitest'
import { formatDjangoJson, formatPyIso, PyValueError } from '../../../src/domain/formats/py-datetime.js'
import { parsePyIsoDateTime } from '../../../src/domain/formats/py-fromisoformat.js'

// Python 3.12's datetime.fromisoformat, which reads credential dates (scoring §0 P3); each
// parsed value is shown through formatPyIso, Python's isoformat().
const roundTrip = (text: string): string => formatPyIso(parsePyIsoDateTime(text))

describe('parsePyIsoDateTime (scoring §0 P3)', () => {
  it('P3 parsing: Z, ±HH:MM, ±HHMM, ±HH, space separator, basic format', () => {
    expect(roundTrip('2024-04-17T14:20:18+0530')).toBe('2024-04-17T14:20:18+05:30')
    expect(roundTrip('2024-04-17T14:20:18-07')).toBe('2024-04-17T14:20:18-07:00')
    expect(roundTrip('2024-04-17 14:20:18Z')).toBe('2024-04-17T14:20:18+00:00')
    expect(roundTrip('20240417T142018Z')).toBe('2024-04-17T14:20:18+00:00')
    expect(roundTrip('2024-04-17T14:20')).toBe('2024-04-17T14:20:00')
    expect(roundTrip('2024-04-17T14')).toBe('2024-04-17T14:00:00')
  })

  it('P3 parsing: fractions of any length, "." or ",", digits after the 6th truncated', () => {
    expect(roundTrip('2024-01-01T12:00:00.5Z')).toBe('2024-01-01T12:00:00.500000+00:00')
    expect(roundTrip('2024-01-01T12:00:00.1234567Z')).toBe('2024-01-01T12:00:00.123456+00:00')
    expect(roundTrip('2024-01-01T12:00:00.1234569999Z')).toBe('2024-01-01T12:00:00.123456+00:00')
    expect(roundTrip('2024-01-01T12:00:00,25')).toBe('2024-01-01T12:00:00.250000')
    expect(roundTrip('2024-01-01T12,5')).toBe('2024-01-01T12:00:00.500000')
  })

  it('P3 parsing: a date alone is a naive midnight, and so is any value without an offset', () => {
    const naive = parsePyIsoDateTime('2024-04-17')
    expect(naive.offsetMinutes).toBeNull()
    expect(formatPyIso(naive)).toBe('2024-04-17T00:00:00')
    expect(formatDjangoJson(naive)).toBe('2024-04-17T00:00:00')
  })

  it('P3 parsing: any single character separates date and time, ISO week dates are read', () => {
    expect(roundTrip('2024-01-01é12:00')).toBe('2024-01-01T12:00:00')
    expect(roundTrip('2024-01-01😀12:00')).toBe('2024-01-01T12:00:00')
    expect(roundTrip('2024-W01-2T00:05:23.283')).toBe('2024-01-02T00:05:23.283000')
    expect(roundTrip('2020-W53-1')).toBe('2020-12-28T00:00:00')
  })

  it('P3 parsing quirks kept: offsets with seconds, minutes ≥ 60 in an offset, an empty fraction', () => {
    expect(roundTrip('2024-01-01T00:00+05:30:15')).toBe('2024-01-01T00:00:00+05:30:15')
    expect(parsePyIsoDateTime('2024-01-01T00:00+05:30:15').offsetMinutes).toBe(330.25)
    expect(roundTrip('2024-01-01T00:00+23:59:59.999999')).toBe('2024-01-01T00:00:00+23:59:59.999999')
    expect(roundTrip('2024-01-01T00:00+00:00:00.5')).toBe('2024-01-01T00:00:00+00:00')
    expect(roundTrip('2024-01-01T00:00+05:99')).toBe('2024-01-01T00:00:00+06:39')
    expect(roundTrip('2024-01-01T12:00:00.Z')).toBe('2024-01-01T12:00:00+00:00')
  })

  it('P3 parsing: malformed strings raise ValueError "Invalid isoformat string: <repr>"', () => {
    const cases: [string, string][] = [
      ['2024-01-01T12:00Z ', "'2024-01-01T12:00Z '"],
      [' 2024-01-01', "' 2024-01-01'"],
      ['2024-01-01T', "'2024-01-01T'"],
      ['2024-0101', "'2024-0101'"],
      ['2024-01-01T1:00', "'2024-01-01T1:00'"],
      ['2024-01-01T12:00:00Z+01:00', "'2024-01-01T12:00:00Z+01:00'"],
      ['2024-W53-1', "'2024-W53-1'"],
      ['short', "'short'"],
      ["it's", `"it's"`],
      ['2024-01-01\tx\u2028', "'2024-01-01\\tx\\u2028'"],
    ]
    for (const [text, repr] of cases) {
      expect(() => parsePyIsoDateTime(text), text).toThrow(new PyValueError(`Invalid isoformat string: ${repr}`))
    }
  })

  it("P3 parsing: well-formed but impossible fields raise Python's own messages", () => {
    const cases: [string, string][] = [
      ['2024-13-01', 'month must be in 1..12'],
      ['2024-02-30', 'day is out of range for month'],
      ['0000-01-01', 'year 0 is out of range'],
      ['2024-01-01T24:00', 'hour must be in 0..23'],
      ['2024-01-01T12:60', 'minute must be in 0..59'],
      ['2024-01-01T12:00:60', 'second must be in 0..59'],
      ['9999-W52-7', 'year 10000 is out of range'],
      [
        '2024-01-01T00:00+24:00',
        'offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24), not datetime.timedelta(days=1).',
      ],
      [
        '2024-01-01T00:00-24:00',
        'offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24), not datetime.timedelta(days=-1).',
      ],
    ]
    for (const [text, message] of cases) {
      expect(() => parsePyIsoDateTime(text), text).toThrow(new PyValueError(message))
    }
  })
})

import { describe, expect, it } from 'vitest'
import {
  addMicros,
  comparePyDateTime,
  equalsPyDateTime,
  formatDjangoJson,
  formatPyIso,
  fromEpochMillis,
  nowUtc,
  parsePgTimestamp,
  PyOverflowError,
  PyTypeError,
  toEpochMillis,
  toPgTimestamp,
  type PyDateTime,
} from '../../../src/domain/formats/py-datetime.js'
import { parsePyIsoDateTime } from '../../../src/domain/formats/py-fromisoformat.js'

const utc = (iso: string, micros = 0n): PyDateTime => ({
  epochMicros: BigInt(Date.parse(iso)) * 1000n + micros,
  offsetMinutes: 0,
})
const roundTrip = (text: string): string => formatPyIso(parsePyIsoDateTime(text))

describe('Python datetimes (scoring §0 P3/P4)', () => {
  it('P3: isoformat of parsed credential dates: "+00:00" never "Z", fraction only when non-zero', () => {
    expect(roundTrip('2025-03-01T00:00:00.000Z')).toBe('2025-03-01T00:00:00+00:00')
    expect(roundTrip('2025-02-20T12:34:56.789Z')).toBe('2025-02-20T12:34:56.789000+00:00')
    expect(roundTrip('2025-02-20T12:34:56+02:00')).toBe('2025-02-20T12:34:56+02:00')
    expect(formatPyIso(utc('2025-01-15T10:20:30.123Z', 456n))).toBe('2025-01-15T10:20:30.123456+00:00')
  })

  it('P3: the original offset is kept while the instant is exact', () => {
    const parsed = parsePyIsoDateTime('2025-02-20T12:34:56+02:00')
    expect(parsed.offsetMinutes).toBe(120)
    expect(parsed.epochMicros).toBe(BigInt(Date.parse('2025-02-20T10:34:56Z')) * 1000n)
    expect(roundTrip('2025-02-20T12:34:56-07:30')).toBe('2025-02-20T12:34:56-07:30')
    expect(roundTrip('2024-01-01T12:00:00-00:00')).toBe('2024-01-01T12:00:00+00:00')
  })

  it('P4: DjangoJSONEncoder truncates to milliseconds and writes "Z" for UTC', () => {
    expect(formatDjangoJson(utc('2025-01-15T10:20:30.123Z', 456n))).toBe('2025-01-15T10:20:30.123Z')
    expect(formatDjangoJson(utc('2025-03-01T00:00:00Z'))).toBe('2025-03-01T00:00:00Z')
    expect(formatDjangoJson(parsePyIsoDateTime('2025-02-20T12:34:56+02:00'))).toBe('2025-02-20T12:34:56+02:00')
    expect(formatDjangoJson(utc('2025-01-01T00:00:00Z', 999n))).toBe('2025-01-01T00:00:00.000Z')
    expect(formatDjangoJson(parsePyIsoDateTime('2025-01-01T00:00:00.123456'))).toBe('2025-01-01T00:00:00.123')
  })

  it('scoring §2 Q2.3: ordering a naive and an aware datetime raises TypeError; == is just false', () => {
    const naive = parsePyIsoDateTime('2024-04-17')
    const aware = parsePyIsoDateTime('2024-04-17T00:00:00Z')
    expect(() => comparePyDateTime(naive, aware)).toThrow(
      new PyTypeError("can't compare offset-naive and offset-aware datetimes"),
    )
    expect(equalsPyDateTime(naive, aware)).toBe(false)
    expect(comparePyDateTime(naive, parsePyIsoDateTime('2024-04-18'))).toBe(-1)
  })

  it('aware datetimes compare as instants whatever their offsets', () => {
    const a = parsePyIsoDateTime('2025-02-20T12:34:56+02:00')
    const b = parsePyIsoDateTime('2025-02-20T10:34:56Z')
    expect(comparePyDateTime(a, b)).toBe(0)
    expect(equalsPyDateTime(a, b)).toBe(true)
    expect(comparePyDateTime(a, addMicros(b, 1n))).toBe(-1)
    expect(comparePyDateTime(addMicros(a, 1n), b)).toBe(1)
  })

  it('addMicros keeps the offset and overflows outside years 1..9999 like timedelta arithmetic', () => {
    const start = parsePyIsoDateTime('2025-02-20T23:59:59.999999+02:00')
    expect(formatPyIso(addMicros(start, 1n))).toBe('2025-02-21T00:00:00+02:00')
    expect(formatPyIso(addMicros(start, 90n * 86_400_000_000n))).toBe('2025-05-21T23:59:59.999999+02:00')
    expect(() => addMicros(parsePyIsoDateTime('9999-12-31T23:59:59'), 1_000_000n)).toThrow(
      new PyOverflowError('date value out of range'),
    )
  })

  it('PostgreSQL timestamptz text: microseconds and the printed offset are kept', () => {
    const value = parsePgTimestamp('2025-01-15 10:20:30.123456+00')
    expect(formatPyIso(value)).toBe('2025-01-15T10:20:30.123456+00:00')
    expect(formatDjangoJson(value)).toBe('2025-01-15T10:20:30.123Z')
    expect(formatPyIso(parsePgTimestamp('2025-01-15 10:20:30+00'))).toBe('2025-01-15T10:20:30+00:00')
    expect(formatPyIso(parsePgTimestamp('2025-01-15 10:20:30.12+05:30'))).toBe('2025-01-15T10:20:30.120000+05:30')
    expect(formatPyIso(parsePgTimestamp('2025-01-15 10:20:30-07'))).toBe('2025-01-15T10:20:30-07:00')
    expect(formatPyIso(parsePgTimestamp('1890-01-01 00:00:00+05:53:28'))).toBe('1890-01-01T00:00:00+05:53:28')
    expect(parsePgTimestamp('2025-01-15 10:20:30-07').epochMicros).toBe(
      BigInt(Date.parse('2025-01-15T17:20:30Z')) * 1000n,
    )
  })

  it('PostgreSQL values Python cannot hold throw', () => {
    for (const text of ['infinity', '-infinity', '0001-01-01 00:00:00+00 BC', '10000-01-01 00:00:00+00', 'garbage']) {
      expect(() => parsePgTimestamp(text), text).toThrow(RangeError)
    }
  })

  it('toPgTimestamp binds the instant in UTC with microseconds; naive is taken as UTC', () => {
    expect(toPgTimestamp(parsePyIsoDateTime('2025-02-20T12:34:56.5+02:00'))).toBe('2025-02-20T10:34:56.500000+00:00')
    expect(toPgTimestamp(parsePyIsoDateTime('2024-04-17'))).toBe('2024-04-17T00:00:00.000000+00:00')
    const value = parsePgTimestamp('2025-01-15 10:20:30.000001+00')
    expect(parsePgTimestamp(toPgTimestamp(value).replace('T', ' ').replace('+00:00', '+00'))).toEqual(value)
  })

  it('nowUtc is aware UTC with microseconds, close to Date.now() and never decreasing', () => {
    const before = Date.now()
    const samples = Array.from({ length: 1000 }, () => nowUtc())
    const after = Date.now()
    expect(samples.every((sample) => sample.offsetMinutes === 0)).toBe(true)
    for (let i = 1; i < samples.length; i += 1)
      expect(comparePyDateTime(samples[i - 1] as PyDateTime, samples[i] as PyDateTime)).toBeLessThanOrEqual(0)
    expect(toEpochMillis(samples[0] as PyDateTime)).toBeGreaterThanOrEqual(before - 50)
    expect(toEpochMillis(samples[999] as PyDateTime)).toBeLessThanOrEqual(after + 50)
  })

  it('fromEpochMillis gives an aware UTC datetime', () => {
    expect(formatPyIso(fromEpochMillis(Date.parse('2025-01-15T10:20:30.123Z')))).toBe(
      '2025-01-15T10:20:30.123000+00:00',
    )
    expect(formatPyIso(fromEpochMillis(-1))).toBe('1969-12-31T23:59:59.999000+00:00')
    expect(toEpochMillis(fromEpochMillis(1737000000123))).toBe(1737000000123)
  })
})

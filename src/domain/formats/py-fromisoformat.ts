// Python 3.12's datetime.fromisoformat, kept apart from the rest of py-datetime.ts because it is a
// port of a parser rather than a format.
import {
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  floorDiv,
  fromWallClock,
  isLeapYear,
  MICROS_PER_DAY,
  MICROS_PER_SECOND,
  PyValueError,
  type PyDateTime,
} from './py-datetime.js'
import { memoizeByInput } from './memo.js'
import { pyRepr } from './py-values.js'

// datetime.fromisoformat follows the algorithm of CPython 3.12's C parser (_datetimemodule.c),
// run like it over the UTF-8 bytes with a NUL after them, so the same strings are accepted and
// rejected: any single separator character, "Z", ±HH[:MM[:SS[.ffffff]]] and the basic ±HHMM forms,
// fractions of any length after "." or "," (digits after the 6th are truncated), basic
// "20240417T142018Z", ISO week dates "2024-W01-2", and a date alone (naive midnight). A string that
// parses but holds impossible fields gets Python's own message ("month must be in 1..12"), not
// "Invalid isoformat string". Checked against CPython 3.11.7, whose parser is the same apart from
// week dates of year 0 (test/domain/formats/python-vectors.json).

const DASH = 0x2d
const COLON = 0x3a
const PLUS = 0x2b
const LETTER_W = 0x57
const LETTER_Z = 0x5a

const byteAt = (buf: Uint8Array, index: number): number => buf[index] ?? 0
const isDigit = (byte: number): boolean => byte >= 0x30 && byte <= 0x39

function parseDigits(buf: Uint8Array, start: number, count: number): number | null {
  let value = 0
  for (let i = 0; i < count; i += 1) {
    const byte = byteAt(buf, start + i)
    if (!isDigit(byte)) return null
    value = value * 10 + byte - 0x30
  }
  return value
}

interface Parsed {
  rv: number
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  microsecond: number
  tzSeconds: number
  tzMicros: number
}

/** Python's datetime(...).toordinal(): 0001-01-01 is day 1. */
const ordinal = (year: number, month: number, day: number): number => daysFromCivil(year, month, day) + 719163

function isoToYmd(parsed: Parsed, isoYear: number, week: number, weekday: number): number {
  if (isoYear < 1 || isoYear > 9999) return -4
  const firstWeekday = (ordinal(isoYear, 1, 1) + 6) % 7
  if (week <= 0 || week >= 53) {
    if (!(week === 53 && (firstWeekday === 3 || (firstWeekday === 2 && isLeapYear(isoYear))))) return -2
  }
  if (weekday <= 0 || weekday >= 8) return -3
  const week1Monday = ordinal(isoYear, 1, 1) - firstWeekday + (firstWeekday > 3 ? 7 : 0)
  ;[parsed.year, parsed.month, parsed.day] = civilFromDays(week1Monday + (week - 1) * 7 + weekday - 1 - 719163)
  return 0
}

function parseIsoDate(buf: Uint8Array, length: number, parsed: Parsed): number {
  const year = parseDigits(buf, 0, 4)
  if (year === null) return -1
  parsed.year = year
  let p = 4
  const usesSeparator = byteAt(buf, p) === DASH
  if (usesSeparator) p += 1
  if (byteAt(buf, p) === LETTER_W) {
    const week = parseDigits(buf, p + 1, 2)
    if (week === null) return -3
    p += 3
    let weekday = 1
    if (p < length) {
      if (usesSeparator && byteAt(buf, p++) !== DASH) return -2
      const digit = parseDigits(buf, p, 1)
      if (digit === null) return -4
      weekday = digit
    }
    const rv = isoToYmd(parsed, year, week, weekday)
    return rv === 0 ? 0 : -3 + rv
  }
  const month = parseDigits(buf, p, 2)
  if (month === null) return -1
  p += 2
  if (usesSeparator && byteAt(buf, p++) !== DASH) return -2
  const day = parseDigits(buf, p, 2)
  if (day === null) return -1
  parsed.month = month
  parsed.day = day
  return 0
}

/** parse_hh_mm_ss_ff: 0 = consumed to the end, 1 = more text follows, < 0 = malformed. */
function parseTimeFields(
  buf: Uint8Array,
  start: number,
  end: number,
): { rv: number; fields: [number, number, number]; micros: number } {
  const fields: [number, number, number] = [0, 0, 0]
  let p = start
  let hasSeparator = true
  for (let i = 0; i < 3; i += 1) {
    const value = parseDigits(buf, p, 2)
    if (value === null) return { rv: -3, fields, micros: 0 }
    fields[i] = value
    p += 2
    const byte = byteAt(buf, p++)
    if (i === 0) hasSeparator = byte === COLON
    if (p >= end) return { rv: byte !== 0 ? 1 : 0, fields, micros: 0 }
    if (hasSeparator && byte === COLON) continue
    if (byte === 0x2e || byte === 0x2c) break
    if (hasSeparator) return { rv: -4, fields, micros: 0 }
    p -= 1
  }
  const digits = Math.min(end - p, 6)
  const fraction = parseDigits(buf, p, digits)
  if (fraction === null) return { rv: -3, fields, micros: 0 }
  p += digits
  while (isDigit(byteAt(buf, p))) p += 1
  return { rv: byteAt(buf, p) !== 0 ? 1 : 0, fields, micros: fraction * 10 ** (6 - digits) }
}

function parseIsoTime(buf: Uint8Array, start: number, length: number, parsed: Parsed): number {
  const end = start + length
  let zone = start
  do {
    const byte = byteAt(buf, zone)
    if (byte === LETTER_Z || byte === PLUS || byte === DASH) break
  } while (++zone < end)
  const time = parseTimeFields(buf, start, zone)
  ;[parsed.hour, parsed.minute, parsed.second] = time.fields
  parsed.microsecond = time.micros
  if (time.rv < 0) return time.rv
  if (zone === end) return time.rv === 1 ? -5 : 0
  if (byteAt(buf, zone) === LETTER_Z) return byteAt(buf, zone + 1) !== 0 ? -5 : 1
  const sign = byteAt(buf, zone) === DASH ? -1 : 1
  const offset = parseTimeFields(buf, zone + 1, end)
  const [hours, minutes, seconds] = offset.fields
  parsed.tzSeconds = sign * (hours * 3600 + minutes * 60 + seconds)
  parsed.tzMicros = sign * offset.micros
  return offset.rv !== 0 ? -5 : 1
}

/** _find_isoformat_datetime_separator: where the date ends, from the shape of its first bytes. */
function findSeparator(buf: Uint8Array, length: number): number {
  if (length === 7) return 7
  if (byteAt(buf, 4) === DASH) {
    if (byteAt(buf, 5) !== LETTER_W) return 10
    if (length < 8) return -1
    if (length > 8 && byteAt(buf, 8) === DASH) {
      if (length === 9) return -1
      return length > 10 && isDigit(byteAt(buf, 10)) ? 8 : 10
    }
    return 8
  }
  if (byteAt(buf, 4) !== LETTER_W) return 8
  let index = 7
  while (index < length && isDigit(byteAt(buf, index))) index += 1
  if (index < 9) return index
  return index % 2 === 0 ? 7 : 8
}

const isLoneSurrogate = (char: string): boolean =>
  char.length === 1 && char.charCodeAt(0) >= 0xd800 && char.charCodeAt(0) <= 0xdfff

/** _sanitize_isoformat_str + PyUnicode_AsUTF8AndSize; null where Python reports an invalid string. */
function toUtf8Bytes(text: string): Uint8Array | null {
  const codePoints = Array.from(text)
  if (codePoints.length < 7) return null
  for (const position of [7, 8, 10]) {
    if (position > codePoints.length) break
    if (isLoneSurrogate(codePoints[position] ?? '')) {
      codePoints[position] = 'T'
      break
    }
  }
  if (codePoints.some(isLoneSurrogate)) return null
  const bytes = new TextEncoder().encode(codePoints.join(''))
  const buf = new Uint8Array(bytes.length + 1)
  buf.set(bytes)
  return buf
}

function timedeltaRepr(micros: bigint): string {
  const days = floorDiv(micros, MICROS_PER_DAY)
  const rest = micros - days * MICROS_PER_DAY
  const parts: string[] = []
  if (days !== 0n) parts.push(`days=${days}`)
  if (rest / MICROS_PER_SECOND !== 0n) parts.push(`seconds=${rest / MICROS_PER_SECOND}`)
  if (rest % MICROS_PER_SECOND !== 0n) parts.push(`microseconds=${rest % MICROS_PER_SECOND}`)
  return `datetime.timedelta(${parts.length === 0 ? '0' : parts.join(', ')})`
}

/** tzinfo_from_isoformat_results + new_timezone: a zero offset is UTC (sub-second part dropped). */
function offsetOf(parsed: Parsed): bigint {
  if (parsed.tzSeconds === 0) return 0n
  const offset = BigInt(parsed.tzSeconds) * MICROS_PER_SECOND + BigInt(parsed.tzMicros)
  if (offset <= -MICROS_PER_DAY || offset >= MICROS_PER_DAY) {
    throw new PyValueError(
      `offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24), not ${timedeltaRepr(offset)}.`,
    )
  }
  return offset
}

/** check_date_args / check_time_args, in CPython's order. */
function checkFields({ year, month, day, hour, minute, second }: Parsed): void {
  if (year < 1 || year > 9999) throw new PyValueError(`year ${year} is out of range`)
  if (month < 1 || month > 12) throw new PyValueError('month must be in 1..12')
  if (day < 1 || day > daysInMonth(year, month)) throw new PyValueError('day is out of range for month')
  if (hour > 23) throw new PyValueError('hour must be in 0..23')
  if (minute > 59) throw new PyValueError('minute must be in 0..59')
  if (second > 59) throw new PyValueError('second must be in 0..59')
}

/**
 * Python 3.12 datetime.fromisoformat(text); PyValueError carries Python's message. Remembered by
 * text (a rescore parses the same expiry dates every time): the value is frozen and shared.
 */
export const parsePyIsoDateTime: (text: string) => PyDateTime = memoizeByInput((text: string) =>
  Object.freeze(parseIsoDateTime(text)),
)

function parseIsoDateTime(text: string): PyDateTime {
  const invalid = (): PyValueError => new PyValueError(`Invalid isoformat string: ${pyRepr(text)}`)
  const buf = toUtf8Bytes(text)
  if (buf === null) throw invalid()
  const length = buf.length - 1
  const parsed: Parsed = {
    rv: 0,
    year: 0,
    month: 0,
    day: 0,
    hour: 0,
    minute: 0,
    second: 0,
    microsecond: 0,
    tzSeconds: 0,
    tzMicros: 0,
  }
  const separator = findSeparator(buf, length)
  // -1 is a size_t in C: "no limit" for the date parser (which then always fails).
  let rv = parseIsoDate(buf, separator < 0 ? Infinity : separator, parsed)
  if (rv === 0 && length > separator) {
    const lead = byteAt(buf, separator)
    // The separator may be any character: skip all of its UTF-8 bytes.
    const width = (lead & 0x80) === 0 ? 1 : (lead & 0xf0) === 0xe0 ? 3 : (lead & 0xf0) === 0xf0 ? 4 : 2
    rv = parseIsoTime(buf, separator + width, length - separator - width, parsed)
  }
  if (rv < 0) throw invalid()
  const offset = rv === 1 ? offsetOf(parsed) : null
  checkFields(parsed)
  return fromWallClock(parsed, offset)
}

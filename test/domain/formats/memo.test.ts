import { describe, expect, it } from 'vitest'
import {
  formatDjangoJson,
  formatPyIso,
  parsePgTimestamp,
  toPgTimestamp,
} from '../../../src/domain/formats/py-datetime.js'
import { PyDecimal } from '../../../src/domain/formats/py-decimal.js'
import { formatPyFloat } from '../../../src/domain/formats/py-float.js'
import { parsePyIsoDateTime } from '../../../src/domain/formats/py-fromisoformat.js'
import { PyFloat, PyJsonText, pyJsonDumps } from '../../../src/domain/formats/py-json.js'
import { memoizeByInput } from '../../../src/domain/formats/memo.js'

// Issue 16: the conversions a warm rescore repeats are remembered by input. What a caller gets must
// be what a fresh conversion gives, and nobody may change a shared value.

describe('memoizeByInput', () => {
  it('computes once per input, and not at all for a remembered one', () => {
    let calls = 0
    const lengthOf = memoizeByInput((text: string) => {
      calls += 1
      return { length: text.length }
    })
    expect(lengthOf('abc')).toBe(lengthOf('abc'))
    expect(calls).toBe(1)
  })

  it('does not remember a failure: the next call throws again', () => {
    let calls = 0
    const failing = memoizeByInput((text: string): string => {
      calls += 1
      throw new Error(`bad ${text}`)
    })
    expect(() => failing('x')).toThrow('bad x')
    expect(() => failing('x')).toThrow('bad x')
    expect(calls).toBe(2)
  })

  it('keeps at most its bound of entries, the least recently used going first', () => {
    let calls = 0
    const square = memoizeByInput((n: number) => {
      calls += 1
      return String(n * n)
    }, 2)
    square(1)
    square(2)
    square(1)
    square(3) // evicts 2
    square(1)
    expect(calls).toBe(3)
    square(2)
    expect(calls).toBe(4)
  })
})

describe('remembered datetime parses', () => {
  it('P3: fromisoformat of the same text is one frozen value, formatted like a fresh one', () => {
    const first = parsePyIsoDateTime('2025-06-01T12:30:45.123456+02:00')
    expect(parsePyIsoDateTime('2025-06-01T12:30:45.123456+02:00')).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
    expect(() => {
      ;(first as { epochMicros: bigint }).epochMicros = 0n
    }).toThrow(TypeError)
    const fresh = { epochMicros: first.epochMicros, offsetMinutes: first.offsetMinutes }
    expect(formatPyIso(first)).toBe(formatPyIso(fresh))
    expect(formatPyIso(first)).toBe('2025-06-01T12:30:45.123456+02:00')
    expect(formatDjangoJson(first)).toBe(formatDjangoJson(fresh))
    expect(toPgTimestamp(first)).toBe(toPgTimestamp(fresh))
  })

  it("P3: an invalid text throws Python's message on every call", () => {
    for (let i = 0; i < 2; i += 1) expect(() => parsePyIsoDateTime('2025-13-01')).toThrow('month must be in 1..12')
  })

  it('a PostgreSQL timestamp of the same text is one frozen value', () => {
    const first = parsePgTimestamp('2025-01-15 10:20:30.123456+00')
    expect(parsePgTimestamp('2025-01-15 10:20:30.123456+00')).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
    for (let i = 0; i < 2; i += 1) expect(() => parsePgTimestamp('infinity')).toThrow(RangeError)
  })

  it('a value that is not frozen (the clock) is formatted afresh each time', () => {
    const now = { epochMicros: 1_700_000_000_000_001n, offsetMinutes: 0 }
    expect(formatPyIso(now)).toBe('2023-11-14T22:13:20.000001+00:00')
    ;(now as { epochMicros: bigint }).epochMicros += 1n
    expect(formatPyIso(now)).toBe('2023-11-14T22:13:20.000002+00:00')
  })
})

describe('remembered decimals and floats', () => {
  it('P1: Decimal(-0.0) is "-0" and Decimal(0.0) "0", whichever was converted first', () => {
    expect(PyDecimal.fromNumber(0).toString()).toBe('0')
    expect(PyDecimal.fromNumber(-0).toString()).toBe('-0')
    expect(PyDecimal.fromNumber(0).toString()).toBe('0')
    expect(PyDecimal.fromNumber(-0).toFixed(5)).toBe('-0.00000')
  })

  it('P2: repr(-0.0) is "-0.0" and repr(0.0) "0.0", whichever was written first', () => {
    expect(formatPyFloat(0)).toBe('0.0')
    expect(formatPyFloat(-0)).toBe('-0.0')
    expect(formatPyFloat(0)).toBe('0.0')
  })

  it('P1: a remembered decimal prints each precision as a fresh one does', () => {
    const weight = PyDecimal.fromString('10.0000')
    expect(PyDecimal.fromString('10.0000')).toBe(weight)
    expect(weight.toFixed(5)).toBe('10.00000')
    expect(weight.toFixed(2)).toBe('10.00')
    expect(weight.toFixed(5)).toBe('10.00000')
    expect(weight.toFloat()).toBe(10)
    expect(PyDecimal.fromNumber(0.673)).toBe(PyDecimal.fromNumber(0.673))
    expect(PyDecimal.fromNumber(0.673).toFixed(5)).toBe('0.67300')
  })

  it('P1: an invalid decimal text throws on every call', () => {
    for (let i = 0; i < 2; i += 1) expect(() => PyDecimal.fromString('1.2.3')).toThrow('ConversionSyntax')
  })
})

describe('PyJsonText', () => {
  it('endpoints §1.5: text written once goes into another document unchanged', () => {
    const stamps = { Ens: { score: '0.20800', dedup: false }, é: new PyFloat(1) }
    const text = pyJsonDumps(stamps)
    expect(pyJsonDumps({ model: 'registry.score', stamps: new PyJsonText(text) })).toBe(
      pyJsonDumps({ model: 'registry.score', stamps }),
    )
  })
})

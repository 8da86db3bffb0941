import { describe, expect, it } from 'vitest'
import { PyFloat, pyJsonDumps } from '../../../src/domain/formats/py-json.js'

describe('pyJsonDumps (endpoints §1.5)', () => {
  it('endpoints §1.5: default separators ", " and ": ", key order kept', () => {
    expect(pyJsonDumps({ b: 1, a: [1, 2, { c: null }], d: true, e: false })).toBe(
      '{"b": 1, "a": [1, 2, {"c": null}], "d": true, "e": false}',
    )
    expect(pyJsonDumps({})).toBe('{}')
    expect(pyJsonDumps([])).toBe('[]')
  })

  it('P2: PyFloat values are written as Python floats, integral ones with ".0"', () => {
    expect(pyJsonDumps({ 'provider#1': new PyFloat(15), other: new PyFloat(0.5), tiny: new PyFloat(1e-5) })).toBe(
      '{"provider#1": 15.0, "other": 0.5, "tiny": 1e-05}',
    )
    expect(pyJsonDumps([new PyFloat(Number.NaN), new PyFloat(-Infinity)])).toBe('[NaN, -Infinity]')
  })

  it('plain JS numbers: safe integers as ints, anything else as a float', () => {
    expect(pyJsonDumps([3, -7, 2.5, 1e21, 1e-7])).toBe('[3, -7, 2.5, 1e+21, 1e-07]')
    expect(pyJsonDumps(12345678901234567890n)).toBe('12345678901234567890')
  })

  it('endpoints §1.5: ensure_ascii escapes with lower-case hex and surrogate pairs', () => {
    expect(pyJsonDumps('café €')).toBe('"caf\\u00e9 \\u20ac"')
    expect(pyJsonDumps('😀')).toBe('"\\ud83d\\ude00"')
    expect(pyJsonDumps('a"b\\c\n\t\r\b\f\x01\x7f')).toBe('"a\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u007f"')
    expect(pyJsonDumps({ ключ: 'значение' })).toBe(
      '{"\\u043a\\u043b\\u044e\\u0447": "\\u0437\\u043d\\u0430\\u0447\\u0435\\u043d\\u0438\\u0435"}',
    )
    expect(pyJsonDumps('</script>')).toBe('"</script>"')
  })

  it('undefined members are skipped and undefined array items become null, like JSON.stringify', () => {
    expect(pyJsonDumps({ a: undefined, b: 1 })).toBe('{"b": 1}')
    expect(pyJsonDumps([undefined, 1])).toBe('[null, 1]')
    expect(() => pyJsonDumps(undefined)).toThrow(TypeError)
  })

  it('objects with toJSON are serialised through it; other class instances are refused', () => {
    expect(pyJsonDumps({ when: { toJSON: () => 'x' } })).toBe('{"when": "x"}')
    expect(pyJsonDumps(new Date(0))).toBe('"1970-01-01T00:00:00.000Z"')
    expect(() => pyJsonDumps(new Map())).toThrow('Object of type Map is not JSON serializable')
  })
})

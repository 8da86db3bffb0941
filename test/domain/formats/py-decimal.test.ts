import { describe, expect, it } from 'vitest'
import { PyDecimal, PyInvalidOperation } from '../../../src/domain/formats/py-decimal.js'

const sum = (...items: PyDecimal[]): PyDecimal => items.reduce((total, item) => total.add(item), PyDecimal.fromInt(0))
const dec = PyDecimal.fromString
const float = PyDecimal.fromNumber

describe('PyDecimal (scoring §0 P1)', () => {
  it('P1: a JSON string keeps every digit ("10.0000" → coefficient 100000, exponent −4)', () => {
    const value = dec('10.0000')
    expect([value.sign, value.coefficient, value.exponent]).toEqual([0, 100000n, -4])
    expect(value.toString()).toBe('10.0000')
  })

  it('P1: a JSON integer has exponent 0, a float its exact binary value', () => {
    expect(PyDecimal.fromJson(15).toString()).toBe('15')
    expect(float(2.0).toString()).toBe('2')
    expect(float(2.0).exponent).toBe(0)
    expect(float(0.5).toString()).toBe('0.5')
    // The spec prints one extra trailing 0; CPython 3.11 says str(Decimal(0.673)) ends in …546875.
    expect(float(0.673).toString()).toBe('0.6730000000000000426325641456060111522674560546875')
    expect(float(-0).toString()).toBe('-0')
  })

  it('P1: str() examples of the spec', () => {
    expect(PyDecimal.fromInt(0).toString()).toBe('0')
    expect(sum(PyDecimal.fromInt(15), PyDecimal.fromInt(15), PyDecimal.fromInt(15)).toString()).toBe('45')
    expect(sum(float(0.208), float(0.525)).toString()).toBe('0.7330000000000000126565424807')
    expect(sum(dec('10.0000')).toString()).toBe('10.0000')
    expect(sum(dec('10.0000'), float(0.673)).toString()).toBe('10.67300000000000004263256415')
    expect(sum(float(2.0), float(3.0)).toString()).toBe('5')
  })

  it('P1: str() switches to exponent notation below adjusted exponent −6 and for positive exponents', () => {
    expect(dec('1E-7').toString()).toBe('1E-7')
    expect(dec('0.000001').toString()).toBe('0.000001')
    expect(dec('0.0000001').toString()).toBe('1E-7')
    expect(dec('1E+2').toString()).toBe('1E+2')
    expect(dec('1.23E+3').toString()).toBe('1.23E+3')
    expect(dec('-0.00').toString()).toBe('-0.00')
  })

  it('endpoints §14: str() of numeric(78,18) amounts, "0E-18" and "1.00000000000E-7"', () => {
    expect(dec('0.000000000000000000').toString()).toBe('0E-18')
    expect(dec('0.000000100000000000').toString()).toBe('1.00000000000E-7')
    expect(dec('0.000001000000000000').toString()).toBe('0.000001000000000000')
    expect(dec('25.000000000000000000').toString()).toBe('25.000000000000000000')
  })

  it('endpoints §13: an 18-decimal amount keeps its scale', () => {
    expect(dec('100000000000000000000.000000000000000000').toFixed(18)).toBe('100000000000000000000.000000000000000000')
    expect(dec('1.5').toFixed(18)).toBe('1.500000000000000000')
  })

  it('P1: addition rounds to 28 significant digits, half-even, once per +=', () => {
    expect(dec('1.000000000000000000000000000').add(dec('0.00000000000000000000000000050')).toString()).toBe(
      '1.000000000000000000000000000',
    )
    expect(dec('1.000000000000000000000000001').add(dec('0.00000000000000000000000000050')).toString()).toBe(
      '1.000000000000000000000000002',
    )
    expect(dec('9999999999999999999999999999').add(dec('0.5')).toString()).toBe('1.000000000000000000000000000E+28')
    expect(dec('0E-100').add(dec('1')).toString()).toBe('1.000000000000000000000000000')
    expect(dec('1E+50').add(dec('1E-50')).toString()).toBe('1.000000000000000000000000000E+50')
  })

  it('P1: zero results: x + (−x) is +0 at the smaller exponent, −0 + −0 stays −0', () => {
    expect(dec('1.0').add(dec('-1')).toString()).toBe('0.0')
    expect(dec('-0').add(dec('-0')).toString()).toBe('-0')
    expect(dec('-0').add(dec('0')).toString()).toBe('0')
  })

  it('P1: format(d, ".5f") rounds the exact value half-even (0.015625 → "0.01562", JS says 0.01563)', () => {
    expect(float(0.015625).toFixed(5)).toBe('0.01562')
    expect(float(0.046875).toFixed(5)).toBe('0.04688')
    expect(float(0.015635).toFixed(5)).toBe('0.01563')
    expect(PyDecimal.fromInt(0).toFixed(5)).toBe('0.00000')
    expect(PyDecimal.fromInt(22).toFixed(5)).toBe('22.00000')
    expect(dec('-0.001').toFixed(2)).toBe('-0.00')
    expect(dec('2.5').toFixed(0)).toBe('2')
    expect(dec('1E+2').toFixed(2)).toBe('100.00')
  })

  it('endpoints §1.5: 5-decimal score strings', () => {
    expect(dec('22.556').toFixed(5)).toBe('22.55600')
    expect(dec('20').toFixed(5)).toBe('20.00000')
  })

  it('endpoints §15: round(Decimal, 2) is half-even, then float()', () => {
    expect(dec('2.675').roundHalfEven(2).toString()).toBe('2.68')
    expect(dec('2.665').roundHalfEven(2).toString()).toBe('2.66')
    expect(dec('125.505').roundHalfEven(2).toFloat()).toBe(125.5)
    expect(dec('-0.005').roundHalfEven(2).toString()).toBe('-0.00')
    expect(dec('1E+2').roundHalfEven(2).toString()).toBe('100.00')
    expect(PyDecimal.fromInt(3).roundHalfEven(2).toFloat()).toBe(3)
    expect(() => dec('1e30').roundHalfEven(2)).toThrow(PyInvalidOperation)
  })

  it('P1: compare is numeric ("10.0" == "10"), zero has no sign', () => {
    expect(dec('10.0').compare(dec('10'))).toBe(0)
    expect(dec('-0').compare(dec('0.00'))).toBe(0)
    expect(dec('0.673').compare(float(0.673))).toBe(-1)
    expect(dec('-1').compare(dec('-2'))).toBe(1)
    expect(dec('20').gte(dec('20.00000'))).toBe(true)
    expect(dec('19.99999').gte(dec('20'))).toBe(false)
    expect(dec('0E-5').isZero()).toBe(true)
  })

  it('Decimal(str) strips Python whitespace, drops underscores and reads Unicode digits', () => {
    expect(dec(' 1.5\u2003').toString()).toBe('1.5')
    expect(dec('\x1c1').toString()).toBe('1')
    expect(dec('1_000').toString()).toBe('1000')
    expect(dec('\u0661\u0662\u0663').toString()).toBe('123')
    expect(dec('+.5').toString()).toBe('0.5')
    expect(dec('-5.').toString()).toBe('-5')
    expect(PyDecimal.fromJson(' 0.673 ').toString()).toBe('0.673')
  })

  it('Decimal(str) rejects what Python rejects with ConversionSyntax', () => {
    for (const text of ['', ' ', '.', 'e5', '1e', '1 .5', '0x10', '1,5', '+-1', '\ufeff1', '1\x00']) {
      expect(() => dec(text), JSON.stringify(text)).toThrow("[<class 'decimal.ConversionSyntax'>]")
    }
  })

  it('special values (NaN, Infinity) are refused rather than modelled', () => {
    expect(() => dec('NaN')).toThrow(RangeError)
    expect(() => dec('-Infinity')).toThrow(RangeError)
    expect(() => float(Number.NaN)).toThrow(RangeError)
  })

  it('fromJson follows Decimal(): numbers, strings, bools; None is a TypeError', () => {
    expect(PyDecimal.fromJson(true).toString()).toBe('1')
    expect(PyDecimal.fromJson(10n).toString()).toBe('10')
    expect(() => PyDecimal.fromJson(null)).toThrow(TypeError)
    expect(() => PyDecimal.fromJson({})).toThrow(TypeError)
  })

  it('toFloat is the nearest double', () => {
    expect(dec('0.7330000000000000126565424807').toFloat()).toBe(0.733)
    expect(dec('-0').toFloat()).toBe(-0)
    expect(dec('1E-400').toFloat()).toBe(0)
  })
})

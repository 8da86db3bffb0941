// Python decimal.Decimal in the default context (prec 28, ROUND_HALF_EVEN), scoring §0 P1.
// decimal.js cannot be used: it normalises "10.0000" to "10", and Python prints the zeros.
// A value is sign × coefficient × 10^exponent, exactly as Decimal.as_tuple() holds it.
// Not modelled (never reached by the scorer): NaN/Infinity, and the Emin/Emax clamping of
// exponents near ±999999.

import { memoizeByInput } from './memo.js'

const PRECISION = 28
const MAX_EXPONENT_MAGNITUDE = 1e15

/** Python raises decimal.InvalidOperation; the message is the text str(exc) gives. */
export class PyInvalidOperation extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PyInvalidOperation'
  }
}

const conversionSyntax = (): PyInvalidOperation => new PyInvalidOperation("[<class 'decimal.ConversionSyntax'>]")

const pow10Cache: bigint[] = []
function pow10(n: number): bigint {
  if (n < 64) return (pow10Cache[n] ??= 10n ** BigInt(n))
  return 10n ** BigInt(n)
}

const digitCount = (coefficient: bigint): number => coefficient.toString().length

/** coefficient / 10^drop, rounded half-even: the ROUND_HALF_EVEN step of every Python rounding. */
function dropDigitsHalfEven(coefficient: bigint, drop: number): bigint {
  if (drop <= 0) return coefficient * pow10(-drop)
  // Fewer digits than we drop: the remainder is below half, so the result is 0 (no 10^huge).
  if (drop > digitCount(coefficient) + 1) return 0n
  const divisor = pow10(drop)
  const quotient = coefficient / divisor
  const twiceRemainder = (coefficient % divisor) * 2n
  if (twiceRemainder > divisor || (twiceRemainder === divisor && quotient % 2n === 1n)) return quotient + 1n
  return quotient
}

// Python's `isspace()` set: Decimal(str) strips exactly these from both ends (\x1c-\x1f included).
const PY_WHITESPACE =
  // eslint-disable-next-line no-control-regex
  /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g
const DECIMAL_LITERAL = /^([+-]?)(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE]([+-]?\d+))?$/
const SPECIAL_LITERAL = /^[+-]?(?:inf|infinity|s?nan\d*)$/i
const UNICODE_DIGIT = /\p{Nd}/u

/** Unicode decimal digits count as digits in Decimal(str) ("١٢٣" → 123); their runs start at 0. */
function asciiDigit(char: string): string {
  let start = char.codePointAt(0) as number
  while (UNICODE_DIGIT.test(String.fromCodePoint(start - 1))) start -= 1
  return String(((char.codePointAt(0) as number) - start) % 10)
}

function toAsciiNumeral(text: string): string {
  let ascii = ''
  // parity: CPython's C decimal drops every underscore, wherever it is ("_1", "1e1_0").
  for (const char of text.replace(PY_WHITESPACE, '').replaceAll('_', '')) {
    if (char.charCodeAt(0) < 128) ascii += char
    else if (UNICODE_DIGIT.test(char)) ascii += asciiDigit(char)
    else throw conversionSyntax()
  }
  return ascii
}

export class PyDecimal {
  // Values are immutable, so the conversions a rescore repeats (each weight, the threshold, each
  // stamp's float) are remembered by input and the instances shared (issue 16).
  static readonly #fromStringOnce = memoizeByInput((text: string) => PyDecimal.#parse(text))
  static readonly #fromNumberOnce = memoizeByInput((value: number) => PyDecimal.#ofFloat(value))
  // What toFixed and toFloat last gave for this (immutable) value: a shared instance is printed the same way on every rescore.
  #fixedPlaces = -1
  #fixedText = ''
  #float: number | undefined

  private constructor(
    readonly sign: 0 | 1,
    readonly coefficient: bigint,
    readonly exponent: number,
  ) {}

  /** Decimal((sign, digits, exponent)) without rounding, as Python's _dec_from_triple. */
  static fromTriple(sign: 0 | 1, coefficient: bigint, exponent: number): PyDecimal {
    if (coefficient < 0n || !Number.isInteger(exponent)) throw new RangeError('PyDecimal.fromTriple: invalid triple')
    return new PyDecimal(sign, coefficient, exponent)
  }

  static fromString(text: string): PyDecimal {
    return PyDecimal.#fromStringOnce(text)
  }

  static #parse(text: string): PyDecimal {
    const ascii = toAsciiNumeral(text)
    const match = DECIMAL_LITERAL.exec(ascii)
    if (!match) {
      if (SPECIAL_LITERAL.test(ascii))
        throw new RangeError(`PyDecimal: special value ${JSON.stringify(text)} is not supported`)
      throw conversionSyntax()
    }
    const [, sign, intDigits = '', fracDigits = '', onlyFrac, exponentText] = match
    const fraction = onlyFrac ?? fracDigits
    const exponent = (exponentText === undefined ? 0 : Number(exponentText)) - fraction.length
    if (Math.abs(exponent) > MAX_EXPONENT_MAGNITUDE)
      throw new RangeError(`PyDecimal: exponent of ${JSON.stringify(text)} is out of range`)
    return new PyDecimal(sign === '-' ? 1 : 0, BigInt(intDigits + fraction), exponent)
  }

  /** Decimal(float): the exact binary value, |x| = n / 2^k → coefficient n·5^k, exponent −k. */
  static fromNumber(value: number): PyDecimal {
    // ±0 are one key to a Map, and Decimal(-0.0) is "-0": zeros are not remembered.
    return value === 0 ? PyDecimal.#ofFloat(value) : PyDecimal.#fromNumberOnce(value)
  }

  static #ofFloat(value: number): PyDecimal {
    if (!Number.isFinite(value)) throw new RangeError(`PyDecimal: ${value} is not supported`)
    const view = new DataView(new ArrayBuffer(8))
    view.setFloat64(0, value)
    const high = view.getUint32(0)
    const sign = (high >>> 31) as 0 | 1
    const biasedExponent = (high >>> 20) & 0x7ff
    let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(view.getUint32(4))
    let binaryExponent = biasedExponent === 0 ? -1074 : biasedExponent - 1075
    if (biasedExponent !== 0) mantissa |= 1n << 52n
    if (mantissa === 0n) return new PyDecimal(sign, 0n, 0)
    while (binaryExponent < 0 && (mantissa & 1n) === 0n) {
      mantissa >>= 1n
      binaryExponent += 1
    }
    if (binaryExponent >= 0) return new PyDecimal(sign, mantissa << BigInt(binaryExponent), 0)
    return new PyDecimal(sign, mantissa * 5n ** BigInt(-binaryExponent), binaryExponent)
  }

  static fromInt(value: number | bigint): PyDecimal {
    if (typeof value === 'number' && !Number.isInteger(value))
      throw new RangeError(`PyDecimal.fromInt: ${value} is not an integer`)
    const integer = BigInt(value)
    return new PyDecimal(integer < 0n ? 1 : 0, integer < 0n ? -integer : integer, 0)
  }

  static fromJson(value: unknown): PyDecimal {
    if (typeof value === 'number') return PyDecimal.fromNumber(value)
    if (typeof value === 'string') return PyDecimal.fromString(value)
    if (typeof value === 'bigint') return PyDecimal.fromInt(value)
    // parity: bool is an int in Python, Decimal(True) == Decimal(1).
    if (typeof value === 'boolean') return PyDecimal.fromInt(value ? 1 : 0)
    throw new TypeError(`conversion from ${value === null ? 'NoneType' : typeof value} to Decimal is not supported`)
  }

  private get signedCoefficient(): bigint {
    return this.sign === 1 ? -this.coefficient : this.coefficient
  }

  /** Python's __add__: exact sum at the smaller exponent, then one rounding to 28 digits. */
  add(other: PyDecimal): PyDecimal {
    let exponent = Math.min(this.exponent, other.exponent)
    if (this.isZero() && other.isZero()) {
      return new PyDecimal(this.sign === 1 && other.sign === 1 ? 1 : 0, 0n, exponent)
    }
    if (this.isZero() || other.isZero()) {
      // Adding a zero only rescales the other operand, never below its own exponent − prec − 1.
      const nonZero = this.isZero() ? other : this
      exponent = Math.max(exponent, nonZero.exponent - PRECISION - 1)
      return roundToPrecision(nonZero.sign, nonZero.coefficient * pow10(nonZero.exponent - exponent), exponent)
    }
    const [high, low] = this.exponent >= other.exponent ? [this, other] : [other, this]
    // Python's _normalize: an operand entirely below the rounding point acts like 10^floor, so
    // far-apart exponents never build a huge coefficient; the rounded result is the same.
    let lowCoefficient = low.signedCoefficient
    let lowExponent = low.exponent
    const floor = high.exponent + Math.min(-1, digitCount(high.coefficient) - PRECISION - 2)
    if (digitCount(low.coefficient) + low.exponent - 1 < floor) {
      lowCoefficient = low.sign === 1 ? -1n : 1n
      lowExponent = floor
    }
    const sum = high.signedCoefficient * pow10(high.exponent - lowExponent) + lowCoefficient
    // An exact zero sum is positive under ROUND_HALF_EVEN (only ROUND_FLOOR gives -0).
    return roundToPrecision(sum < 0n ? 1 : 0, sum < 0n ? -sum : sum, lowExponent)
  }

  compare(other: PyDecimal): -1 | 0 | 1 {
    if (this.isZero() && other.isZero()) return 0
    const thisSign = this.isZero() ? 0 : this.sign === 1 ? -1 : 1
    const otherSign = other.isZero() ? 0 : other.sign === 1 ? -1 : 1
    if (thisSign !== otherSign) return thisSign < otherSign ? -1 : 1
    const magnitude = compareMagnitude(this, other)
    return (thisSign < 0 ? -magnitude : magnitude) as -1 | 0 | 1
  }

  gte(other: PyDecimal): boolean {
    return this.compare(other) >= 0
  }

  isZero(): boolean {
    return this.coefficient === 0n
  }

  /** str(Decimal): plain notation iff exponent ≤ 0 and adjusted exponent ≥ −6, else "1.5E-7". */
  toString(): string {
    const digits = this.coefficient.toString()
    const leftDigits = this.exponent + digits.length
    const dotPlace = this.exponent <= 0 && leftDigits > -6 ? leftDigits : 1
    let text: string
    if (dotPlace <= 0) text = `0.${'0'.repeat(-dotPlace)}${digits}`
    else if (dotPlace >= digits.length) text = digits + '0'.repeat(dotPlace - digits.length)
    else text = `${digits.slice(0, dotPlace)}.${digits.slice(dotPlace)}`
    if (leftDigits !== dotPlace) {
      const shown = leftDigits - dotPlace
      text += `E${shown < 0 ? '-' : '+'}${Math.abs(shown)}`
    }
    return (this.sign === 1 ? '-' : '') + text
  }

  /** format(d, ".Nf"): the exact value rounded half-even; the sign survives ("-0.00"). */
  toFixed(places: number): string {
    if (places === this.#fixedPlaces) return this.#fixedText
    const text = this.formatFixed(places)
    this.#fixedPlaces = places
    this.#fixedText = text
    return text
  }

  private formatFixed(places: number): string {
    assertPlaces(places)
    const digits = dropDigitsHalfEven(this.coefficient, -places - this.exponent)
      .toString()
      .padStart(places + 1, '0')
    const sign = this.sign === 1 ? '-' : ''
    if (places === 0) return sign + digits
    return `${sign}${digits.slice(0, -places)}.${digits.slice(-places)}`
  }

  /** round(d, n) == d.quantize(Decimal(10) ** -n): InvalidOperation when the result needs > 28 digits. */
  roundHalfEven(places: number): PyDecimal {
    if (!Number.isInteger(places)) throw new RangeError(`PyDecimal.roundHalfEven: ${places} is not an integer`)
    const coefficient = dropDigitsHalfEven(this.coefficient, -places - this.exponent)
    if (digitCount(coefficient) > PRECISION) throw new PyInvalidOperation("[<class 'decimal.InvalidOperation'>]")
    return new PyDecimal(this.sign, coefficient, -places)
  }

  /** float(Decimal) is float(str(d)); V8's string-to-double is correctly rounded, like CPython's. */
  toFloat(): number {
    return (this.#float ??= Number(`${this.sign === 1 ? '-' : ''}${this.coefficient}e${this.exponent}`))
  }
}

function roundToPrecision(sign: 0 | 1, coefficient: bigint, exponent: number): PyDecimal {
  const excess = digitCount(coefficient) - PRECISION
  if (excess <= 0) return PyDecimal.fromTriple(sign, coefficient, exponent)
  let rounded = dropDigitsHalfEven(coefficient, excess)
  let roundedExponent = exponent + excess
  // 99…95 rounds up to 10^28, a 29th digit: Python drops the trailing zero and bumps the exponent.
  if (digitCount(rounded) > PRECISION) {
    rounded /= 10n
    roundedExponent += 1
  }
  return PyDecimal.fromTriple(sign, rounded, roundedExponent)
}

function compareMagnitude(a: PyDecimal, b: PyDecimal): -1 | 0 | 1 {
  const adjustedA = a.exponent + digitCount(a.coefficient)
  const adjustedB = b.exponent + digitCount(b.coefficient)
  if (adjustedA !== adjustedB) return adjustedA < adjustedB ? -1 : 1
  // Same adjusted exponent: aligning costs at most the difference in digit counts.
  const exponent = Math.min(a.exponent, b.exponent)
  const left = a.coefficient * pow10(a.exponent - exponent)
  const right = b.coefficient * pow10(b.exponent - exponent)
  return left === right ? 0 : left < right ? -1 : 1
}

function assertPlaces(places: number): void {
  if (!Number.isInteger(places) || places < 0) throw new RangeError(`PyDecimal.toFixed: ${places} decimal places`)
}

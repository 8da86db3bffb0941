// Differential tests: every answer here was computed by CPython (generate-python-vectors.py).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PyDecimal } from '../../../src/domain/formats/py-decimal.js'
import { formatPyFloat } from '../../../src/domain/formats/py-float.js'
import { pyJsonDumps } from '../../../src/domain/formats/py-json.js'
import { formatDjangoJson, formatPyIso, PyValueError } from '../../../src/domain/formats/py-datetime.js'
import { parsePyIsoDateTime } from '../../../src/domain/formats/py-fromisoformat.js'

interface FloatVector {
  bits: string
  repr: string
  exact: string
  fixed0: string | null
  fixed2: string | null
  fixed5: string | null
  fixed18: string | null
}
interface DecimalVector {
  text: string
  str: string
  sign: 0 | 1
  coefficient: string
  exponent: number
  float: string
  fixed5: string
  fixed2: string
}
type Weight = { kind: 'int'; value: number } | { kind: 'str'; value: string } | { kind: 'float'; bits: string }
interface SumVector {
  items: Weight[]
  str: string
  fixed5: string
  float: string
}
interface RoundVector {
  text: string
  places: number
  str?: string
  error?: string
}
interface CompareVector {
  a: string
  b: string
  cmp: -1 | 0 | 1
}
interface IsoVector {
  text: string
  error?: string
  iso?: string
  django?: string
  epochMicros?: string
  offsetSeconds?: number | null
}
interface Vectors {
  python: string
  floats: FloatVector[]
  decimals: DecimalVector[]
  sums: SumVector[]
  rounds: RoundVector[]
  compares: CompareVector[]
  isoformat: IsoVector[]
  jsonStrings: { value: string; json: string }[]
}

const vectors = JSON.parse(readFileSync(new URL('./python-vectors.json', import.meta.url), 'utf8')) as Vectors

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setBigUint64(0, BigInt(`0x${hex}`))
  return view.getFloat64(0)
}

function weightOf(item: Weight): PyDecimal {
  if (item.kind === 'float') return PyDecimal.fromNumber(fromBits(item.bits))
  return item.kind === 'int' ? PyDecimal.fromInt(item.value) : PyDecimal.fromString(item.value)
}

/** Collects mismatches so one failure shows every differing vector, not just the first. */
function mismatches<T>(items: T[], check: (item: T) => unknown[] | null): unknown[] {
  return items.flatMap((item) => {
    const problem = check(item)
    return problem === null ? [] : [problem]
  })
}

const same = (actual: string, expected: string | null | undefined, label: string): string[] =>
  expected === null || expected === undefined || actual === expected ? [] : [`${label}: ${actual} != ${expected}`]

// 3.11 reads ISO week dates of year 0 through undefined behaviour; 3.12's iso_to_ymd checks the
// year first and reports an invalid string, which is what we implement.
const CHANGED_IN_312: Record<string, string> = { '0000-W01-1': "Invalid isoformat string: '0000-W01-1'" }

describe(`CPython ${vectors.python} vectors`, () => {
  it(`P2: repr(float) of ${vectors.floats.length} doubles`, () => {
    expect(
      mismatches(vectors.floats, (v) => {
        const actual = formatPyFloat(fromBits(v.bits))
        return actual === v.repr ? null : [v.bits, actual, v.repr]
      }),
    ).toEqual([])
  })

  it(`P1: Decimal(float) exact value and format(".Nf") of ${vectors.floats.length} doubles`, () => {
    expect(
      mismatches(vectors.floats, (v) => {
        const value = PyDecimal.fromNumber(fromBits(v.bits))
        const problems = [
          ...same(value.toString(), v.exact, 'str'),
          ...same(v.fixed0 === null ? '' : value.toFixed(0), v.fixed0, '.0f'),
          ...same(v.fixed2 === null ? '' : value.toFixed(2), v.fixed2, '.2f'),
          ...same(v.fixed5 === null ? '' : value.toFixed(5), v.fixed5, '.5f'),
          ...same(v.fixed18 === null ? '' : value.toFixed(18), v.fixed18, '.18f'),
        ]
        return problems.length === 0 ? null : [v.bits, ...problems]
      }),
    ).toEqual([])
  })

  it(`P1: Decimal(str) of ${vectors.decimals.length} literals: digits, str(), float(), format()`, () => {
    expect(
      mismatches(vectors.decimals, (v) => {
        const value = PyDecimal.fromString(v.text)
        const problems = [
          ...same(
            `${value.sign} ${value.coefficient} ${value.exponent}`,
            `${v.sign} ${v.coefficient} ${v.exponent}`,
            'tuple',
          ),
          ...same(value.toString(), v.str, 'str'),
          ...same(formatPyFloat(value.toFloat()), v.float, 'float'),
          ...same(value.toFixed(5), v.fixed5, '.5f'),
          ...same(value.toFixed(2), v.fixed2, '.2f'),
        ]
        return problems.length === 0 ? null : [v.text, ...problems]
      }),
    ).toEqual([])
  })

  it(`P1: ${vectors.sums.length} running sums of mixed str/int/float weights`, () => {
    expect(
      mismatches(vectors.sums, (v) => {
        const total = v.items.reduce((acc, item) => acc.add(weightOf(item)), PyDecimal.fromInt(0))
        const problems = [
          ...same(total.toString(), v.str, 'str'),
          ...same(total.toFixed(5), v.fixed5, '.5f'),
          ...same(formatPyFloat(total.toFloat()), v.float, 'float'),
        ]
        return problems.length === 0 ? null : [JSON.stringify(v.items), ...problems]
      }),
    ).toEqual([])
  })

  it(`endpoints §15: ${vectors.rounds.length} round(Decimal, n) results`, () => {
    expect(
      mismatches(vectors.rounds, (v) => {
        let actual: string
        try {
          actual = PyDecimal.fromString(v.text).roundHalfEven(v.places).toString()
        } catch (error) {
          actual = (error as Error).name === 'PyInvalidOperation' ? 'InvalidOperation' : String(error)
        }
        const expected = v.str ?? v.error
        return actual === expected ? null : [v.text, v.places, actual, expected]
      }),
    ).toEqual([])
  })

  it(`P1: ${vectors.compares.length} comparisons`, () => {
    expect(
      mismatches(vectors.compares, (v) => {
        const actual = PyDecimal.fromString(v.a).compare(PyDecimal.fromString(v.b))
        return actual === v.cmp ? null : [v.a, v.b, actual, v.cmp]
      }),
    ).toEqual([])
  })

  it(`P3/P4: datetime.fromisoformat of ${vectors.isoformat.length} strings, then isoformat() and DjangoJSONEncoder`, () => {
    const isoVectors = vectors.isoformat.map((v) =>
      v.text in CHANGED_IN_312 ? { text: v.text, error: CHANGED_IN_312[v.text] } : v,
    )
    expect(
      mismatches(isoVectors, (v) => {
        let parsed
        try {
          parsed = parsePyIsoDateTime(v.text)
        } catch (error) {
          if (!(error instanceof PyValueError)) return [v.text, String(error)]
          return error.message === v.error ? null : [v.text, error.message, v.error ?? v.iso]
        }
        const offsetSeconds = parsed.offsetMinutes === null ? null : Math.round(parsed.offsetMinutes * 60e6) / 1e6
        const problems = [
          ...same(formatPyIso(parsed), v.iso ?? 'an error', 'iso'),
          ...same(formatDjangoJson(parsed), v.django ?? 'an error', 'django'),
          ...same(String(parsed.epochMicros), v.epochMicros, 'epochMicros'),
          ...same(String(offsetSeconds), String(v.offsetSeconds), 'offset'),
        ]
        return problems.length === 0 ? null : [v.text, ...problems]
      }),
    ).toEqual([])
  })

  it(`endpoints §1.5: json.dumps of ${vectors.jsonStrings.length} strings (ensure_ascii)`, () => {
    expect(
      mismatches(vectors.jsonStrings, (v) =>
        pyJsonDumps(v.value) === v.json ? null : [v.value, pyJsonDumps(v.value), v.json],
      ),
    ).toEqual([])
  })
})

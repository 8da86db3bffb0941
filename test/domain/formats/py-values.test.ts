import { describe, expect, it } from 'vitest'
import { isPlainObject, isPyTruthy, pyRepr } from '../../../src/domain/formats/py-values.js'

describe('src/domain/formats/py-values.ts', () => {
  it.each([
    [null, false],
    [undefined, false],
    [false, false],
    [0, false],
    ['', false],
    [[], false],
    [{}, false],
    [true, true],
    [1, true],
    ['0', true],
    [[0], true],
    [{ a: null }, true],
  ])('isPyTruthy(%j) → %s', (value, expected) => {
    expect(isPyTruthy(value)).toBe(expected)
  })

  it('isPlainObject: objects only, not arrays or null', () => {
    expect([{}, { a: 1 }, [], null, 'x', 1].map(isPlainObject)).toEqual([true, true, false, false, false, false])
  })

  // Python 3: repr(s) for each input.
  it.each([
    ['abc', "'abc'"],
    ["it's", '"it\'s"'],
    ['both \' and "', "'both \\' and \"'"],
    ['tab\there\nnew\rret', "'tab\\there\\nnew\\rret'"],
    ['back\\slash', "'back\\\\slash'"],
    ['\u0000\u007f', "'\\x00\\x7f'"],
    ['é漢字', "'é漢字'"],
    ['\u00a0\u2028', "'\\xa0\\u2028'"],
    ['\ud83d\ude00', "'😀'"],
  ])('pyRepr(%j) → %s', (text, expected) => {
    expect(pyRepr(text)).toBe(expected)
  })
})

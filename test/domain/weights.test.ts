import { describe, expect, it } from 'vitest'
import {
  parsePythonIntId,
  ScorerWeightsCache,
  toPythonFloat,
  toWeightFloats,
  WEIGHTS_CACHE_TTL_SECONDS,
} from '../../src/domain/weights.js'
import { DomainError } from '../../src/domain/errors.js'

describe('parsePythonIntId', () => {
  it('endpoints §8: Python int() spellings are ids; anything else is a ValueError (undefined)', () => {
    expect(['12', ' 12 ', '+12', '1_2', '0012'].map(parsePythonIntId)).toEqual([12, 12, 12, 12, 12])
    expect(parsePythonIntId('-3')).toBe(-3)
    expect(['', 'abc', '1.5', '1__2', '_12', '0x10', '99999999999999999999'].map(parsePythonIntId)).toEqual(
      Array(7).fill(undefined),
    )
  })
})

describe('toPythonFloat / toWeightFloats', () => {
  it('endpoints §8: numbers, numeric strings and booleans become floats, as pydantic lax float does', () => {
    expect([1, 0.525, '0.525', ' 2.2 ', '1e-5', '.5', true, false].map(toPythonFloat)).toEqual([
      1, 0.525, 0.525, 2.2, 0.00001, 0.5, 1, 0,
    ])
    expect(['', 'abc', '0x10', 'inf', 'nan', '1e999', null, {}, []].map(toPythonFloat)).toEqual(
      Array(9).fill(undefined),
    )
  })

  it('endpoints §8: keeps key order; any weight that is not a float, or weights that are not an object, → internal 500', () => {
    expect(toWeightFloats({ Ens: 2.2, Google: '0.525' })).toEqual([
      ['Ens', 2.2],
      ['Google', 0.525],
    ])
    for (const bad of [null, [], 'x', { Google: null }, { Google: 'abc' }]) {
      expect(() => toWeightFloats(bad)).toThrow(new DomainError('internal', 'Internal Server Error'))
    }
  })
})

describe('ScorerWeightsCache', () => {
  it('endpoints §8 step 2: an entry lives 60 s', () => {
    const cache = new ScorerWeightsCache()
    cache.set(1, { Google: 1 }, 1_000)
    expect(cache.get(1, 1_000 + WEIGHTS_CACHE_TTL_SECONDS * 1000 - 1)).toEqual({ Google: 1 })
    expect(cache.get(1, 1_000 + WEIGHTS_CACHE_TTL_SECONDS * 1000)).toBeUndefined()
    expect(cache.get(2, 1_000)).toBeUndefined()
  })

  it('endpoints §8 step 2: NULL weights are cached like any value (they fail the same way on every hit)', () => {
    const cache = new ScorerWeightsCache()
    cache.set(1, null, 0)
    expect(cache.get(1, 1)).toBeNull()
  })
})

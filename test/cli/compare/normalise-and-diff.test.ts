import { describe, expect, it } from 'vitest'
import { diffJson } from '../../../src/cli/compare/diff-json.js'
import { parseLossless, parseYamlLossless, renderJson } from '../../../src/cli/compare/json-values.js'
import { compileKnownDifferences, labelKnownDifferences } from '../../../src/cli/compare/known-differences.js'
import {
  compileRules,
  compilePath,
  matchesPath,
  normaliseValue,
  timestampShape,
} from '../../../src/cli/compare/normalise.js'
import type { Difference } from '../../../src/cli/compare/compare-step.js'

const diff = (a: string, b: string) => diffJson(parseLossless(a), parseLossless(b))

describe('diffJson: lossless comparison of two bodies', () => {
  it('tells a number spelled differently (15.0 / 15) from a different number', () => {
    expect(diff('{"w": 15.0, "x": 1e2, "y": 2}', '{"w": 15, "x": 100, "y": 3}')).toEqual([
      { kind: 'number-spelling', path: '$.w', baseline: '15.0', candidate: '15' },
      { kind: 'number-spelling', path: '$.x', baseline: '1e2', candidate: '100' },
      { kind: 'value', path: '$.y', baseline: '2', candidate: '3' },
    ])
  })

  it('reports key order once, apart from content', () => {
    expect(diff('{"a": 1, "b": {"c": true, "d": null}}', '{"b": {"d": null, "c": true}, "a": 1}')).toEqual([
      { kind: 'key-order', path: '$.b', baseline: 'c, d', candidate: 'd, c' },
      { kind: 'key-order', path: '$', baseline: 'a, b', candidate: 'b, a' },
    ])
  })

  it('compares arrays in order and names missing, extra and retyped values', () => {
    expect(diff('{"s": [1, 2, 3], "t": "1", "m": 1}', '{"s": [1, 3], "t": 1, "e": []}')).toEqual([
      { kind: 'value', path: '$.s[1]', baseline: '2', candidate: '3' },
      { kind: 'array-length', path: '$.s', baseline: '3', candidate: '2' },
      { kind: 'missing', path: '$.s[2]', baseline: '3' },
      { kind: 'type', path: '$.t', baseline: '"1"', candidate: '1' },
      { kind: 'missing', path: '$.m', baseline: '1' },
      { kind: 'extra', path: '$.e', candidate: '[]' },
    ])
  })
})

describe('normalisation rules', () => {
  it('replaces a timestamp by its shape, so the format still compares', () => {
    expect(timestampShape('2025-03-04T10:11:12.345678+00:00')).toBe('YYYY-MM-DDTHH:MM:SS.ffffff+00:00')
    expect(timestampShape('2025-01-01T00:00:00.123Z')).toBe('YYYY-MM-DDTHH:MM:SS.fffZ')
    expect(timestampShape('not a time')).toBe('not a time')
  })

  it('matches paths with `*`, `[*]` and `..`', () => {
    expect(compilePath('$..last_score_timestamp')).toEqual(['**', 'last_score_timestamp'])
    expect(matchesPath(compilePath('$..last_score_timestamp'), ['score', 'last_score_timestamp'])).toBe(true)
    expect(matchesPath(compilePath('$.stamps[*].id'), ['stamps', '3', 'id'])).toBe(true)
    expect(matchesPath(compilePath('*.created_at'), ['registry_event', 'created_at'])).toBe(true)
    expect(matchesPath(compilePath('*.created_at'), ['registry_event', 'data', 'created_at'])).toBe(false)
  })

  it('applies the first matching rule and keeps presence and nullness', () => {
    const rules = compileRules([
      { path: '$..last_score_timestamp', as: 'timestamp' },
      { path: '$.stamps[*].id', as: 'id' },
      { path: '$.token', as: 'mask' },
      { path: '$.response', as: 'json-text' },
      { path: '$.response.at', as: 'timestamp' },
    ])
    const body = parseLossless(
      '{"last_score_timestamp": "2025-03-04T10:11:12.345678+00:00", "stamps": [{"id": 17}], "token": "abc", "other": null, "response": "{\\"at\\": \\"2025-01-01T00:00:00Z\\"}"}',
    )
    expect(renderJson(normaliseValue(body, [], { rules }))).toBe(
      '{"last_score_timestamp":"YYYY-MM-DDTHH:MM:SS.ffffff+00:00","stamps":[{"id":"<id>"}],"token":"<masked>","other":null,"response":{"at":"YYYY-MM-DDTHH:MM:SSZ"}}',
    )
  })

  it('reads YAML numbers as spelled (a weight of 1.0 stays 1.0)', () => {
    expect(renderJson(parseYamlLossless('weights: { Google: 1.0, Ens: 0.208, n: 10 }'))).toBe(
      '{"weights":{"Google":1.0,"Ens":0.208,"n":10}}',
    )
  })
})

describe('known differences', () => {
  it('labels a difference only when every given field matches', () => {
    const known = compileKnownDifferences([
      { id: 'D17', reason: 'r', match: { baselineStatus: '500', candidateStatus: '4*' } },
      { id: 'D5', reason: 'r', match: { step: '*(D5)*', candidateStatus: '401' } },
    ])
    const differences: Difference[] = [
      { where: 'status', kind: 'status', path: 'status', baseline: '500', candidate: '422' },
    ]
    labelKnownDifferences(
      differences,
      { step: 'x', route: 'GET /x', baselineStatus: '500', candidateStatus: '422' },
      known,
    )
    expect(differences[0]!.known?.id).toBe('D17')
    const other: Difference[] = [{ where: 'status', kind: 'status', path: 'status', baseline: '200', candidate: '401' }]
    labelKnownDifferences(
      other,
      { step: 'v2 with a wrong key', route: 'GET /x', baselineStatus: '200', candidateStatus: '401' },
      known,
    )
    expect(other[0]!.known).toBeUndefined()
  })
})

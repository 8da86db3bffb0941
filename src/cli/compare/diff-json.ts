import type { LosslessNumber } from 'lossless-json'
import { formatPath } from './normalise.js'
import { isSameNumber, jsonType, renderJson, type JsonValue } from './json-values.js'

export type ValueDifferenceKind =
  'value' | 'type' | 'missing' | 'extra' | 'number-spelling' | 'key-order' | 'array-length'

export interface ValueDifference {
  kind: ValueDifferenceKind
  /** `$.score.stamps.Google.score`, or `registry_score[+1].evidence` for rows. */
  path: string
  baseline?: string
  candidate?: string
}

/**
 * Structural comparison of two normalised JSON values. Arrays are compared in order (D20: order
 * is part of the contract); key order is one `key-order` difference of its own, so it never hides
 * or duplicates a content difference.
 */
export function diffJson(baseline: JsonValue, candidate: JsonValue, root: string[] = ['$']): ValueDifference[] {
  const differences: ValueDifference[] = []
  walk(baseline, candidate, root, differences)
  return differences
}

function walk(baseline: JsonValue, candidate: JsonValue, path: string[], out: ValueDifference[]): void {
  const baseType = jsonType(baseline)
  const candidateType = jsonType(candidate)
  if (baseType !== candidateType) {
    out.push({ kind: 'type', path: formatPath(path), baseline: renderJson(baseline), candidate: renderJson(candidate) })
    return
  }
  if (baseType === 'object')
    return walkObject(baseline as Record<string, JsonValue>, candidate as Record<string, JsonValue>, path, out)
  if (baseType === 'array') return walkArray(baseline as JsonValue[], candidate as JsonValue[], path, out)
  if (baseType === 'number') {
    const [a, b] = [baseline as LosslessNumber, candidate as LosslessNumber]
    if (a.value === b.value) return
    out.push({
      kind: isSameNumber(a, b) ? 'number-spelling' : 'value',
      path: formatPath(path),
      baseline: a.value,
      candidate: b.value,
    })
    return
  }
  if (baseline !== candidate)
    out.push({
      kind: 'value',
      path: formatPath(path),
      baseline: renderJson(baseline),
      candidate: renderJson(candidate),
    })
}

function walkObject(
  baseline: Record<string, JsonValue>,
  candidate: Record<string, JsonValue>,
  path: string[],
  out: ValueDifference[],
): void {
  for (const [key, value] of Object.entries(baseline)) {
    if (!Object.hasOwn(candidate, key)) {
      out.push({ kind: 'missing', path: formatPath([...path, key]), baseline: renderJson(value) })
      continue
    }
    walk(value, candidate[key]!, [...path, key], out)
  }
  for (const [key, value] of Object.entries(candidate)) {
    if (!Object.hasOwn(baseline, key))
      out.push({ kind: 'extra', path: formatPath([...path, key]), candidate: renderJson(value) })
  }
  const shared = (keys: string[], other: Record<string, JsonValue>) => keys.filter((key) => Object.hasOwn(other, key))
  const baseOrder = shared(Object.keys(baseline), candidate)
  const candidateOrder = shared(Object.keys(candidate), baseline)
  if (baseOrder.join('\0') !== candidateOrder.join('\0'))
    out.push({
      kind: 'key-order',
      path: formatPath(path),
      baseline: baseOrder.join(', '),
      candidate: candidateOrder.join(', '),
    })
}

function walkArray(baseline: JsonValue[], candidate: JsonValue[], path: string[], out: ValueDifference[]): void {
  const shared = Math.min(baseline.length, candidate.length)
  for (let index = 0; index < shared; index += 1)
    walk(baseline[index]!, candidate[index]!, [...path, String(index)], out)
  if (baseline.length === candidate.length) return
  out.push({
    kind: 'array-length',
    path: formatPath(path),
    baseline: String(baseline.length),
    candidate: String(candidate.length),
  })
  for (let index = shared; index < baseline.length; index += 1)
    out.push({ kind: 'missing', path: formatPath([...path, String(index)]), baseline: renderJson(baseline[index]) })
  for (let index = shared; index < candidate.length; index += 1)
    out.push({ kind: 'extra', path: formatPath([...path, String(index)]), candidate: renderJson(candidate[index]) })
}

import { isLosslessNumber } from 'lossless-json'
import { canonicalText, isJsonObject, parseLossless, type JsonValue } from './json-values.js'

// The normaliser: explicit, configurable rules that say which parts of an answer or a row are
// expected to differ between two runs, and how to compare them anyway. Nothing is ignored
// silently: a masked field must still be present on both sides, a timestamp keeps its shape.

export type RuleKind = 'mask' | 'timestamp' | 'instant' | 'id' | 'ref' | 'json-text' | 'unordered'

export interface NormalisationRule {
  /** Body: `$.score.stamps.*.score`, `$..last_score_timestamp`, `$.stamps[*].id`. Rows: `table.column[.json.path]`, `*` any one segment, `**` any depth. */
  path: string
  as: RuleKind
  /** For `ref`: the table whose ids the value holds. */
  table?: string
  reason?: string
}

export interface CompiledRule extends NormalisationRule {
  segments: string[]
}

/** Maps a row id to a label that is the same on both sides when both wrote the same rows in the same order. */
export interface RefLabeller {
  label(table: string, id: JsonValue): string | undefined
}

export function compilePath(path: string): string[] {
  // Row paths start with the table name; body paths with `$`.
  const text = path.startsWith('$') ? path.slice(1) : `.${path}`
  const segments: string[] = []
  const token = /\.\.([^.[\]]+)?|\.([^.[\]]+)|\[(\*|\d+|"[^"]*")\]/y
  let position = 0
  while (position < text.length) {
    token.lastIndex = position
    const match = token.exec(text)
    if (!match) throw new Error(`invalid path ${JSON.stringify(path)} at ${JSON.stringify(text.slice(position))}`)
    if (match[0].startsWith('..')) {
      segments.push('**')
      if (match[1] !== undefined) segments.push(match[1])
    } else if (match[2] !== undefined) segments.push(match[2])
    else segments.push(match[3]!.startsWith('"') ? match[3]!.slice(1, -1) : match[3]!)
    position = token.lastIndex
  }
  return segments
}

export function compileRules(rules: readonly NormalisationRule[]): CompiledRule[] {
  return rules.map((rule) => ({ ...rule, segments: compilePath(rule.path) }))
}

export function matchesPath(pattern: readonly string[], path: readonly string[]): boolean {
  const match = (p: number, q: number): boolean => {
    if (p === pattern.length) return q === path.length
    const head = pattern[p]!
    if (head === '**') {
      for (let skip = q; skip <= path.length; skip += 1) if (match(p + 1, skip)) return true
      return false
    }
    if (q === path.length) return false
    return (head === '*' || head === path[q]) && match(p + 1, q + 1)
  }
  return match(0, 0)
}

/** Display form of a path; the first segment (`$` or `table[label]`) is printed as it is. */
export function formatPath(path: readonly string[]): string {
  let text = ''
  for (const [index, segment] of path.entries()) {
    if (index === 0) text += segment
    else if (/^\d+$/.test(segment)) text += `[${segment}]`
    else if (/^[A-Za-z_][\w#-]*$/.test(segment)) text += `.${segment}`
    else text += `[${JSON.stringify(segment)}]`
  }
  return text
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:([T ])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/

export function isTimestamp(text: string): boolean {
  return TIMESTAMP.test(text)
}

/**
 * `2025-03-04T10:11:12.345678+00:00` → `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`: the value goes, the
 * format stays, so `Z` against `+00:00` or milliseconds against microseconds still differ.
 */
export function timestampShape(text: string): string {
  const match = TIMESTAMP.exec(text)
  if (!match) return text
  const [, , , , separator, hours, , seconds, fraction, zone] = match
  let shape = 'YYYY-MM-DD'
  if (hours !== undefined) shape += `${separator}HH:MM`
  if (seconds !== undefined) shape += ':SS'
  if (fraction !== undefined) shape += `.${'f'.repeat(fraction.length)}`
  return shape + (zone ?? '')
}

export interface NormaliseContext {
  rules: readonly CompiledRule[]
  refs?: RefLabeller
  /** Rules applied only when no configured rule matches (the automatic id references of rows). */
  fallbackRules?: readonly CompiledRule[]
}

export function normaliseValue(value: JsonValue, path: string[], context: NormaliseContext): JsonValue {
  const rule =
    context.rules.find((candidate) => matchesPath(candidate.segments, path)) ??
    context.fallbackRules?.find((candidate) => matchesPath(candidate.segments, path))
  if (rule) return applyRule(rule, value, path, context)
  return normaliseChildren(value, path, context)
}

function normaliseChildren(value: JsonValue, path: string[], context: NormaliseContext): JsonValue {
  if (Array.isArray(value)) return value.map((item, index) => normaliseValue(item, [...path, String(index)], context))
  if (isJsonObject(value)) {
    const result: Record<string, JsonValue> = {}
    for (const [key, item] of Object.entries(value)) result[key] = normaliseValue(item, [...path, key], context)
    return result
  }
  return value
}

function applyRule(rule: CompiledRule, value: JsonValue, path: string[], context: NormaliseContext): JsonValue {
  switch (rule.as) {
    case 'mask':
      return value === null ? null : '<masked>'
    case 'timestamp':
      return typeof value === 'string' ? timestampShape(value) : value
    case 'instant':
      return typeof value === 'string' && isTimestamp(value) ? '<instant>' : value
    case 'id':
      return isLosslessNumber(value) && /^\d+$/.test(value.value) ? '<id>' : value
    case 'ref': {
      if (value === null) return null
      const label = rule.table ? context.refs?.label(rule.table, value) : undefined
      if (label !== undefined) return `<${rule.table}${label}>`
      return isLosslessNumber(value) && /^\d+$/.test(value.value) ? '<id>' : value
    }
    case 'json-text': {
      if (typeof value !== 'string') return normaliseChildren(value, path, context)
      let parsed: JsonValue
      try {
        parsed = parseLossless(value)
      } catch {
        return value
      }
      return normaliseChildren(parsed, path, context)
    }
    case 'unordered': {
      const normalised = normaliseChildren(value, path, context)
      if (!Array.isArray(normalised)) return normalised
      return [...normalised].sort((a, b) => (canonicalText(a) < canonicalText(b) ? -1 : 1))
    }
  }
}

import { isLosslessNumber, LosslessNumber, parse, stringify } from 'lossless-json'
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml'

// Bodies and rows are compared as JSON values that keep every number's spelling (`15.0` is not
// `15`) and every object's key order (reported apart from content). lossless-json does the
// parsing; one limit of any JavaScript object remains: keys that look like array indexes ("0",
// "17") are ordered first by the engine. No body of this API has such keys.

export type JsonValue = null | boolean | string | LosslessNumber | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

export function parseLossless(text: string): JsonValue {
  return parse(text) as JsonValue
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value)
}

export type JsonType = 'null' | 'boolean' | 'string' | 'number' | 'array' | 'object'

export function jsonType(value: JsonValue): JsonType {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (isLosslessNumber(value)) return 'number'
  if (typeof value === 'object') return 'object'
  return typeof value as 'boolean' | 'string'
}

/** Compact JSON text with the numbers as they were spelled. */
export function renderJson(value: JsonValue | undefined, maxLength = 240): string {
  if (value === undefined) return '(absent)'
  const text = stringify(value) ?? 'undefined'
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text
}

/** Keys sorted at every depth: equal texts mean equal content whatever the key order. */
export function canonicalText(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalText).join(',')}]`
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalText(value[key]!)}`).join(',')}}`
  }
  return stringify(value) ?? 'null'
}

/**
 * Two spellings of one number (`15.0` and `15`, `1e2` and `100`) are numerically equal; the
 * comparison reports them as a spelling difference rather than a different value.
 */
export function isSameNumber(a: LosslessNumber, b: LosslessNumber): boolean {
  return decimalKey(a.value) === decimalKey(b.value)
}

function decimalKey(text: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text)
  if (!match) return text
  const [, sign, whole, fraction = '', exponent = '0'] = match
  let digits = `${whole}${fraction}`.replace(/^0+/, '')
  let scale = Number(exponent) - fraction.length
  if (digits === '') return '0'
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1)
    scale += 1
  }
  return `${sign}${digits}e${scale}`
}

export function toLosslessJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null
  if (isLosslessNumber(value)) return value as LosslessNumber
  if (typeof value === 'number' || typeof value === 'bigint') return new LosslessNumber(String(value))
  if (typeof value === 'string' || typeof value === 'boolean') return value
  if (Array.isArray(value)) return value.map(toLosslessJson)
  if (typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toLosslessJson(item)]))
  throw new Error(`not a JSON value: ${typeof value}`)
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/

/**
 * YAML read with the `yaml` package, numbers taken from their source text so `1.0` stays `1.0`
 * (a weight written `1.0` must reach the database as the float Python stores).
 */
export function parseYamlLossless(text: string): JsonValue {
  const doc = parseDocument(text, { keepSourceTokens: true, uniqueKeys: true })
  if (doc.errors.length > 0) throw new Error(doc.errors.map((error) => error.message).join('; '))
  return yamlNodeToJson(doc.contents as Node | null, doc, text)
}

function yamlNodeToJson(node: Node | null, doc: Document, text: string): JsonValue {
  if (node === null) return null
  if (isAlias(node)) return yamlNodeToJson(node.resolve(doc) as Node, doc, text)
  if (isMap(node)) {
    const result: JsonObject = {}
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key)
      result[key] = yamlNodeToJson(pair.value as Node | null, doc, text)
    }
    return result
  }
  if (isSeq(node)) return node.items.map((item) => yamlNodeToJson(item as Node | null, doc, text))
  if (isScalar(node)) {
    const value = node.value
    if (typeof value === 'number' || typeof value === 'bigint') {
      const source = node.range ? text.slice(node.range[0], node.range[1]).trim() : ''
      return new LosslessNumber(JSON_NUMBER.test(source) ? source : String(value))
    }
    return toLosslessJson(value)
  }
  throw new Error('unsupported YAML node')
}

/** A scenario or rules file: `.json` with lossless-json, anything else as YAML (JSON is YAML too). */
export function parseDataFile(path: string, text: string): JsonValue {
  return path.endsWith('.json') ? parseLossless(text) : parseYamlLossless(text)
}

export function plainJson(value: JsonValue): unknown {
  return JSON.parse(stringify(value) ?? 'null')
}

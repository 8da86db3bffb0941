import { isLosslessNumber, LosslessNumber } from 'lossless-json'
import { isJsonObject, plainJson, renderJson, type JsonValue } from './json-values.js'
import { checkStampsSpec, type StampsSpecValue } from './scenario.js'

// `${…}` references in scenario text and bodies, and the body directives. A string that is
// exactly one reference takes the variable's JSON type (`"${scorer.main}"` → 3); inside longer
// text it is spelled as text. Unknown references are errors, never empty strings.

export interface TemplateContext {
  vars: ReadonlyMap<string, JsonValue>
  /** References computed when used: `token.<address>`, `now`, `time:+30d`. */
  dynamic?: (name: string) => JsonValue | undefined
  /** `$stamps`: credentials signed once and sent identically to both services. */
  signStamps?: (spec: StampsSpecValue) => Promise<JsonValue[]>
  /** The moment `now` and `time:…` are relative to: fixed during a setup, so both databases get one value. */
  now?: Date
}

const REFERENCE = /\$\{([^}]+)\}/g

function lookup(name: string, context: TemplateContext): JsonValue {
  const value = context.vars.has(name)
    ? context.vars.get(name)!
    : (context.dynamic?.(name) ?? timeReference(name, context.now ?? new Date()))
  if (value === undefined) throw new Error(`unknown reference \${${name}}`)
  return value
}

/** `now`, `time:+30d`, `time:-2h`: ISO timestamps relative to the moment of resolution. */
function timeReference(name: string, now: Date): JsonValue | undefined {
  if (name === 'now') return now.toISOString()
  const match = /^time:([+-])(\d+)([smhd])$/.exec(name)
  if (!match) return undefined
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[3] as 's' | 'm' | 'h' | 'd']
  return new Date(now.getTime() + (match[1] === '-' ? -1 : 1) * Number(match[2]) * unit).toISOString()
}

function asText(value: JsonValue): string {
  if (typeof value === 'string') return value
  if (isLosslessNumber(value)) return value.value
  return renderJson(value, Number.POSITIVE_INFINITY)
}

export function resolveText(text: string, context: TemplateContext): string {
  return text.replace(REFERENCE, (_, name: string) => asText(lookup(name.trim(), context)))
}

function resolveString(text: string, context: TemplateContext): JsonValue {
  const whole = /^\$\{([^}]+)\}$/.exec(text)
  if (whole) return lookup(whole[1]!.trim(), context)
  return resolveText(text, context)
}

export async function resolveJson(value: JsonValue, context: TemplateContext): Promise<JsonValue> {
  if (typeof value === 'string') return resolveString(value, context)
  if (Array.isArray(value)) {
    const items: JsonValue[] = []
    for (const item of value) items.push(await resolveJson(item, context))
    return items
  }
  if (!isJsonObject(value)) return value
  const keys = Object.keys(value)
  if (keys.length === 1 && keys[0]!.startsWith('$')) return resolveDirective(keys[0]!, value[keys[0]!]!, context)
  const result: Record<string, JsonValue> = {}
  for (const [key, item] of Object.entries(value)) result[resolveText(key, context)] = await resolveJson(item, context)
  return result
}

async function resolveDirective(name: string, argument: JsonValue, context: TemplateContext): Promise<JsonValue> {
  switch (name) {
    case '$text':
      if (typeof argument !== 'string') throw new Error('$text takes a string')
      return resolveText(argument, context)
    case '$repeat': {
      const spec = isJsonObject(argument) ? argument : {}
      const count = isLosslessNumber(spec.count) ? Number(spec.count.value) : NaN
      if (!Number.isSafeInteger(count) || count < 0 || count > 10_000 || !('item' in spec))
        throw new Error('$repeat takes {count: 0…10000, item: …}')
      const item = await resolveJson(spec.item!, context)
      return Array.from({ length: count }, () => item)
    }
    case '$stamps': {
      if (!context.signStamps) throw new Error('$stamps is not available here')
      const { form, ...spec } = checkStampsSpec(plainJson(await resolveJson(argument, context)))
      const credentials = await context.signStamps(spec)
      if (form !== 'bulk') return credentials
      return credentials.map((credential, index) => ({ provider: spec.providers[index]!, stamp: credential }))
    }
    default:
      throw new Error(`unknown directive ${name} (expected $stamps, $repeat or $text)`)
  }
}

export function numberValue(value: number | string): LosslessNumber {
  return new LosslessNumber(String(value))
}

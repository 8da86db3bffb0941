import type { InjectOptions } from 'fastify'
import type { StampCredential } from '../../src/dev/stamp-issuer.js'

// Requests for the hostile-input fuzz test: a valid request per route, built from the route's own
// schema, then one mutation of it. Everything random comes from one seeded PRNG, so a failure
// reproduces with the same seed.

/** mulberry32: a tiny, well-mixed 32-bit PRNG. */
export function createRandom(seed: number) {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  return {
    next,
    below: (n: number): number => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number): boolean => next() < p,
  }
}
export type Random = ReturnType<typeof createRandom>

export interface FuzzRoute {
  method: string
  url: string
  schema?: { params?: unknown; querystring?: unknown; body?: unknown; security?: Record<string, unknown>[] }
}

export interface FuzzFixtures {
  address: string
  communityId: number
  apiKey: string
  internalKey: string
  jwt: string
  credentials: readonly StampCredential[]
}

/** Path or query text, already percent-encoded as it goes on the wire. */
const HOSTILE_URL_TEXT = [
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%ED%B0%80x',
  '%F0%9F%98%80',
  '',
  '%20',
  'x'.repeat(150),
  'x'.repeat(1500),
  'é',
  '%C3%A9',
  '99999999999999999999999',
  '-99999999999999999999999',
  '9007199254740993',
  '1e308',
  '1e3',
  'Infinity',
  '-Infinity',
  'NaN',
  '-1',
  '0',
  '1.5',
  '5.0',
  '0x10',
  '%zz',
  '%',
  '%2F',
  '..',
  'null',
  '%27%3B--',
  `0x${'f'.repeat(40)}`,
  `0X${'F'.repeat(40)}`,
]

/** JSON text placeholders for numbers JSON.stringify cannot write. */
const RAW_NUMBERS = [
  '1e400',
  '-1e400',
  '99999999999999999999999',
  '1e308',
  '-0',
  '0.1e1',
  '123456789012345678901234567890',
]

const HOSTILE_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\udc00\ud800',
  '\ud83d\ude00',
  '',
  ' ',
  'x'.repeat(257),
  'x'.repeat(5000),
  '99999999999999999999999',
  '1e308',
  'Infinity',
  '-1',
  '1.5',
  'true',
  'null',
  '\r\n',
  'é',
  '\uffff',
  '2024-13-45T99:99:99Z',
  'did:pkh:eip155:1:',
  'v0.0.0:',
  `0x${'f'.repeat(40)}`,
]

function hostileJsonValue(random: Random): unknown {
  const kind = random.below(10)
  if (kind < 5) return random.pick(HOSTILE_STRINGS)
  if (kind === 5) return random.pick([null, true, false, 0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2])
  if (kind === 6) return random.pick([[], {}, [null], { '\u0000': 1 }, { x: '\ud800' }, ['\u0000']])
  if (kind === 7) return deepNesting(random.pick([10, 70, 500]))
  return { raw: random.pick(RAW_NUMBERS) }
}

function deepNesting(depth: number): unknown {
  let value: unknown = 'bottom'
  for (let level = 0; level < depth; level++) value = level % 2 === 0 ? [value] : { x: value }
  return value
}

interface SchemaNode {
  type?: string
  properties?: Record<string, SchemaNode>
  items?: SchemaNode
  allOf?: SchemaNode[]
  anyOf?: SchemaNode[]
}

/** A valid value for a named field: ids, addresses and credentials from the fixtures, else from the schema. */
function validInstance(schema: SchemaNode | undefined, name: string, fixtures: FuzzFixtures, random: Random): unknown {
  const credential = random.pick(fixtures.credentials)
  const named: Record<string, () => unknown> = {
    stamp: () => credential,
    stamps: () => [...fixtures.credentials],
    credentialSubject: () => ({ ...credential.credentialSubject }),
    proof_values: () => fixtures.credentials.map((item) => item.proof.proofValue),
    scorer_id: () => fixtures.communityId,
    address: () => fixtures.address,
    provider: () => credential.credentialSubject.provider,
  }
  if (named[name]) return named[name]()
  if (!schema) return 'x'
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((part) => validInstance(part, name, fixtures, random)))
  if (schema.anyOf) return validInstance(schema.anyOf[0], name, fixtures, random)
  switch (schema.type) {
    case 'array':
      return [validInstance(schema.items, name, fixtures, random)]
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([key, child]) => [
          key,
          validInstance(child, key, fixtures, random),
        ]),
      )
    case 'integer':
    case 'number':
      return 1
    case 'boolean':
      return true
    case 'null':
      return null
    default:
      return 'x'
  }
}

/** A bulk item's provider follows its credential, so valid items are stored and scored (D6). */
function alignProviders(body: unknown): unknown {
  if (!Array.isArray(body)) return body
  return body.map((item: unknown) => {
    const record = item as { stamp?: StampCredential; provider?: unknown }
    return record && typeof record === 'object' && record.stamp
      ? { ...record, provider: record.stamp.credentialSubject.provider }
      : item
  })
}

function validPathText(name: string, fixtures: FuzzFixtures): string {
  if (name.includes('address')) return fixtures.address
  if (name.endsWith('_id') && name !== 'provider_id') return String(fixtures.communityId)
  if (name === '*') return 'index.html'
  return 'x'
}

function authHeaders(route: FuzzRoute, fixtures: FuzzFixtures): Record<string, string> {
  const scheme = Object.keys(route.schema?.security?.[0] ?? {})[0]
  if (scheme === 'apiKey') return { 'x-api-key': fixtures.apiKey }
  if (scheme === 'internalKey') return { authorization: fixtures.internalKey }
  if (scheme === 'jwt') return { authorization: `Bearer ${fixtures.jwt}` }
  return {}
}

/** JSON text of a body, with `{ raw }` placeholders written as bare number literals. */
function toJsonText(body: unknown): string {
  return JSON.stringify(body, (_key, value: unknown) =>
    value && typeof value === 'object' && 'raw' in value ? `<raw:${String((value as { raw: string }).raw)}>` : value,
  ).replace(/"<raw:([-+.\w]*)>"/g, '$1')
}

function replaceRandomNode(value: unknown, random: Random, replacement: () => unknown): unknown {
  if (value === null || typeof value !== 'object' || random.chance(0.25)) return replacement()
  if (Array.isArray(value)) {
    if (value.length === 0) return [replacement()]
    const index = random.below(value.length)
    return value.map((item, at) => (at === index ? replaceRandomNode(item, random, replacement) : item))
  }
  const keys = Object.keys(value)
  if (keys.length === 0) return { [random.pick(HOSTILE_STRINGS)]: replacement() }
  const key = random.pick(keys)
  return { ...value, [key]: replaceRandomNode((value as Record<string, unknown>)[key], random, replacement) }
}

const OTHER_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

/** One request for `route`: valid, or with exactly one kind of damage. */
export function buildRequest(route: FuzzRoute, fixtures: FuzzFixtures, random: Random): InjectOptions {
  const paramNames = [...route.url.matchAll(/:(\w+)|\*/g)].map((match) => match[1] ?? '*')
  const pathValues = Object.fromEntries(paramNames.map((name) => [name, validPathText(name, fixtures)]))
  const queryNames = Object.keys((route.schema?.querystring as SchemaNode | undefined)?.properties ?? {})
  const query: Record<string, string> = Object.fromEntries(
    queryNames.map((name) => [name, validPathText(name, fixtures)]),
  )
  let headers: Record<string, string> = authHeaders(route, fixtures)
  let method = route.method
  const bodySchema = route.schema?.body as SchemaNode | undefined
  let body: unknown = bodySchema ? alignProviders(validInstance(bodySchema, 'payload', fixtures, random)) : undefined
  let payload: string | undefined
  let contentType = 'application/json'

  const damage = random.below(12)
  if (damage <= 2 && paramNames.length > 0) pathValues[random.pick(paramNames)] = random.pick(HOSTILE_URL_TEXT)
  else if (damage === 3) query[random.pick([...queryNames, 'extra'])] = random.pick(HOSTILE_URL_TEXT)
  else if (damage <= 6 && body !== undefined) body = replaceRandomNode(body, random, () => hostileJsonValue(random))
  else if (damage === 7 && Array.isArray(body)) {
    const items: unknown[] = body
    body = random.chance(0.5) ? [...items, ...items] : Array.from({ length: 101 }, () => items[0])
  } else if (damage === 8) payload = random.pick(['{', '[1,', '"\\ud800"', 'null', '', '\u0000', '[]', '{}'])
  else if (damage === 9)
    contentType = random.pick([
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
      'multipart/form-data',
    ])
  else if (damage === 10) method = random.pick(OTHER_METHODS.filter((other) => other !== route.method))
  else if (damage === 11)
    headers = random.pick<Record<string, string>>([
      {},
      { authorization: 'Bearer x.y.z' },
      { 'x-api-key': 'nope' },
      { authorization: '\u00ff' },
    ])

  const path = route.url.replace(/:(\w+)|\*/g, (_match, name: string | undefined) => pathValues[name ?? '*']!)
  const search = Object.entries(query)
    .map(([name, value]) => `${name}=${value}`)
    .join('&')
  const hasBody = body !== undefined || payload !== undefined
  return {
    method: method as InjectOptions['method'],
    url: search ? `${path}?${search}` : path,
    headers: hasBody ? { ...headers, 'content-type': contentType } : headers,
    ...(hasBody ? { payload: payload ?? toJsonText(body) } : {}),
  }
}

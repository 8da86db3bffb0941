import { readFile } from 'node:fs/promises'
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Ajv } from 'ajv'
import { parseDataFile, plainJson, type JsonObject, type JsonValue } from './json-values.js'

// A scenario file (YAML or JSON, docs/migration-proof.md): named addresses, fixtures created
// in the same order in both databases, and the steps sent to both services. The file is checked
// against this schema before anything runs; values are kept lossless (numbers as spelled).

const Name = Type.String({ pattern: '^[A-Za-z][\\w-]*$' })
const Text = Type.String()
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])

const AccountFixture = Type.Object({ account: Name, address: Text }, { additionalProperties: false })
const ScorerFixture = Type.Object(
  {
    scorer: Name,
    account: Name,
    name: Type.Optional(Text),
    type: Type.Optional(Type.Union([Type.Literal('WEIGHTED_BINARY'), Type.Literal('WEIGHTED')])),
    weights: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String()])),
    threshold: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    human_points_program: Type.Optional(Type.Boolean()),
    external_scorer_id: Type.Optional(Type.Union([Text, Type.Null()])),
    deleted_at: Type.Optional(Type.Union([Text, Type.Null()])),
  },
  { additionalProperties: false },
)
const ApiKeyFixture = Type.Object(
  {
    apiKey: Name,
    account: Name,
    /** sha256: `hashed_key_sha256` filled; pbkdf2: only Django's PBKDF2 hash, migrated on first use. */
    hash: Type.Optional(Type.Union([Type.Literal('sha256'), Type.Literal('pbkdf2')])),
    revoked: Type.Optional(Type.Boolean()),
    expiry_date: Type.Optional(Type.Union([Text, Type.Null()])),
    rate_limit: Type.Optional(Type.Union([Text, Type.Null()])),
    embed_rate_limit: Type.Optional(Type.Union([Text, Type.Null()])),
    analysis_rate_limit: Type.Optional(Type.Union([Text, Type.Null()])),
    historical_endpoint: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
const StampsSpec = {
  address: Text,
  providers: Type.Array(Text, { minItems: 1 }),
  /** eip712: did:ethr EthereumEip712Signature2021 with nullifiers; ed25519: did:key with a hash. */
  issuer: Type.Optional(Type.Union([Type.Literal('eip712'), Type.Literal('ed25519')])),
  nullifiers: Type.Optional(Type.Record(Type.String(), Type.Array(Text, { minItems: 1 }))),
  hashes: Type.Optional(Type.Record(Type.String(), Text)),
  expires_in_days: Type.Optional(Type.Number()),
}
const StampsFixture = Type.Object(
  { stamps: Name, ...StampsSpec, source_app: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)])) },
  { additionalProperties: false },
)
const RowFixture = Type.Object(
  { row: Name, table: Name, values: Type.Record(Type.String(), Type.Unknown()) },
  { additionalProperties: false },
)
const Fixture = Type.Union([AccountFixture, ScorerFixture, ApiKeyFixture, StampsFixture, RowFixture])

const Step = Type.Object(
  {
    name: Text,
    method: Type.Union(['GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'HEAD', 'OPTIONS'].map((m) => Type.Literal(m))),
    path: Text,
    headers: Type.Optional(Type.Record(Type.String(), Text)),
    /** A JSON body (sent with content-type application/json); may hold `$stamps`, `$repeat`, `$text`. */
    json: Type.Optional(Type.Unknown()),
    /** A raw body, sent as written (malformed JSON, other content types). */
    body: Type.Optional(Text),
    note: Type.Optional(Text),
  },
  { additionalProperties: false },
)

const Scenario = Type.Object(
  {
    name: Text,
    description: Type.Optional(Text),
    /** Printed by --setup for both services, next to the values the setup generates. */
    env: Type.Optional(Type.Record(Type.String(), Scalar)),
    /** The scorer both services use for the Passport app routes (CERAMIC_CACHE_SCORER_ID). */
    ceramic_scorer: Type.Optional(Name),
    addresses: Type.Optional(Type.Record(Type.String(), Text)),
    fixtures: Type.Optional(Type.Array(Fixture)),
    steps: Type.Array(Step, { minItems: 1 }),
  },
  { additionalProperties: false },
)

const StampsSpecSchema = Type.Object(
  { ...StampsSpec, form: Type.Optional(Type.Union([Type.Literal('credentials'), Type.Literal('bulk')])) },
  { additionalProperties: false },
)
export type StampsSpecValue = Static<typeof StampsSpecSchema>
export type AccountFixtureValue = Static<typeof AccountFixture>
export type ScorerFixtureValue = Static<typeof ScorerFixture>
export type ApiKeyFixtureValue = Static<typeof ApiKeyFixture>
export type StampsFixtureValue = Static<typeof StampsFixture>
export type RowFixtureValue = Static<typeof RowFixture>
export type FixtureValue = Static<typeof Fixture>
export type StepValue = Static<typeof Step>

/** The checked scenario; `steps` and `fixtures` keep the lossless values for bodies and rows. */
export interface LoadedScenario {
  path: string
  name: string
  env: Record<string, string>
  ceramicScorer: string | undefined
  addresses: Record<string, string>
  fixtures: JsonObject[]
  steps: (StepValue & { raw: JsonObject })[]
}

const ajv = new Ajv({ allErrors: false, strict: false })
const checkScenario = ajv.compile(Scenario as TSchema)

export function parseScenario(path: string, text: string): LoadedScenario {
  const lossless = parseDataFile(path, text)
  const plain = plainJson(lossless)
  if (!checkScenario(plain)) {
    const [error] = checkScenario.errors ?? []
    throw new Error(`${path}: ${error?.instancePath || '(top)'} ${error?.message ?? 'is not a scenario'}`)
  }
  const scenario = plain as Static<typeof Scenario>
  const raw = lossless as JsonObject
  return {
    path,
    name: scenario.name,
    env: Object.fromEntries(Object.entries(scenario.env ?? {}).map(([key, value]) => [key, String(value ?? '')])),
    ceramicScorer: scenario.ceramic_scorer,
    addresses: scenario.addresses ?? {},
    fixtures: (raw.fixtures ?? []) as JsonObject[],
    steps: scenario.steps.map((step, index) => ({ ...step, raw: (raw.steps as JsonValue[])[index] as JsonObject })),
  }
}

const checkStampsSpecSchema = ajv.compile(StampsSpecSchema as TSchema)

/** The argument of a `$stamps` directive, checked like the fixtures are. */
export function checkStampsSpec(value: unknown): StampsSpecValue & { form?: 'credentials' | 'bulk' } {
  if (!checkStampsSpecSchema(value)) {
    const [error] = checkStampsSpecSchema.errors ?? []
    throw new Error(`$stamps ${error?.instancePath || ''} ${error?.message ?? 'is invalid'}`)
  }
  return value as StampsSpecValue & { form?: 'credentials' | 'bulk' }
}

export async function loadScenario(path: string): Promise<LoadedScenario> {
  return parseScenario(path, await readFile(path, 'utf8'))
}

export function fixtureKind(fixture: JsonObject): 'account' | 'scorer' | 'apiKey' | 'stamps' | 'row' {
  // `account` last: scorer and API-key fixtures name their account too.
  for (const kind of ['scorer', 'apiKey', 'stamps', 'row', 'account'] as const) if (kind in fixture) return kind
  throw new Error(`unknown fixture ${JSON.stringify(Object.keys(fixture))}`)
}

import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto'
import { isLosslessNumber, stringify } from 'lossless-json'
import type { Db, Sql } from '../../db/pool.js'
import { applyMigrations, ForeignDatabaseError } from '../../db/migrate.js'
import { insertFixtureRow, isFixtureFree } from '../../db/queries/fixture-rows.js'
import { makeDjangoPbkdf2, sha256KeyHash } from '../../domain/api-keys.js'
import { isJsonObject, parseLossless, plainJson, renderJson, type JsonObject, type JsonValue } from './json-values.js'
import {
  fixtureKind,
  type AccountFixtureValue,
  type ApiKeyFixtureValue,
  type LoadedScenario,
  type ScorerFixtureValue,
  type StampsFixtureValue,
} from './scenario.js'
import { signFixtureStamps, TRUSTED_FIXTURE_ISSUERS, type StampCredential } from './signing.js'
import { resolveJson, resolveText, type TemplateContext } from './templates.js'

// `compare --setup`: the scenario's fixtures written into two fresh Django-schema databases in
// the same order, so both get the same ids, and the environment both services need. Secrets,
// API keys and signed stamps are made once and written identically to both sides.

export interface FixtureState {
  version: 1
  scenario: string
  createdAt: string
  /** What both services need besides their own DATABASE_URL. */
  env: Record<string, string>
  /** Reference name → value, for `${…}` in steps. */
  vars: Record<string, JsonValue>
  /** Signs the ceramic-cache tokens of the steps; its public half is SIWE_JWT_PUBLIC_KEY. */
  jwtPrivateKeyPem: string
}

interface Inputs {
  now: string
  internalKey: string
  secretKey: string
  apiKeys: Map<string, { key: string; prefix: string; hashedKey: string }>
  stamps: Map<string, StampCredential[]>
  usernames: Map<string, string>
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const randomText = (length: number) =>
  Array.from({ length }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('')
// Django's default for PBKDF2 keys; keys that also carry the sha256 column never reach PBKDF2.
const DJANGO_PBKDF2_ITERATIONS = 600_000
const SHA256_KEY_PBKDF2_ITERATIONS = 1_000

async function prepareInputs(scenario: LoadedScenario, addresses: TemplateContext): Promise<Inputs> {
  const inputs: Inputs = {
    now: new Date().toISOString(),
    internalKey: randomBytes(18).toString('base64url'),
    secretKey: randomBytes(32).toString('base64url'),
    apiKeys: new Map(),
    stamps: new Map(),
    usernames: new Map(),
  }
  for (const fixture of scenario.fixtures) {
    const kind = fixtureKind(fixture)
    const plain = plainJson(fixture)
    if (kind === 'account')
      inputs.usernames.set((plain as AccountFixtureValue).account, randomBytes(12).toString('hex'))
    if (kind === 'apiKey') {
      const spec = plain as ApiKeyFixtureValue
      const prefix = randomText(8)
      const key = `${prefix}.${randomText(32)}`
      const iterations = spec.hash === 'pbkdf2' ? DJANGO_PBKDF2_ITERATIONS : SHA256_KEY_PBKDF2_ITERATIONS
      inputs.apiKeys.set(spec.apiKey, {
        key,
        prefix,
        hashedKey: await makeDjangoPbkdf2(key, randomText(22), iterations),
      })
    }
    if (kind === 'stamps') {
      const spec = plainJson(await resolveJson(fixture, addresses)) as StampsFixtureValue
      inputs.stamps.set(spec.stamps, await signFixtureStamps(spec))
    }
  }
  return inputs
}

type RowValues = Record<string, string | null>

function asColumnText(value: JsonValue): string | null {
  if (value === null) return null
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return String(value)
  if (isLosslessNumber(value)) return value.value
  return stringify(value) ?? null
}

/** Writes every fixture into one database, in scenario order; returns the reference values. */
async function writeFixtures(db: Db, scenario: LoadedScenario, inputs: Inputs, base: Map<string, JsonValue>) {
  const vars = new Map(base)
  const context: TemplateContext = { vars, now: new Date(inputs.now) }
  const insert = async (table: string, values: RowValues): Promise<JsonObject> =>
    parseLossless(await insertFixtureRow(db, table, values)) as JsonObject
  for (const raw of scenario.fixtures) {
    const fixture = plainJson(await resolveJson(raw, context))
    switch (fixtureKind(raw)) {
      case 'account': {
        const spec = fixture as AccountFixtureValue
        const user = await insert('auth_user', {
          password: `!${inputs.usernames.get(spec.account)}`,
          is_superuser: 'false',
          username: inputs.usernames.get(spec.account)!,
          first_name: '',
          last_name: '',
          email: '',
          is_staff: 'false',
          is_active: 'true',
          date_joined: inputs.now,
        })
        const account = await insert('account_account', {
          address: spec.address.toLowerCase(),
          user_id: asColumnText(user.id!),
        })
        vars.set(`account.${spec.account}`, account.id!)
        break
      }
      case 'scorer':
        await writeScorer(insert, raw, fixture as ScorerFixtureValue, vars, inputs.now)
        break
      case 'apiKey': {
        const spec = fixture as ApiKeyFixtureValue
        const made = inputs.apiKeys.get(spec.apiKey)!
        await insert('account_accountapikey', {
          id: `${made.prefix}.${made.hashedKey}`,
          prefix: made.prefix,
          hashed_key: made.hashedKey,
          created: inputs.now,
          name: spec.apiKey,
          revoked: String(spec.revoked ?? false),
          expiry_date: spec.expiry_date ?? null,
          account_id: asColumnText(vars.get(`account.${spec.account}`) ?? null),
          rate_limit: spec.rate_limit === undefined ? '125/15m' : spec.rate_limit,
          create_scorers: 'false',
          read_scores: 'true',
          submit_passports: 'true',
          analysis_rate_limit: spec.analysis_rate_limit === undefined ? '15/15m' : spec.analysis_rate_limit,
          historical_endpoint: String(spec.historical_endpoint ?? false),
          embed_rate_limit: spec.embed_rate_limit === undefined ? '125/15m' : spec.embed_rate_limit,
          hashed_key_sha256: spec.hash === 'pbkdf2' ? null : sha256KeyHash(made.key),
        })
        vars.set(`apiKey.${spec.apiKey}`, made.key)
        vars.set(`apiKey.${spec.apiKey}.prefix`, made.prefix)
        break
      }
      case 'stamps': {
        const spec = fixture as StampsFixtureValue
        for (const credential of inputs.stamps.get(spec.stamps)!) {
          const provider = credential.credentialSubject.provider
          const row = await insert('ceramic_cache_ceramiccache', {
            address: spec.address.toLowerCase(),
            provider,
            stamp: JSON.stringify(credential),
            created_at: inputs.now,
            updated_at: inputs.now,
            type: '1',
            deleted_at: null,
            compose_db_save_status: 'pending',
            compose_db_stream_id: '',
            expiration_date: credential.expirationDate,
            issuance_date: credential.issuanceDate,
            // Ed25519 stamps carry a detached jws instead of proofValue.
            proof_value: credential.proof.proofValue ?? credential.proof.jws ?? '',
            source_app: String(spec.source_app ?? 1),
            source_scorer_id: null,
          })
          const prefix = `stamps.${spec.stamps}.${provider}`
          vars.set(`${prefix}.id`, row.id!)
          vars.set(`${prefix}.proof_value`, row.proof_value!)
          vars.set(
            `${prefix}.nullifier`,
            credential.credentialSubject.nullifiers?.[0] ?? credential.credentialSubject.hash ?? '',
          )
        }
        break
      }
      case 'row': {
        const spec = fixture as { row: string; table: string }
        const values = (await resolveJson((raw as JsonObject).values!, context)) as JsonObject
        const row = await insert(
          spec.table,
          Object.fromEntries(Object.entries(values).map(([column, value]) => [column, asColumnText(value)])),
        )
        for (const [column, value] of Object.entries(row)) vars.set(`row.${spec.row}.${column}`, value)
        break
      }
    }
  }
  return vars
}

async function writeScorer(
  insert: (table: string, values: RowValues) => Promise<JsonObject>,
  raw: JsonObject,
  spec: ScorerFixtureValue,
  vars: Map<string, JsonValue>,
  now: string,
): Promise<void> {
  const type = spec.type ?? 'WEIGHTED_BINARY'
  const scorer = await insert('scorer_weighted_scorer', { type, exclude_from_weight_updates: 'false' })
  // The weights as written in the scenario (lossless), so `1.0` stays the float Python reads.
  const weights = isJsonObject(raw.weights) ? (stringify(raw.weights) ?? '{}') : '{}'
  await insert(type === 'WEIGHTED_BINARY' ? 'scorer_weighted_binaryweightedscorer' : 'scorer_weighted_weightedscorer', {
    scorer_ptr_id: asColumnText(scorer.id!),
    weights,
    threshold: String(spec.threshold ?? '20.00000'),
  })
  const community = await insert('account_community', {
    name: spec.name ?? spec.scorer,
    description: 'compare fixture',
    account_id: asColumnText(vars.get(`account.${spec.account}`) ?? null),
    scorer_id: asColumnText(scorer.id!),
    created_at: now,
    rule: 'LIFO',
    use_case: null,
    deleted_at: spec.deleted_at ?? null,
    external_scorer_id: spec.external_scorer_id ?? null,
    human_points_program: String(spec.human_points_program ?? false),
  })
  vars.set(`scorer.${spec.scorer}`, community.id!)
  vars.set(`scorer.${spec.scorer}.scorer_id`, scorer.id!)
}

function checkSameFixtures(databases: readonly FixtureDatabase[], written: readonly Map<string, JsonValue>[]): void {
  const [first, ...others] = written
  for (const [index, vars] of others.entries())
    for (const [name, value] of first!)
      if (renderJson(value) !== renderJson(vars.get(name)))
        throw new Error(
          `fixture ${name} is ${renderJson(value)} in the ${databases[0]!.name} database but ${renderJson(vars.get(name))} in the ${databases[index + 1]!.name} database: the databases were not equally fresh`,
        )
}

/** Migrates an empty database (ours, D15: only when asked); a Django-migrated one is used as it is. */
async function prepareDatabase(db: Sql, side: string): Promise<void> {
  try {
    await applyMigrations(db)
  } catch (error) {
    if (!(error instanceof ForeignDatabaseError)) throw error
  }
  if (!(await isFixtureFree(db)))
    throw new Error(`the ${side} database already holds accounts or stamps: --setup needs two fresh databases`)
}

export interface FixtureDatabase {
  /** `baseline`, `candidate`, …: named in errors. */
  name: string
  db: Sql
}

/**
 * Writes the fixtures into every database (two for compare; shadow tests use three), each in one
 * transaction that commits only when all of them got the same ids and values.
 */
export async function setupFixtures(
  scenario: LoadedScenario,
  databases: readonly FixtureDatabase[],
): Promise<FixtureState> {
  if (databases.length < 2) throw new Error('setupFixtures needs at least two databases')
  for (const { name, db } of databases) await prepareDatabase(db, name)
  const base = new Map<string, JsonValue>(
    Object.entries(scenario.addresses).map(([name, value]) => [`address.${name}`, value]),
  )
  const inputs = await prepareInputs(scenario, { vars: base })
  base.set('internalKey', inputs.internalKey)
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const written: Map<string, JsonValue>[] = []
  const writeFrom = async (index: number): Promise<void> => {
    if (index === databases.length) return checkSameFixtures(databases, written)
    await databases[index]!.db.begin(async (tx) => {
      written.push(await writeFixtures(tx, scenario, inputs, base))
      await writeFrom(index + 1)
    })
  }
  await writeFrom(0)
  const vars = written[0]!
  const ceramicScorer = scenario.ceramicScorer ? vars.get(`scorer.${scenario.ceramicScorer}`) : undefined
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const env: Record<string, string> = {
    TRUSTED_IAM_ISSUERS: JSON.stringify(TRUSTED_FIXTURE_ISSUERS),
    CGRANTS_API_TOKEN: inputs.internalKey,
    SECRET_KEY: inputs.secretKey,
    SIWE_JWT_PUBLIC_KEY: Buffer.from(publicPem).toString('base64'),
    ...(ceramicScorer === undefined ? {} : { CERAMIC_CACHE_SCORER_ID: renderJson(ceramicScorer) }),
    ...Object.fromEntries(Object.entries(scenario.env).map(([key, value]) => [key, resolveText(value, { vars })])),
  }
  return {
    version: 1,
    scenario: scenario.name,
    createdAt: inputs.now,
    env,
    vars: Object.fromEntries(vars),
    jwtPrivateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }
}

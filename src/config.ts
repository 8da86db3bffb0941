// The only module that reads environment variables (style §5). Names follow the Python
// service (D16) so one environment file serves both during a migration. The environment is
// checked once, against ConfigSchema, before anything starts: a bad value stops the start with
// one line naming the variable.

import { Type, type StaticDecode } from '@sinclair/typebox'
import { TransformDecodeError, Value } from '@sinclair/typebox/value'

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`)
    this.name = 'ConfigError'
  }
}

type Env = Record<string, string | undefined>

/** What a decoder throws; the loader adds the variable's name. */
class BadValue extends Error {}

/** How a value goes back to text (TypeBox wants both directions; we only ever decode). */
const toText = (value: unknown): string =>
  value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value)

/**
 * One environment variable: its Python name, how its text becomes the value, and the text an
 * unset variable reads (none: the setting stays absent).
 */
function variable<T>(
  env: string,
  decode: (raw: string) => T,
  unsetText?: string,
  encode: (value: T) => string = toText,
) {
  return Type.Transform(Type.String(unsetText === undefined ? { env } : { env, default: unsetText }))
    .Decode(decode)
    .Encode(encode)
}

// django-environ's truthy spellings; anything else is false (Python `env.bool`).
const TRUE_WORDS = new Set(['true', 'on', 'ok', 'y', 'yes', '1'])
const FALSE_WORDS = new Set(['false', 'off', 'n', 'no', '0', ''])

const boolean = (env: string, unset: boolean) =>
  variable(
    env,
    (raw) => {
      const word = raw.trim().toLowerCase()
      if (TRUE_WORDS.has(word)) return true
      if (FALSE_WORDS.has(word)) return false
      throw new BadValue(`expected a boolean (true/false, on/off, 1/0), got ${JSON.stringify(raw)}`)
    },
    String(unset),
  )

/** Python compares the raw text with "on": "On" and "true" are off (scoring §3.1). */
const featureFlag = (env: string, unsetText: string) =>
  variable(
    env,
    (raw) => raw === 'on',
    unsetText,
    (on) => (on ? 'on' : 'off'),
  )

/**
 * django-environ 0.11's `env.bool`: text that Python's `int()` reads is true unless zero; any other
 * text is true only when it is one of the truthy words (so "maybe" is false, never an error).
 */
const pythonEnvBool = (env: string, unset: boolean) =>
  variable(
    env,
    (raw) => {
      const text = raw.trim()
      if (/^[+-]?\d+(_\d+)*$/.test(text)) return /[1-9]/.test(text)
      return TRUE_WORDS.has(text.toLowerCase())
    },
    String(unset),
  )

interface Limits {
  min?: number
  max?: number
}

function parseInteger(raw: string, limits: Limits): number | undefined {
  if (raw.trim() === '') return undefined
  if (!/^-?\d+$/.test(raw.trim())) throw new BadValue(`expected an integer, got ${JSON.stringify(raw)}`)
  const value = Number(raw.trim())
  if (!Number.isSafeInteger(value)) throw new BadValue(`integer out of range: ${raw}`)
  if (limits.min !== undefined && value < limits.min) throw new BadValue(`must be >= ${limits.min}, got ${value}`)
  if (limits.max !== undefined && value > limits.max) throw new BadValue(`must be <= ${limits.max}, got ${value}`)
  return value
}

/** An integer within `limits`; unset or blank reads `unset`. */
const integer = (env: string, limits: Limits, unset: number) =>
  variable(env, (raw) => parseInteger(raw, limits) ?? unset, String(unset))

/** An integer within `limits`, or undefined when unset or blank. */
const optionalInteger = (env: string, limits: Limits = {}) => variable(env, (raw) => parseInteger(raw, limits), '')

/** A JSON array of strings, as django-environ's `env.json`; unset or blank reads `unset`. */
const stringList = (env: string, unset: readonly string[]) =>
  variable(
    env,
    (raw): readonly string[] => {
      if (raw.trim() === '') return [...unset]
      let parsed: unknown
      try {
        parsed = JSON.parse(raw)
      } catch {
        throw new BadValue(`expected a JSON array of strings, got ${JSON.stringify(raw)}`)
      }
      if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
        throw new BadValue('expected a JSON array of strings')
      }
      return parsed
    },
    JSON.stringify(unset),
  )

/** Text with surrounding blanks removed; blank reads `unset`. */
const trimmed = (env: string, unset: string) => variable(env, (raw) => raw.trim() || unset, unset)

/** Text with surrounding blanks removed, or undefined when unset or blank. */
const optionalTrimmed = (env: string) => variable(env, (raw) => raw.trim() || undefined, '')

/** Text taken as it is, blank included. */
const verbatim = (env: string, unset: string) => variable(env, (raw) => raw, unset)

// PEM, or base64 of a PEM, as the Python settings accept (scoring §8). Unset or blank → undefined.
const pemKey = (env: string) =>
  variable(
    env,
    (raw): string | undefined => {
      if (raw.trim() === '') return undefined
      if (raw.includes('-----BEGIN')) return raw.replace(/\\n/g, '\n')
      const decoded = Buffer.from(raw, 'base64').toString('utf8')
      if (!decoded.includes('-----BEGIN')) throw new BadValue('expected a PEM key or a base64-encoded PEM key')
      return decoded
    },
    '',
  )

/** A JSON `[header, value]` pair as Django reads SECURE_PROXY_SSL_HEADER; unset or blank → none. */
const secureProxySslHeader = (env: string) =>
  variable(
    env,
    (raw): readonly [string, string] | undefined => {
      if (raw.trim() === '' || raw.trim() === 'null') return undefined
      let parsed: unknown
      try {
        parsed = JSON.parse(raw)
      } catch {
        throw new BadValue(`expected a JSON array [header, value], got ${JSON.stringify(raw)}`)
      }
      if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((item) => typeof item === 'string'))
        throw new BadValue('expected a JSON array of two strings, like ["HTTP_X_FORWARDED_PROTO", "https"]')
      return [parsed[0] as string, parsed[1] as string]
    },
    '',
  )

const databaseUrl = variable('DATABASE_URL', (raw) => {
  // D22: an empty value is a broken deployment file, not a request for the embedded demo database.
  if (raw.trim() === '') throw new BadValue('is set but empty (unset it to run on the embedded database)')
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new BadValue('not a valid URL (expected postgres://user:pass@host:port/db)')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new BadValue(`unsupported scheme ${JSON.stringify(url.protocol)} (expected postgres:// or postgresql://)`)
  }
  return raw
})

/** A number from 0 to 1; unset or blank reads `unset`. */
const ratio = (env: string, unset: number) =>
  variable(
    env,
    (raw) => {
      if (raw.trim() === '') return unset
      const value = Number(raw.trim())
      if (!Number.isFinite(value) || value < 0 || value > 1)
        throw new BadValue(`expected a number from 0 to 1, got ${JSON.stringify(raw)}`)
      return value
    },
    String(unset),
  )

/** An http(s) URL, or undefined when unset or blank. */
const optionalHttpUrl = (env: string) =>
  variable(
    env,
    (raw): string | undefined => {
      if (raw.trim() === '') return undefined
      let url: URL
      try {
        url = new URL(raw.trim())
      } catch {
        throw new BadValue(`not a valid URL, got ${JSON.stringify(raw)}`)
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new BadValue(`expected an http:// or https:// URL, got ${JSON.stringify(raw)}`)
      return raw.trim()
    },
    '',
  )

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** Pino's level names, plus Python's spellings "warning" and "critical". */
const logLevel = variable(
  'LOG_LEVEL',
  (raw): (typeof LOG_LEVELS)[number] => {
    const word = raw.trim().toLowerCase()
    const level = word === 'warning' ? 'warn' : word === 'critical' ? 'fatal' : word
    if (!(LOG_LEVELS as readonly string[]).includes(level)) {
      throw new BadValue(`expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`)
    }
    return level as (typeof LOG_LEVELS)[number]
  },
  'info',
)

// The Python defaults (scoring §2 step 1) are dev placeholders that no real issuer uses.
const PYTHON_DEFAULT_TRUSTED_ISSUERS = ['did:key:GlMY_1zkc0i11O-wMBWbSiUfIkZiXzFLlAQ89pdfyBA', 'did:ethr:0xabczyx']

// Python's CACHES['default'] LOCATION when CELERY_BROKER_URL is unset (scorer/settings/base.py).
const PYTHON_DEFAULT_CACHE_URL = 'redis://localhost:6379/0'

// Every wait has a bound (README "Deadlines"). A warm score takes milliseconds and a first score
// of a full passport well under a second, so 10 s only cuts a request that is stuck; it stays
// below the 29 s of API Gateway and the 60 s idle timeout of an ALB, so the caller gets our 503
// rather than the gateway's 504. A statement gets half of it, so a slow one fails while there is
// time left to answer; a connection or a free pool slot that takes seconds means the database
// is away, and 3 s leaves room for a retry by the caller within the deadline.
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000
const DEFAULT_POOL_TIMEOUT_MS = 3_000
const DEFAULT_CONNECT_TIMEOUT_MS = 3_000

/**
 * Every setting, the variable it is read from, and what an unset variable means. The order is
 * the order of the checks: with several bad values, the first one here is reported.
 */
const ConfigSchema = Type.Object({
  /** Unset → embedded PGlite database in `embeddedDataDir` (D15: only then do we migrate/seed on start). */
  databaseUrl: Type.Optional(databaseUrl),
  port: integer('PORT', { min: 0, max: 65535 }, 8000),
  host: trimmed('HOST', '127.0.0.1'),
  logLevel,
  /** Exact, case-sensitive issuer DIDs (scoring §2 step 1). */
  trustedIamIssuers: stringList('TRUSTED_IAM_ISSUERS', PYTHON_DEFAULT_TRUSTED_ISSUERS),
  ceramicCacheScorerId: optionalInteger('CERAMIC_CACHE_SCORER_ID', { min: 1 }),
  secretKey: verbatim('SECRET_KEY', ''),
  siweJwtPublicKey: pemKey('SIWE_JWT_PUBLIC_KEY'),
  siweJwtPrivateKey: pemKey('SIWE_JWT_PRIVATE_KEY'),
  /** endpoints §5.6 step 3: SIWE domains the token issuance accepts (case-insensitive); empty refuses every login. */
  siweAllowedDomainsCeramicCache: stringList('SIWE_ALLOWED_DOMAINS_CERAMIC_CACHE', []),
  /** endpoints §5.6 step 6: Python reaches mainnet through Alchemy with this key. */
  alchemyApiKey: verbatim('ALCHEMY_API_KEY', ''),
  /** Ours: a mainnet JSON-RPC URL used instead of Alchemy's (a node of one's own, or a test's). */
  ethRpcUrl: optionalTrimmed('ETH_RPC_URL'),
  /** Raw value compared with the internal endpoints' `Authorization` header (endpoints §1.3.2). */
  cgrantsApiToken: verbatim('CGRANTS_API_TOKEN', 'abc'),
  demoApiKey: optionalTrimmed('DEMO_API_KEY'),
  demoApiKeyAliases: stringList('DEMO_API_KEY_ALIASES', []),
  demoApiScorerId: optionalInteger('DEMO_API_SCORER_ID'),
  humanPointsEnabled: boolean('HUMAN_POINTS_ENABLED', false),
  humanPointsWriteEnabled: boolean('HUMAN_POINTS_WRITE_ENABLED', false),
  humanPointsStartTimestamp: integer('HUMAN_POINTS_START_TIMESTAMP', { min: 0 }, 0),
  humanPointsMtaEnabled: boolean('HUMAN_POINTS_MTA_ENABLED', false),
  multiNullifierEnabled: featureFlag('FF_MULTI_NULLIFIER', 'off'),
  apiAnalyticsEnabled: featureFlag('FF_API_ANALYTICS', 'Off'),
  // Rate limiting (endpoints §1.8, D26): off unless RATELIMIT_ENABLE, as in Python.
  rateLimitEnabled: pythonEnvBool('RATELIMIT_ENABLE', false),
  /** The counters' Redis (D26); unset → CELERY_BROKER_URL, the location of Python's Django cache. */
  redisUrl: optionalTrimmed('REDIS_URL'),
  celeryBrokerUrl: trimmed('CELERY_BROKER_URL', PYTHON_DEFAULT_CACHE_URL),
  /** Bound of one Redis command; past it the request passes unlimited (fail-open). */
  rateLimitRedisTimeoutMs: integer('RATELIMIT_REDIS_TIMEOUT_MS', { min: 1, max: 10_000 }, 100),
  /** Kept small on purpose: behind RDS Proxy/PgBouncer the proxy does the real pooling (seeds, Rust port uses 5). */
  dbPoolSize: integer('DB_POOL_SIZE', { min: 1, max: 200 }, 5),
  /** Must be off behind PgBouncer / RDS Proxy in transaction mode: named statements do not survive a connection switch. */
  dbPrepareStatements: boolean('DB_PREPARE_STATEMENTS', true),
  embeddedDataDir: trimmed('EMBEDDED_DATA_DIR', '.data/pglite'),
  /**
   * Deadline of one request from routing to the answer (Fastify `handlerTimeout`): past it the
   * caller gets 503, and a transaction of that request that has not committed rolls back.
   */
  requestTimeoutMs: integer('REQUEST_TIMEOUT_MS', { min: 100, max: 600_000 }, DEFAULT_REQUEST_TIMEOUT_MS),
  /** PostgreSQL `statement_timeout` of our connections; 0 sends none (set it on the role instead). */
  dbStatementTimeoutMs: integer('DB_STATEMENT_TIMEOUT_MS', { min: 0, max: 600_000 }, DEFAULT_STATEMENT_TIMEOUT_MS),
  /** How long a transaction may wait for a free pooled connection before the request gets 503. */
  dbPoolTimeoutMs: integer('DB_POOL_TIMEOUT_MS', { min: 1, max: 600_000 }, DEFAULT_POOL_TIMEOUT_MS),
  /** How long opening a connection may take (TCP + startup + authentication). */
  dbConnectTimeoutMs: integer('DB_CONNECT_TIMEOUT_MS', { min: 100, max: 600_000 }, DEFAULT_CONNECT_TIMEOUT_MS),
  // Traces and metrics (docs/observability.md). The OTEL_* names and defaults are the Rust port's.
  otelEnabled: boolean('OTEL_ENABLED', false),
  otelServiceName: trimmed('OTEL_SERVICE_NAME', 'passport-scorer-ts'),
  /** Share of the traces started here that are recorded; a caller's sampled `traceparent` is always followed. */
  otelTraceSamplingRate: ratio('OTEL_TRACE_SAMPLING_RATE', 0.01),
  /** The full OTLP/HTTP traces URL; see `otlpTracesUrl`. */
  otelExporterOtlpTracesEndpoint: optionalHttpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'),
  /** A base URL to which `/v1/traces` is appended (the OpenTelemetry specification's rule). */
  otelExporterOtlpEndpoint: optionalHttpUrl('OTEL_EXPORTER_OTLP_ENDPOINT'),
  /** `deployment.environment` of the traces, as the Rust port sends it. */
  deploymentEnvironment: trimmed('ENVIRONMENT', 'development'),
  /** GET /metrics in the Prometheus text format: for the internal network only (docs/observability.md). */
  metricsEnabled: boolean('METRICS_ENABLED', false),
  // Public /v2 stamp metadata and model analysis (issue 14): Python's setting names and defaults.
  /** Base URL of the Passport app's public files: `stampMetadata.json` and the platform icons (endpoints §18). */
  passportPublicUrl: verbatim('PASSPORT_PUBLIC_URL', 'http://localhost:80'),
  /**
   * Django's SECURE_PROXY_SSL_HEADER, e.g. ["HTTP_X_FORWARDED_PROTO", "https"]: when the proxy's header
   * carries the value, the absolute URLs of the stamp list's pages start with https (endpoints §19).
   */
  secureProxySslHeader: secureProxySslHeader('SECURE_PROXY_SSL_HEADER'),
  /** How long fetching `stampMetadata.json` may take; past it the cached copy (or the 500) is served. */
  stampMetadataTimeoutMs: integer('STAMP_METADATA_TIMEOUT_MS', { min: 1, max: 60_000 }, 5_000),
  /** The model services of `GET /v2/models/score` (endpoints §20), one URL per model. */
  ethereumModelEndpoint: verbatim('ETHEREUM_MODEL_ENDPOINT', 'http://localhost:5000/eth-stamp-predict'),
  nftModelEndpoint: verbatim('NFT_MODEL_ENDPOINT', 'http://localhost:5003/nft-model-predict'),
  zksyncModelEndpoint: verbatim('ZKSYNC_MODEL_ENDPOINT', 'http://localhost:5006/zksync-model-predict'),
  polygonModelEndpoint: verbatim('POLYGON_MODEL_ENDPOINT', 'http://localhost:5005/polygon-model-predict'),
  arbitrumModelEndpoint: verbatim('ARBITRUM_MODEL_ENDPOINT', 'http://localhost:5002/arbitrum-model-predict'),
  optimismModelEndpoint: verbatim('OPTIMISM_MODEL_ENDPOINT', 'http://localhost:5004/op-model-predict'),
  baseModelEndpoint: verbatim('BASE_MODEL_ENDPOINT', 'http://localhost:5007/base-model-predict'),
  aggregateModelEndpoint: verbatim('AGGREGATE_MODEL_ENDPOINT', 'http://localhost:5001/aggregate-model-predict'),
  /**
   * One call to a model service. The aggregate model makes two rounds (its inputs, then itself), so
   * two of these stay inside the default request deadline (10 s).
   */
  modelEndpointTimeoutMs: integer('MODEL_ENDPOINT_TIMEOUT_MS', { min: 1, max: 600_000 }, 4_000),
})

export type Config = StaticDecode<typeof ConfigSchema>

/** The Redis of the rate-limit counters: REDIS_URL, else Python's cache location (endpoints §1.8). */
export function rateLimitRedisUrl(config: Config): string {
  return config.redisUrl ?? config.celeryBrokerUrl
}

type Setting = keyof typeof ConfigSchema.properties
const SETTINGS = Object.keys(ConfigSchema.properties) as Setting[]
const variableOf = (setting: Setting): string => ConfigSchema.properties[setting].env as string

/** Checks every variable against the schema and decodes it; the first bad one stops the start. */
function decodeEnv(env: Env): Config {
  const texts = Object.fromEntries(
    SETTINGS.flatMap((setting) => {
      const raw = env[variableOf(setting)]
      return raw === undefined ? [] : [[setting, raw]]
    }),
  )
  try {
    return Value.Decode(ConfigSchema, Value.Default(ConfigSchema, texts))
  } catch (error) {
    if (error instanceof TransformDecodeError && error.error instanceof BadValue)
      throw new ConfigError(variableOf(error.path.slice(1) as Setting), error.error.message)
    throw error
  }
}

/**
 * Defaults of the standalone embedded mode (no DATABASE_URL): the demo community runs the human
 * points program, so points are awarded and shown unless the environment says otherwise.
 */
export const EMBEDDED_MODE_DEFAULTS: Readonly<Env> = Object.freeze({
  HUMAN_POINTS_ENABLED: 'true',
  HUMAN_POINTS_WRITE_ENABLED: 'true',
})

/** Reads every variable once; `defaults` fill in unset variables only (used by the embedded mode). */
export function loadConfig(rawEnv: Env, defaults: Env = {}): Config {
  return Object.freeze(
    decodeEnv({
      ...defaults,
      ...Object.fromEntries(Object.entries(rawEnv).filter(([, value]) => value !== undefined)),
    }),
  )
}

/**
 * D22: settings that would silently run a real deployment wrong. Every passport would score 0
 * without a trusted issuer; the internal endpoints would accept the public default key `abc`.
 */
function refuseUnsafeConfiguration(env: Env, config: Config): void {
  const issuers = env.TRUSTED_IAM_ISSUERS?.trim()
  if (!issuers)
    throw new ConfigError(
      'TRUSTED_IAM_ISSUERS',
      'must be set against a real database (a JSON array of the IAM issuer DIDs; without one every score is 0)',
    )
  const issuerList = config.trustedIamIssuers
  if (issuerList.length === 0 || issuerList.every((did) => PYTHON_DEFAULT_TRUSTED_ISSUERS.includes(did))) {
    throw new ConfigError(
      'TRUSTED_IAM_ISSUERS',
      "lists none of the production IAM issuers (empty, or only Python's development placeholders)",
    )
  }
  if (env.CGRANTS_API_TOKEN === undefined || env.CGRANTS_API_TOKEN.trim() === '') {
    throw new ConfigError(
      'CGRANTS_API_TOKEN',
      "must be set against a real database (the internal endpoints' key; the default 'abc' is public)",
    )
  }
}

/**
 * The config of the server and the Lambda. With DATABASE_URL (a deployment) unsafe settings stop
 * the start (D22); without it the embedded demo defaults fill in what the environment leaves unset.
 */
export function loadServiceConfig(env: Env): Config {
  if (env.DATABASE_URL === undefined) return loadConfig(env, EMBEDDED_MODE_DEFAULTS)
  const config = loadConfig(env)
  refuseUnsafeConfiguration(env, config)
  return config
}

// The Rust port sends to the ADOT collector beside it: OTLP/HTTP on port 4318 of the same host.
const DEFAULT_OTLP_TRACES_URL = 'http://127.0.0.1:4318/v1/traces'

/** Where spans go: the traces endpoint as it is, else the base endpoint + `/v1/traces`, else the collector beside us. */
export function otlpTracesUrl(config: Config): string {
  if (config.otelExporterOtlpTracesEndpoint) return config.otelExporterOtlpTracesEndpoint
  if (config.otelExporterOtlpEndpoint) return `${config.otelExporterOtlpEndpoint.replace(/\/+$/, '')}/v1/traces`
  return DEFAULT_OTLP_TRACES_URL
}

/** Settings worth a warning at start: the service runs, but part of it cannot work. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = []
  if (config.ceramicCacheScorerId === undefined)
    warnings.push(
      'CERAMIC_CACHE_SCORER_ID is not set: the Passport app endpoints (/ceramic-cache/…) will answer errors',
    )
  return warnings
}

const SECRET_FIELDS: readonly (keyof Config)[] = [
  'secretKey',
  'siweJwtPrivateKey',
  'cgrantsApiToken',
  'demoApiKey',
  'alchemyApiKey',
  'ethRpcUrl',
]

/** The effective configuration for the start-up log: secrets masked, the database password hidden. */
export function describeConfig(config: Config): Record<string, unknown> {
  const described: Record<string, unknown> = { ...config }
  for (const field of SECRET_FIELDS) if (config[field]) described[field] = '***'
  if (config.siweJwtPublicKey) described.siweJwtPublicKey = `PEM, ${config.siweJwtPublicKey.length} characters`
  if (config.databaseUrl) {
    const url = new URL(config.databaseUrl)
    if (url.password) url.password = '***'
    described.databaseUrl = url.toString()
  }
  for (const field of ['redisUrl', 'celeryBrokerUrl'] as const) {
    const url = URL.canParse(config[field] ?? '') ? new URL(config[field]!) : undefined
    if (url?.password) {
      url.password = '***'
      described[field] = url.toString()
    }
  }
  return described
}

// The only module that reads environment variables (style §5). Names follow the Python
// service (D16) so one environment file serves both during a migration.

export interface Config {
  /** Unset → embedded PGlite database in `embeddedDataDir` (D15: only then do we migrate/seed on start). */
  databaseUrl: string | undefined
  port: number
  host: string
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** Exact, case-sensitive issuer DIDs (scoring §2 step 1). */
  trustedIamIssuers: readonly string[]
  ceramicCacheScorerId: number | undefined
  secretKey: string
  siweJwtPublicKey: string | undefined
  siweJwtPrivateKey: string | undefined
  /** Raw value compared with the internal endpoints' `Authorization` header (endpoints §1.3.2). */
  cgrantsApiToken: string
  demoApiKey: string | undefined
  demoApiKeyAliases: readonly string[]
  demoApiScorerId: number | undefined
  humanPointsEnabled: boolean
  humanPointsWriteEnabled: boolean
  humanPointsStartTimestamp: number
  humanPointsMtaEnabled: boolean
  /** Python compares the raw string with "on" (scoring §3.1). */
  multiNullifierEnabled: boolean
  apiAnalyticsEnabled: boolean
  /** Kept small on purpose: behind RDS Proxy/PgBouncer the proxy does the real pooling (seeds, Rust port uses 5). */
  dbPoolSize: number
  /** Must be off behind PgBouncer / RDS Proxy in transaction mode: named statements do not survive a connection switch. */
  dbPrepareStatements: boolean
  embeddedDataDir: string
  /**
   * Deadline of one request from routing to the answer (Fastify `handlerTimeout`): past it the
   * caller gets 503, and a transaction of that request that has not committed rolls back.
   */
  requestTimeoutMs: number
  /** PostgreSQL `statement_timeout` of our connections; 0 sends none (set it on the role instead). */
  dbStatementTimeoutMs: number
  /** How long a transaction may wait for a free pooled connection before the request gets 503. */
  dbPoolTimeoutMs: number
  /** How long opening a connection may take (TCP + startup + authentication). */
  dbConnectTimeoutMs: number
}

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

// django-environ's truthy spellings; anything else is false (Python `env.bool`).
const TRUE_WORDS = new Set(['true', 'on', 'ok', 'y', 'yes', '1'])
const FALSE_WORDS = new Set(['false', 'off', 'n', 'no', '0', ''])

function readBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined) return fallback
  const word = raw.trim().toLowerCase()
  if (TRUE_WORDS.has(word)) return true
  if (FALSE_WORDS.has(word)) return false
  throw new ConfigError(name, `expected a boolean (true/false, on/off, 1/0), got ${JSON.stringify(raw)}`)
}

function readInt(env: Env, name: string, opts: { min?: number; max?: number } = {}): number | undefined {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return undefined
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, `expected an integer, got ${JSON.stringify(raw)}`)
  const value = Number(raw.trim())
  if (!Number.isSafeInteger(value)) throw new ConfigError(name, `integer out of range: ${raw}`)
  if (opts.min !== undefined && value < opts.min) throw new ConfigError(name, `must be >= ${opts.min}, got ${value}`)
  if (opts.max !== undefined && value > opts.max) throw new ConfigError(name, `must be <= ${opts.max}, got ${value}`)
  return value
}

function readStringList(env: Env, name: string, fallback: string[]): string[] {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new ConfigError(name, `expected a JSON array of strings, got ${JSON.stringify(raw)}`)
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw new ConfigError(name, 'expected a JSON array of strings')
  }
  return parsed
}

function readDatabaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL
  if (raw === undefined) return undefined
  // D22: an empty value is a broken deployment file, not a request for the embedded demo database.
  if (raw.trim() === '')
    throw new ConfigError('DATABASE_URL', 'is set but empty (unset it to run on the embedded database)')
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError('DATABASE_URL', 'not a valid URL (expected postgres://user:pass@host:port/db)')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(
      'DATABASE_URL',
      `unsupported scheme ${JSON.stringify(url.protocol)} (expected postgres:// or postgresql://)`,
    )
  }
  return raw
}

// PEM, or base64 of a PEM, as the Python settings accept (scoring §8).
function readPem(env: Env, name: string): string | undefined {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return undefined
  if (raw.includes('-----BEGIN')) return raw.replace(/\\n/g, '\n')
  const decoded = Buffer.from(raw, 'base64').toString('utf8')
  if (!decoded.includes('-----BEGIN')) throw new ConfigError(name, 'expected a PEM key or a base64-encoded PEM key')
  return decoded
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

function readLogLevel(env: Env): Config['logLevel'] {
  const raw = (env.LOG_LEVEL ?? 'info').trim().toLowerCase()
  const level = raw === 'warning' ? 'warn' : raw === 'critical' ? 'fatal' : raw
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(env.LOG_LEVEL)}`)
  }
  return level as Config['logLevel']
}

// The Python defaults (scoring §2 step 1) are dev placeholders that no real issuer uses.
const PYTHON_DEFAULT_TRUSTED_ISSUERS = ['did:key:GlMY_1zkc0i11O-wMBWbSiUfIkZiXzFLlAQ89pdfyBA', 'did:ethr:0xabczyx']

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
  const env: Env = {
    ...defaults,
    ...Object.fromEntries(Object.entries(rawEnv).filter(([, value]) => value !== undefined)),
  }
  const config: Config = {
    databaseUrl: readDatabaseUrl(env),
    port: readInt(env, 'PORT', { min: 0, max: 65535 }) ?? 8000,
    host: env.HOST?.trim() || '127.0.0.1',
    logLevel: readLogLevel(env),
    trustedIamIssuers: readStringList(env, 'TRUSTED_IAM_ISSUERS', PYTHON_DEFAULT_TRUSTED_ISSUERS),
    ceramicCacheScorerId: readInt(env, 'CERAMIC_CACHE_SCORER_ID', { min: 1 }),
    secretKey: env.SECRET_KEY ?? '',
    siweJwtPublicKey: readPem(env, 'SIWE_JWT_PUBLIC_KEY'),
    siweJwtPrivateKey: readPem(env, 'SIWE_JWT_PRIVATE_KEY'),
    cgrantsApiToken: env.CGRANTS_API_TOKEN ?? 'abc',
    demoApiKey: env.DEMO_API_KEY?.trim() || undefined,
    demoApiKeyAliases: readStringList(env, 'DEMO_API_KEY_ALIASES', []),
    demoApiScorerId: readInt(env, 'DEMO_API_SCORER_ID'),
    humanPointsEnabled: readBool(env, 'HUMAN_POINTS_ENABLED', false),
    humanPointsWriteEnabled: readBool(env, 'HUMAN_POINTS_WRITE_ENABLED', false),
    humanPointsStartTimestamp: readInt(env, 'HUMAN_POINTS_START_TIMESTAMP', { min: 0 }) ?? 0,
    humanPointsMtaEnabled: readBool(env, 'HUMAN_POINTS_MTA_ENABLED', false),
    multiNullifierEnabled: (env.FF_MULTI_NULLIFIER ?? 'off') === 'on',
    apiAnalyticsEnabled: (env.FF_API_ANALYTICS ?? 'Off') === 'on',
    dbPoolSize: readInt(env, 'DB_POOL_SIZE', { min: 1, max: 200 }) ?? 5,
    dbPrepareStatements: readBool(env, 'DB_PREPARE_STATEMENTS', true),
    embeddedDataDir: env.EMBEDDED_DATA_DIR?.trim() || '.data/pglite',
    requestTimeoutMs: readInt(env, 'REQUEST_TIMEOUT_MS', { min: 100, max: 600_000 }) ?? DEFAULT_REQUEST_TIMEOUT_MS,
    dbStatementTimeoutMs:
      readInt(env, 'DB_STATEMENT_TIMEOUT_MS', { min: 0, max: 600_000 }) ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    dbPoolTimeoutMs: readInt(env, 'DB_POOL_TIMEOUT_MS', { min: 1, max: 600_000 }) ?? DEFAULT_POOL_TIMEOUT_MS,
    dbConnectTimeoutMs: readInt(env, 'DB_CONNECT_TIMEOUT_MS', { min: 100, max: 600_000 }) ?? DEFAULT_CONNECT_TIMEOUT_MS,
  }
  return Object.freeze(config)
}

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
 * D22: settings that would silently run a real deployment wrong. Every passport would score 0
 * without a trusted issuer; the internal endpoints would accept the public default key `abc`.
 */
function refuseUnsafeConfiguration(env: Env): void {
  const issuers = env.TRUSTED_IAM_ISSUERS?.trim()
  if (!issuers)
    throw new ConfigError(
      'TRUSTED_IAM_ISSUERS',
      'must be set against a real database (a JSON array of the IAM issuer DIDs; without one every score is 0)',
    )
  const parsed = readStringList(env, 'TRUSTED_IAM_ISSUERS', [])
  if (parsed.length === 0 || parsed.every((did) => PYTHON_DEFAULT_TRUSTED_ISSUERS.includes(did))) {
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
  refuseUnsafeConfiguration(env)
  return config
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

const SECRET_FIELDS: readonly (keyof Config)[] = ['secretKey', 'siweJwtPrivateKey', 'cgrantsApiToken', 'demoApiKey']

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
  return described
}

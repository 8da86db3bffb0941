import { describe, expect, it } from 'vitest'
import { ConfigError, configWarnings, describeConfig, loadConfig, loadServiceConfig } from '../src/config.js'

describe('loadConfig (D16: the Python service variable names)', () => {
  it('reads the Python names with their Python defaults', () => {
    const config = loadConfig({})
    expect(config.databaseUrl).toBeUndefined()
    expect(config.port).toBe(8000)
    expect(config.host).toBe('127.0.0.1')
    expect(config.cgrantsApiToken).toBe('abc')
    expect(config.trustedIamIssuers).toEqual([
      'did:key:GlMY_1zkc0i11O-wMBWbSiUfIkZiXzFLlAQ89pdfyBA',
      'did:ethr:0xabczyx',
    ])
    expect(config.multiNullifierEnabled).toBe(false)
    expect(config.apiAnalyticsEnabled).toBe(false)
    expect(config.humanPointsEnabled).toBe(false)
    expect(config.dbPoolSize).toBe(5)
    expect(config.dbPrepareStatements).toBe(true)
    expect(config.embeddedDataDir).toBe('.data/pglite')
  })

  it('parses every kind of value', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/scorer',
      PORT: '9000',
      TRUSTED_IAM_ISSUERS: '["did:ethr:0xabc"]',
      CERAMIC_CACHE_SCORER_ID: '335',
      HUMAN_POINTS_ENABLED: 'on',
      HUMAN_POINTS_WRITE_ENABLED: 'True',
      HUMAN_POINTS_START_TIMESTAMP: '1700000000',
      FF_MULTI_NULLIFIER: 'on',
      FF_API_ANALYTICS: 'on',
      DEMO_API_KEY_ALIASES: '["demo"]',
      DB_POOL_SIZE: '12',
      DB_PREPARE_STATEMENTS: 'off',
      LOG_LEVEL: 'WARNING',
    })
    expect(config).toMatchObject({
      databaseUrl: 'postgres://u:p@db:5432/scorer',
      port: 9000,
      trustedIamIssuers: ['did:ethr:0xabc'],
      ceramicCacheScorerId: 335,
      humanPointsEnabled: true,
      humanPointsWriteEnabled: true,
      humanPointsStartTimestamp: 1700000000,
      multiNullifierEnabled: true,
      apiAnalyticsEnabled: true,
      demoApiKeyAliases: ['demo'],
      dbPoolSize: 12,
      dbPrepareStatements: false,
      logLevel: 'warn',
    })
  })

  it('FF_* flags follow Python: only the exact string "on" turns them on', () => {
    expect(loadConfig({ FF_MULTI_NULLIFIER: 'true' }).multiNullifierEnabled).toBe(false)
    expect(loadConfig({ FF_API_ANALYTICS: 'On' }).apiAnalyticsEnabled).toBe(false)
  })

  it.each([
    [{ PORT: 'eighty' }, 'PORT: expected an integer, got "eighty"'],
    [{ PORT: '70000' }, 'PORT: must be <= 65535, got 70000'],
    [
      { TRUSTED_IAM_ISSUERS: 'did:ethr:0xabc' },
      'TRUSTED_IAM_ISSUERS: expected a JSON array of strings, got "did:ethr:0xabc"',
    ],
    [
      { HUMAN_POINTS_ENABLED: 'maybe' },
      'HUMAN_POINTS_ENABLED: expected a boolean (true/false, on/off, 1/0), got "maybe"',
    ],
    [
      { DATABASE_URL: 'mysql://localhost/x' },
      'DATABASE_URL: unsupported scheme "mysql:" (expected postgres:// or postgresql://)',
    ],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [{ SIWE_JWT_PUBLIC_KEY: 'not a key' }, 'SIWE_JWT_PUBLIC_KEY: expected a PEM key or a base64-encoded PEM key'],
    [{ DATABASE_URL: 'db:5432' }, 'DATABASE_URL: unsupported scheme "db:" (expected postgres:// or postgresql://)'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL: not a valid URL (expected postgres://user:pass@host:port/db)'],
    [{ DB_POOL_SIZE: '99999999999999999999' }, 'DB_POOL_SIZE: integer out of range: 99999999999999999999'],
    [{ CERAMIC_CACHE_SCORER_ID: '0' }, 'CERAMIC_CACHE_SCORER_ID: must be >= 1, got 0'],
    [{ DEMO_API_KEY_ALIASES: '{"demo": 1}' }, 'DEMO_API_KEY_ALIASES: expected a JSON array of strings'],
    [
      { DB_PREPARE_STATEMENTS: 'sometimes' },
      'DB_PREPARE_STATEMENTS: expected a boolean (true/false, on/off, 1/0), got "sometimes"',
    ],
  ])('a bad value stops the start with one line naming the variable: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(message)
  })

  it('several bad values: the first setting in the schema is the one named', () => {
    expect(() => loadConfig({ DB_POOL_SIZE: '0', HOST: 'h', PORT: 'x' })).toThrow('PORT: expected an integer, got "x"')
  })

  it('a blank value reads as unset, except the two secrets taken verbatim', () => {
    const config = loadConfig({
      PORT: '',
      HOST: '  ',
      TRUSTED_IAM_ISSUERS: ' ',
      CERAMIC_CACHE_SCORER_ID: '',
      DEMO_API_KEY: ' ',
      SIWE_JWT_PUBLIC_KEY: '',
      HUMAN_POINTS_ENABLED: '',
      DB_PREPARE_STATEMENTS: '',
      EMBEDDED_DATA_DIR: ' ',
      CGRANTS_API_TOKEN: '',
      SECRET_KEY: '',
    })
    expect(config).toMatchObject({
      port: 8000,
      host: '127.0.0.1',
      trustedIamIssuers: ['did:key:GlMY_1zkc0i11O-wMBWbSiUfIkZiXzFLlAQ89pdfyBA', 'did:ethr:0xabczyx'],
      ceramicCacheScorerId: undefined,
      demoApiKey: undefined,
      siweJwtPublicKey: undefined,
      humanPointsEnabled: false,
      // django-environ reads an empty boolean as false, whatever the default.
      dbPrepareStatements: false,
      embeddedDataDir: '.data/pglite',
      cgrantsApiToken: '',
      secretKey: '',
    })
  })

  it('the config is frozen, and each load has its own lists (also when a blank value reads the default)', () => {
    const first = loadConfig({ TRUSTED_IAM_ISSUERS: '' })
    const second = loadConfig({ TRUSTED_IAM_ISSUERS: '' })
    expect(Object.isFrozen(first)).toBe(true)
    expect(first.trustedIamIssuers).toEqual(second.trustedIamIssuers)
    expect(first.trustedIamIssuers).not.toBe(second.trustedIamIssuers)
  })

  it('a one-line PEM with literal \\n sequences (as .env files hold it) becomes a multi-line PEM', () => {
    expect(
      loadConfig({ SIWE_JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nabc\\n-----END PUBLIC KEY-----' })
        .siweJwtPublicKey,
    ).toBe('-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----')
  })

  it('accepts a base64-encoded PEM', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n'
    expect(loadConfig({ SIWE_JWT_PUBLIC_KEY: Buffer.from(pem).toString('base64') }).siweJwtPublicKey).toBe(pem)
  })

  it('the embedded server turns human points on unless the environment says otherwise', () => {
    expect(loadServiceConfig({}).humanPointsEnabled).toBe(true)
    expect(loadServiceConfig({ HUMAN_POINTS_ENABLED: 'false' }).humanPointsEnabled).toBe(false)
    expect(loadServiceConfig({ ...DEPLOYMENT, HUMAN_POINTS_ENABLED: undefined }).humanPointsEnabled).toBe(false)
  })

  it('deadlines: documented defaults, each configurable', () => {
    expect(loadConfig({})).toMatchObject({
      requestTimeoutMs: 10_000,
      dbStatementTimeoutMs: 5_000,
      dbPoolTimeoutMs: 3_000,
      dbConnectTimeoutMs: 3_000,
    })
    expect(
      loadConfig({
        REQUEST_TIMEOUT_MS: '2500',
        DB_STATEMENT_TIMEOUT_MS: '0',
        DB_POOL_TIMEOUT_MS: '700',
        DB_CONNECT_TIMEOUT_MS: '900',
      }),
    ).toMatchObject({ requestTimeoutMs: 2500, dbStatementTimeoutMs: 0, dbPoolTimeoutMs: 700, dbConnectTimeoutMs: 900 })
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: '0' })).toThrow('REQUEST_TIMEOUT_MS: must be >= 100, got 0')
  })
})

// A deployment's environment: a real database, production issuers, its own internal key.
const DEPLOYMENT = {
  DATABASE_URL: 'postgres://scorer:s3cret@db:5432/scorer',
  TRUSTED_IAM_ISSUERS: '["did:ethr:0xd6f8d6ca86aa01e551a311d670a0d1bd8577e5fb"]',
  CGRANTS_API_TOKEN: 'internal-key',
}

describe('loadServiceConfig (D22: unsafe configuration refused at start)', () => {
  it('accepts a complete deployment environment', () => {
    expect(loadServiceConfig(DEPLOYMENT)).toMatchObject({
      databaseUrl: DEPLOYMENT.DATABASE_URL,
      cgrantsApiToken: 'internal-key',
    })
  })

  it.each([
    [{ TRUSTED_IAM_ISSUERS: undefined }, 'TRUSTED_IAM_ISSUERS: must be set against a real database'],
    [{ TRUSTED_IAM_ISSUERS: '' }, 'TRUSTED_IAM_ISSUERS: must be set against a real database'],
    [
      { TRUSTED_IAM_ISSUERS: '[]' },
      "TRUSTED_IAM_ISSUERS: lists none of the production IAM issuers (empty, or only Python's development placeholders)",
    ],
    [
      { TRUSTED_IAM_ISSUERS: '["did:key:GlMY_1zkc0i11O-wMBWbSiUfIkZiXzFLlAQ89pdfyBA","did:ethr:0xabczyx"]' },
      'TRUSTED_IAM_ISSUERS: lists none of the production IAM issuers',
    ],
    [
      { CGRANTS_API_TOKEN: undefined },
      "CGRANTS_API_TOKEN: must be set against a real database (the internal endpoints' key; the default 'abc' is public)",
    ],
    [{ CGRANTS_API_TOKEN: ' ' }, 'CGRANTS_API_TOKEN: must be set against a real database'],
    [{ DATABASE_URL: '' }, 'DATABASE_URL: is set but empty (unset it to run on the embedded database)'],
  ])('%j → refused with one line naming the variable', (change, message) => {
    const env: Record<string, string | undefined> = { ...DEPLOYMENT, ...change }
    expect(() => loadServiceConfig(env)).toThrow(ConfigError)
    expect(() => loadServiceConfig(env)).toThrow(message)
  })

  it('the embedded mode needs none of them', () => {
    expect(loadServiceConfig({}).databaseUrl).toBeUndefined()
  })

  it('a missing CERAMIC_CACHE_SCORER_ID is a warning, not a refusal', () => {
    expect(configWarnings(loadServiceConfig(DEPLOYMENT))).toEqual([
      'CERAMIC_CACHE_SCORER_ID is not set: the Passport app endpoints (/ceramic-cache/…) will answer errors',
    ])
    expect(configWarnings(loadServiceConfig({ ...DEPLOYMENT, CERAMIC_CACHE_SCORER_ID: '335' }))).toEqual([])
  })

  it('the effective configuration is logged with every secret masked', () => {
    const described = describeConfig(
      loadServiceConfig({ ...DEPLOYMENT, SECRET_KEY: 'django-secret', DEMO_API_KEY: 'demo-key' }),
    )
    expect(described).toMatchObject({
      databaseUrl: 'postgres://scorer:***@db:5432/scorer',
      cgrantsApiToken: '***',
      secretKey: '***',
      demoApiKey: '***',
    })
    expect(JSON.stringify(described)).not.toMatch(/s3cret|internal-key|django-secret|demo-key/)
  })
})

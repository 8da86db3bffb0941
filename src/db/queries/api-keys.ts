import { currentTimestamp, type Db } from '../pool.js'

export interface ApiKeyRow {
  id: string
  prefix: string
  hashed_key: string
  hashed_key_sha256: string | null
  account_id: number
  revoked: boolean
  expiry_date: string | null
  rate_limit: string | null
  analysis_rate_limit: string | null
  embed_rate_limit: string | null
  historical_endpoint: boolean
}

// D5: revoked keys are filtered here; expiry is decided by the domain with its own clock.
export async function findUnrevokedApiKeyByPrefix(db: Db, prefix: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db<ApiKeyRow[]>`
    select id, prefix, hashed_key, hashed_key_sha256, account_id, revoked, expiry_date, rate_limit, analysis_rate_limit, embed_rate_limit,
      historical_endpoint
    from account_accountapikey where prefix = ${prefix} and revoked = false`
  return row
}

export async function updateApiKeySha256(db: Db, id: string, hashedKeySha256: string): Promise<void> {
  await db`update account_accountapikey set hashed_key_sha256 = ${hashedKeySha256} where id = ${id}`
}

interface NewApiKeyRow {
  id: string
  prefix: string
  hashedKey: string
  hashedKeySha256: string | null
  name: string
  accountId: number
  rateLimit?: string | null
  embedRateLimit?: string | null
  analysisRateLimit?: string | null
}

/** Every NOT NULL column as djangorestframework-api-key + the Passport model write them. */
export async function insertApiKey(db: Db, key: NewApiKeyRow): Promise<void> {
  await db`
    insert into account_accountapikey (id, prefix, hashed_key, created, name, revoked, expiry_date, account_id, rate_limit,
      create_scorers, read_scores, submit_passports, analysis_rate_limit, historical_endpoint, embed_rate_limit, hashed_key_sha256)
    values (${key.id}, ${key.prefix}, ${key.hashedKey}, ${currentTimestamp()}, ${key.name}, false, null, ${key.accountId}, ${key.rateLimit ?? '125/15m'},
      false, true, true, ${key.analysisRateLimit ?? '15/15m'}, false, ${key.embedRateLimit ?? '125/15m'}, ${key.hashedKeySha256})`
}

export interface NewApiKeyAnalyticsRow {
  apiKeyId: string
  path: string
  pathSegments: string[]
  queryParams: Record<string, string[]>
  headers: Record<string, string>
  payload: unknown
  /** JSON text of the response body, stored as a jsonb *string* like Python's pydantic `.json()`. */
  responseText: string | null
  responseSkipped: boolean
  error: string | null
  statusCode: number
}

// D21: the time comes from the process (microseconds), not now(): the embedded PGlite's clock only has milliseconds.
export async function insertApiKeyAnalytics(db: Db, row: NewApiKeyAnalyticsRow): Promise<void> {
  await db`
    insert into account_accountapikeyanalytics (api_key_id, created_at, path, base_path, path_segments, query_params, headers, payload, response, response_skipped, error, status_code)
    values (${row.apiKeyId}, ${currentTimestamp()}, ${row.path}, null, ${db.json(row.pathSegments)}, ${db.json(row.queryParams)}, ${db.json(row.headers)},
      ${row.payload === undefined || row.payload === null ? null : db.json(row.payload as never)},
      ${row.responseText === null ? null : db.json(row.responseText)}, ${row.responseSkipped}, ${row.error}, ${row.statusCode})`
}

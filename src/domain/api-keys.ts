import { createHash, pbkdf2, randomInt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { readTogether } from '../db/pipeline.js'
import type { Db, Sql } from '../db/pool.js'
import {
  findUnrevokedApiKeyByPrefix,
  insertApiKey,
  insertApiKeyAnalytics,
  updateApiKeySha256,
  type ApiKeyRow,
  type NewApiKeyAnalyticsRow,
} from '../db/queries/api-keys.js'
import { withSpan } from './tracing.js'
import { comparePyDateTime, nowUtc, parsePgTimestamp, type PyDateTime } from './formats/py-datetime.js'

const pbkdf2Async = promisify(pbkdf2)

export interface AuthenticatedApiKey {
  id: string
  prefix: string
  accountId: number
  embedRateLimit: string | null
  rateLimit: string | null
  analysisRateLimit: string | null
  historicalEndpoint: boolean
}

interface ApiKeyHeaders {
  xApiKey: string | undefined
  authorization: string | undefined
}

interface ApiKeyAliases {
  demoApiKey: string | undefined
  demoApiKeyAliases: readonly string[]
}

/**
 * scoring §7.2: `X-API-Key` first, else the second word of `Authorization` (`Token <key>`,
 * `Bearer <key>`). The async Django routes apply the demo aliases to the X-API-Key value only;
 * the sync ones (embed validate) to whichever header was used.
 */
export function extractApiKey(
  headers: ApiKeyHeaders,
  aliases: ApiKeyAliases,
  aliasBothHeaders: boolean,
): string | undefined {
  const applyAlias = (key: string): string =>
    aliases.demoApiKey && aliases.demoApiKeyAliases.includes(key) ? aliases.demoApiKey : key
  if (headers.xApiKey) return applyAlias(headers.xApiKey)
  const words = (headers.authorization ?? '').split(/\s+/).filter((word) => word !== '')
  const key = words[1]
  if (!key) return undefined
  return aliasBothHeaders ? applyAlias(key) : key
}

export function sha256KeyHash(key: string): string {
  return `sha256$${createHash('sha256').update(key, 'utf8').digest('hex')}`
}

function constantTimeEquals(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  return left.length === right.length && timingSafeEqual(left, right)
}

/** Django's `check_password` for `pbkdf2_sha256$<iterations>$<salt>$<base64>`; async so the event loop keeps serving (D5). */
export async function checkDjangoPbkdf2(key: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$')
  if (parts.length !== 4 || parts[0] !== 'pbkdf2_sha256') return false
  const iterations = Number(parts[1])
  if (!Number.isSafeInteger(iterations) || iterations <= 0) return false
  const derived = await pbkdf2Async(key, parts[2]!, iterations, 32, 'sha256')
  return constantTimeEquals(derived.toString('base64'), parts[3]!)
}

export function makeDjangoPbkdf2(key: string, salt: string, iterations = 600_000): Promise<string> {
  return pbkdf2Async(key, salt, iterations, 32, 'sha256').then(
    (derived) => `pbkdf2_sha256$${iterations}$${salt}$${derived.toString('base64')}`,
  )
}

function isExpired(row: ApiKeyRow, now: PyDateTime): boolean {
  return row.expiry_date !== null && comparePyDateTime(parsePgTimestamp(row.expiry_date), now) <= 0
}

/**
 * scoring §7.3 with D5: prefix = text before the first '.', unrevoked and unexpired rows only;
 * the sha256 column decides alone when set; otherwise PBKDF2, and on success the one-time
 * `hashed_key_sha256` migration write.
 */
export function verifyApiKey(
  db: Db,
  key: string,
  now: PyDateTime = nowUtc(),
): Promise<AuthenticatedApiKey | undefined> {
  return withSpan('verifyApiKey', { 'api_key.prefix': key.split('.', 1)[0] ?? '' }, () => checkApiKey(db, key, now))
}

/**
 * `verifyApiKey`, with reads of the caller's sent in the same round trip as the key's row (one
 * connection, `readTogether`). They must be reads only: they are discarded when the key fails, and
 * nothing may depend on the key being valid before it is checked. `reads` is undefined when the key
 * is malformed (nothing was read).
 */
export function verifyApiKeyWithReads<R>(
  sql: Sql,
  key: string,
  readAlongside: (db: Db) => Promise<R>,
  now: PyDateTime = nowUtc(),
): Promise<{ apiKey: AuthenticatedApiKey | undefined; reads: R | undefined }> {
  return withSpan('verifyApiKey', { 'api_key.prefix': key.split('.', 1)[0] ?? '' }, async () => {
    const prefix = keyPrefix(key)
    if (prefix === undefined) return { apiKey: undefined, reads: undefined }
    const [row, reads] = await readTogether<[ApiKeyRow | undefined, R]>(sql, (db) => [
      findUnrevokedApiKeyByPrefix(db, prefix),
      readAlongside(db),
    ])
    return { apiKey: await authenticateRow(sql, key, row, now), reads }
  })
}

/** The text before the first '.'; undefined for a key without one (no row can match). */
function keyPrefix(key: string): string | undefined {
  const prefix = key.split('.', 1)[0] ?? ''
  return prefix === '' || !key.includes('.') ? undefined : prefix
}

async function checkApiKey(db: Db, key: string, now: PyDateTime): Promise<AuthenticatedApiKey | undefined> {
  const prefix = keyPrefix(key)
  if (prefix === undefined) return undefined
  return authenticateRow(db, key, await findUnrevokedApiKeyByPrefix(db, prefix), now)
}

async function authenticateRow(
  db: Db,
  key: string,
  row: ApiKeyRow | undefined,
  now: PyDateTime,
): Promise<AuthenticatedApiKey | undefined> {
  if (!row || isExpired(row, now)) return undefined
  const sha256 = sha256KeyHash(key)
  let valid: boolean
  if (row.hashed_key_sha256) {
    valid = constantTimeEquals(sha256, row.hashed_key_sha256)
  } else if (row.hashed_key.startsWith('sha256$')) {
    valid = constantTimeEquals(sha256, row.hashed_key)
  } else if (row.hashed_key.startsWith('pbkdf2_sha256$')) {
    valid = await checkDjangoPbkdf2(key, row.hashed_key)
    if (valid) await updateApiKeySha256(db, row.id, sha256)
  } else {
    valid = false
  }
  if (!valid) return undefined
  return {
    id: row.id,
    prefix: row.prefix,
    accountId: row.account_id,
    embedRateLimit: row.embed_rate_limit,
    rateLimit: row.rate_limit,
    analysisRateLimit: row.analysis_rate_limit,
    historicalEndpoint: row.historical_endpoint,
  }
}

const KEY_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

function randomString(length: number): string {
  let text = ''
  for (let i = 0; i < length; i++) text += KEY_ALPHABET[randomInt(KEY_ALPHABET.length)]
  return text
}

export interface CreatedApiKey {
  /** The plaintext `prefix.secret`: shown once, never stored. */
  key: string
  id: string
  prefix: string
}

/** A key stored as djangorestframework-api-key 2.3 stores it (scoring §7.1). */
export async function createApiKey(
  db: Db,
  options: {
    accountId: number
    name: string
    withSha256?: boolean
    iterations?: number
    rateLimit?: string | null
    embedRateLimit?: string | null
  },
): Promise<CreatedApiKey> {
  const prefix = randomString(8)
  const key = `${prefix}.${randomString(32)}`
  const hashedKey = await makeDjangoPbkdf2(key, randomString(22), options.iterations)
  const id = `${prefix}.${hashedKey}`
  await insertApiKey(db, {
    id,
    prefix,
    hashedKey,
    hashedKeySha256: options.withSha256 ? sha256KeyHash(key) : null,
    name: options.name,
    accountId: options.accountId,
    rateLimit: options.rateLimit,
    embedRateLimit: options.embedRateLimit,
  })
  return { key, id, prefix }
}

/** scoring §7.6: one analytics row for an authenticated request; the API decides what it holds and when. */
export function recordApiKeyUsage(db: Db, usage: NewApiKeyAnalyticsRow): Promise<void> {
  return insertApiKeyAnalytics(db, usage)
}

import { beforeAll, describe, expect, it } from 'vitest'
import {
  checkDjangoPbkdf2,
  extractApiKey,
  makeDjangoPbkdf2,
  sha256KeyHash,
  verifyApiKey,
} from '../../src/domain/api-keys.js'
import type { PyDateTime } from '../../src/domain/formats/py-datetime.js'
import { useTestDatabase } from '../helpers/database.js'
import { createAccount } from '../helpers/factories/accounts.js'
import { createTestApiKey } from '../helpers/factories/scoring.js'

// scoring §7.1 test vectors (computed with Django 4.2's PBKDF2PasswordHasher and hashlib).
const VECTOR_KEY = 'test1234.abcdefghijklmnopqrstuvwxyz123456'
const VECTOR_PBKDF2 = 'pbkdf2_sha256$600000$abcdefghijklmnopqrstuv$w7j9nnmGIYLjV5/+xQKavlnxgZnogvL1uqto7cC0yFM='
const VECTOR_SHA256 = 'sha256$6cc391d9cbb768a1c1ae1a27f585310c4270607a77bd79c23c1de3bb5476bf55'

describe('API key hashes (scoring §7.1)', () => {
  it('scoring §7.1: the PBKDF2 vector (600000 iterations, the whole key, 22-char salt)', async () => {
    expect(await makeDjangoPbkdf2(VECTOR_KEY, 'abcdefghijklmnopqrstuv', 600_000)).toBe(VECTOR_PBKDF2)
    expect(await checkDjangoPbkdf2(VECTOR_KEY, VECTOR_PBKDF2)).toBe(true)
    expect(await checkDjangoPbkdf2(`${VECTOR_KEY}x`, VECTOR_PBKDF2)).toBe(false)
  })

  it('scoring §7.1: the sha256 vector', () => {
    expect(sha256KeyHash(VECTOR_KEY)).toBe(VECTOR_SHA256)
    expect(VECTOR_SHA256).toHaveLength(71)
  })

  it('scoring §7.1: the iteration count comes from the stored hash; malformed hashes never match', async () => {
    const low = await makeDjangoPbkdf2(VECTOR_KEY, 'salt', 1000)
    expect(low.startsWith('pbkdf2_sha256$1000$salt$')).toBe(true)
    expect(await checkDjangoPbkdf2(VECTOR_KEY, low)).toBe(true)
    for (const broken of [
      'pbkdf2_sha256$0$salt$x',
      'pbkdf2_sha256$abc$salt$x',
      'pbkdf2_sha256$1000$salt',
      'argon2$1000$salt$x',
      '',
    ]) {
      expect(await checkDjangoPbkdf2(VECTOR_KEY, broken)).toBe(false)
    }
  })
})

describe('extractApiKey (scoring §7.2)', () => {
  const aliases = { demoApiKey: 'real.key', demoApiKeyAliases: ['demo'] }

  it('X-API-Key first, else the second word of Authorization (any scheme)', () => {
    expect(extractApiKey({ xApiKey: 'a.b', authorization: 'Token c.d' }, aliases, false)).toBe('a.b')
    expect(extractApiKey({ xApiKey: undefined, authorization: 'Token c.d' }, aliases, false)).toBe('c.d')
    expect(extractApiKey({ xApiKey: '', authorization: 'Bearer   c.d' }, aliases, false)).toBe('c.d')
    expect(extractApiKey({ xApiKey: undefined, authorization: 'c.d' }, aliases, false)).toBeUndefined()
    expect(extractApiKey({ xApiKey: undefined, authorization: undefined }, aliases, false)).toBeUndefined()
  })

  it('scoring §13.66: demo aliases map to DEMO_API_KEY — X-API-Key only on async routes, both on sync ones', () => {
    expect(extractApiKey({ xApiKey: 'demo', authorization: undefined }, aliases, false)).toBe('real.key')
    expect(extractApiKey({ xApiKey: undefined, authorization: 'Token demo' }, aliases, false)).toBe('demo')
    expect(extractApiKey({ xApiKey: undefined, authorization: 'Token demo' }, aliases, true)).toBe('real.key')
    expect(
      extractApiKey(
        { xApiKey: 'demo', authorization: undefined },
        { demoApiKey: undefined, demoApiKeyAliases: ['demo'] },
        false,
      ),
    ).toBe('demo')
  })
})

describe('verifyApiKey (scoring §7.3, D5)', () => {
  const database = useTestDatabase()
  let accountId: number

  beforeAll(async () => {
    accountId = (await createAccount(database.sql)).accountId
  })

  const sql = () => database.sql

  it('scoring §13.62: PBKDF2 success writes hashed_key_sha256 once; the sha256 column then decides alone', async () => {
    const created = await createTestApiKey(sql(), accountId, { withSha256: false })
    expect(await verifyApiKey(sql(), created.key)).toMatchObject({ id: created.id, prefix: created.prefix, accountId })
    expect(await sql()`select hashed_key_sha256 from account_accountapikey where id = ${created.id}`).toEqual([
      { hashed_key_sha256: sha256KeyHash(created.key) },
    ])
    await sql()`update account_accountapikey set hashed_key = 'pbkdf2_sha256$1$x$broken' where id = ${created.id}`
    expect(await verifyApiKey(sql(), created.key)).toMatchObject({ id: created.id })
    await sql()`update account_accountapikey set hashed_key_sha256 = ${sha256KeyHash('other.key')}, hashed_key = ${await makeDjangoPbkdf2(created.key, 'salt', 1000)} where id = ${created.id}`
    expect(await verifyApiKey(sql(), created.key)).toBeUndefined()
  })

  it('scoring §7.3 step 4: a legacy "sha256$" hashed_key is compared directly; an unknown format is invalid', async () => {
    const created = await createTestApiKey(sql(), accountId, { withSha256: false })
    await sql()`update account_accountapikey set hashed_key = ${sha256KeyHash(created.key)} where id = ${created.id}`
    expect(await verifyApiKey(sql(), created.key)).toMatchObject({ id: created.id })
    await sql()`update account_accountapikey set hashed_key = 'unknown$format$hash' where id = ${created.id}`
    expect(await verifyApiKey(sql(), created.key)).toBeUndefined()
  })

  it('scoring §7.3 step 1: the prefix is the text before the first "."', async () => {
    const created = await createTestApiKey(sql(), accountId, { withSha256: true })
    expect(await verifyApiKey(sql(), `${created.prefix}.wrong`)).toBeUndefined()
    expect(await verifyApiKey(sql(), created.prefix)).toBeUndefined()
    expect(await verifyApiKey(sql(), `x${created.key}`)).toBeUndefined()
    expect(await verifyApiKey(sql(), created.key)).toMatchObject({ id: created.id })
  })

  it('scoring §13.63 and D5: revoked keys and keys past their expiry_date are rejected', async () => {
    const created = await createTestApiKey(sql(), accountId, { withSha256: true })
    const now: PyDateTime = { epochMicros: BigInt(Date.parse('2030-01-01T00:00:00Z')) * 1000n, offsetMinutes: 0 }
    await sql()`update account_accountapikey set expiry_date = '2030-01-01T00:00:00.000001Z' where id = ${created.id}`
    expect(await verifyApiKey(sql(), created.key, now)).toMatchObject({ id: created.id })
    await sql()`update account_accountapikey set expiry_date = '2030-01-01T00:00:00Z' where id = ${created.id}`
    expect(await verifyApiKey(sql(), created.key, now)).toBeUndefined()
    await sql()`update account_accountapikey set expiry_date = null, revoked = true where id = ${created.id}`
    expect(await verifyApiKey(sql(), created.key, now)).toBeUndefined()
  })
})

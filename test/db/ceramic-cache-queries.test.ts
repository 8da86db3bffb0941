import { describe, expect, it } from 'vitest'
import { useTestDatabase } from '../helpers/database.js'
import { randomAddress } from '../helpers/factories/accounts.js'
import {
  insertCeramicCacheStamps,
  insertCeramicCacheStampVersions,
  softDeleteLiveStamps,
  softDeleteLiveStampVersions,
  type CeramicCacheRow,
  type NewCeramicCacheStamp,
} from '../../src/db/queries/ceramic-cache.js'
import { isUniqueViolation } from '../../src/db/errors.js'
import { bigintArray } from '../../src/db/pool.js'
import { demoIssuerKey, issueStampCredential, type StampCredential } from '../../src/dev/stamp-issuer.js'

const database = useTestDatabase()

// PostgreSQL's text for a timestamptz ("2025-01-15 10:20:30.123+00") as epoch milliseconds.
function epochMs(text: string | null): number | null {
  return text === null ? null : Date.parse(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'))
}

function rowFor(
  address: string,
  credential: StampCredential,
  extra: Partial<NewCeramicCacheStamp> = {},
): NewCeramicCacheStamp {
  return {
    address,
    provider: credential.credentialSubject.provider,
    stamp: credential,
    proof_value: credential.proof.proofValue ?? '',
    issuance_date: credential.issuanceDate,
    expiration_date: credential.expirationDate,
    source_app: 1,
    source_scorer_id: null,
    ...extra,
  }
}

async function listRows(address: string): Promise<CeramicCacheRow[]> {
  return database.sql<
    CeramicCacheRow[]
  >`select * from ceramic_cache_ceramiccache where address = ${address.toLowerCase()} order by id`
}

async function signedStamp(
  address: string,
  provider: string,
  extra: { issuanceDate?: string; expirationDate?: string } = {},
): Promise<StampCredential> {
  return issueStampCredential(await demoIssuerKey(), {
    address,
    provider,
    issuanceDate: new Date('2025-01-15T10:20:30.123Z'),
    expirationDate: new Date('2099-04-15T10:20:30.123Z'),
    ...extra,
  })
}

describe('insertCeramicCacheStamps', () => {
  it('scoring §9.1 step 4 / §13.72: one row per stamp with every column as Python writes it, ids in payload order', async () => {
    const address = randomAddress()
      .replace(/[a-f]/g, (c) => c.toUpperCase())
      .replace(/^0X/, '0x')
    const providers = ['Twitter', 'Github', 'LinkedIn']
    const credentials = await Promise.all(providers.map((provider) => signedStamp(address, provider)))
    const now = '2025-03-01T08:09:10.123456Z'
    const ids = await insertCeramicCacheStamps(
      database.sql,
      credentials.map((c) => rowFor(address, c)),
      { now },
    )

    expect(ids).toHaveLength(3)
    const rows = await listRows(address)
    expect(rows.map((r) => r.id)).toEqual(ids)
    rows.forEach((row, index) => {
      const credential = credentials[index]!
      expect(row).toEqual({
        id: ids[index],
        type: 1,
        address: address.toLowerCase(),
        provider: providers[index],
        stamp: credential,
        proof_value: credential.proof.proofValue,
        created_at: '2025-03-01 08:09:10.123456+00',
        updated_at: '2025-03-01 08:09:10.123456+00',
        deleted_at: null,
        compose_db_save_status: 'pending',
        compose_db_stream_id: '',
        issuance_date: '2025-01-15 10:20:30.123+00',
        expiration_date: '2099-04-15 10:20:30.123+00',
        source_app: 1,
        source_scorer_id: null,
      })
    })
  })

  it('stores the stamp as a jsonb object (not a JSON string), queryable by path', async () => {
    const address = randomAddress()
    const [id] = await insertCeramicCacheStamps(database.sql, [rowFor(address, await signedStamp(address, 'Google'))])
    const [row] = await database.sql<{ kind: string; provider: string }[]>`
      select jsonb_typeof(stamp) as kind, stamp->'credentialSubject'->>'provider' as provider from ceramic_cache_ceramiccache where id = ${id!}`
    expect(row).toEqual({ kind: 'object', provider: 'Google' })
  })

  it('embed adds (§9.4) and PATCH adds (§9.2): source_app 2 with a scorer id, or both NULL; dates may be NULL', async () => {
    const address = randomAddress()
    const embed = await signedStamp(address, 'Ens')
    const patch = await signedStamp(address, 'Google')
    await insertCeramicCacheStamps(database.sql, [
      rowFor(address, embed, { source_app: 2, source_scorer_id: 4242 }),
      rowFor(address, patch, { source_app: null, source_scorer_id: null, issuance_date: null, expiration_date: null }),
    ])
    const rows = await listRows(address)
    expect(rows.map((r) => [r.provider, r.source_app, r.source_scorer_id, r.issuance_date, r.expiration_date])).toEqual(
      [
        ['Ens', 2, 4242, '2025-01-15 10:20:30.123+00', '2099-04-15 10:20:30.123+00'],
        ['Google', null, null, null, null],
      ],
    )
  })

  it('keeps microseconds and offsets of credential dates, and takes a naive date as UTC', async () => {
    const address = randomAddress()
    const credential = await signedStamp(address, 'Google', {
      issuanceDate: '2025-02-20T12:34:56.789123Z',
      expirationDate: '2099-02-20T12:34:56+02:00',
    })
    await insertCeramicCacheStamps(database.sql, [
      rowFor(address, credential),
      rowFor(address, await signedStamp(address, 'Ens'), {
        issuance_date: '2024-04-17',
        expiration_date: '2099-01-01T00:00:00',
      }),
    ])
    const rows = await listRows(address)
    expect(rows.map((r) => [r.issuance_date, r.expiration_date])).toEqual([
      ['2025-02-20 12:34:56.789123+00', '2099-02-20 10:34:56+00'],
      ['2024-04-17 00:00:00+00', '2099-01-01 00:00:00+00'],
    ])
  })

  it('defaults created_at = updated_at to the current time', async () => {
    const address = randomAddress()
    const before = Date.now()
    await insertCeramicCacheStamps(database.sql, [rowFor(address, await signedStamp(address, 'Google'))])
    const [row] = await listRows(address)
    expect(row!.created_at).toBe(row!.updated_at)
    expect(epochMs(row!.created_at)).toBeGreaterThanOrEqual(before - 1000)
    expect(epochMs(row!.created_at)).toBeLessThanOrEqual(Date.now() + 1000)
  })

  it('writes nothing for an empty list', async () => {
    expect(await insertCeramicCacheStamps(database.sql, [])).toEqual([])
  })

  it('no ON CONFLICT, like Python: a second live row for the same provider is a unique violation, and nothing of the batch is kept', async () => {
    const address = randomAddress()
    await insertCeramicCacheStamps(database.sql, [rowFor(address, await signedStamp(address, 'Google'))])
    const error = await insertCeramicCacheStamps(database.sql, [
      rowFor(address, await signedStamp(address, 'Ens')),
      rowFor(address, await signedStamp(address, 'Google')),
    ]).catch((e: unknown) => e)
    expect(isUniqueViolation(error)).toBe(true)
    expect((await listRows(address)).map((r) => r.provider)).toEqual(['Google'])
  })
})

describe('softDeleteLiveStamps', () => {
  async function seed(address: string, providers: string[]): Promise<number[]> {
    const credentials = await Promise.all(providers.map((provider) => signedStamp(address, provider)))
    return insertCeramicCacheStamps(
      database.sql,
      credentials.map((c) => rowFor(address, c)),
      { now: '2025-01-01T00:00:00Z' },
    )
  }

  it('scoring §9.1 step 3: deleted_at = updated_at = now on the live rows of these providers only, any address case', async () => {
    const address = randomAddress()
    const other = randomAddress()
    await seed(address, ['Google', 'Ens', 'Github'])
    await seed(other, ['Google'])
    const now = '2025-06-01T12:00:00.654321Z'
    const count = await softDeleteLiveStamps(
      database.sql,
      address.toUpperCase().replace(/^0X/, '0x'),
      ['Google', 'Ens', 'Discord'],
      { type: 1, now },
    )

    expect(count).toBe(2)
    const rows = await listRows(address)
    expect(rows.map((r) => [r.provider, r.deleted_at, r.updated_at, r.created_at])).toEqual([
      ['Google', '2025-06-01 12:00:00.654321+00', '2025-06-01 12:00:00.654321+00', '2025-01-01 00:00:00+00'],
      ['Ens', '2025-06-01 12:00:00.654321+00', '2025-06-01 12:00:00.654321+00', '2025-01-01 00:00:00+00'],
      ['Github', null, '2025-01-01 00:00:00+00', '2025-01-01 00:00:00+00'],
    ])
    expect((await listRows(other)).map((r) => r.deleted_at)).toEqual([null])
  })

  it('leaves already-deleted rows alone and lets the provider be inserted again (§13.73)', async () => {
    const address = randomAddress()
    await seed(address, ['Google'])
    await softDeleteLiveStamps(database.sql, address, ['Google'], { type: 1, now: '2025-02-01T00:00:00Z' })
    await insertCeramicCacheStamps(database.sql, [rowFor(address, await signedStamp(address, 'Google'))])
    expect(
      await softDeleteLiveStamps(database.sql, address, ['Google'], { type: 1, now: '2025-03-01T00:00:00Z' }),
    ).toBe(1)
    const rows = await listRows(address)
    expect(rows.map((r) => r.deleted_at)).toEqual(['2025-02-01 00:00:00+00', '2025-03-01 00:00:00+00'])
  })

  it('type 1 skips historical type-2 rows; without a type (PATCH/DELETE paths) they are deleted too', async () => {
    const address = randomAddress()
    await seed(address, ['Google'])
    await database.sql`
      insert into ceramic_cache_ceramiccache (type, address, provider, stamp, proof_value, created_at, updated_at, deleted_at, compose_db_save_status, compose_db_stream_id)
      values (2, ${address}, 'Google', '{}'::jsonb, 'v2-proof', now(), now(), null, '', '')`
    expect(
      await softDeleteLiveStamps(database.sql, address, ['Google'], { type: 1, now: '2025-02-01T00:00:00Z' }),
    ).toBe(1)
    expect((await listRows(address)).map((r) => [r.type, r.deleted_at])).toEqual([
      [1, '2025-02-01 00:00:00+00'],
      [2, null],
    ])
    expect(await softDeleteLiveStamps(database.sql, address, ['Google'], { now: '2025-03-01T00:00:00Z' })).toBe(1)
    expect((await listRows(address)).map((r) => r.deleted_at)).toEqual([
      '2025-02-01 00:00:00+00',
      '2025-03-01 00:00:00+00',
    ])
  })

  it('does nothing for an empty provider list', async () => {
    expect(
      await softDeleteLiveStamps(database.sql, randomAddress(), [], { type: 1, now: '2025-01-01T00:00:00Z' }),
    ).toBe(0)
  })

  it('runs inside a caller transaction (Db is a TransactionSql too)', async () => {
    const address = randomAddress()
    await seed(address, ['Google'])
    await database.sql
      .begin(async (tx) => {
        await softDeleteLiveStamps(tx, address, ['Google'], { type: 1, now: '2025-02-01T00:00:00Z' })
        await insertCeramicCacheStamps(tx, [rowFor(address, await signedStamp(address, 'Google'))])
        throw new Error('roll back')
      })
      .catch(() => undefined)
    expect((await listRows(address)).map((r) => r.deleted_at)).toEqual([null])
  })
})

describe('softDeleteLiveStampVersions + insertCeramicCacheStampVersions (issue 16)', () => {
  const now = () => new Date().toISOString()

  // The stored row of a re-add: provider Google, `proof_value` the one of the row it replaces unless given.
  async function replace(address: string, stamp: object, proofValue?: string) {
    return database.sql.begin(async (tx) => {
      const replaced = await softDeleteLiveStampVersions(tx, address, ['Google'], { type: 1, now: now() })
      const [previous] = await tx<{ proof_value: string }[]>`
        select proof_value from ceramic_cache_ceramiccache where id = any(${bigintArray(
          tx,
          replaced.map((row) => row.id),
        )}::bigint[])`
      const row = rowFor(address, await signedStamp(address, 'Google'))
      const inserted = await insertCeramicCacheStampVersions(
        tx,
        [{ ...row, stamp, proof_value: proofValue ?? previous?.proof_value ?? row.proof_value }],
        {
          replacing: replaced.map((row) => row.id),
        },
      )
      return { replaced, inserted }
    })
  }

  it('the replaced row with the version it had before the soft-delete, and the new row holding the same JSON text', async () => {
    const address = randomAddress()
    const credential = await signedStamp(address, 'Google')
    const [id] = await insertCeramicCacheStamps(database.sql, [rowFor(address, credential)])
    const [before] = await database.sql<
      { version: string }[]
    >`select xmin::text as version from ceramic_cache_ceramiccache where id = ${id!}`
    const { replaced, inserted } = await replace(address, credential)
    expect(replaced).toEqual([{ id, version_before: before!.version }])
    const [after] = await database.sql<
      { version: string }[]
    >`select xmin::text as version from ceramic_cache_ceramiccache where id = ${inserted[0]!.id}`
    expect(inserted).toEqual([{ id: expect.any(Number), version: after!.version, same_json_as: id }])
    expect(inserted[0]!.id).not.toBe(id)
  })

  it('the same value in other text (1.00 stored, 1 written) is not the same JSON: compared as text, not as jsonb', async () => {
    const address = randomAddress()
    const [id] = await insertCeramicCacheStamps(database.sql, [rowFor(address, await signedStamp(address, 'Google'))])
    await database.sql`update ceramic_cache_ceramiccache set stamp = '{"a": 1.00}'::jsonb where id = ${id!}`
    const { inserted } = await replace(address, { a: 1 })
    expect(inserted[0]!.same_json_as).toBeNull()
    const [equal] = await database.sql<{ yes: boolean }[]>`select '{"a": 1.00}'::jsonb = '{"a": 1}'::jsonb as yes`
    expect(equal!.yes).toBe(true)
  })

  it('nothing replaced: no row to compare with', async () => {
    const address = randomAddress()
    const { replaced, inserted } = await replace(address, { a: 1 })
    expect(replaced).toEqual([])
    expect(inserted[0]!.same_json_as).toBeNull()
  })

  it("the same JSON under another proof value is not compared (a re-add writes the stamp's own proofValue)", async () => {
    const address = randomAddress()
    const credential = await signedStamp(address, 'Google')
    await insertCeramicCacheStamps(database.sql, [rowFor(address, credential)])
    const { inserted } = await replace(address, credential, 'another proof value')
    expect(inserted[0]!.same_json_as).toBeNull()
  })
})

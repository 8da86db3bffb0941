import { describe, expect, it } from 'vitest'
import { useTestDatabase } from '../helpers/database.js'
import { bigintArray, createSql, currentTimestamp, intArray, textArray } from '../../src/db/pool.js'

const database = useTestDatabase()

describe('src/db/pool.ts', () => {
  it("array parameters work on a connection's very first query (porsager/postgres#789)", async () => {
    // A brand-new pool: its first query is the one that used to fail with "malformed array literal".
    const sql = createSql({ url: database.url, max: 1, prepare: true })
    try {
      const [row] = await sql<{ texts: string[]; ints: number[]; big: number }[]>`
        select ${textArray(sql, ['a', 'b"c', 'd,e'])}::text[] as texts, ${intArray(sql, [1, 2])}::int[] as ints,
               (select sum(x)::int8 from unnest(${bigintArray(sql, [5, 6])}::bigint[]) x) as big`
      expect(row).toEqual({ texts: ['a', 'b"c', 'd,e'], ints: [1, 2], big: 11 })
    } finally {
      await sql.end()
    }
  })

  it('reads numeric as exact text and timestamptz with microseconds', async () => {
    const [row] = await database.sql<
      { n: string; t: string }[]
    >`select 0.7330000000000000126565424807::numeric as n, '2025-01-15 10:20:30.123456+00'::timestamptz as t`
    expect(row).toEqual({ n: '0.7330000000000000126565424807', t: '2025-01-15 10:20:30.123456+00' })
  })

  it('D21: currentTimestamp() has microseconds, and PostgreSQL keeps them', async () => {
    const before = Date.now()
    const texts = [currentTimestamp(), currentTimestamp(), currentTimestamp()]
    for (const text of texts) {
      expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/)
      expect(Math.abs(Date.parse(text) - before)).toBeLessThan(1_000)
    }
    const stored = await Promise.all(
      texts.map(
        async (text) =>
          (
            await database.sql<
              { micros: number }[]
            >`select extract(microseconds from ${text}::timestamptz)::int % 1000 as micros`
          )[0]!.micros,
      ),
    )
    // A whole millisecond three times in a row is a one-in-a-billion chance, not a format.
    expect(stored.some((micros) => micros !== 0)).toBe(true)
  })
})

import { describe, expect, it } from 'vitest'
import { scoringTestConfig, useTestApp } from '../helpers/app.js'
import { createAccount, createCommunity, randomAddress } from '../helpers/factories/accounts.js'
import { addCacheStamps, createTestApiKey, signStamps } from '../helpers/factories/scoring.js'
import { listEvents, listHashLinks, readScoringRows, uniqueNullifier } from '../helpers/factories/scoring-rows.js'
import { pgTextOfPyIso } from '../helpers/factories/py-expect.js'

// issue 3 "Concurrency": PostgreSQL's UNIQUE(hash, community_id) is the arbiter between concurrent
// scorings of different addresses holding the same nullifiers (D3 one transaction per run, D4 a
// savepoint per LIFO attempt). On real PostgreSQL the requests really overlap (pool of 10); on the
// embedded database (one connection) they queue, and the same invariants must hold.
const ctx = useTestApp({ config: () => scoringTestConfig(), poolSize: 10 })

const PROVIDERS: readonly string[] = ['Google', 'Ens', 'Github', 'Discord', 'Linkedin']
const WALLETS = 8

interface StampScore {
  score: string
  dedup: boolean
  expiration_date: string
}

interface Run {
  address: string
  status: number
  body: {
    address: string
    score: string
    error: string | null
    last_score_timestamp: string | null
    stamps: Record<string, StampScore>
  }
}

interface Setup {
  communityId: number
  key: string
  addresses: string[]
  /** provider → its two nullifiers, held by every address. */
  nullifiers: Map<string, string[]>
}

/** Every wallet holds the same five stamps (same nullifiers), filed in a different order per wallet. */
async function setUp(): Promise<Setup> {
  const { accountId } = await createAccount(ctx.database.sql)
  const { communityId } = await createCommunity(ctx.database.sql, {
    accountId,
    weights: Object.fromEntries(PROVIDERS.map((p) => [p, 1])),
    threshold: '3.00000',
  })
  const key = (await createTestApiKey(ctx.database.sql, accountId, { withSha256: true })).key
  const nullifiers = new Map(PROVIDERS.map((p) => [p, [uniqueNullifier(`v0:${p}`), uniqueNullifier(`v1:${p}`)]]))
  const addresses = Array.from({ length: WALLETS }, () => randomAddress())
  for (const [index, address] of addresses.entries()) {
    // Rotated and, for odd wallets, reversed: the hash links are inserted in different orders.
    const rotated = [...PROVIDERS.slice(index % PROVIDERS.length), ...PROVIDERS.slice(0, index % PROVIDERS.length)]
    const order = index % 2 === 1 ? rotated.reverse() : rotated
    const nullifiersOf = (provider: string) => {
      const pair = nullifiers.get(provider)!
      return index % 2 === 1 ? [...pair].reverse() : pair
    }
    await addCacheStamps(
      ctx.database.sql,
      address,
      await signStamps(
        address,
        order.map((provider) => ({ provider, nullifiers: nullifiersOf(provider) })),
      ),
    )
  }
  return { communityId, key, addresses, nullifiers }
}

async function fire(setup: Setup, addresses: readonly string[]): Promise<Run[]> {
  return Promise.all(
    addresses.map(async (address) => {
      const response = await ctx.app.inject({
        method: 'GET',
        url: `/v2/stamps/${setup.communityId}/score/${address}`,
        headers: { 'x-api-key': setup.key },
      })
      return { address, status: response.statusCode, body: response.json() as Run['body'] }
    }),
  )
}

/** The invariants after all runs so far have finished. */
async function expectConsistent(setup: Setup, runs: readonly Run[]): Promise<void> {
  const sql = ctx.database.sql
  for (const run of runs) {
    expect({ address: run.address, status: run.status, error: run.body.error }).toEqual({
      address: run.address,
      status: 200,
      error: null,
    })
  }

  // Every nullifier is linked exactly once, and both nullifiers of a stamp belong to the same owner.
  const owners = new Map<string, string>()
  for (const [provider, hashes] of setup.nullifiers) {
    const links = await listHashLinks(sql, setup.communityId, hashes)
    expect(links.map((link) => link.hash).sort()).toEqual([...hashes].sort())
    expect(new Set(links.map((link) => link.address)).size).toBe(1)
    expect(setup.addresses).toContain(links[0]!.address)
    owners.set(provider, links[0]!.address)
  }

  for (const address of setup.addresses) {
    const kept = PROVIDERS.filter((provider) => owners.get(provider) === address)
    const ownRuns = runs.filter((run) => run.address === address)
    // Every answer agrees with the final ownership: the winner keeps the stamp, the others see dedup.
    for (const run of ownRuns) {
      expect(Object.keys(run.body.stamps).sort()).toEqual([...PROVIDERS].sort())
      for (const provider of PROVIDERS) {
        const isKept = kept.includes(provider)
        expect({
          address,
          provider,
          dedup: run.body.stamps[provider]!.dedup,
          score: run.body.stamps[provider]!.score,
        }).toEqual({
          address,
          provider,
          dedup: !isKept,
          score: isKept ? '1.00000' : '0.00000',
        })
      }
      expect(run.body.score).toBe(`${kept.length}.00000`)
    }

    // No half-applied run: one passport, one DONE score matching an answer, the kept stamps once
    // each, one SCU per run and one LDP per deduped stamp per run.
    const rows = await readScoringRows(sql, address, setup.communityId)
    expect(rows.passports).toHaveLength(1)
    expect(rows.score).toMatchObject({
      status: 'DONE',
      error: null,
      score: kept.length >= 3 ? '1.000000000' : '0.000000000',
      evidence: { rawScore: String(kept.length) },
    })
    expect(ownRuns.map((run) => run.body.stamps)).toContainEqual(rows.score!.stamps)
    expect(ownRuns.map((run) => pgTextOfPyIso(run.body.last_score_timestamp!))).toContain(
      rows.score!.last_score_timestamp,
    )
    expect(rows.stamps.map((stamp) => stamp.provider).sort()).toEqual([...kept].sort())
    const events = await listEvents(sql, address, setup.communityId)
    expect(events.filter((event) => event.action === 'SCU')).toHaveLength(ownRuns.length)
    const ldp = events.filter((event) => event.action === 'LDP')
    expect(ldp).toHaveLength(ownRuns.length * (PROVIDERS.length - kept.length))
    for (const event of ldp) {
      const data = event.data as { provider: string; nullifiers: string[]; community_id: number }
      expect(kept).not.toContain(data.provider)
      expect(data.community_id).toBe(setup.communityId)
      expect([...data.nullifiers].sort()).toEqual([...setup.nullifiers.get(data.provider)!].sort())
    }
  }
}

describe('concurrent scoring (issue 3 "Concurrency")', () => {
  it('different addresses holding the same nullifiers, and one address twice: every nullifier ends with exactly one owner', async () => {
    const runs: Run[] = []
    for (let round = 0; round < 3; round++) {
      const setup = await setUp()
      // First scoring of everyone at once, two wallets twice.
      const first = await fire(setup, [...setup.addresses, setup.addresses[0]!, setup.addresses[5]!])
      await expectConsistent(setup, first)
      // Rescoring of existing passports, every wallet twice at once.
      const second = await fire(setup, [...setup.addresses, ...setup.addresses])
      await expectConsistent(setup, [...first, ...second])
      runs.push(...first, ...second)
    }
    expect(runs).toHaveLength(3 * (WALLETS + 2 + 2 * WALLETS))
  })

  it('the same new address scored many times at once: one passport, one score, its stamps once', async () => {
    const setup = await setUp()
    const address = setup.addresses[0]!
    const runs = await fire(
      setup,
      Array.from({ length: 6 }, () => address),
    )
    for (const run of runs) expect([run.status, run.body.error, run.body.score]).toEqual([200, null, '5.00000'])
    const rows = await readScoringRows(ctx.database.sql, address, setup.communityId)
    expect(rows.passports).toHaveLength(1)
    expect(rows.stamps.map((stamp) => stamp.provider).sort()).toEqual([...PROVIDERS].sort())
    expect(rows.events.map((event) => event.action)).toEqual(Array.from({ length: 6 }, () => 'SCU'))
  })
})

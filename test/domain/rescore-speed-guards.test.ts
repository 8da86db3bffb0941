import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { formatV2ScoreResponse } from '../../src/api/schemas/score.js'
import { createSql, type Sql } from '../../src/db/pool.js'
import { verifyCredentialSignature } from '../../src/domain/credential-verifier.js'
import {
  scorePassport,
  scorePassportForAccount,
  scorePassportInCommunity,
  type ScoringDeps,
} from '../../src/domain/score-passport.js'
import { loadScoringCommunity } from '../../src/domain/scorers.js'
import { createStoredStampCache } from '../../src/domain/stored-stamp-cache.js'
import { buildTestApp, scoringTestConfig, useTestApp } from '../helpers/app.js'
import { createApiKey } from '../../src/domain/api-keys.js'
import { createAccount, createCommunity, randomAddress } from '../helpers/factories/accounts.js'
import { addCacheStamps, signStamps, twoStampPassport } from '../helpers/factories/scoring.js'

// Issue 16: the speed-ups of a warm rescore keep every check. A stored stamp whose row changed in
// any way is verified again (the stored-stamp cache is keyed by row and row version), and a warm
// rescore costs two round trips: the reads, then BEGIN … COMMIT together.

const silent = { info: () => {}, warn: () => {}, error: () => {} }

describe('a rescore after a stored stamp changed', () => {
  const ctx = useTestApp({ config: () => scoringTestConfig() })

  async function scoredTwice() {
    const { communityId, address, checked, deps } = await twoStampPassport(ctx.database.sql, ctx.app.config)
    const score = async () => formatV2ScoreResponse(await scorePassportInCommunity(deps, address, communityId))
    expect(Object.keys((await score()).stamps)).toEqual(['Ens', 'Google'])
    expect(Object.keys((await score()).stamps)).toEqual(['Ens', 'Google'])
    expect(checked).toHaveLength(2)
    return { address, checked, score }
  }

  it('one byte of the proof value changed: the signature is checked again and the stamp rejected', async () => {
    const { address, checked, score } = await scoredTwice()
    // The last hex digit of the signature, flipped between 0 and 1 (one byte of the stored JSON).
    await ctx.database.sql`
      update ceramic_cache_ceramiccache
      set stamp = jsonb_set(stamp, '{proof,proofValue}', to_jsonb(
        left(stamp -> 'proof' ->> 'proofValue', -1) ||
        case right(stamp -> 'proof' ->> 'proofValue', 1) when '0' then '1' else '0' end))
      where address = ${address} and provider = 'Google'`
    const rescored = await score()
    expect(checked).toHaveLength(3)
    expect(JSON.stringify(checked[2])).toContain('"provider":"Google"')
    expect(Object.keys(rescored.stamps)).toEqual(['Ens'])
  })

  it('the expiration spelled differently (same instant): checked again and rejected, the signature covers the text', async () => {
    const { address, checked, score } = await scoredTwice()
    await ctx.database.sql`
      update ceramic_cache_ceramiccache
      set stamp = jsonb_set(stamp, '{expirationDate}', to_jsonb(regexp_replace(stamp ->> 'expirationDate', 'Z$', '+00:00')))
      where address = ${address} and provider = 'Ens'`
    const rescored = await score()
    expect(checked).toHaveLength(3)
    expect((checked[2] as { expirationDate: string }).expirationDate).toMatch(/\+00:00$/)
    expect(Object.keys(rescored.stamps)).toEqual(['Google'])
  })

  it('the row rewritten with the same JSON: checked again (another row version) and accepted', async () => {
    const { address, checked, score } = await scoredTwice()
    await ctx.database
      .sql`update ceramic_cache_ceramiccache set stamp = stamp where address = ${address} and provider = 'Google'`
    const rescored = await score()
    expect(checked).toHaveLength(3)
    expect(Object.keys(rescored.stamps)).toEqual(['Ens', 'Google'])
    // And the next rescore finds the new version remembered.
    await score()
    expect(checked).toHaveLength(3)
  })
})

// Every answer is held back 100 ms: a first score's dozens of round trips take seconds on PGlite.
/**
 * A TCP proxy that counts round trips: a client send that follows a server answer the client has
 * received. Answers are held back 100 ms, so everything the client sends without waiting (a
 * pipeline flushed in two writes, a loop turn apart, on a loaded machine) arrives before the
 * answer and counts once; a send that waits for an answer still counts again.
 */
async function startRoundTripCounter(target: { host: string; port: number }) {
  let roundTrips = 0
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = connect(target)
    sockets.add(client).add(upstream)
    let answered = true
    client.on('data', (chunk) => {
      if (answered) roundTrips++
      answered = false
      upstream.write(chunk)
    })
    upstream.on('data', (chunk) => {
      setTimeout(() => {
        answered = true
        client.write(chunk)
      }, 100)
    })
    const close = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', close).on('close', close)
    upstream.on('error', close).on('close', close)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    count: async <T>(work: () => Promise<T>): Promise<{ result: T; roundTrips: number }> => {
      const before = roundTrips
      const result = await work()
      return { result, roundTrips: roundTrips - before }
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

describe('round trips of a rescore', () => {
  const ctx = useTestApp({ config: () => scoringTestConfig() })
  let proxied: Sql | undefined
  let counter: Awaited<ReturnType<typeof startRoundTripCounter>> | undefined
  afterAll(async () => {
    await proxied?.end({ timeout: 1 })
    await counter?.close()
  })

  // The embedded PGlite serves one connection: a second pool (through the proxy) would wait forever.
  it.skipIf(!process.env.DATABASE_URL)(
    'a warm rescore is two round trips (community and reads; BEGIN … COMMIT); a first score of new stamps takes more',
    async () => {
      const target = new URL(ctx.database.url)
      counter = await startRoundTripCounter({ host: target.hostname, port: Number(target.port || 5432) })
      const url = new URL(ctx.database.url)
      url.host = `127.0.0.1:${counter.port}`
      proxied = createSql({ url: url.toString(), max: 1, prepare: true })
      const { accountId } = await createAccount(ctx.database.sql)
      const { communityId } = await createCommunity(ctx.database.sql, { accountId, weights: { Google: 1, Ens: 1 } })
      const address = randomAddress()
      await addCacheStamps(
        ctx.database.sql,
        address,
        await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }]),
      )
      const deps: ScoringDeps = {
        sql: proxied,
        config: ctx.app.config,
        verifySignature: verifyCredentialSignature,
        log: silent,
        storedStampCache: createStoredStampCache(100),
      }
      const community = (await loadScoringCommunity(proxied, communityId))!
      const first = await counter.count(() => scorePassport(deps, address, community))
      expect(first.result.error).toBeNull()
      expect(first.roundTrips).toBeGreaterThan(2)
      const rows = async () =>
        ctx.database.sql`select id, provider, credential from registry_stamp order by id`.then((r) => [...r])
      // The first rescore prepares the rescore's own statements on this connection (postgres.js
      // describes a new statement first); from then on a rescore is what the service does all day.
      const firstRescore = await counter.count(() => scorePassport(deps, address, community))
      expect(firstRescore.result.error).toBeNull()
      const stampsBefore = await rows()
      const warm = await counter.count(() => scorePassport(deps, address, community))
      expect(warm.result.error).toBeNull()
      expect(Object.keys(warm.result.stamps)).toEqual(['Ens', 'Google'])
      expect(warm.roundTrips).toBe(2)
      // The same committed rows: stamps kept, one more SCU event, the score saved again.
      expect(await rows()).toEqual(stampsBefore)
      const [events] = await ctx.database.sql<{ count: number }[]>`
      select count(*)::int as count from registry_event where action = 'SCU' and address = ${address}`
      expect(events!.count).toBe(3)
      // From the path's scorer id: the community is resolved in the same round trip as the reads
      // (once its statement is prepared on the connection, as above).
      const request = { scorerId: communityId, accountId, address: address.toUpperCase().replace('0X', '0x') }
      await scorePassportForAccount(deps, request)
      const byAccount = await counter.count(() => scorePassportForAccount(deps, request))
      expect(byAccount.result.error).toBeNull()
      expect(byAccount.result.communityId).toBe(communityId)
      expect(byAccount.roundTrips).toBe(2)
      // Over HTTP the API key's read carries the scoring's reads: the whole request, key included,
      // is two round trips (warmed once, as above, for the statements to be prepared).
      const app = await buildTestApp(proxied, ctx.app.config)
      try {
        const { key } = await createApiKey(ctx.database.sql, { accountId, name: 'round trips', withSha256: true })
        const score = () =>
          app.inject({
            method: 'GET',
            url: `/v2/stamps/${communityId}/score/${address}`,
            headers: { 'x-api-key': key },
          })
        expect((await score()).statusCode).toBe(200)
        const overHttp = await counter.count(score)
        expect(overHttp.result.statusCode).toBe(200)
        expect(overHttp.result.json()).toMatchObject({ address, score: '2.00000', passing_score: false })
        expect(overHttp.roundTrips).toBe(2)
        // A key that fails still answers 401, whatever was read with it.
        const refused = await app.inject({
          method: 'GET',
          url: `/v2/stamps/${communityId}/score/${address}`,
          headers: { 'x-api-key': `${key.split('.')[0]}.wrong` },
        })
        expect([refused.statusCode, refused.json()]).toEqual([401, { detail: 'Invalid API Key.' }])
      } finally {
        await app.close()
      }
    },
    120_000,
  )
})

import { randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import type { Sql } from '../src/db/pool.js'
import type { CreatedApiKey } from '../src/domain/api-keys.js'
import type { StampCredential } from '../src/dev/stamp-issuer.js'
import { runLoad, type LoadRequest, type LoadResult } from './load.js'
import type { PassportPlan } from './population.js'
import type { BackendLister } from './service.js'
import { countEventsByAction, countKeysWithSha256 } from './sql.js'

export interface ScenarioContext {
  baseUrl: string
  servicePid: number
  listBackends: BackendLister
  sql: Sql
  communityId: number
  internalToken: string
  secretKey: string
  durationSeconds: number
  concurrency: number
  warm: PassportPlan[]
  embed: PassportPlan[]
  cold: PassportPlan[]
  contended: PassportPlan[]
  credentials: Map<string, StampCredential[]>
  sha256Keys: CreatedApiKey[]
  pbkdf2Keys: CreatedApiKey[]
}

export interface ScenarioRecord {
  id: string
  title: string
  connections: number
  status: 'ok' | 'skipped'
  skipReason?: string
  result?: LoadResult
  notes: string[]
}

interface Scenario {
  id: string
  title: string
  connections: (ctx: ScenarioContext) => number
  run(ctx: ScenarioContext, connections: number): Promise<{ result: LoadResult; notes: string[] } | { skip: string }>
}

// A score the service could not compute is still a 200 with `error` set (endpoints §1.7).
const scoredWithoutError = (body: string): boolean => body.includes('"error":null')

function v2Score(ctx: ScenarioContext, address: string, key: CreatedApiKey): LoadRequest {
  return { method: 'GET', path: `/v2/stamps/${ctx.communityId}/score/${address}`, headers: { 'x-api-key': key.key } }
}

function rotate<T>(items: readonly T[], i: number): T {
  return items[i % items.length]!
}

/** Fires one request; a 404 means the route is not there yet (another issue is writing it). */
async function probe(ctx: ScenarioContext, request: LoadRequest): Promise<{ skip: string } | undefined> {
  const response = await fetch(`${ctx.baseUrl}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body ?? null,
  })
  const text = await response.text()
  if (response.status === 404)
    return {
      skip: `${request.method} ${request.path.split('?')[0]!.replace(/0x[0-9a-f]{40}/, '{address}')} answers 404 (route not registered yet): ${text.slice(0, 80)}`,
    }
  return undefined
}

function load(
  ctx: ScenarioContext,
  connections: number,
  next: (i: number) => LoadRequest,
  expectedStatus: number,
  isGoodBody?: (body: string) => boolean,
  maxResponses?: number,
): Promise<LoadResult> {
  return runLoad({
    baseUrl: ctx.baseUrl,
    connections,
    durationSeconds: ctx.durationSeconds,
    next,
    expectedStatus,
    isGoodBody,
    maxResponses,
    servicePid: ctx.servicePid,
    listBackends: ctx.listBackends,
  })
}

function ceramicJwt(secretKey: string, address: string): Promise<string> {
  // The legacy HS256 access token (endpoints §1.3.3): `token_type`, `jti`, `exp` and the `did` claim.
  return new SignJWT({ token_type: 'access', jti: randomUUID(), did: `did:pkh:eip155:1:${address}` })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(secretKey))
}

async function withEventCounts(
  ctx: ScenarioContext,
  run: () => Promise<LoadResult>,
): Promise<{ result: LoadResult; notes: string[] }> {
  const before = await countEventsByAction(ctx.sql)
  const result = await run()
  const after = await countEventsByAction(ctx.sql)
  const ldp = (after.LDP ?? 0) - (before.LDP ?? 0)
  const scu = (after.SCU ?? 0) - (before.SCU ?? 0)
  return { result, notes: [`${scu} SCU and ${ldp} LDP (dedup) events written`] }
}

// A pool of never-scored addresses is consumed once: the run stops when it is used up, so every
// counted request is a first score (bench/load.ts closes the window at the pool's last response).
function poolNote(result: LoadResult, pool: number, durationSeconds: number, what: string): string {
  return result.requests >= pool
    ? `all ${pool} ${what} scored in ${result.durationSeconds.toFixed(1)} s, before the ${durationSeconds} s were up`
    : `${result.requests} of ${pool} ${what} scored`
}

// Issue 16: the first score's cost per stamp (every signature checked by DIDKit). Request i scored
// the i-th passport of the pool (rotate), so the stamps scored are those of the first `requests`.
function perStampNote(result: LoadResult, pool: readonly PassportPlan[]): string {
  const scored = pool.slice(0, Math.min(result.requests, pool.length))
  const stamps = scored.reduce((sum, passport) => sum + passport.stamps.length, 0)
  if (stamps === 0) return 'no passport scored: no time per stamp'
  const perPassport = stamps / scored.length
  return `per stamp (${perPassport.toFixed(1)} stamps per passport on average): service CPU ${(result.resources.serviceCpuMs / stamps).toFixed(2)} ms, p50 latency ${(result.latencyMs.p50 / perPassport).toFixed(2)} ms`
}

export const SCENARIOS: Scenario[] = [
  {
    id: 'cold-first-score',
    title: 'first score of a never-scored address (cold LIFO, every signature checked)',
    // DIDKit verification (~2 ms per stamp) runs on the service's one JS thread: more connections only queue.
    connections: () => 4,
    async run(ctx, connections) {
      const outcome = await withEventCounts(ctx, () =>
        load(
          ctx,
          connections,
          (i) => v2Score(ctx, rotate(ctx.cold, i).address, rotate(ctx.sha256Keys, i)),
          200,
          scoredWithoutError,
          ctx.cold.length,
        ),
      )
      outcome.notes.push(
        poolNote(
          outcome.result,
          ctx.cold.length,
          ctx.durationSeconds,
          'never-scored passports (10–30 stamps, 1 in 5 clashing with an existing owner)',
        ),
        perStampNote(outcome.result, ctx.cold),
      )
      return outcome
    },
  },
  {
    id: 'warm-rescore-1',
    title: 'rescore of an already scored 10-stamp passport, 1 connection',
    connections: () => 1,
    run: async (ctx, connections) => ({
      result: await load(
        ctx,
        connections,
        (i) => v2Score(ctx, rotate(ctx.warm, i).address, rotate(ctx.sha256Keys, i)),
        200,
        scoredWithoutError,
      ),
      notes: [],
    }),
  },
  {
    id: 'warm-rescore',
    title: 'rescore of an already scored 10-stamp passport',
    connections: (ctx) => ctx.concurrency,
    run: async (ctx, connections) => ({
      result: await load(
        ctx,
        connections,
        (i) => v2Score(ctx, rotate(ctx.warm, i).address, rotate(ctx.sha256Keys, i)),
        200,
        scoredWithoutError,
      ),
      notes: [`${ctx.warm.length} passports, ${ctx.sha256Keys.length} API keys in rotation`],
    }),
  },
  {
    id: 'v2-pbkdf2-first-use',
    title: 'v2 score (warm), first use of a key stored with PBKDF2 only (600,000 iterations, then migrated)',
    connections: (ctx) => Math.min(2, ctx.pbkdf2Keys.length),
    async run(ctx, connections) {
      // Exactly one request per key: its second use already takes the sha256 path.
      const result = await runLoad({
        baseUrl: ctx.baseUrl,
        connections,
        amount: ctx.pbkdf2Keys.length,
        expectedStatus: 200,
        isGoodBody: scoredWithoutError,
        next: (i) => v2Score(ctx, rotate(ctx.warm, i).address, rotate(ctx.pbkdf2Keys, i)),
        servicePid: ctx.servicePid,
        listBackends: ctx.listBackends,
      })
      const migrated = await countKeysWithSha256(
        ctx.sql,
        ctx.pbkdf2Keys.map((key) => key.id),
      )
      return { result, notes: [`${migrated} of ${ctx.pbkdf2Keys.length} keys migrated to sha256`] }
    },
  },
  {
    id: 'v2-sha256-after-migration',
    title: 'v2 score (warm) with the same keys, now on the sha256 path',
    connections: (ctx) => ctx.concurrency,
    run: async (ctx, connections) => ({
      result: await load(
        ctx,
        connections,
        (i) => v2Score(ctx, rotate(ctx.warm, i).address, rotate(ctx.pbkdf2Keys, i)),
        200,
        scoredWithoutError,
      ),
      notes: [],
    }),
  },
  {
    id: 'embed-add-rescore',
    title: "embed add-stamps (re-adding a passport's 10 stamps) + rescore",
    connections: () => 8,
    async run(ctx, connections) {
      const request = (i: number): LoadRequest => {
        const plan = rotate(ctx.embed, i)
        return {
          method: 'POST',
          path: `/internal/embed/stamps/${plan.address}`,
          headers: { 'content-type': 'application/json', authorization: ctx.internalToken },
          body: JSON.stringify({ scorer_id: ctx.communityId, stamps: ctx.credentials.get(plan.address) }),
        }
      }
      const skip = await probe(ctx, request(0))
      if (skip) return skip
      const outcome = await withEventCounts(ctx, () =>
        load(ctx, connections, (i) => request(i + 1), 200, scoredWithoutError),
      )
      outcome.notes.push(
        "the same signed credentials each time: the service's signature cache answers, as for any re-added stamp",
      )
      return outcome
    },
  },
  {
    id: 'ceramic-cache-add',
    title: 'ceramic-cache POST /stamps/bulk (10 stamps, JWT) + rescore',
    connections: () => 8,
    async run(ctx, connections) {
      const tokens = await Promise.all(ctx.embed.map((plan) => ceramicJwt(ctx.secretKey, plan.address)))
      const request = (i: number): LoadRequest => {
        const plan = rotate(ctx.embed, i)
        const credentials = ctx.credentials.get(plan.address) ?? []
        return {
          method: 'POST',
          path: '/ceramic-cache/stamps/bulk',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${rotate(tokens, i)}` },
          body: JSON.stringify(credentials.map((stamp) => ({ provider: stamp.credentialSubject.provider, stamp }))),
        }
      }
      const skip = await probe(ctx, request(0))
      if (skip) return skip
      return withEventCounts(ctx, () => load(ctx, connections, (i) => request(i + 1), 201, scoredWithoutError))
    },
  },
  {
    id: 'internal-weights',
    title: 'GET /internal/embed/weights?community_id=',
    connections: (ctx) => ctx.concurrency,
    async run(ctx, connections) {
      const request: LoadRequest = {
        method: 'GET',
        path: `/internal/embed/weights?community_id=${ctx.communityId}`,
        headers: {},
      }
      const skip = await probe(ctx, request)
      if (skip) return skip
      return { result: await load(ctx, connections, () => request, 200), notes: [] }
    },
  },
  {
    id: 'internal-check-bans',
    title: 'POST /internal/check-bans (10 credentials of one address)',
    connections: (ctx) => ctx.concurrency,
    async run(ctx, connections) {
      const request = (i: number): LoadRequest => {
        const plan = rotate(ctx.warm, i)
        const did = `did:pkh:eip155:1:${plan.address}`
        return {
          method: 'POST',
          path: '/internal/check-bans',
          headers: { 'content-type': 'application/json', authorization: ctx.internalToken },
          body: JSON.stringify(
            plan.stamps.map((stamp) => ({
              credentialSubject: { hash: stamp.nullifiers[0], provider: stamp.provider, id: did },
            })),
          ),
        }
      }
      const skip = await probe(ctx, request(0))
      if (skip) return skip
      return { result: await load(ctx, connections, (i) => request(i + 1), 200), notes: [] }
    },
  },
  {
    id: 'contended-lifo',
    title: 'contended LIFO: groups of 8 never-scored addresses racing for 4 shared nullifiers',
    connections: (ctx) => ctx.concurrency,
    async run(ctx, connections) {
      const outcome = await withEventCounts(ctx, () =>
        load(
          ctx,
          connections,
          (i) => v2Score(ctx, rotate(ctx.contended, i).address, rotate(ctx.sha256Keys, i)),
          200,
          scoredWithoutError,
          ctx.contended.length,
        ),
      )
      outcome.notes.push(poolNote(outcome.result, ctx.contended.length, ctx.durationSeconds, 'contended passports'))
      return outcome
    },
  },
]

export async function runScenario(scenario: Scenario, ctx: ScenarioContext): Promise<ScenarioRecord> {
  const connections = scenario.connections(ctx)
  const outcome = await scenario.run(ctx, connections)
  if ('skip' in outcome)
    return {
      id: scenario.id,
      title: scenario.title,
      connections,
      status: 'skipped',
      skipReason: outcome.skip,
      notes: [],
    }
  return {
    id: scenario.id,
    title: scenario.title,
    connections,
    status: 'ok',
    result: outcome.result,
    notes: outcome.notes,
  }
}

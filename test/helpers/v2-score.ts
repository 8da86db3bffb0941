import { expect } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { scoringTestConfig, useTestApp, type TestAppContext } from './app.js'
import { createAccount, createCommunity, type CommunityOptions } from './factories/accounts.js'
import { createTestApiKey } from './factories/scoring.js'
import { readScoringRows, type ScoringRows } from './factories/scoring-rows.js'
import { djangoOfPyIso, pgTextOfPyIso } from './factories/py-expect.js'

// The external score endpoint (GET /v2/stamps/{scorer_id}/score/{address}) as its test files use
// it: a scorer with a key, one call, and the rows a DONE run must leave.

/** A community with its scorer, and an API key of the owning account. */
export interface Scorer {
  accountId: number
  communityId: number
  scorerId: number
  key: string
}

export interface ScoreCall {
  status: number
  body: Record<string, unknown>
}

/** What a DONE run wrote: the binary score, Decimal text of the sum, and the stored providers in order. */
export interface DoneRows {
  score: '1' | '0'
  rawScore: string
  threshold?: string
  providers: string[]
}

export interface AnalyticsRow {
  api_key_id: string
  path: string
  base_path: string | null
  path_segments: unknown
  query_params: unknown
  headers: Record<string, string>
  payload: unknown
  response: unknown
  response_skipped: boolean
  error: string | null
  status_code: number
  has_created_at: boolean
}

export interface V2ScoreContext extends TestAppContext {
  createScorer(options?: Partial<CommunityOptions>, accountId?: number): Promise<Scorer>
  /** One call with the key in X-API-Key, on this file's app or `target`. */
  scoreV2(scorer: { communityId: number; key: string }, address: string, target?: FastifyInstance): Promise<ScoreCall>
  /** The rows of a DONE run agree with its response: timestamps, JSON columns, one SCU per run. */
  expectDoneRows(address: string, communityId: number, call: ScoreCall, expected: DoneRows): Promise<ScoringRows>
  /** The analytics rows are written after the response is sent (scoring §7.6): polls until `count` exist. */
  waitForAnalytics(apiKeyId: string, count: number): Promise<AnalyticsRow[]>
  apiKeyIdOf(accountId: number): Promise<string>
}

/** A fresh database and an app with the scoring settings (`scoringTestConfig` plus `env`) for one test file. */
export function useV2ScoreApp(env: Record<string, string> = {}): V2ScoreContext {
  const ctx = useTestApp({ config: () => scoringTestConfig(env) })
  const sql = () => ctx.database.sql
  return {
    get database() {
      return ctx.database
    },
    get app() {
      return ctx.app
    },

    async createScorer(options = {}, accountId) {
      const owner = accountId ?? (await createAccount(sql())).accountId
      const { communityId, scorerId } = await createCommunity(sql(), { accountId: owner, ...options })
      const key = await createTestApiKey(sql(), owner, { withSha256: true })
      return { accountId: owner, communityId, scorerId, key: key.key }
    },

    async scoreV2(scorer, address, target = ctx.app) {
      const response = await target.inject({
        method: 'GET',
        url: `/v2/stamps/${scorer.communityId}/score/${address}`,
        headers: { 'x-api-key': scorer.key },
      })
      return { status: response.statusCode, body: response.json() }
    },

    async expectDoneRows(address, communityId, call, expected) {
      const rows = await readScoringRows(sql(), address, communityId)
      expect(rows.passports).toEqual([
        { id: expect.any(Number), address, community_id: communityId, requires_calculation: null },
      ])
      const score = rows.score!
      expect(score).toMatchObject({
        passport_id: rows.passports[0]!.id,
        score: expected.score === '1' ? '1.000000000' : '0.000000000',
        status: 'DONE',
        error: null,
        evidence: {
          type: 'ThresholdScoreCheck',
          success: expected.score === '1',
          rawScore: expected.rawScore,
          threshold: expected.threshold ?? '20.00000',
        },
        stamps: call.body.stamps,
      })
      expect(score.last_score_timestamp).toBe(pgTextOfPyIso(call.body.last_score_timestamp as string))
      if (call.body.expiration_timestamp === null) expect(score.expiration_date).toBeNull()
      expect(rows.stamps.map((stamp) => stamp.provider)).toEqual(expected.providers)
      const scu = rows.events.filter((event) => event.action === 'SCU').at(-1)
      expect(scu?.data).toEqual({
        model: 'registry.score',
        pk: score.id,
        fields: {
          passport: rows.passports[0]!.id,
          score: expected.score,
          last_score_timestamp: djangoOfPyIso(call.body.last_score_timestamp as string),
          status: 'DONE',
          error: null,
          evidence: score.evidence,
          stamp_scores: score.stamp_scores,
          stamps: score.stamps,
          expiration_date: call.body.expiration_timestamp === null ? null : expect.any(String),
        },
      })
      return rows
    },

    async waitForAnalytics(apiKeyId, count) {
      for (let attempt = 0; attempt < 50; attempt++) {
        const rows = await sql()<AnalyticsRow[]>`
          select api_key_id, path, base_path, path_segments, query_params, headers, payload, response, response_skipped,
                 error, status_code, created_at is not null as has_created_at
          from account_accountapikeyanalytics where api_key_id = ${apiKeyId} order by id`
        if (rows.length >= count) return rows
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      throw new Error(`expected ${count} analytics rows for ${apiKeyId}`)
    },

    async apiKeyIdOf(accountId) {
      const [row] = await sql()<{ id: string }[]>`select id from account_accountapikey where account_id = ${accountId}`
      return row!.id
    },
  }
}

export const stampEntry = (score: string, dedup: boolean, expirationDate: string) => ({
  score,
  dedup,
  expiration_date: expirationDate,
})

/** The full V2 response of a DONE score; the timestamp must be a fresh P3 text. */
export function doneBody(
  address: string,
  fields: {
    score: string
    passing: boolean
    threshold?: string
    expiration: string | null
    stamps: Record<string, unknown>
  },
) {
  return {
    address,
    score: fields.score,
    passing_score: fields.passing,
    last_score_timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/),
    expiration_timestamp: fields.expiration,
    threshold: fields.threshold ?? '20.00000',
    error: null,
    stamps: fields.stamps,
    points_data: null,
    possible_points_data: null,
    linked_score: null,
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile, rm } from 'node:fs/promises'
import { invokePackagedLambda, unzipPackage } from '../scripts/lambda-invoker.js'
import { seedDemoData, type DemoSeed } from '../src/dev/demo-seed.js'
import { ensureLambdaBuilt, readRowsAfterChild } from './build/dist.js'
import { createTestDatabase, useTestDatabase, type TestDatabase } from './helpers/database.js'
import { generateSiweKeyPair, siweToken } from './helpers/jwt.js'

const database = useTestDatabase()

describe('src/lambda.ts (the same app behind @fastify/aws-lambda)', () => {
  it('answers an API Gateway event with the app', async () => {
    // lambda.ts reads the environment when it is loaded, like a Lambda cold start.
    const environment = {
      DATABASE_URL: database.url,
      DB_POOL_SIZE: '1',
      TRUSTED_IAM_ISSUERS: '["did:ethr:0x1"]',
      CGRANTS_API_TOKEN: 'lambda-test',
    }
    const saved = Object.fromEntries(Object.keys(environment).map((name) => [name, process.env[name]]))
    Object.assign(process.env, environment)
    const { handler } = await import('../src/lambda.js').finally(() => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    })
    const event = {
      httpMethod: 'GET',
      path: '/health/',
      headers: {},
      queryStringParameters: null,
      body: null,
      isBase64Encoded: false,
      requestContext: {},
    }
    const response = (await handler(event, {} as never)) as { statusCode: number; body: string }
    expect(response.statusCode).toBe(200)
    expect(response.body).toBe('Ok')
    const missing = (await handler({ ...event, path: '/nope' }, {} as never)) as { statusCode: number; body: string }
    expect(missing.statusCode).toBe(404)
    expect(JSON.parse(missing.body)).toEqual({ detail: 'Not Found' })
  })
})

// The package `npm run build:lambda` makes (dist/lambda.zip), unzipped and run by a fresh node
// process as the Lambda runtime does, answering ALB events. The events are written in the shape
// AWS documents for an ALB target group (not captured from a live load balancer); {placeholders}
// are filled with this test's scorer, key and token.
describe('dist/lambda.zip (npm run build:lambda), handler index.handler', () => {
  let packaged: TestDatabase
  let seed: DemoSeed
  let dir: string
  beforeAll(async () => {
    const zip = await ensureLambdaBuilt()
    dir = await unzipPackage(zip)
    packaged = await createTestDatabase()
    seed = await seedDemoData(packaged.sql)
  }, 120_000)
  afterAll(async () => {
    await packaged?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  async function albEvent(name: string, values: Record<string, string>): Promise<unknown> {
    let text = await readFile(new URL(`./build/events/${name}.json`, import.meta.url), 'utf8')
    for (const [key, value] of Object.entries(values)) text = text.replaceAll(`{${key}}`, value)
    return JSON.parse(text)
  }

  it('answers a v2 score (API key), a JWT route (ceramic-cache score) and a 404 from one cold process', async () => {
    const keys = generateSiweKeyPair()
    const values = {
      scorer: String(seed.communityId),
      address: seed.address,
      apiKey: seed.apiKey!,
      token: await siweToken(keys, seed.address),
    }
    const events = [
      await albEvent('alb-v2-score', values),
      await albEvent('alb-ceramic-cache-score', values),
      await albEvent('alb-not-found', values),
    ]
    // The embedded test database serves one connection: the handler's process gets it.
    await packaged.sql.end({ timeout: 5 })
    const { results } = await invokePackagedLambda(dir, events, {
      DATABASE_URL: packaged.url,
      // RDS Proxy settings (README "Lambda"): one connection, no named prepared statements.
      DB_POOL_SIZE: '1',
      DB_PREPARE_STATEMENTS: 'false',
      TRUSTED_IAM_ISSUERS: JSON.stringify([seed.issuerDid]),
      CGRANTS_API_TOKEN: 'lambda-package-test',
      SIWE_JWT_PUBLIC_KEY: keys.publicKeyPem,
      CERAMIC_CACHE_SCORER_ID: String(seed.communityId),
      LOG_LEVEL: 'warn',
    })
    const [score, ceramicScore, missing] = results
    expect(score!.statusCode, score!.body).toBe(200)
    expect(score!.headers?.['content-type']).toMatch(/^application\/json/)
    const scored = JSON.parse(score!.body) as Record<string, unknown>
    expect(scored).toMatchObject({ address: seed.address, score: '30.23100', passing_score: true, error: null })
    expect(Object.keys(scored.stamps as object)).toHaveLength(12)
    const rows = await readRowsAfterChild(packaged.url, seed)
    expect(rows.score?.status).toBe('DONE')
    expect(rows.score?.last_score_timestamp).not.toBeNull()

    expect(ceramicScore!.statusCode, ceramicScore!.body).toBe(200)
    // The score just stored is fresh, so the Passport app's endpoint returns it as it is.
    expect(JSON.parse(ceramicScore!.body)).toMatchObject({
      address: seed.address,
      score: '30.23100',
      last_score_timestamp: scored.last_score_timestamp,
    })

    expect(missing!.statusCode).toBe(404)
    expect(JSON.parse(missing!.body)).toEqual({ detail: 'Not Found' })
  }, 60_000)
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from './helpers/database.js'

let database: TestDatabase

beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(async () => {
  await database?.close()
})

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

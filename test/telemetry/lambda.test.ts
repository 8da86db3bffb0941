import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { context, propagation, trace } from '@opentelemetry/api'
import { useTestDatabase } from '../helpers/database.js'
import { expectRequestTrace, startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js'

// src/lambda.ts with OTEL_ENABLED: a frozen Lambda environment sends nothing, so the handler must
// have exported its spans by the time it answers (docs/observability.md).

const database = useTestDatabase({ poolSize: 1 })
let receiver: OtlpReceiver
beforeAll(async () => {
  receiver = await startOtlpReceiver()
})
afterAll(async () => {
  trace.disable()
  context.disable()
  propagation.disable()
  await receiver?.close()
})

describe('src/lambda.ts with OTEL_ENABLED', () => {
  it("has sent the invocation's spans when it answers", async () => {
    const environment = {
      DATABASE_URL: database.url,
      DB_POOL_SIZE: '1',
      TRUSTED_IAM_ISSUERS: '["did:ethr:0x1"]',
      CGRANTS_API_TOKEN: 'lambda-test',
      OTEL_ENABLED: 'true',
      OTEL_TRACE_SAMPLING_RATE: '1',
      OTEL_SERVICE_NAME: 'lambda-under-test',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    }
    const saved = Object.fromEntries(Object.keys(environment).map((name) => [name, process.env[name]]))
    Object.assign(process.env, environment)
    const { handler } = await import('../../src/lambda.js').finally(() => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    })
    const traceId = 'd4cda95b652f4a1592b449d5929fda1b'
    const event = {
      httpMethod: 'GET',
      path: '/health/',
      headers: { traceparent: `00-${traceId}-6e0c63257de34c92-01`, 'x-request-id': 'lambda-1' },
      queryStringParameters: null,
      body: null,
      isBase64Encoded: false,
      requestContext: {},
    }
    const response = (await handler(event, {} as never)) as { statusCode: number; headers: Record<string, string> }
    expect(response.statusCode).toBe(200)
    expect(response.headers['x-request-id']).toBe('lambda-1')

    // No waiting: the spans are at the receiver already.
    expectRequestTrace(receiver, {
      traceId,
      name: 'GET /health/',
      parentSpanId: '6e0c63257de34c92',
      requestId: 'lambda-1',
      serviceName: 'lambda-under-test',
    })
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { request as httpRequest } from 'node:http'
import { useTestDatabase } from '../helpers/database.js'
import { expectRequestTrace, startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js'

// The server process as deployed (src/server.ts) with OTEL_ENABLED and METRICS_ENABLED, over real
// sockets: a POST's body arrives in stream events, which the request span must still cover; the
// spans still buffered are sent when SIGTERM stops the server.

const database = useTestDatabase({ poolSize: 1 })
let receiver: OtlpReceiver
beforeAll(async () => {
  receiver = await startOtlpReceiver()
})
afterAll(async () => {
  await receiver?.close()
})

const traceId = '0af7651916cd43dd8448eb211c80319c'

describe('src/server.ts with OTEL_ENABLED and METRICS_ENABLED', () => {
  it('exports the spans of a POST over HTTP, serves /metrics, and flushes on SIGTERM', async () => {
    const { DATABASE_URL: _unused, ...inherited } = process.env
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: {
        ...inherited,
        DATABASE_URL: database.url,
        PORT: '0',
        LOG_LEVEL: 'warn',
        DB_POOL_SIZE: '1',
        TRUSTED_IAM_ISSUERS: '["did:ethr:0x1"]',
        CGRANTS_API_TOKEN: 'telemetry-test',
        OTEL_ENABLED: 'true',
        OTEL_TRACE_SAMPLING_RATE: '1',
        OTEL_SERVICE_NAME: 'server-under-test',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        METRICS_ENABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    try {
      const deadline = Date.now() + 60_000
      while (!/listening on (http:\/\/\S+)/.test(output)) {
        if (Date.now() > deadline) throw new Error(`no start: ${output}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const base = /listening on (http:\/\/\S+)/.exec(output)![1]!

      // The body arrives in two parts 100 ms apart: the handler runs from the second part's socket event.
      const body = JSON.stringify({ proof_values: ['zabc'] })
      const response = await new Promise<{ status: number; requestId: unknown; text: string }>((resolve, reject) => {
        const request = httpRequest(`${base}/internal/check-revocations`, {
          method: 'POST',
          headers: {
            authorization: 'telemetry-test',
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            traceparent: `00-${traceId}-b7ad6b7169203331-01`,
            'x-request-id': 'server-test-1',
          },
        })
        request.on('error', reject)
        request.on('response', (answer) => {
          let text = ''
          answer.on('data', (chunk: Buffer) => (text += chunk.toString()))
          answer.on('end', () =>
            resolve({ status: answer.statusCode!, requestId: answer.headers['x-request-id'], text }),
          )
        })
        request.write(body.slice(0, 5))
        setTimeout(() => request.end(body.slice(5)), 100)
      })
      expect(response.status).toBe(200)
      expect(response.requestId).toBe('server-test-1')
      expect(JSON.parse(response.text)).toEqual([{ proof_value: 'zabc', is_revoked: false }])

      const metrics = await fetch(`${base}/metrics`)
      expect(metrics.status).toBe(200)
      expect(await metrics.text()).toContain(
        'http_request_duration_seconds_count{method="POST",route="/internal/check-revocations",status_code="200"} 1',
      )

      // Nothing exported yet (the batch waits), then SIGTERM: the server flushes as it stops.
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }

    // The statement ran in the handler, after the body's stream events: still a child of the request.
    expectRequestTrace(receiver, {
      traceId,
      name: 'POST /internal/check-revocations',
      parentSpanId: 'b7ad6b7169203331',
      requestId: 'server-test-1',
      serviceName: 'server-under-test',
    })
    expect(receiver.paths.every((path) => path === '/v1/traces')).toBe(true)
  }, 120_000)
})

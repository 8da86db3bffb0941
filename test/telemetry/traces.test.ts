import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { context, propagation, trace } from '@opentelemetry/api'
import { randomAddress } from '../helpers/factories/accounts.js'
import { addCacheStamps, signStamps } from '../helpers/factories/scoring.js'
import { pyIsoDaysFromNow } from '../helpers/factories/py-expect.js'
import { setScorerWeightsJson } from '../helpers/factories/scoring-rows.js'
import { useV2ScoreApp, type Scorer } from '../helpers/v2-score.js'
import { testConfig } from '../helpers/app.js'
import { startTracing, type Tracing } from '../../src/telemetry.js'
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js'

// Item 5 of issue 12 (docs/observability.md): the SDK started as the server starts it, exporting
// OTLP/HTTP protobuf to a receiver in this process; every request sampled (rate 1.0).

const SPAN_KIND = { internal: 1, server: 2, client: 3 }

let receiver: OtlpReceiver
let tracing: Tracing | undefined
beforeAll(async () => {
  receiver = await startOtlpReceiver()
  tracing = await startTracing(
    testConfig({
      OTEL_ENABLED: 'true',
      OTEL_TRACE_SAMPLING_RATE: '1.0',
      OTEL_SERVICE_NAME: 'scorer-under-test',
      ENVIRONMENT: 'test',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    }),
  )
})
afterAll(async () => {
  await tracing?.shutdown()
  trace.disable()
  context.disable()
  propagation.disable()
  await receiver?.close()
})

const ctx = useV2ScoreApp({ OTEL_ENABLED: 'true' })

async function scorerWithPassport(): Promise<{ scorer: Scorer; address: string }> {
  const scorer = await ctx.createScorer()
  await setScorerWeightsJson(ctx.database.sql, scorer.scorerId, '{"Linkedin": 2.2, "Github": 1.1}')
  const address = randomAddress()
  const expirationDate = pyIsoDaysFromNow(90)
  const stamps = await signStamps(address, [
    { provider: 'Linkedin', nullifiers: [`v0:linkedin:${address}`], expirationDate },
    { provider: 'Github', nullifiers: [`v0:github:${address}`], expirationDate },
  ])
  await addCacheStamps(ctx.database.sql, address, stamps)
  return { scorer, address }
}

/** Sends the score request and returns the spans of its trace, once exported. */
async function tracedScore(scorer: Scorer, address: string, headers: Record<string, string> = {}) {
  const before = receiver.spans.length
  const response = await ctx.app.inject({
    method: 'GET',
    url: `/v2/stamps/${scorer.communityId}/score/${address}`,
    headers: { 'x-api-key': scorer.key, ...headers },
  })
  expect(response.statusCode).toBe(200)
  await tracing!.flush()
  return { response, spans: receiver.spans.slice(before) }
}

const byStart = (a: ReceivedSpan, b: ReceivedSpan) =>
  a.startNanos < b.startNanos ? -1 : a.startNanos > b.startNanos ? 1 : 0
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) =>
  spans.filter((span) => span.parentSpanId === parent.spanId).sort(byStart)
const named = (spans: ReceivedSpan[], name: string) => spans.filter((span) => span.name === name)

describe('traces (OTEL_ENABLED)', () => {
  it('one v2 score is one trace: request → auth, community, scoring stages → SQL statements and DIDKit checks', async () => {
    const { scorer, address } = await scorerWithPassport()
    const { response, spans } = await tracedScore(scorer, address)

    expect(new Set(spans.map((span) => span.traceId)).size).toBe(1)
    const roots = spans.filter((span) => span.parentSpanId === '')
    expect(roots).toHaveLength(1)
    const request = roots[0]!
    const ids = new Set(spans.map((span) => span.spanId))
    for (const span of spans.filter((s) => s !== request)) {
      expect(ids.has(span.parentSpanId)).toBe(true)
      expect(span.startNanos >= request.startNanos && span.endNanos <= request.endNanos).toBe(true)
    }

    expect(request).toMatchObject({
      name: 'GET /v2/stamps/:scorer_id/score/:address',
      kind: SPAN_KIND.server,
      statusCode: 0,
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/v2/stamps/:scorer_id/score/:address',
        'url.path': `/v2/stamps/${scorer.communityId}/score/${address}`,
        'http.response.status_code': 200,
        'request.id': response.headers['x-request-id'],
      },
      resource: { 'service.name': 'scorer-under-test', 'deployment.environment': 'test' },
    })

    // The API key's read carries the community candidates and the run's reads: one round trip
    // (src/db/pipeline.ts), all under the key's check.
    const children = childrenOf(spans, request)
    expect(children.map((span) => span.name)).toEqual(['verifyApiKey', 'scorePassport'])
    const [auth, scoring] = children
    expect(childrenOf(spans, auth!).map((span) => span.name)).toEqual([
      'SELECT account_accountapikey',
      'SELECT account_community',
      'SELECT ceramic_cache_ceramiccache',
      'SELECT registry_hashscorerlink',
      'SELECT registry_passport',
    ])
    expect(scoring).toMatchObject({
      name: 'scorePassport',
      kind: SPAN_KIND.internal,
      attributes: { address, 'scorer.id': scorer.communityId },
    })

    // The stages in order, the transaction around the ones that write.
    const stages = childrenOf(spans, scoring!)
    expect(stages.map((span) => span.name).filter((name) => !name.startsWith('SELECT'))).toEqual([
      'scoring.load',
      'scoring.validate',
      'BEGIN',
      'scoring.claim',
      'scoring.dedup',
      'scoring.calculate',
      'scoring.points',
      'scoring.finish',
      'COMMIT',
    ])
    // The first hash-link read was sent before the transaction, with the other reads.
    expect(stages.map((span) => span.name).filter((name) => name.startsWith('SELECT'))).toEqual([])
    const stage = (name: string) => named(stages, name)[0]!
    expect(childrenOf(spans, stage('scoring.load')).map((span) => span.name)).toEqual([
      'SELECT ceramic_cache_ceramiccache',
    ])
    // A first score checks each stamp's signature with DIDKit once.
    expect(childrenOf(spans, stage('scoring.validate')).map((span) => span.name)).toEqual([
      'didkit.verifyCredential',
      'didkit.verifyCredential',
    ])
    expect(childrenOf(spans, stage('scoring.claim')).map((span) => span.name)).toEqual(['WITH registry_passport'])
    const [lifo] = childrenOf(spans, stage('scoring.dedup'))
    expect(lifo).toMatchObject({ name: 'applyLifoDedup', attributes: { 'stamp.count': 2 } })
    expect(childrenOf(spans, lifo!).map((span) => span.name)).toEqual([
      'SAVEPOINT',
      'INSERT registry_hashscorerlink',
      'SELECT registry_hashscorerlink',
    ])
    expect(childrenOf(spans, stage('scoring.calculate'))).toEqual([])
    expect(childrenOf(spans, stage('scoring.finish')).map((span) => span.name)).toEqual(['WITH registry_stamp'])

    // Every statement is a client span with its text, and the text never holds a value.
    const statements = spans.filter((span) => 'db.system' in span.attributes)
    expect(statements).toHaveLength(13)
    for (const span of statements) {
      expect(span.kind).toBe(SPAN_KIND.client)
      expect(span.attributes).toMatchObject({
        'db.system': 'postgresql',
        'db.system.name': 'postgresql',
        'db.operation.name': span.name.split(' ')[0],
        'db.query.text': expect.any(String),
      })
      expect(String(span.attributes['db.query.text'])).not.toContain(address)
    }
    expect(named(spans, 'COMMIT')[0]!.attributes['db.query.text']).toBe('commit')
  })

  it('a rescore finds the signatures in the cache: no DIDKit span', async () => {
    const { scorer, address } = await scorerWithPassport()
    await tracedScore(scorer, address)
    const { spans } = await tracedScore(scorer, address)
    expect(named(spans, 'scoring.validate')).toHaveLength(1)
    expect(named(spans, 'didkit.verifyCredential')).toEqual([])
  })

  it("follows the caller's traceparent: its trace id and parent span, and its decision not to sample", async () => {
    const { scorer, address } = await scorerWithPassport()
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const parentId = '00f067aa0ba902b7'
    const sampled = await tracedScore(scorer, address, { traceparent: `00-${traceId}-${parentId}-01` })
    const root = sampled.spans.find((span) => span.kind === SPAN_KIND.server)!
    expect(root).toMatchObject({ traceId, parentSpanId: parentId })
    expect(sampled.spans.every((span) => span.traceId === traceId)).toBe(true)

    // Parent-based sampling: even at rate 1.0, a caller that did not sample gets no spans from us.
    const unsampled = await tracedScore(scorer, address, {
      traceparent: `00-${traceId.replace('4', '5')}-${parentId}-00`,
    })
    expect(unsampled.spans).toEqual([])
  })

  it('a request no route matches is a span named by its method, with its 404 status and no route', async () => {
    const before = receiver.spans.length
    const response = await ctx.app.inject({ method: 'GET', url: '/no/such/route' })
    expect(response.statusCode).toBe(404)
    await tracing!.flush()
    const spans = receiver.spans.slice(before)
    expect(spans).toHaveLength(1)
    expect(spans[0]).toMatchObject({
      name: 'GET',
      kind: SPAN_KIND.server,
      statusCode: 0,
      attributes: { 'http.response.status_code': 404, 'url.path': '/no/such/route' },
    })
    expect('http.route' in spans[0]!.attributes).toBe(false)
  })
})

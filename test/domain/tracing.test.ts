import { afterEach, describe, expect, it } from 'vitest'
import { context, trace, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api'
import { withSpan } from '../../src/domain/tracing.js'

// A minimal recording provider: enough to see the spans the domain emits, without an SDK.
function recordingProvider(
  spans: { name: string; attributes: Record<string, unknown>; ended: boolean; status?: number; exceptions: number }[],
): TracerProvider {
  const tracer: Tracer = {
    startSpan: () => {
      throw new Error('unused')
    },
    startActiveSpan: ((
      name: string,
      options: { attributes?: Record<string, unknown> },
      fn: (span: Span) => unknown,
    ) => {
      const record = {
        name,
        attributes: { ...options.attributes },
        ended: false,
        status: undefined as number | undefined,
        exceptions: 0,
      }
      spans.push(record)
      const span = {
        end: () => {
          record.ended = true
        },
        setStatus: (status: { code: number }) => {
          record.status = status.code
        },
        recordException: () => {
          record.exceptions++
        },
      } as unknown as Span
      return context.with(trace.setSpan(context.active(), span), () => fn(span))
    }) as Tracer['startActiveSpan'],
  }
  return { getTracer: () => tracer }
}

afterEach(() => trace.disable())

describe('withSpan', () => {
  it('names the span, attaches the attributes, ends it, and marks failures', async () => {
    const spans: Parameters<typeof recordingProvider>[0] = []
    trace.setGlobalTracerProvider(recordingProvider(spans))
    await expect(withSpan('ok', { address: '0xabc', 'scorer.id': 3 }, async () => 42)).resolves.toBe(42)
    await expect(
      withSpan('boom', {}, async () => {
        throw new Error('nope')
      }),
    ).rejects.toThrow('nope')
    expect(spans).toEqual([
      { name: 'ok', attributes: { address: '0xabc', 'scorer.id': 3 }, ended: true, status: undefined, exceptions: 0 },
      { name: 'boom', attributes: {}, ended: true, status: 2, exceptions: 1 },
    ])
  })

  it('issue 16: without an SDK no span is made; the work runs as it is and a synchronous throw still rejects', async () => {
    await expect(withSpan('ok', {}, async () => 42)).resolves.toBe(42)
    const thrown = withSpan('boom', {}, () => {
      throw new Error('sync')
    })
    expect(thrown).toBeInstanceOf(Promise)
    await expect(thrown).rejects.toThrow('sync')
  })

  it('an SDK registered after the first span is used from the next one', async () => {
    await withSpan('before', {}, async () => 1)
    const spans: Parameters<typeof recordingProvider>[0] = []
    trace.setGlobalTracerProvider(recordingProvider(spans))
    await withSpan('after', {}, async () => 2)
    expect(spans.map((span) => span.name)).toEqual(['after'])
  })
})

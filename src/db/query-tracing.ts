import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import postgres from 'postgres'

// One client span per statement sent to PostgreSQL, whichever pool or transaction sends it:
// postgres.js runs every query through `Query.prototype.handle` on first await, so that is where
// the span starts; it ends when the query settles. Installed only when an SDK is started
// (src/telemetry.ts), so without tracing postgres.js runs untouched.

const tracer = trace.getTracer('passport-scorer-ts')
const MAX_STATEMENT_LENGTH = 2048

interface QueryInternals {
  executed: boolean
  strings: readonly string[] | string
  /** The SQL as sent, with $n placeholders; set by postgres.js when it builds the message. */
  string?: string
}

let isInstalled = false

export function installQueryTracing(): void {
  if (isInstalled) return
  isInstalled = true
  // The Query class is not exported: a query that is never awaited is never sent, so building one
  // on a pool that never connects is how to reach its prototype.
  const unconnected = postgres({ max: 1, host: '127.0.0.1', no_subscribe: true } as postgres.Options<never>)
  const prototype = Object.getPrototypeOf(unconnected`select 1`) as { handle: (this: QueryInternals) => unknown }
  const handle = prototype.handle
  prototype.handle = function tracedHandle(this: QueryInternals) {
    if (!this.executed) traceQuery(this)
    return handle.call(this)
  }
}

function traceQuery(query: QueryInternals): void {
  // A statement outside a recorded request (a background write, an unsampled request) costs nothing.
  if (!trace.getActiveSpan()?.isRecording()) return
  const text = typeof query.strings === 'string' ? query.strings : query.strings.join('?')
  const operation = operationOf(text)
  const table = tableOf(text)
  const span = tracer.startSpan(
    table ? `${operation} ${table}` : operation,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system': 'postgresql',
        'db.system.name': 'postgresql',
        'db.operation.name': operation,
        ...(table ? { 'db.collection.name': table } : {}),
      },
    },
    context.active(),
  )
  // Promise.prototype.then: the query's own `then` would execute it again; Query's species is Promise.
  Promise.prototype.then.call(
    query,
    () => finish(span, query),
    (error: unknown) => {
      span.recordException(error as Error)
      span.setStatus({ code: SpanStatusCode.ERROR })
      finish(span, query)
    },
  )
}

function finish(span: Span, query: QueryInternals): void {
  // Parameters are never in the text ($1, $2…): only the statement, on one line.
  if (query.string)
    span.setAttribute('db.query.text', query.string.replace(/\s+/g, ' ').trim().slice(0, MAX_STATEMENT_LENGTH))
  span.end()
}

/** The statement's first keyword: SELECT, INSERT, WITH, BEGIN, COMMIT, SAVEPOINT… */
function operationOf(text: string): string {
  return /^\s*([a-z]+)/i.exec(text)?.[1]?.toUpperCase() ?? 'QUERY'
}

/**
 * The table a statement is about, for a readable span name: the first one it writes (INSERT INTO,
 * UPDATE, not FOR UPDATE or DO UPDATE), else the first it reads (FROM); a function such as unnest() is not a table.
 */
function tableOf(text: string): string | undefined {
  return (
    /\b(?:into|(?<!\b(?:for|do)\s+)update)\s+"?([a-z_][a-z0-9_]*)\b/i.exec(text)?.[1] ??
    /\bfrom\s+"?([a-z_][a-z0-9_]*)\b"?(?!\s*\()/i.exec(text)?.[1]
  )
}

import { createServer, type Server } from 'node:http'
import { gunzipSync } from 'node:zlib'
import type { AddressInfo } from 'node:net'
import { expect } from 'vitest'

// An OTLP/HTTP traces receiver in the test process: it decodes the protobuf export requests
// (opentelemetry-proto trace/v1, the fields the tests read) with a small wire-format reader, as
// no package here decodes requests (the exporter's transformer only encodes them).

export type AttributeValue = string | number | boolean | null

export interface ReceivedSpan {
  traceId: string
  spanId: string
  parentSpanId: string
  name: string
  /** 1 internal, 2 server, 3 client. */
  kind: number
  attributes: Record<string, AttributeValue>
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number
  startNanos: bigint
  endNanos: bigint
  resource: Record<string, AttributeValue>
}

export interface OtlpReceiver {
  /** Base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  readonly endpoint: string
  readonly spans: ReceivedSpan[]
  /** Paths of the export requests received. */
  readonly paths: string[]
  close(): Promise<void>
}

/**
 * One request's trace as a process exported it: the request span (named by its route, a child of
 * the caller's span, carrying the request id and the service name) and every SQL statement of the
 * trace a child of it.
 */
export function expectRequestTrace(
  receiver: OtlpReceiver,
  expected: { traceId: string; name: string; parentSpanId: string; requestId: string; serviceName: string },
): void {
  const spans = receiver.spans.filter((span) => span.traceId === expected.traceId)
  const request = spans.find((span) => span.name === expected.name)
  expect(request).toMatchObject({
    parentSpanId: expected.parentSpanId,
    attributes: { 'request.id': expected.requestId, 'http.response.status_code': 200 },
    resource: { 'service.name': expected.serviceName },
  })
  const statements = spans.filter((span) => span.attributes['db.system'] === 'postgresql')
  expect(statements.length).toBeGreaterThanOrEqual(1)
  for (const statement of statements) expect(statement.parentSpanId).toBe(request!.spanId)
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = []
  const paths: string[] = []
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      paths.push(request.url ?? '')
      let body = Buffer.concat(chunks)
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
      spans.push(...decodeExportRequest(body))
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    paths,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

interface Field {
  number: number
  varint?: bigint
  bytes?: Buffer
  fixed64?: Buffer
}

function* fieldsOf(buffer: Buffer): Generator<Field> {
  let offset = 0
  const readVarint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      const byte = buffer[offset++]!
      result |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return result
      shift += 7n
    }
  }
  while (offset < buffer.length) {
    const key = Number(readVarint())
    const number = key >> 3
    switch (key & 7) {
      case 0:
        yield { number, varint: readVarint() }
        break
      case 1:
        yield { number, fixed64: buffer.subarray(offset, (offset += 8)) }
        break
      case 2: {
        const length = Number(readVarint())
        yield { number, bytes: buffer.subarray(offset, (offset += length)) }
        break
      }
      case 5:
        offset += 4
        break
      default:
        throw new Error(`unsupported wire type ${key & 7}`)
    }
  }
}

function decodeExportRequest(body: Buffer): ReceivedSpan[] {
  const spans: ReceivedSpan[] = []
  for (const resourceSpans of fieldsOf(body)) {
    if (resourceSpans.number !== 1) continue
    let resource: Record<string, AttributeValue> = {}
    const scopeSpansList: Buffer[] = []
    for (const field of fieldsOf(resourceSpans.bytes!)) {
      if (field.number === 1) resource = attributesOf(field.bytes!, 1)
      if (field.number === 2) scopeSpansList.push(field.bytes!)
    }
    for (const scopeSpans of scopeSpansList)
      for (const field of fieldsOf(scopeSpans)) if (field.number === 2) spans.push(decodeSpan(field.bytes!, resource))
  }
  return spans
}

function decodeSpan(buffer: Buffer, resource: Record<string, AttributeValue>): ReceivedSpan {
  const span: ReceivedSpan = {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    attributes: {},
    statusCode: 0,
    startNanos: 0n,
    endNanos: 0n,
    resource,
  }
  for (const field of fieldsOf(buffer)) {
    if (field.number === 1) span.traceId = field.bytes!.toString('hex')
    else if (field.number === 2) span.spanId = field.bytes!.toString('hex')
    else if (field.number === 4) span.parentSpanId = field.bytes!.toString('hex')
    else if (field.number === 5) span.name = field.bytes!.toString('utf8')
    else if (field.number === 6) span.kind = Number(field.varint)
    else if (field.number === 7) span.startNanos = field.fixed64!.readBigUInt64LE()
    else if (field.number === 8) span.endNanos = field.fixed64!.readBigUInt64LE()
    else if (field.number === 9) Object.assign(span.attributes, keyValueOf(field.bytes!))
    else if (field.number === 15)
      for (const status of fieldsOf(field.bytes!)) if (status.number === 3) span.statusCode = Number(status.varint)
  }
  return span
}

/** The KeyValue entries found as field `number` of a message (Resource.attributes is field 1). */
function attributesOf(buffer: Buffer, number: number): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {}
  for (const field of fieldsOf(buffer)) if (field.number === number) Object.assign(attributes, keyValueOf(field.bytes!))
  return attributes
}

function keyValueOf(buffer: Buffer): Record<string, AttributeValue> {
  let key = ''
  let value: AttributeValue = null
  for (const field of fieldsOf(buffer)) {
    if (field.number === 1) key = field.bytes!.toString('utf8')
    if (field.number === 2) value = anyValueOf(field.bytes!)
  }
  return { [key]: value }
}

function anyValueOf(buffer: Buffer): AttributeValue {
  for (const field of fieldsOf(buffer)) {
    if (field.number === 1) return field.bytes!.toString('utf8')
    if (field.number === 2) return field.varint === 1n
    if (field.number === 3) return Number(BigInt.asIntN(64, field.varint!))
    if (field.number === 4) return field.fixed64!.readDoubleLE()
  }
  return null
}

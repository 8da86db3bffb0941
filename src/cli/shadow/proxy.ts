import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { PassThrough } from 'node:stream'
import { finished } from 'node:stream/promises'
import { Pool, type Dispatcher } from 'undici'
import type { SideResponse } from '../compare/compare-step.js'
import { compileKnownDifferences, type KnownDifference } from '../compare/known-differences.js'
import type { CompiledRule } from '../compare/normalise.js'
import { routeOf } from '../compare/routes.js'
import { DifferenceTracker, type LogLine } from './differences.js'
import { ShadowStats } from './stats.js'

// The shadow proxy: every request is answered by the primary (the Python scorer), streamed back
// as it arrives; only once that answer has been sent is a copy sent to the candidate (and to a
// second primary, when configured), so the candidate's speed or failure never touches the
// primary's answers. GET requests are mirrored by default; writes only when asked, and only to a
// candidate with its own database (checked by the CLI, src/cli/shadow.ts).

export interface ShadowOptions {
  primary: string
  /** A second instance of the primary: fields where the two primaries differ are noise. */
  secondary?: string
  candidate: string
  /** Share of eligible requests mirrored, 0…1; kept exact by an accumulator, not by chance. */
  share: number
  mirrorWrites: boolean
  /** Mirrors in flight at most; beyond, a request is not mirrored (counted). */
  maxInFlight: number
  /** Bodies (request or primary answer) larger than this are not mirrored: the copy is bounded. */
  maxBodyBytes: number
  candidateTimeoutMs: number
  rules: readonly CompiledRule[]
  known: readonly KnownDifference[]
  log: (line: LogLine) => void
  /** A summary line with every counter this often; 0: only at close. */
  summaryIntervalMs: number
}

export interface ShadowProxy {
  server: Server
  stats: ShadowStats
  /** Resolves when no mirror is in flight (tests, shutdown). */
  drained(): Promise<void>
  close(): Promise<void>
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
])
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
// The primary answers within its own deadline (Python: the ALB's 60 s idle timeout); this only
// bounds a primary that stopped answering.
const PRIMARY_TIMEOUT_MS = 120_000

function forwardHeaders(
  headers: IncomingHttpHeaders,
  clientAddress: string | undefined,
): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) result[name] = value
  if (clientAddress) {
    const previous = headers['x-forwarded-for']
    result['x-forwarded-for'] = previous ? `${String(previous)}, ${clientAddress}` : clientAddress
  }
  return result
}

function answerHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) result[name] = value
  return result
}

/** Keeps the first `limit` bytes of a stream passing by; `overflowed` once more went past. */
class BoundedCopy {
  private readonly chunks: Buffer[] = []
  private size = 0
  overflowed = false

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    this.size += chunk.length
    if (this.size > this.limit) this.overflowed = true
    else this.chunks.push(chunk)
  }

  buffer(): Buffer {
    return Buffer.concat(this.chunks)
  }
}

const mediaType = (value: string | string[] | undefined) =>
  String(Array.isArray(value) ? value[0] : (value ?? ''))
    .split(';', 1)[0]!
    .trim() || undefined

interface Mirror {
  method: string
  path: string
  route: string
  headers: Record<string, string | string[]>
  body: Buffer | undefined
  primary: SideResponse
}

export function createShadowProxy(options: ShadowOptions): ShadowProxy {
  const stats = new ShadowStats()
  const tracker = new DifferenceTracker(options.rules, compileKnownDifferences(options.known), stats, options.log)
  const poolOptions = { connections: 128, keepAliveTimeout: 30_000 }
  const primaryPool = new Pool(options.primary, {
    ...poolOptions,
    headersTimeout: PRIMARY_TIMEOUT_MS,
    bodyTimeout: PRIMARY_TIMEOUT_MS,
  })
  const mirrorTimeouts = { headersTimeout: options.candidateTimeoutMs, bodyTimeout: options.candidateTimeoutMs }
  const candidatePool = new Pool(options.candidate, { ...poolOptions, ...mirrorTimeouts })
  const secondaryPool = options.secondary
    ? new Pool(options.secondary, { ...poolOptions, ...mirrorTimeouts })
    : undefined
  let shareCredit = 0
  let inFlight = 0
  let waiters: (() => void)[] = []

  async function ask(pool: Dispatcher, mirror: Omit<Mirror, 'primary' | 'route'>): Promise<SideResponse> {
    const started = performance.now()
    try {
      const response = await pool.request({
        method: mirror.method as Dispatcher.HttpMethod,
        path: mirror.path,
        headers: mirror.headers,
        body: mirror.body,
      })
      const body = await response.body.text()
      return {
        status: response.statusCode,
        contentType: mediaType(response.headers['content-type']),
        body,
        durationMs: performance.now() - started,
      }
    } catch (error) {
      const code = (error as { code?: string }).code ?? String(error)
      return { status: 0, contentType: undefined, body: '', durationMs: performance.now() - started, error: code }
    }
  }

  async function runMirror(mirror: Mirror): Promise<void> {
    try {
      const [candidate, secondary] = await Promise.all([
        ask(candidatePool, mirror),
        secondaryPool ? ask(secondaryPool, mirror) : undefined,
      ])
      if (candidate.error) stats.candidateErrors += 1
      else stats.candidateLatency.add(candidate.durationMs)
      tracker.record(mirror, mirror.primary, candidate, secondary)
    } catch (error) {
      options.log({
        type: 'error',
        time: new Date().toISOString(),
        message: error instanceof Error ? error.message : String(error),
      })
    } finally {
      inFlight -= 1
      if (inFlight === 0) for (const wake of waiters.splice(0)) wake()
    }
  }

  function maybeMirror(mirror: Mirror, tooLarge: boolean): void {
    const eligible = mirror.method === 'GET' || (options.mirrorWrites && WRITE_METHODS.has(mirror.method))
    if (!eligible) return void (stats.skipped.method += 1)
    stats.eligible += 1
    shareCredit += options.share
    if (shareCredit < 1 - 1e-9) return void (stats.skipped.share += 1)
    shareCredit -= 1
    if (tooLarge) return void (stats.skipped.bodyTooLarge += 1)
    if (inFlight >= options.maxInFlight) return void (stats.skipped.inFlight += 1)
    stats.mirrored += 1
    stats.mirroredByRoute.set(mirror.route, (stats.mirroredByRoute.get(mirror.route) ?? 0) + 1)
    inFlight += 1
    // After the primary's answer went out: a new turn of the event loop, never on its path.
    setImmediate(() => void runMirror(mirror))
  }

  async function proxy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now()
    stats.requests += 1
    const method = req.method ?? 'GET'
    const path = req.url ?? '/'
    const headers = forwardHeaders(req.headers, req.socket.remoteAddress)
    const hasBody =
      req.headers['content-length'] !== undefined
        ? req.headers['content-length'] !== '0'
        : req.headers['transfer-encoding'] !== undefined
    const requestCopy = new BoundedCopy(options.maxBodyBytes)
    let body: PassThrough | undefined
    if (hasBody) {
      body = new PassThrough()
      req.on('data', (chunk: Buffer) => requestCopy.add(chunk))
      req.pipe(body)
    }
    let response: Dispatcher.ResponseData
    try {
      response = await primaryPool.request({ method: method as Dispatcher.HttpMethod, path, headers, body })
    } catch {
      stats.primaryErrors += 1
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' })
      res.end('{"detail": "Bad Gateway"}')
      return
    }
    res.writeHead(response.statusCode, answerHeaders(response.headers))
    const answerCopy = new BoundedCopy(options.maxBodyBytes)
    response.body.on('data', (chunk: Buffer) => answerCopy.add(chunk))
    response.body.pipe(res)
    await finished(res)
    const durationMs = performance.now() - started
    stats.primaryLatency.add(durationMs)
    maybeMirror(
      {
        method,
        path,
        route: routeOf(method, path),
        headers,
        body: hasBody ? requestCopy.buffer() : undefined,
        primary: {
          status: response.statusCode,
          contentType: mediaType(response.headers['content-type']),
          body: answerCopy.buffer().toString('utf8'),
          durationMs,
        },
      },
      requestCopy.overflowed || answerCopy.overflowed,
    )
  }

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/shadow/stats') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(stats))
      return
    }
    proxy(req, res).catch((error: unknown) => {
      // A client that hung up, or a primary that broke off its answer: nothing to mirror.
      options.log({
        type: 'error',
        time: new Date().toISOString(),
        message: error instanceof Error ? error.message : String(error),
      })
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end('{"detail": "Bad Gateway"}')
      else res.destroy()
    })
  })
  // Connections to the proxy live as long as the primary would keep them.
  server.keepAliveTimeout = 65_000

  const summary = () => ({ type: 'summary' as const, time: new Date().toISOString(), ...stats.toJSON() })
  const timer =
    options.summaryIntervalMs > 0 ? setInterval(() => options.log(summary()), options.summaryIntervalMs) : undefined
  timer?.unref()

  const drained = () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)))
  return {
    server,
    stats,
    drained,
    async close() {
      clearInterval(timer)
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await drained()
      options.log(summary())
      await Promise.all([primaryPool.close(), candidatePool.close(), secondaryPool?.close()])
      waiters = []
    },
  }
}

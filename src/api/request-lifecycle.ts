import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Deadline } from '../domain/score-passport.js'

// How a request ends when something outside it gives out: its deadline passes (README
// "Deadlines") or the server is shutting down.

/** The request's deadline passed before it was answered: the caller gets 503. */
export class RequestDeadlineError extends Error {
  readonly code = 'REQUEST_DEADLINE'
  constructor(readonly timeoutMs: number) {
    super(`no answer within the request deadline of ${timeoutMs} ms`)
    this.name = 'RequestDeadlineError'
  }
}

/**
 * What `requestDeadline` hands the domain: the AbortSignal shape it reads (`aborted`, 'abort'
 * listeners) without an AbortController, an EventTarget and its listener map per request (issue 16).
 */
export class RequestDeadline implements Deadline {
  #aborted = false
  #listeners: (() => void)[] = []

  get aborted(): boolean {
    return this.#aborted
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.#aborted) this.#listeners.push(listener)
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.#listeners.indexOf(listener)
    if (at !== -1) this.#listeners.splice(at, 1)
  }

  /** Marks it passed and calls each listener once, in the order they were added. */
  abort(): void {
    if (this.#aborted) return
    this.#aborted = true
    const listeners = this.#listeners
    this.#listeners = []
    for (const listener of listeners) listener()
  }
}

const deadlines = new WeakMap<FastifyRequest, RequestDeadline>()
const NEVER = new RequestDeadline()

/**
 * Aborted when the request's deadline passes and the caller has been answered 503: the domain then
 * rolls back what has not committed. Not aborted when the client merely hangs up, so a write the
 * client sent completes as it would in Python.
 */
export function requestDeadline(request: FastifyRequest): Deadline {
  return deadlines.get(request) ?? NEVER
}

// Fastify's own `handlerTimeout` (5.12) cannot serve: the 'close' of a request whose body has been
// read cancels its timer, so a POST had no deadline at all (fastify/fastify#6725, unreleased).
export function installRequestLifecycle(app: FastifyInstance, options: { requestTimeoutMs: number }): void {
  // Draining (shutdown): requests already running finish; a new one on a connection still open
  // is told to go elsewhere in the envelope (D24), and the connection is closed.
  let isDraining = false
  app.addHook('preClose', async () => {
    isDraining = true
  })
  // Callback style, as the hooks on every request are (issue 16): no promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    if (isDraining) {
      request.log.info('refused while shutting down')
      // Answered here: `done` is not called, so the request goes no further.
      reply.code(503).header('connection', 'close').send({ detail: 'Service Unavailable' })
      return
    }
    const deadline = new RequestDeadline()
    deadlines.set(request, deadline)
    const timer = setTimeout(() => {
      if (reply.sent) return
      deadline.abort()
      reply.send(new RequestDeadlineError(options.requestTimeoutMs))
    }, options.requestTimeoutMs)
    reply.raw.once('close', () => clearTimeout(timer))
    done()
  })

  // A handler that settles after its deadline answered 503 has no one to answer: drop its result
  // instead of letting Fastify log "Reply was already sent" (or an error) for every such request.
  app.addHook('onRoute', (route) => {
    const handler = route.handler
    route.handler = async function (this: FastifyInstance, request, reply) {
      try {
        const result = await handler.call(this, request, reply)
        return reply.sent ? undefined : result
      } catch (error) {
        if (!reply.sent) throw error
        request.log.debug({ err: error }, 'failed after its deadline was answered')
        return undefined
      }
    }
  })
}

import type { FastifyInstance, FastifyRequest } from 'fastify'

// How a request ends when something outside it gives out: its deadline passes (Fastify's
// `handlerTimeout`, README "Deadlines") or the server is shutting down.

const HANDLER_TIMEOUT = 'FST_ERR_HANDLER_TIMEOUT'

export function isDeadlineError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === HANDLER_TIMEOUT
}

const deadlines = new WeakMap<FastifyRequest, AbortSignal>()

/**
 * Aborted when the request's deadline passes and the caller has been answered 503: the domain then
 * rolls back what has not committed. Not aborted when the client merely hangs up, so a write the
 * client sent completes as it would in Python.
 */
export function requestDeadline(request: FastifyRequest): AbortSignal {
  let deadline = deadlines.get(request)
  if (deadline) return deadline
  const controller = new AbortController()
  const signal = request.signal
  const forward = () => {
    if (isDeadlineError(signal.reason)) controller.abort(signal.reason)
  }
  if (signal.aborted) forward()
  else signal.addEventListener('abort', forward, { once: true })
  deadline = controller.signal
  deadlines.set(request, deadline)
  return deadline
}

export function installRequestLifecycle(app: FastifyInstance): void {
  // Draining (shutdown): requests already running finish; new ones — on a kept-alive connection,
  // or pipelined — are told to go elsewhere in the envelope (D24), and the connection is closed.
  let isDraining = false
  app.addHook('preClose', async () => {
    isDraining = true
  })
  app.addHook('onRequest', async (request, reply) => {
    if (!isDraining) return
    request.log.info('refused while shutting down')
    return reply.code(503).header('connection', 'close').send({ detail: 'Service Unavailable' })
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

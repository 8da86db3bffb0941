import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

/**
 * One log line per answered request where Fastify writes two ("incoming request" on arrival,
 * "request completed" on the answer). At the production default `LOG_LEVEL=info` each line is a
 * synchronous write to stdout, and the first of the two cost a warm rescore 0.1–0.2 ms of service
 * CPU (bench/README, "Log lines"). The remaining line names the request (method, URL, client) beside
 * its status and time, so the pair's facts are all still there. As with Fastify's own line, a
 * response that never finishes (its client gone first) has none; the deadline and the hang-up have
 * lines of their own (src/api/errors.ts).
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return
    if (error)
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored')
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed')
  }
}

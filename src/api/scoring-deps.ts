import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ScoringDeps } from '../domain/score-passport.js'
import { requestDeadline } from './request-lifecycle.js'

/** What the scoring operation needs, from the app's long-lived pieces and this request's logger. */
export function scoringDeps(app: FastifyInstance, request: FastifyRequest): ScoringDeps {
  return {
    sql: app.sql,
    config: app.config,
    verifySignature: (credential) => app.signatureVerifier.verify(credential),
    log: request.log,
    storedStampCache: app.storedStampCache,
    deadline: requestDeadline(request),
    metrics: app.scoringMetrics,
  }
}

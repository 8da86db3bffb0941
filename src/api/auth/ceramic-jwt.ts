import type { FastifyRequest } from 'fastify'
import {
  authenticateCeramicToken,
  parseBearer,
  type AuthenticatedSubject,
  type JwtKeys,
} from '../../domain/ceramic-jwt.js'
import { DomainError } from '../../domain/errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    ceramicSubject?: AuthenticatedSubject
  }
}

/** `Authorization: Bearer <jwt>` (scheme case-insensitive), before parameter validation (endpoints §1.2). */
export function requireCeramicJwt(keys: JwtKeys) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = parseBearer(request.headers.authorization)
    if (token === undefined) throw new DomainError('unauthorized', 'Unauthorized')
    request.ceramicSubject = await authenticateCeramicToken(token, keys)
  }
}

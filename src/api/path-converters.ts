import type { FastifyRequest } from 'fastify'
import { DomainError } from '../domain/errors.js'

// Django's path converters (endpoints §1.1), as `onRequest` hooks: a segment a converter would not
// match is no route at all, so the answer is 404 (JSON per D2) — before authentication, as URL
// resolution comes first.

const segmentsOf = (request: FastifyRequest) => request.params as Record<string, string | undefined>

/** `{int:x}`: a segment that is not all digits. */
export function requireDigitSegment(name: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const value = segmentsOf(request)[name]
    if (value === undefined || !/^[0-9]+$/.test(value)) throw new DomainError('not_found', 'Not Found')
  }
}

/** `str`: one NON-empty segment; the router here also matches an empty one (`/internal/allow-list//0xabc`). */
export function requireStrSegments(...names: string[]) {
  return async (request: FastifyRequest): Promise<void> => {
    const params = segmentsOf(request)
    if (names.some((name) => !params[name])) throw new DomainError('not_found', 'Not Found')
  }
}

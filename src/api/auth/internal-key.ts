import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { Config } from '../../config.js'
import { DomainError } from '../../domain/errors.js'

// Digests have equal length whatever the inputs, so timingSafeEqual never throws and the
// comparison time says nothing about the token's length or its first differing byte.
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

/**
 * endpoints §1.3.2: the raw `Authorization` header must equal CGRANTS_API_TOKEN exactly (no
 * `Bearer`). Registered as `onRequest` so a bad key wins over a bad parameter (§1.2 precedence).
 */
export function requireInternalKey(config: Config): (request: FastifyRequest) => Promise<void> {
  const expected = digest(config.cgrantsApiToken)
  return async (request) => {
    const presented = request.headers.authorization
    // A missing header never matches, even when the configured token is '' (ninja passes None).
    if (
      typeof presented !== 'string' ||
      !timingSafeEqual(digest(presented), expected) ||
      presented !== config.cgrantsApiToken
    ) {
      throw new DomainError('unauthorized', 'Unauthorized')
    }
  }
}

import type { Db } from '../db/pool.js'
import { isDatabaseUnavailable } from '../db/errors.js'
import { listRevokedProofValues } from '../db/queries/revocations.js'
import { DomainError } from './errors.js'

/** settings.MAX_BULK_CACHE_SIZE: the same cap Python puts on every bulk stamp request. */
export const MAX_PROOF_VALUES = 100

export interface RevocationCheck {
  proofValue: string
  isRevoked: boolean
}

/** endpoints §10 step 3: one answer per requested value, in request order, duplicates included. */
export function decideRevocations(proofValues: readonly string[], revoked: ReadonlySet<string>): RevocationCheck[] {
  return proofValues.map((proofValue) => ({ proofValue, isRevoked: revoked.has(proofValue) }))
}

export async function checkProofValuesForRevocation(
  db: Db,
  proofValues: readonly string[],
): Promise<RevocationCheck[]> {
  if (proofValues.length > MAX_PROOF_VALUES)
    throw new DomainError('unprocessable', 'You have submitted too many stamps.')
  // Django skips the query for an empty `__in`; so do we.
  if (proofValues.length === 0) return []
  let revoked: string[]
  try {
    revoked = await listRevokedProofValues(db, proofValues)
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw error
    // Python logs the swallowed exception; `cause` keeps it for whoever logs this error.
    const failure = new DomainError('internal', 'Failed to check revocations')
    failure.cause = error
    throw failure
  }
  return decideRevocations(proofValues, new Set(revoked))
}

import type { Db } from '../db/pool.js'
import { listRevokedProofValues } from '../db/queries/revocations.js'
import { DomainError, failWith, translateFailure } from './errors.js'

/** settings.MAX_BULK_CACHE_SIZE: the same cap Python puts on every bulk stamp request. */
const MAX_PROOF_VALUES = 100

interface RevocationCheck {
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
  const revoked = await translateFailure(
    () => listRevokedProofValues(db, proofValues),
    failWith('internal', 'Failed to check revocations'),
  )
  return decideRevocations(proofValues, new Set(revoked))
}

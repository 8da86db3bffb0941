import { DomainError, invalidAddress } from './errors.js'
import { normalizeAddress } from './formats/eth-address.js'
import type { PassportScore } from './passport-score.js'
import type { ScoringDeps } from './score-passport.js'
import { rescoreForCommunityOwner } from './stamp-updates.js'

// endpoints §6.7: POST /ceramic-cache/score/{address}, a fresh score on demand.

export async function rescoreOnDemand(
  deps: ScoringDeps,
  request: { address: string; alternateScorerId: number | null | undefined },
): Promise<PassportScore> {
  const scorerId = request.alternateScorerId || deps.config.ceramicCacheScorerId
  // A configuration fault, not the client's: Python's InternalServerException text.
  if (!scorerId) throw new DomainError('internal', 'Scorer ID not set')
  const address = normalizeAddress(request.address)
  if (address === null) throw invalidAddress()
  return rescoreForCommunityOwner(deps, address, scorerId, new DomainError('not_found', 'Not Found'))
}

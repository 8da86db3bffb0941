import { findStoredScore } from '../db/queries/passports.js'
import { findScoringCommunity } from '../db/queries/scorers.js'
import { listLiveStamps, type LiveCacheStamp } from './cache-stamp-writes.js'
import { DomainError, translateFailure } from './errors.js'
import { comparePyDateTime, nowUtc, parsePgTimestamp, type PyDateTime } from './formats/py-datetime.js'
import { isPointsDataShown, loadPointsData } from './human-points.js'
import { scoreFieldsFromRow, toPassportScore, type PassportScore } from './passport-score.js'
import type { ScoringDeps } from './score-passport.js'
import { requireCeramicCacheScorerId, rescoreForCommunityOwner } from './stamp-updates.js'

// The Passport app's reads (endpoints §5.4, §5.6): they score the address when its score is
// missing or expired.

interface AppScoreRequest {
  address: string
  /** `alternate_scorer_id`; undefined: the app's scorer (CERAMIC_CACHE_SCORER_ID). */
  scorerId: number | undefined
  /** The clock's now when absent. */
  now?: PyDateTime
}

/**
 * scoring §9.5 `handle_get_ui_score`: an unexpired stored score is answered as stored (with points
 * data when HUMAN_POINTS_ENABLED and the community runs the program); a missing or expired one is
 * re-scored, and any failure of that re-score is the one 400 Python answers.
 */
export async function getAppScore(deps: ScoringDeps, request: AppScoreRequest): Promise<PassportScore> {
  const scorerId = request.scorerId ?? requireCeramicCacheScorerId(deps.config.ceramicCacheScorerId)
  const now = request.now ?? (deps.clock ?? nowUtc)()
  const community = await findScoringCommunity(deps.sql, scorerId)
  if (!community)
    throw new DomainError(
      'not_found',
      'Community matching the configured scorer id does not exist! This is probably a misconfiguration!',
    )
  const stored = await findStoredScore(deps.sql, request.address, community.id)
  const isExpired = stored?.expiration_date
    ? comparePyDateTime(parsePgTimestamp(stored.expiration_date), now) < 0
    : false
  if (stored && !isExpired) {
    const points = isPointsDataShown(deps.config, community.human_points_program)
      ? await loadPointsData(deps.sql, request.address)
      : null
    return toPassportScore(stored.address, community.id, scoreFieldsFromRow(stored), points)
  }
  return translateFailure(
    () => rescoreForCommunityOwner(deps, request.address, scorerId, new DomainError('not_found', 'Not Found')),
    (error) => {
      deps.log.warn({ err: error, address: request.address, scorerId }, 'app score: re-scoring failed')
      throw new DomainError('bad_request', 'Unable to get score for provided scorer.', { cause: error })
    },
  )
}

/**
 * endpoints §5.4: the stamps are read first; then, when no score exists for the address in the
 * app's community, a full scoring runs for its side effect (an invalid address is then a 400).
 */
export async function listStampsScoringOnce(deps: ScoringDeps, rawAddress: string): Promise<LiveCacheStamp[]> {
  const scorerId = requireCeramicCacheScorerId(deps.config.ceramicCacheScorerId)
  const address = rawAddress.toLowerCase()
  const stamps = await listLiveStamps(deps.sql, address, { type: 1 })
  if (!(await findStoredScore(deps.sql, address, scorerId)))
    await rescoreForCommunityOwner(deps, address, scorerId, new DomainError('not_found', 'Not Found'))
  return stamps
}

import type { Db } from '../db/pool.js'
import {
  findScoringCommunity,
  findScoringCommunityForAccount,
  type ScoringCommunityRow,
} from '../db/queries/scorers.js'
import { DomainError } from './errors.js'

export interface ScoringCommunity {
  id: number
  accountId: number
  rule: string
  humanPointsProgram: boolean
  /** null when the scorer row holds NULL weights (Python then fails on the first stamp). */
  weights: Map<string, unknown> | null
  threshold: string
}

export const SCORER_NOT_FOUND = 'No scorer matches the given criteria.'

/** endpoints §1.7: external id first, then id, for the key's account; 404 otherwise. */
export async function resolveCommunityForAccount(
  db: Db,
  scorerId: string,
  accountId: number,
): Promise<ScoringCommunityRow> {
  const community = await findScoringCommunityForAccount(db, scorerId, accountId)
  if (community === undefined) throw new DomainError('not_found', SCORER_NOT_FOUND)
  return community
}

export class UnsupportedScorerError extends Error {
  constructor(row: ScoringCommunityRow) {
    super(
      `community ${row.id}: scorer ${row.scorer_id} of type ${JSON.stringify(row.scorer_type)} has no weighted scorer row`,
    )
    this.name = 'UnsupportedScorerError'
  }
}

/**
 * scoring §4.1: the scorer's own weights and threshold, overlaid with the customization's
 * allow-list and custom-credential weights (dict.update order; the threshold is never overridden).
 * Returns undefined when the community does not exist.
 */
export async function loadScoringCommunity(db: Db, communityId: number): Promise<ScoringCommunity | undefined> {
  const row = await findScoringCommunity(db, communityId)
  return row ? scoringCommunityFromRow(row) : undefined
}

/** The scorer part of `loadScoringCommunity`, for callers that must check something between the two (endpoints Endpoint 7). */
export function scoringCommunityFromRow(row: ScoringCommunityRow): ScoringCommunity {
  if (!row.has_scorer_row || row.threshold === null) throw new UnsupportedScorerError(row)
  let weights: Map<string, unknown> | null = null
  if (row.weights !== null && typeof row.weights === 'object' && !Array.isArray(row.weights)) {
    weights = new Map(Object.entries(row.weights as Record<string, unknown>))
    for (const [provider, weight] of row.overlay_weights) weights.set(provider, weight)
  }
  return {
    id: row.id,
    accountId: row.account_id,
    rule: row.rule,
    humanPointsProgram: row.human_points_program,
    weights,
    threshold: row.threshold,
  }
}

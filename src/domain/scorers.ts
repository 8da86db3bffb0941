import type { Db } from '../db/pool.js'
import {
  findScoringCommunity,
  findScoringCommunityForAccount,
  type ScoringCommunityCandidate,
  type ScoringCommunityRow,
} from '../db/queries/scorers.js'
import { DomainError } from './errors.js'
import { memoizeByInput } from './formats/memo.js'

/** The weighted scorer of a community, overlaid as scoring §4.1 reads it. */
export interface WeightedScorer {
  /** null when the scorer row holds NULL weights (Python then fails on the first stamp). Shared: never change it. */
  weights: ReadonlyMap<string, unknown> | null
  threshold: string
}

export interface ScoringCommunity {
  id: number
  accountId: number
  rule: string
  humanPointsProgram: boolean
  scorerId: number
  scorerType: string
  /** Undefined when the scorer's type names no weighted-scorer row: scoring then fails (see `requireWeightedScorer`). */
  scorer: WeightedScorer | undefined
}

const SCORER_NOT_FOUND = 'No scorer matches the given criteria.'

/** endpoints §1.7: external id first, then id, for the key's account; 404 otherwise. */
export async function resolveCommunityForAccount(
  db: Db,
  scorerId: string,
  accountId: number,
): Promise<ScoringCommunity> {
  const row = await findScoringCommunityForAccount(db, scorerId, accountId)
  if (row === undefined) throw new DomainError('not_found', SCORER_NOT_FOUND)
  return scoringCommunityFromRow(row)
}

/**
 * `resolveCommunityForAccount`'s choice among candidates read for every account: the account's
 * own, by external id before id; 404 otherwise.
 */
export function chooseCommunityForAccount(
  candidates: readonly ScoringCommunityCandidate[],
  accountId: number,
): ScoringCommunity {
  let chosen: ScoringCommunityCandidate | undefined
  for (const candidate of candidates)
    if (candidate.account_id === accountId && (chosen === undefined || candidate.rank < chosen.rank)) chosen = candidate
  if (chosen === undefined) throw new DomainError('not_found', SCORER_NOT_FOUND)
  return scoringCommunityFromRow(chosen)
}

/** Undefined when the community does not exist. */
export async function loadScoringCommunity(db: Db, communityId: number): Promise<ScoringCommunity | undefined> {
  const row = await findScoringCommunity(db, communityId)
  return row ? scoringCommunityFromRow(row) : undefined
}

class UnsupportedScorerError extends Error {
  constructor(community: ScoringCommunity) {
    super(
      `community ${community.id}: scorer ${community.scorerId} of type ${JSON.stringify(community.scorerType)} has no weighted scorer row`,
    )
    this.name = 'UnsupportedScorerError'
  }
}

/** Python reads the scorer only when it scores (`_score_single_address`), so an unusable one fails last. */
export function requireWeightedScorer(community: ScoringCommunity): WeightedScorer {
  if (community.scorer === undefined) throw new UnsupportedScorerError(community)
  return community.scorer
}

/**
 * scoring §4.1: the scorer's own weights and threshold, overlaid with the customization's
 * allow-list and custom-credential weights (dict.update order; the threshold is never overridden).
 */
function scoringCommunityFromRow(row: ScoringCommunityRow): ScoringCommunity {
  return {
    id: row.id,
    accountId: row.account_id,
    rule: row.rule,
    humanPointsProgram: row.human_points_program,
    scorerId: row.scorer_id,
    scorerType: row.scorer_type,
    scorer: row.has_scorer_row && row.threshold !== null ? weightedScorerFromRow(row, row.threshold) : undefined,
  }
}

function weightedScorerFromRow(row: ScoringCommunityRow, threshold: string): WeightedScorer {
  const base = row.weights === null ? null : weightsOfText(row.weights).weights
  if (base === null || row.overlay_weights.length === 0) return { weights: base, threshold }
  const weights = new Map(base)
  for (const [provider, weight] of row.overlay_weights) weights.set(provider, weight)
  return { weights, threshold }
}

// The scorers scoring on this instance lately: a weights map is ~50 bytes per provider.
const REMEMBERED_WEIGHTS = 1_024

/**
 * A scorer's weights from the jsonb's text, parsed as postgres.js parses jsonb (JSON.parse); null
 * unless it is a JSON object. Every score reads its scorer's weights: the map is built once per
 * distinct text (issue 16) and shared.
 */
const weightsOfText = memoizeByInput((text: string): { weights: ReadonlyMap<string, unknown> | null } => {
  const parsed: unknown = JSON.parse(text)
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { weights: null }
  return { weights: new Map(Object.entries(parsed as Record<string, unknown>)) }
}, REMEMBERED_WEIGHTS)

import type { Config } from '../config.js'
import type { Sql, TransactionSql } from '../db/pool.js'
import { inTransaction } from '../db/transaction.js'
import { validateStamps, type CachedStamp } from './credentials.js'
import { DomainError, invalidAddress, translateFailure } from './errors.js'
import { normalizeAddress } from './formats/eth-address.js'
import { nowUtc, type PyDateTime } from './formats/py-datetime.js'
import { awardHumanPointsKeepingScore } from './human-points.js'
import { beginLifoDedup, type LifoResult } from './lifo-dedup.js'
import { toPassportScore, type PassportScore } from './passport-score.js'
import { calculateScore, type ComputedScore } from './score-calculation.js'
import { claimScoreRows, recordScoredRun, recordScoringError } from './score-storage.js'
import {
  loadScoringCommunity,
  requireWeightedScorer,
  resolveCommunityForAccount,
  type ScoringCommunity,
  type WeightedScorer,
} from './scorers.js'
import { loadStampsForScoring, type LoadedStamps } from './stamp-loading.js'
import type { StoredStampCache } from './stored-stamp-cache.js'
import { withSpan } from './tracing.js'
import type { ScoringMetrics } from './metrics.js'

export interface ScoringLogger {
  info(details: object, message: string): void
  warn(details: object, message: string): void
  error(details: object, message: string): void
}

export interface ScoringDeps {
  sql: Sql
  config: Config
  /** DIDKit's `errors` for a credential's signature; cached by the caller's verifier. */
  verifySignature: (credential: unknown) => Promise<string[]>
  log: ScoringLogger
  clock?: () => PyDateTime
  /** Signature verdicts and slim credentials of stored stamps seen before (by content digest). */
  storedStampCache?: StoredStampCache
  /** The request's deadline: past it, a run that has not committed rolls back (the caller got 503). */
  deadline?: AbortSignal
  /** Outcome, deduplication and retry counts for /metrics (absent when METRICS_ENABLED is off). */
  metrics?: ScoringMetrics
}

/** An exception Python would catch inside `ascore_passport` and record as the ERROR state. */
class ScoringRunError extends Error {}

/**
 * `ahandle_scoring` (endpoints §1.7): score the address for the community and store the result. A
 * failure of the run itself is answered like Python: the ERROR state is stored and returned. Reads
 * and signature checks come before the transaction opens, so it holds its locks only for the
 * writes; the committed rows are the same as in Django's interleaved order.
 */
export function scorePassport(
  deps: ScoringDeps,
  rawAddress: string,
  community: ScoringCommunity,
): Promise<PassportScore> {
  return withSpan('scorePassport', { address: rawAddress.toLowerCase(), 'scorer.id': community.id }, async () => {
    const address = normalizeAddress(rawAddress)
    if (address === null) throw invalidAddress()
    const scorer = requireWeightedScorer(community)
    const loaded = await withSpan('scoring.load', {}, () =>
      loadStampsForScoring(deps.sql, address, { verify: deps.verifySignature, storedStamps: deps.storedStampCache }),
    )
    const validStamps = await withSpan('scoring.validate', {}, () => validateForScoring(deps, address, loaded))
    try {
      const run = await inTransaction(
        deps.sql,
        (tx) => scoreInTransaction(tx, deps, { community, scorer, address, stamps: validStamps }),
        { deadline: deps.deadline },
      )
      deps.metrics?.scoringRun('scored')
      return toPassportScore(address, community.id, {
        error: null,
        evidence: run.computed.evidence,
        lastScoreTimestamp: run.lastScoreTimestamp,
        expirationDate: run.computed.earliestExpiration,
        stamps: Object.fromEntries(run.computed.stamps),
      })
    } catch (error) {
      if (!(error instanceof ScoringRunError)) throw error
      return recordFailedRun(deps, address, community.id, error)
    }
  })
}

/** The run was rolled back; its ERROR state is stored in a transaction of its own (D3). */
async function recordFailedRun(
  deps: ScoringDeps,
  address: string,
  communityId: number,
  error: ScoringRunError,
): Promise<PassportScore> {
  deps.log.warn({ err: error.cause ?? error, address, communityId }, 'scoring failed; recording the ERROR state')
  await recordScoringError(deps.sql, communityId, address, error.message, deps.deadline)
  deps.metrics?.scoringRun('error', error.message)
  const noScore = { evidence: null, lastScoreTimestamp: null, expirationDate: null, stamps: null }
  return toPassportScore(address, communityId, { error: error.message, ...noScore })
}

/** scoring §2, with each stamp left out logged: "why does this stamp not count?" is one log search. */
async function validateForScoring(deps: ScoringDeps, address: string, loaded: LoadedStamps): Promise<CachedStamp[]> {
  const validation = await validateStamps(loaded.stamps, {
    address,
    trustedIssuers: new Set(deps.config.trustedIamIssuers),
    now: (deps.clock ?? nowUtc)(),
    verifySignature: loaded.verifySignature,
  })
  for (const { provider, reasons, isExpired, isIssuerTrusted } of validation.rejected)
    deps.log.info({ address, provider, reasons, isExpired, isIssuerTrusted }, 'stamp not used for scoring')
  return validation.valid
}

interface ScoringRun {
  community: ScoringCommunity
  scorer: WeightedScorer
  address: string
  stamps: CachedStamp[]
}

interface FinishedRun {
  computed: ComputedScore
  lastScoreTimestamp: PyDateTime
}

/**
 * One scoring run in ONE transaction (D3), with Django's writes (scoring §5.2): claim the passport
 * and score, deduplicate (hash links, LDP events), calculate, award human points, then the stamps,
 * SCU event and score in one statement. A warm rescore costs four round trips.
 */
async function scoreInTransaction(tx: TransactionSql, deps: ScoringDeps, run: ScoringRun): Promise<FinishedRun> {
  const { community, scorer, address } = run
  const clock = deps.clock ?? nowUtc
  const dedup = beginLifoDedup(tx, {
    communityId: community.id,
    address,
    stamps: run.stamps,
    multiNullifierEnabled: deps.config.multiNullifierEnabled,
    clock,
    onRetry: deps.metrics?.lifoRetry,
  })
  const claimed = await withSpan('scoring.claim', {}, () => claimScoreRows(tx, address, community.id))
  return translateFailure(
    async () => {
      // scoring §3: only the LIFO rule exists; Python fails the run on anything else.
      if (community.rule !== 'LIFO') throw new ScoringRunError('Invalid rule')
      const lifo = await withSpan('scoring.dedup', {}, () => dedup.finish())
      logDeduplicated(deps, community.id, address, lifo)
      const computed = await withSpan('scoring.calculate', {}, async () =>
        calculateScore(lifo.kept, lifo.clashing, scorer.weights, scorer.threshold),
      )
      const lastScoreTimestamp = clock()
      await withSpan('scoring.points', {}, () =>
        awardHumanPointsKeepingScore(tx, deps.log, {
          config: deps.config,
          communityId: community.id,
          humanPointsProgram: community.humanPointsProgram,
          address,
          binaryScore: computed.binaryScore,
          keptStamps: lifo.kept,
          now: lastScoreTimestamp,
        }),
      )
      await withSpan('scoring.finish', {}, () =>
        recordScoredRun(tx, claimed, {
          address,
          communityId: community.id,
          kept: lifo.kept,
          computed,
          lastScoreTimestamp,
        }),
      )
      return { computed, lastScoreTimestamp }
    },
    (error) => {
      throw new ScoringRunError(errorText(error), { cause: error })
    },
  )
}

/** "Why was this stamp deduplicated?" is one log search: the clashing hash and who holds it. */
function logDeduplicated(deps: ScoringDeps, communityId: number, address: string, lifo: LifoResult): void {
  deps.metrics?.stampsDeduplicated(lifo.deduplicated.length)
  for (const { stamp, hash, owner } of lifo.deduplicated)
    deps.log.info({ address, communityId, provider: stamp.provider, hash, owner }, 'stamp deduplicated')
}

function errorText(error: unknown): string {
  if (error instanceof DomainError) return error.detail
  return error instanceof Error ? error.message : String(error)
}

// Entry points that find the community first.

interface AccountScoreRequest {
  /** The path's scorer id; a negative one names the demo scorer (DEMO_API_SCORER_ID). */
  scorerId: number
  /** The account of the caller's API key: the community must be one of its own. */
  accountId: number
  address: string
}

/**
 * endpoints Endpoint 1: the account's community (404), then the scoring. Anything unexpected is
 * Python's one 500 text; a failed run is still a score, with `error` filled.
 */
export function scorePassportForAccount(deps: ScoringDeps, request: AccountScoreRequest): Promise<PassportScore> {
  const scorerId = request.scorerId < 0 ? deps.config.demoApiScorerId : request.scorerId
  return translateFailure(
    async () => {
      const community = await resolveCommunityForAccount(deps.sql, String(scorerId ?? ''), request.accountId)
      return scorePassport(deps, request.address, community)
    },
    (error) => {
      if (error instanceof DomainError) throw error
      deps.log.error({ err: error }, 'unexpected error while scoring')
      throw new DomainError('internal', 'Unexpected error while submitting passport', { cause: error })
    },
  )
}

/** endpoints Endpoint 7: the community by id — its 404 comes before the address's 400. */
export async function scorePassportInCommunity(
  deps: ScoringDeps,
  rawAddress: string,
  communityId: number,
): Promise<PassportScore> {
  const community = await loadScoringCommunity(deps.sql, communityId)
  if (!community) throw new DomainError('not_found', 'No Community matches the given query.')
  return scorePassport(deps, rawAddress, community)
}

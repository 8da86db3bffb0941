import type { Config } from '../config.js'
import type { Db, Sql, TransactionSql } from '../db/pool.js'
import { commitTogether, PipelineRolledBackError, readTogether } from '../db/pipeline.js'
import { listScorableCacheRows } from '../db/queries/ceramic-cache.js'
import { findScoringCommunityCandidates, type ScoringCommunityCandidate } from '../db/queries/scorers.js'
import { insertEvents } from '../db/queries/events.js'
import { listHashLinksOfCachedStamps, type HashLinkRow } from '../db/queries/hash-links.js'
import { findClaimedScore, lockPassport, type ClaimedScore } from '../db/queries/passports.js'
import { inTransaction, type Deadline } from '../db/transaction.js'
import { validateStamps, type CachedStamp } from './credentials.js'
import { DomainError, invalidAddress, translateFailure } from './errors.js'
import { normalizeAddress } from './formats/eth-address.js'
import { nowUtc, type PyDateTime } from './formats/py-datetime.js'
import { awardHumanPointsKeepingScore, isHumanPointsAwardOpen } from './human-points.js'
import { beginLifoDedup, decideLifoWithoutWrites, type LifoInput, type LifoResult } from './lifo-dedup.js'
import { toPassportScore, type PassportScore } from './passport-score.js'
import { calculateScore, type ComputedScore } from './score-calculation.js'
import { claimScoreRows, recordScoredRun, recordScoringError } from './score-storage.js'
import {
  chooseCommunityForAccount,
  loadScoringCommunity,
  requireWeightedScorer,
  resolveCommunityForAccount,
  type ScoringCommunity,
  type WeightedScorer,
} from './scorers.js'
import { loadStampsFromRows, type LoadedStamps, type ScorableCacheRows } from './stamp-loading.js'
import type { StoredStampCache } from './stored-stamp-cache.js'
import { withSpan } from './tracing.js'
import type { ScoringMetrics } from './metrics.js'

/** What a request's deadline must offer the database code (ScoringDeps.deadline). */
export type { Deadline }

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
  deadline?: Deadline
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
  preRead?: ScoringReads,
): Promise<PassportScore> {
  return withSpan('scorePassport', { address: rawAddress.toLowerCase(), 'scorer.id': community.id }, async () => {
    const address = normalizeAddress(rawAddress)
    if (address === null) throw invalidAddress()
    const scorer = requireWeightedScorer(community)
    const { reads, loaded } = await withSpan('scoring.load', {}, async () => {
      const reads = preRead ?? (await readScoringState(deps, address, community.id))
      const loaded = await loadStampsFromRows(deps.sql, reads.cacheRows, {
        verify: deps.verifySignature,
        storedStamps: deps.storedStampCache,
      })
      return { reads, loaded }
    })
    const validStamps = await withSpan('scoring.validate', {}, () => validateForScoring(deps, address, loaded))
    const scoring: ScoringRun = { community, scorer, address, stamps: validStamps }
    try {
      const run =
        (await rescoreInOneRoundTrip(deps, scoring, reads)) ??
        (await inTransaction(deps.sql, (tx) => scoreInTransaction(tx, deps, scoring, reads.links), {
          deadline: deps.deadline,
        }))
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

interface ScoringReads {
  cacheRows: ScorableCacheRows
  /** The community's links of the cache rows' nullifiers (scoring §3.2 step 3, read before the transaction). */
  links: HashLinkRow[]
  /** The passport and score rows when both exist already (a rescore). */
  claimed: ClaimedScore | undefined
}

/** The reads of a run (scoring §1, §3.2 step 3, §5.2 steps 2–3), sent at once on `db`. */
function sendScoringReads(
  db: Db,
  address: string,
  communityId: number,
): [Promise<ScorableCacheRows>, Promise<HashLinkRow[]>, Promise<ClaimedScore | undefined>] {
  return [
    listScorableCacheRows(db, address),
    listHashLinksOfCachedStamps(db, communityId, address),
    findClaimedScore(db, address, communityId),
  ]
}

const asScoringReads = ([cacheRows, links, claimed]: [ScorableCacheRows, HashLinkRow[], ClaimedScore | undefined]) => ({
  cacheRows,
  links,
  claimed,
})

/** Every read of a run, sent together: one round trip (the stamps' JSON only for rows never seen). */
function readScoringState(deps: ScoringDeps, address: string, communityId: number): Promise<ScoringReads> {
  return withSpan('readScoringState', { address, 'scorer.id': communityId }, async () =>
    asScoringReads(
      await readTogether<[ScorableCacheRows, HashLinkRow[], ClaimedScore | undefined]>(
        deps.sql,
        (db) => sendScoringReads(db, address, communityId),
        { deadline: deps.deadline },
      ),
    ),
  )
}

/**
 * The usual rescore in ONE round trip: passport and score exist, the dedup has nothing to write
 * (every link already ours and unchanged) and no human points are due, so everything is decided
 * before the transaction and BEGIN, the passport lock, the LDP events, the stamps/SCU/score
 * statement and COMMIT go out together. The committed rows are those of `scoreInTransaction`.
 * Undefined when the run needs the full path (it then runs it, from the same reads).
 */
async function rescoreInOneRoundTrip(
  deps: ScoringDeps,
  run: ScoringRun,
  reads: ScoringReads,
): Promise<FinishedRun | undefined> {
  const { community, scorer, address } = run
  const claimed = reads.claimed
  if (!claimed || community.rule !== 'LIFO') return undefined
  const clock = deps.clock ?? nowUtc
  const decided = await withSpan('scoring.dedup', {}, async () =>
    decideLifoWithoutWrites(lifoInput(deps, run, clock), reads.links),
  )
  if (!decided) return undefined
  const computed = await withSpan('scoring.calculate', {}, async () =>
    calculateScore(decided.result.kept, decided.result.clashing, scorer.weights, scorer.threshold),
  )
  const lastScoreTimestamp = clock()
  if (isHumanPointsAwardOpen(humanPointsInput(deps, run, computed, decided.result.kept, lastScoreTimestamp)))
    return undefined
  try {
    const [, , written] = await withSpan('scoring.finish', {}, () =>
      commitTogether<[unknown, void, boolean]>(
        deps.sql,
        (db) => [
          lockPassport(db, claimed.passportId),
          insertEvents(db, decided.ldpEvents),
          recordScoredRun(db, claimed, {
            address,
            communityId: community.id,
            kept: decided.result.kept,
            computed,
            lastScoreTimestamp,
          }),
        ],
        { deadline: deps.deadline },
      ),
    )
    if (!written) return undefined
  } catch (error) {
    // Anything but a database error is the full path's to answer (it runs the same statements).
    if (!(error instanceof PipelineRolledBackError)) throw error
    deps.log.warn({ err: error.cause ?? error, address }, 'one-round-trip rescore rolled back; running the full path')
    return undefined
  }
  logDeduplicated(deps, community.id, address, decided.result)
  return { computed, lastScoreTimestamp }
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
    knownSignatureErrors: loaded.knownSignatureErrors,
  })
  for (const { provider, reasons, isExpired, isIssuerTrusted } of validation.rejected)
    deps.log.info({ address, provider, reasons, isExpired, isIssuerTrusted }, 'stamp not used for scoring')
  return validation.valid
}

/** The run's dedup input (scoring §3), the same for the one-round-trip and the full path. */
function lifoInput(deps: ScoringDeps, run: ScoringRun, clock: () => PyDateTime): LifoInput {
  return {
    communityId: run.community.id,
    address: run.address,
    stamps: run.stamps,
    multiNullifierEnabled: deps.config.multiNullifierEnabled,
    clock,
  }
}

/** What decides and makes the human-points award (scoring §6) of a run that kept `kept`. */
function humanPointsInput(
  deps: ScoringDeps,
  run: ScoringRun,
  computed: ComputedScore,
  kept: CachedStamp[],
  now: PyDateTime,
) {
  return {
    config: deps.config,
    communityId: run.community.id,
    humanPointsProgram: run.community.humanPointsProgram,
    address: run.address,
    binaryScore: computed.binaryScore,
    keptStamps: kept,
    now,
  }
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
 * SCU event and score in one statement. The first dedup attempt uses the links read before the
 * transaction; retries read them again inside it.
 */
async function scoreInTransaction(
  tx: TransactionSql,
  deps: ScoringDeps,
  run: ScoringRun,
  links: HashLinkRow[],
): Promise<FinishedRun> {
  const { community, scorer, address } = run
  const clock = deps.clock ?? nowUtc
  const dedup = beginLifoDedup(tx, { ...lifoInput(deps, run, clock), onRetry: deps.metrics?.lifoRetry }, links)
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
        awardHumanPointsKeepingScore(
          tx,
          deps.log,
          humanPointsInput(deps, run, computed, lifo.kept, lastScoreTimestamp),
        ),
      )
      const written = await withSpan('scoring.finish', {}, () =>
        recordScoredRun(tx, claimed, {
          address,
          communityId: community.id,
          kept: lifo.kept,
          computed,
          lastScoreTimestamp,
        }),
      )
      // The rows were claimed and locked in this transaction: they cannot have gone.
      if (!written) throw new Error(`registry_score ${claimed.scoreId} vanished while locked`)
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
  /** `readAccountScoringAlongsideKey`'s result for this request, when the key's read carried it. */
  readAlongsideKey?: unknown
}

/** The community the path's scorer id names: negative ids name the demo scorer (endpoints §1.7). */
function effectiveScorerId(scorerId: number, config: Config): number | undefined {
  return scorerId < 0 ? config.demoApiScorerId : scorerId
}

/**
 * The reads of an account's score, made before the account is known: every community the scorer
 * id may name (the account's own is chosen once its API key is checked) and the run's reads for
 * the community the id names. Only a request with the same scorer id and address may use them.
 */
export class AccountScoringReads {
  constructor(
    readonly scorerId: number,
    readonly rawAddress: string,
    readonly candidates: readonly ScoringCommunityCandidate[],
    readonly reads: ScoringReads,
  ) {}

  isFor(scorerId: number, rawAddress: string): boolean {
    return this.scorerId === scorerId && this.rawAddress === rawAddress
  }
}

/**
 * endpoints Endpoint 1's reads, to be sent with the API key's read (one round trip for both), from
 * the raw path parameters; undefined when they cannot serve (a scorer id that is not an integer, an
 * invalid address: the request fails before scoring).
 */
export function readAccountScoringAlongsideKey(
  config: Config,
  rawScorerId: string,
  rawAddress: string,
): ((db: Db) => Promise<AccountScoringReads>) | undefined {
  const address = normalizeAddress(rawAddress)
  if (address === null || !/^-?\d{1,15}$/.test(rawScorerId)) return undefined
  const scorerId = Number(rawScorerId)
  const communityId = effectiveScorerId(scorerId, config)
  if (communityId === undefined) return undefined
  return async (db) => {
    const [candidates, ...reads] = await Promise.all([
      findScoringCommunityCandidates(db, String(communityId)),
      ...sendScoringReads(db, address, communityId),
    ])
    return new AccountScoringReads(scorerId, rawAddress, candidates, asScoringReads(reads))
  }
}

/**
 * endpoints Endpoint 1: the account's community (404), then the scoring. Anything unexpected is
 * Python's one 500 text; a failed run is still a score, with `error` filled.
 */
export function scorePassportForAccount(deps: ScoringDeps, request: AccountScoreRequest): Promise<PassportScore> {
  const scorerId = effectiveScorerId(request.scorerId, deps.config)
  const alongside = request.readAlongsideKey
  return translateFailure(
    async () => {
      const { community, reads } =
        alongside instanceof AccountScoringReads && alongside.isFor(request.scorerId, request.address)
          ? communityFromReadsAlongsideKey(alongside, scorerId!, request.accountId)
          : await resolveCommunityWithReads(deps, scorerId, request)
      return scorePassport(deps, request.address, community, reads)
    },
    (error) => {
      if (error instanceof DomainError) throw error
      deps.log.error({ err: error }, 'unexpected error while scoring')
      throw new DomainError('internal', 'Unexpected error while submitting passport', { cause: error })
    },
  )
}

/** `resolveCommunityWithReads`'s answer from reads sent with the API key's. */
function communityFromReadsAlongsideKey(
  alongside: AccountScoringReads,
  communityId: number,
  accountId: number,
): { community: ScoringCommunity; reads: ScoringReads | undefined } {
  const community = chooseCommunityForAccount(alongside.candidates, accountId)
  return { community, reads: community.id === communityId ? alongside.reads : undefined }
}

/**
 * The account's community (404 first), and in the same round trip the run's reads for the
 * community the path names: the reads a v2 request sends with its API key's, on their own.
 */
async function resolveCommunityWithReads(
  deps: ScoringDeps,
  scorerId: number | undefined,
  request: AccountScoreRequest,
): Promise<{ community: ScoringCommunity; reads: ScoringReads | undefined }> {
  const read = readAccountScoringAlongsideKey(deps.config, String(request.scorerId), request.address)
  if (read === undefined)
    return {
      community: await resolveCommunityForAccount(deps.sql, String(scorerId ?? ''), request.accountId),
      reads: undefined,
    }
  const [alongside] = await readTogether<[AccountScoringReads]>(deps.sql, (db) => [read(db)], {
    deadline: deps.deadline,
  })
  return communityFromReadsAlongsideKey(alongside, scorerId!, request.accountId)
}

/**
 * endpoints Endpoint 7: the community by id — its 404 comes before the address's 400. With a valid
 * address the run's reads go in the same round trip.
 */
export async function scorePassportInCommunity(
  deps: ScoringDeps,
  rawAddress: string,
  communityId: number,
): Promise<PassportScore> {
  const address = normalizeAddress(rawAddress)
  if (address === null) {
    const community = await loadScoringCommunity(deps.sql, communityId)
    if (!community) throw new DomainError('not_found', 'No Community matches the given query.')
    return scorePassport(deps, rawAddress, community)
  }
  const [community, ...reads] = await readTogether<
    [ScoringCommunity | undefined, ScorableCacheRows, HashLinkRow[], ClaimedScore | undefined]
  >(deps.sql, (db) => [loadScoringCommunity(db, communityId), ...sendScoringReads(db, address, communityId)], {
    deadline: deps.deadline,
  })
  if (!community) throw new DomainError('not_found', 'No Community matches the given query.')
  return scorePassport(deps, rawAddress, community, asScoringReads(reads))
}

import type { Config } from '../config.js'
import type { Sql, TransactionSql } from '../db/pool.js'
import { inTransaction } from '../db/transaction.js'
import { listCacheStampsById, listScorableCacheRows } from '../db/queries/ceramic-cache.js'
import {
  claimPassportAndScore,
  finishScoringRun,
  getOrCreatePassportId,
  getOrCreateScoreId,
  updateScore,
  type ClaimedScore,
} from '../db/queries/passports.js'
import { listHashLinks } from '../db/queries/hash-links.js'
import { findScoringCommunity, type ScoringCommunityRow } from '../db/queries/scorers.js'
import { validateStamps, type CachedStamp, type Credential } from './credentials.js'
import { DomainError, invalidAddress, translateFailure } from './errors.js'
import { normalizeAddress } from './formats/eth-address.js'
import { nowUtc, parsePgTimestamp, toPgTimestamp, type PyDateTime } from './formats/py-datetime.js'
import { PyFloat, pyJsonDumps } from './formats/py-json.js'
import { awardHumanPoints, isHumanPointsAwardOpen, type HumanPointsAwardInput } from './human-points.js'
import { applyLifoDedup, lifoHashes } from './lifo-dedup.js'
import { calculateScore, type ComputedScore } from './score-calculation.js'
import { formatV2ScoreResponse, scoreUpdateEventData, type ScoreState, type V2ScoreResponse } from './score-response.js'
import { scoringCommunityFromRow, type ScoringCommunity } from './scorers.js'
import { pickLatestRows } from './stamp-loading.js'
import { slimCredential, type StoredStampCache } from './stored-stamp-cache.js'
import { withSpan } from './tracing.js'

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
}

export interface ScoringOutcome {
  response: V2ScoreResponse
  state: ScoreState
  communityId: number
}

/** An exception Python would catch inside `ascore_passport` and record as the ERROR state. */
class ScoringRunError extends Error {}

interface LoadedStamps {
  stamps: CachedStamp[]
  /** This run's signature check: remembered verdicts first, DIDKit (and the cache) otherwise. */
  verifySignature: (credential: unknown) => Promise<string[]>
}

/**
 * scoring §1. The rows come with a digest of their stored JSON; credentials whose signature was
 * checked before are taken from the process cache, the others are fetched and checked once.
 */
async function loadStamps(deps: ScoringDeps, address: string): Promise<LoadedStamps> {
  const rows = pickLatestRows(
    await listScorableCacheRows(deps.sql, address),
    (text) => parsePgTimestamp(text).epochMicros,
  )
  const cache = deps.storedStampCache
  const knownVerdicts = new Map<unknown, readonly string[]>()
  const digests = new Map<unknown, string>()
  const cached = new Map(
    rows.flatMap((row) => {
      const entry = cache?.get(row.digest)
      return entry ? [[row.id, entry] as const] : []
    }),
  )
  const fetched = await listCacheStampsById(
    deps.sql,
    rows.filter((row) => !cached.has(row.id)).map((row) => row.id),
  )
  const stamps = rows.map((row): CachedStamp => {
    const entry = cached.get(row.id)
    if (entry) {
      knownVerdicts.set(entry.credential, entry.signatureErrors)
      return { provider: row.provider, credential: entry.credential, cacheId: row.id }
    }
    const credential = fetched.get(row.id) as Credential
    digests.set(credential, row.digest)
    return { provider: row.provider, credential, cacheId: row.id }
  })
  const verifySignature = async (credential: unknown): Promise<string[]> => {
    const known = knownVerdicts.get(credential)
    if (known) return [...known]
    const errors = await deps.verifySignature(credential)
    const digest = digests.get(credential)
    if (cache && digest !== undefined)
      cache.set(digest, {
        credential: slimCredential(credential as Credential),
        signatureErrors: Object.freeze([...errors]),
      })
    return errors
  }
  return { stamps, verifySignature }
}

interface PersistedRun {
  computed: ComputedScore
  lastScoreTimestamp: PyDateTime
}

const jsonOrNull = (value: unknown): string => pyJsonDumps(value)

function stampScoresJson(computed: ComputedScore): Record<string, PyFloat> {
  return Object.fromEntries([...computed.stampScores].map(([provider, value]) => [provider, new PyFloat(value)]))
}

async function claimScoreRows(tx: TransactionSql, address: string, communityId: number): Promise<ClaimedScore> {
  const claimed = await claimPassportAndScore(tx, address, communityId)
  if (claimed) return claimed
  const passportId = await getOrCreatePassportId(tx, address, communityId)
  return { passportId, scoreId: await getOrCreateScoreId(tx, passportId) }
}

// D7: a human-points failure is isolated in a savepoint and logged; the score stands. The
// savepoint is only opened when the write gate is open.
async function awardHumanPointsIsolated(
  tx: TransactionSql,
  deps: ScoringDeps,
  input: HumanPointsAwardInput,
): Promise<void> {
  if (!isHumanPointsAwardOpen(input)) return
  await translateFailure(
    () => tx.savepoint((sp) => awardHumanPoints(sp, input)),
    (error) =>
      deps.log.error(
        { err: error, address: input.address, communityId: input.communityId },
        'human points failed; score kept',
      ),
  )
}

/**
 * One scoring run in ONE transaction (D3), with Django's writes (scoring §5.2): passport, score
 * (PROCESSING), hash links + LDP events, stamps, human points, SCU event, score update. Independent
 * statements are pipelined and combined, so a warm rescore costs four round trips; the committed
 * rows are the ones Django's sequence leaves.
 */
async function persistScoringRun(
  tx: TransactionSql,
  deps: ScoringDeps,
  community: ScoringCommunity,
  address: string,
  validStamps: CachedStamp[],
): Promise<PersistedRun> {
  const clock = deps.clock ?? nowUtc
  const lifoInput = {
    communityId: community.id,
    address,
    stamps: validStamps,
    multiNullifierEnabled: deps.config.multiNullifierEnabled,
    clock,
  }
  // Sent before the claim's result is awaited: both statements travel in one pipeline.
  const firstLinks = listHashLinks(tx, community.id, lifoHashes(lifoInput))
  firstLinks.catch(() => undefined)
  const { passportId, scoreId } = await claimScoreRows(tx, address, community.id)
  return translateFailure(
    async () => {
      // scoring §3: only the LIFO rule exists; Python fails the run on anything else.
      if (community.rule !== 'LIFO') throw new ScoringRunError('Invalid rule')
      const lifo = await applyLifoDedup(tx, lifoInput, firstLinks)
      const computed = calculateScore(lifo.kept, lifo.clashing, community.weights, community.threshold)
      const lastScoreTimestamp = clock()
      await awardHumanPointsIsolated(tx, deps, {
        config: deps.config,
        communityId: community.id,
        humanPointsProgram: community.humanPointsProgram,
        address,
        binaryScore: computed.binaryScore,
        keptStamps: lifo.kept,
        now: lastScoreTimestamp,
      })
      const stamps = Object.fromEntries(computed.stamps)
      const stampScores = stampScoresJson(computed)
      await finishScoringRun(tx, {
        passportId,
        scoreId,
        stamps: lifo.kept.map((stamp) => ({
          provider: stamp.provider,
          source:
            stamp.cacheId === undefined
              ? { credentialJson: JSON.stringify(stamp.credential) }
              : { cacheId: stamp.cacheId },
        })),
        event: {
          address,
          communityId: community.id,
          dataJson: pyJsonDumps(
            scoreUpdateEventData({
              scoreId,
              passportId,
              score: computed.binaryScore === 1 ? '1' : '0',
              lastScoreTimestamp,
              evidence: computed.evidence,
              stampScores,
              stamps,
              expirationDate: computed.earliestExpiration,
            }),
          ),
        },
        update: {
          score: String(computed.binaryScore),
          status: 'DONE',
          error: null,
          lastScoreTimestamp: toPgTimestamp(lastScoreTimestamp),
          expirationDate: computed.earliestExpiration ? toPgTimestamp(computed.earliestExpiration) : null,
          evidenceJson: jsonOrNull(computed.evidence),
          stampScoresJson: jsonOrNull(stampScores),
          stampsJson: jsonOrNull(stamps),
        },
      })
      return { computed, lastScoreTimestamp }
    },
    (error) => {
      throw new ScoringRunError(errorText(error), { cause: error })
    },
  )
}

function errorText(error: unknown): string {
  if (error instanceof DomainError) return error.detail
  return error instanceof Error ? error.message : String(error)
}

/** `Score.clear_on_error` in its own short transaction after the run was rolled back (D3). */
async function recordScoringError(
  sql: Sql,
  communityId: number,
  address: string,
  message: string,
  deadline: AbortSignal | undefined,
): Promise<void> {
  await inTransaction(
    sql,
    async (tx) => {
      const passportId = await getOrCreatePassportId(tx, address, communityId)
      const scoreId = await getOrCreateScoreId(tx, passportId)
      await updateScore(tx, scoreId, passportId, {
        score: null,
        status: 'ERROR',
        error: message,
        lastScoreTimestamp: null,
        expirationDate: null,
        evidenceJson: null,
        stampScoresJson: null,
        stampsJson: null,
      })
    },
    { deadline },
  )
}

/**
 * `ahandle_scoring` (endpoints §1.7): validate the address, score it for the community and return
 * the V2 response. A failure of the run itself is answered like Python: 200 with `error` filled.
 */
export function scorePassport(
  deps: ScoringDeps,
  rawAddress: string,
  communityOrId: number | ScoringCommunityRow,
): Promise<ScoringOutcome> {
  const communityId = typeof communityOrId === 'number' ? communityOrId : communityOrId.id
  return withSpan('scorePassport', { address: rawAddress.toLowerCase(), 'scorer.id': communityId }, () =>
    runScoring(deps, rawAddress, communityOrId),
  )
}

async function runScoring(
  deps: ScoringDeps,
  rawAddress: string,
  communityOrId: number | ScoringCommunityRow,
): Promise<ScoringOutcome> {
  // Reads and signature checks happen before the transaction opens, so it holds its locks only
  // for the writes; the committed rows are the same as in Django's interleaved order. The
  // community and the stamps are read in parallel.
  const address = normalizeAddress(rawAddress)
  const [communityRow, loaded] = await Promise.all([
    typeof communityOrId === 'number' ? findScoringCommunity(deps.sql, communityOrId) : communityOrId,
    address === null ? undefined : loadStamps(deps, address),
  ])
  // endpoints Endpoint 7: Community(id) first (404), then the address (400); Python reads the
  // scorer only after that (`_score_single_address`), so an unusable scorer fails last.
  if (!communityRow) throw new DomainError('not_found', 'No Community matches the given query.')
  if (address === null || loaded === undefined) throw invalidAddress()
  const community = scoringCommunityFromRow(communityRow)
  const communityId = community.id
  const clock = deps.clock ?? nowUtc
  const validation = await validateStamps(loaded.stamps, {
    address,
    trustedIssuers: new Set(deps.config.trustedIamIssuers),
    now: clock(),
    verifySignature: loaded.verifySignature,
  })
  for (const rejected of validation.rejected) {
    deps.log.info(
      {
        address,
        provider: rejected.provider,
        reasons: rejected.reasons,
        isExpired: rejected.isExpired,
        isIssuerTrusted: rejected.isIssuerTrusted,
      },
      'stamp not used for scoring',
    )
  }

  try {
    const run = await inTransaction(
      deps.sql,
      (tx) => persistScoringRun(tx, deps, community, address, validation.valid),
      { deadline: deps.deadline },
    )
    const state: ScoreState = {
      address,
      status: 'DONE',
      error: null,
      evidence: run.computed.evidence,
      lastScoreTimestamp: run.lastScoreTimestamp,
      expirationDate: run.computed.earliestExpiration,
      stamps: Object.fromEntries(run.computed.stamps),
    }
    return { response: formatV2ScoreResponse(state), state, communityId }
  } catch (error) {
    if (!(error instanceof ScoringRunError)) throw error
    deps.log.warn({ err: error.cause ?? error, address, communityId }, 'scoring failed; recording the ERROR state')
    await recordScoringError(deps.sql, communityId, address, error.message, deps.deadline)
    const state: ScoreState = {
      address,
      status: 'ERROR',
      error: error.message,
      evidence: null,
      lastScoreTimestamp: null,
      expirationDate: null,
      stamps: null,
    }
    return { response: formatV2ScoreResponse(state), state, communityId }
  }
}

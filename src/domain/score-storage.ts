import type { Db, Sql, TransactionSql } from '../db/pool.js'
import { inTransaction, type Deadline } from '../db/transaction.js'
import {
  claimPassportAndScore,
  finishScoringRun,
  getOrCreatePassportId,
  getOrCreateScoreId,
  updateScore,
  type ClaimedScore,
} from '../db/queries/passports.js'
import type { CachedStamp } from './credentials.js'
import { formatDjangoJson, toPgTimestamp, type PyDateTime } from './formats/py-datetime.js'
import { PyFloat, PyJsonText, pyJsonDumps } from './formats/py-json.js'
import type { ComputedScore } from './score-calculation.js'

// The registry rows of a scoring run (scoring §5.2): passport and score claimed first, then the
// stamps, the SCU event and the score written together at the end; or the ERROR state (D3).

/** scoring §5.2 steps 2–3: the passport and its score row (PROCESSING), the passport row locked. */
export async function claimScoreRows(tx: TransactionSql, address: string, communityId: number): Promise<ClaimedScore> {
  const claimed = await claimPassportAndScore(tx, address, communityId)
  if (claimed) return claimed
  const passportId = await getOrCreatePassportId(tx, address, communityId)
  return { passportId, scoreId: await getOrCreateScoreId(tx, passportId) }
}

interface ScoredRun {
  address: string
  communityId: number
  kept: readonly CachedStamp[]
  computed: ComputedScore
  lastScoreTimestamp: PyDateTime
}

function stampScoresJsonValue(computed: ComputedScore): Record<string, PyFloat> {
  return Object.fromEntries([...computed.stampScores].map(([provider, value]) => [provider, new PyFloat(value)]))
}

interface ScoreTexts {
  evidenceJson: string
  stampScoresJson: string
  stampsJson: string
}

// The JSON texts of a computed score: a remembered score (calculateScore) is written with the
// texts written for it the first time.
const scoreTexts = new WeakMap<ComputedScore, ScoreTexts>()

function textsOf(computed: ComputedScore): ScoreTexts {
  let texts = scoreTexts.get(computed)
  if (texts === undefined) {
    texts = {
      evidenceJson: pyJsonDumps(computed.evidence),
      stampScoresJson: pyJsonDumps(stampScoresJsonValue(computed)),
      stampsJson: pyJsonDumps(Object.fromEntries(computed.stamps)),
    }
    if (Object.isFrozen(computed)) scoreTexts.set(computed, texts)
  }
  return texts
}

/**
 * scoring §5.2 steps 6 and 9 in one statement: the passport's stamps (copied from their cache rows
 * inside the database), the SCU event and the DONE score. JSON goes as text, in Python's spelling.
 * False when the claimed rows no longer exist (nothing was written).
 */
export function recordScoredRun(db: Db, claimed: ClaimedScore, run: ScoredRun): Promise<boolean> {
  const { computed, lastScoreTimestamp } = run
  // Each JSON value is written once: the score's columns and the SCU event carry the same texts.
  const { evidenceJson, stampScoresJson, stampsJson } = textsOf(computed)
  const eventData = scoreUpdateEventData({
    scoreId: claimed.scoreId,
    passportId: claimed.passportId,
    score: computed.binaryScore === 1 ? '1' : '0',
    lastScoreTimestamp,
    evidence: new PyJsonText(evidenceJson),
    stampScores: new PyJsonText(stampScoresJson),
    stamps: new PyJsonText(stampsJson),
    expirationDate: computed.earliestExpiration,
  })
  return finishScoringRun(db, {
    ...claimed,
    stamps: run.kept.map((stamp) => ({
      provider: stamp.provider,
      source:
        stamp.cacheId === undefined ? { credentialJson: JSON.stringify(stamp.credential) } : { cacheId: stamp.cacheId },
    })),
    event: { address: run.address, communityId: run.communityId, dataJson: pyJsonDumps(eventData) },
    update: {
      score: String(computed.binaryScore),
      status: 'DONE',
      error: null,
      lastScoreTimestamp: toPgTimestamp(lastScoreTimestamp),
      expirationDate: computed.earliestExpiration ? toPgTimestamp(computed.earliestExpiration) : null,
      evidenceJson,
      stampScoresJson,
      stampsJson,
    },
  })
}

/** `Score.clear_on_error` in its own short transaction after the run was rolled back (D3). */
export async function recordScoringError(
  sql: Sql,
  communityId: number,
  address: string,
  message: string,
  deadline: Deadline | undefined,
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

interface ScoreUpdatePayloadInput {
  scoreId: number
  passportId: number
  score: '1' | '0'
  lastScoreTimestamp: PyDateTime
  evidence: unknown
  stampScores: unknown
  stamps: unknown
  expirationDate: PyDateTime | null
}

/**
 * scoring §5.3: Django's serializer output for the Score, element [0] — one object, not a list —
 * with datetimes in DjangoJSONEncoder format (ms, "Z").
 */
export function scoreUpdateEventData(input: ScoreUpdatePayloadInput): Record<string, unknown> {
  return {
    model: 'registry.score',
    pk: input.scoreId,
    fields: {
      passport: input.passportId,
      score: input.score,
      last_score_timestamp: formatDjangoJson(input.lastScoreTimestamp),
      status: 'DONE',
      error: null,
      evidence: input.evidence,
      stamp_scores: input.stampScores,
      stamps: input.stamps,
      expiration_date: input.expirationDate ? formatDjangoJson(input.expirationDate) : null,
    },
  }
}

import { LRUCache } from 'lru-cache'
import type { CachedStamp } from './credentials.js'
import { PyDecimal } from './formats/py-decimal.js'
import { comparePyDateTime, formatPyIso, type PyDateTime } from './formats/py-datetime.js'
import { parsePyIsoDateTime } from './formats/py-fromisoformat.js'

export interface StampScoreEntry {
  score: string
  dedup: boolean
  expiration_date: string
}

interface Evidence {
  type: 'ThresholdScoreCheck'
  success: boolean
  rawScore: string
  threshold: string
}

export interface ComputedScore {
  /** 1 or 0 (binary scorers; both scorer kinds are binary today, scoring §4.1). */
  binaryScore: 0 | 1
  rawScore: PyDecimal
  threshold: PyDecimal
  evidence: Evidence
  /** provider → Python float, in insertion order. */
  stampScores: ReadonlyMap<string, number>
  stamps: ReadonlyMap<string, StampScoreEntry>
  earliestExpiration: PyDateTime | null
}

export class WeightsMissingError extends Error {
  constructor() {
    // parity: Python calls `.get` on the scorer's NULL weights (scoring §4.2).
    super("'NoneType' object has no attribute 'get'")
  }
}

// A warm rescore calculates the same score from the same inputs every time: results are remembered
// by every input the calculation reads (issue 16), frozen and shared. A 10-stamp passport's score
// with the JSON texts written for it (score-storage.ts) takes ~5 KB, so a full memo ~2.5 MB; 4,096
// took ~20 MB (measured 2026-12-02 on 4,000 scores of distinct expiry dates). As many passports as
// the date memos hold (formats/memo.ts).
const REMEMBERED_SCORES = 512
const rememberedScores = new LRUCache<string, ComputedScore>({ max: REMEMBERED_SCORES })

/**
 * scoring §4.2–§4.4: sum the weights of the kept stamps (first row per provider counts, quirk
 * Q4.1), with Python's decimal arithmetic, then the binary score, evidence and the `stamps`
 * breakdown, where deduped stamps show their raw `expirationDate` string. The result is shared
 * with later calls of the same inputs: read it, never change it.
 */
export function calculateScore(
  kept: readonly CachedStamp[],
  clashing: ReadonlyMap<string, CachedStamp>,
  weights: ReadonlyMap<string, unknown> | null,
  thresholdText: string,
): ComputedScore {
  const key = weights === null ? undefined : scoreInputsKey(kept, clashing, weights, thresholdText)
  if (key === undefined) return computeScore(kept, clashing, weights, thresholdText)
  let computed = rememberedScores.get(key)
  if (computed === undefined) {
    computed = freezeScore(computeScore(kept, clashing, weights, thresholdText))
    rememberedScores.set(key, computed)
  }
  return computed
}

// Length-prefixed, so no provider name or text can run into the next part.
const part = (text: string): string => `${text.length}:${text}`

/** A JSON weight as the calculation reads it; undefined when it cannot be a key (it would throw). */
function weightKey(value: unknown): string | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) ? `n${Object.is(value, -0) ? '-0' : String(value)}` : undefined
  if (typeof value === 'string') return `s${part(value)}`
  if (typeof value === 'bigint') return `i${value}`
  if (typeof value === 'boolean') return `b${value}`
  return undefined
}

/**
 * Every input `computeScore` reads, in order: the threshold text, each kept stamp's provider,
 * weight and expiry text, each clashing provider and its expiry text. Undefined when one is not a
 * plain value (the calculation then runs, and fails, every time).
 */
function scoreInputsKey(
  kept: readonly CachedStamp[],
  clashing: ReadonlyMap<string, CachedStamp>,
  weights: ReadonlyMap<string, unknown>,
  thresholdText: string,
): string | undefined {
  let key = part(thresholdText)
  for (const stamp of kept) {
    const expiration = stamp.credential.expirationDate
    const weight = weightKey(weights.has(stamp.provider) ? weights.get(stamp.provider) : 0)
    if (typeof expiration !== 'string' || weight === undefined) return undefined
    key += `|${part(stamp.provider)}${weight}|${part(expiration)}`
  }
  key += '#'
  for (const [provider, stamp] of clashing) {
    const expiration = stamp.credential.expirationDate
    if (typeof expiration !== 'string') return undefined
    key += `|${part(provider)}${part(expiration)}`
  }
  return key
}

function freezeScore(computed: ComputedScore): ComputedScore {
  Object.freeze(computed.evidence)
  for (const entry of computed.stamps.values()) Object.freeze(entry)
  return Object.freeze(computed)
}

function computeScore(
  kept: readonly CachedStamp[],
  clashing: ReadonlyMap<string, CachedStamp>,
  weights: ReadonlyMap<string, unknown> | null,
  thresholdText: string,
): ComputedScore {
  let sum = PyDecimal.fromInt(0)
  const scored = new Set<string>()
  const stampScores = new Map<string, number>()
  const expirations = new Map<string, PyDateTime>()
  let earliest: PyDateTime | null = null
  for (const stamp of kept) {
    if (scored.has(stamp.provider)) {
      stampScores.set(stamp.provider, 0)
      continue
    }
    if (weights === null) throw new WeightsMissingError()
    const weight = PyDecimal.fromJson(weights.has(stamp.provider) ? weights.get(stamp.provider) : 0)
    sum = sum.add(weight)
    scored.add(stamp.provider)
    stampScores.set(stamp.provider, weight.toFloat())
    const expiresAt = parsePyIsoDateTime(stamp.credential.expirationDate as string)
    expirations.set(stamp.provider, expiresAt)
    if (earliest === null || comparePyDateTime(expiresAt, earliest) < 0) earliest = expiresAt
  }

  const threshold = PyDecimal.fromString(thresholdText)
  const binaryScore = sum.gte(threshold) ? 1 : 0
  return {
    binaryScore,
    rawScore: sum,
    threshold,
    evidence: {
      type: 'ThresholdScoreCheck',
      success: binaryScore === 1,
      rawScore: sum.toString(),
      threshold: threshold.toString(),
    },
    stampScores,
    stamps: stampBreakdown(stampScores, expirations, clashing),
    earliestExpiration: earliest,
  }
}

/** scoring §4.4: scored providers first, then deduped ones that scored nothing, with their raw expiry text. */
function stampBreakdown(
  stampScores: ReadonlyMap<string, number>,
  expirations: ReadonlyMap<string, PyDateTime>,
  clashing: ReadonlyMap<string, CachedStamp>,
): Map<string, StampScoreEntry> {
  const stamps = new Map<string, StampScoreEntry>()
  for (const [provider, value] of stampScores) {
    const clash = clashing.get(provider)
    stamps.set(provider, {
      score: PyDecimal.fromNumber(value).toFixed(5),
      dedup: clash !== undefined,
      expiration_date: clash ? (clash.credential.expirationDate as string) : formatPyIso(expirations.get(provider)!),
    })
  }
  for (const [provider, stamp] of clashing) {
    if (!stamps.has(provider))
      stamps.set(provider, {
        score: '0.00000',
        dedup: true,
        expiration_date: stamp.credential.expirationDate as string,
      })
  }
  return stamps
}

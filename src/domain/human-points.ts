import type { Db, TransactionSql } from '../db/pool.js'
import type { Config } from '../config.js'
import {
  countHumanPointsAction,
  countQualifiedCommunities,
  hasHumanPointsAction,
  hasQualifiedCommunity,
  insertHumanPointsActionIfAbsent,
  insertHumanPointsIgnoringConflicts,
  insertQualifiedCommunity,
  isOnAddressList,
  listHumanKeyProviders,
  listHumanPointsConfigs,
  listPointsGroups,
  lockTransactionAdvisory,
  type NewHumanPointsRow,
} from '../db/queries/human-points.js'
import type { CachedStamp } from './credentials.js'
import type { PyDateTime } from './formats/py-datetime.js'
import { isPlainObject, isPyTruthy } from './formats/py-values.js'
import { translateFailure } from './errors.js'

export interface HumanPointsAwardInput {
  config: Config
  communityId: number
  humanPointsProgram: boolean
  address: string
  binaryScore: 0 | 1
  /** The LIFO-kept stamps (scoring §6.2 step 2). */
  keptStamps: readonly CachedStamp[]
  now: PyDateTime
}

/** scoring §6.2 write gate: flag, community program, a passing binary score, start timestamp. */
export function isHumanPointsAwardOpen(input: HumanPointsAwardInput): boolean {
  const nowSeconds = Number(input.now.epochMicros / 1_000_000n)
  return (
    input.config.humanPointsWriteEnabled &&
    input.humanPointsProgram &&
    input.binaryScore === 1 &&
    nowSeconds >= input.config.humanPointsStartTimestamp
  )
}

/** Keyed by the cache row's `provider` column, not the signed one (scoring §6.2 step 2). */
const STAMP_PROVIDER_TO_ACTION: Readonly<Record<string, string>> = Object.freeze({
  SelfStakingBronze: 'ISB',
  SelfStakingSilver: 'ISS',
  SelfStakingGold: 'ISG',
  BeginnerCommunityStaker: 'CSB',
  ExperiencedCommunityStaker: 'CSE',
  TrustedCitizen: 'CST',
  HolonymGovIdProvider: 'HGO',
  HolonymPhone: 'HPH',
  CleanHands: 'HCH',
  Biometrics: 'HBI',
})

/** Qualified communities from which an address earns the scoring bonus (scoring §6.2 step 3). */
const SCORING_BONUS_MIN_COMMUNITIES = 4
/** Python's limit on MetaMask OG 2 awards, all addresses together (scoring §6.2 step 4). */
const METAMASK_OG_2_CAP = 5000
/** Python's list names and codes; the Rust port's `MetaMaskOG` / `MTA` are wrong (scoring §11.8). */
const METAMASK_OG_2_LIST = 'MetaMaskOG2'
const SEASONED_PASSPORT_OG_LIST = 'SeasonedPassportOGs'
const THE_CHOSEN_ONES_LIST = 'TheChosenOnes'
/** Any fixed bigint unique to this purpose in the database ("MM2cap" in ASCII). */
const METAMASK_OG_2_CAP_LOCK_KEY = 0x4d4d_3263_6170n

/** What Django's CharField makes of a non-string value (`str(value)`); JSON objects never get here in practice. */
function toCharField(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value)
  throw new Error(`unsupported human points value ${JSON.stringify(value)}`)
}

interface HumanKeyCandidate {
  provider: string
  txHash: string
}

/**
 * The HKY a kept stamp could earn: nullifiers with a truthy element and a truthy signed provider.
 * tx_hash = the LAST truthy nullifier. Legacy `hash`-only stamps never earn one.
 */
function humanKeyCandidate(stamp: CachedStamp): HumanKeyCandidate | undefined {
  const subject = stamp.credential.credentialSubject
  if (!isPlainObject(subject)) return undefined
  const nullifiers = subject.nullifiers
  if (!Array.isArray(nullifiers) || !nullifiers.some(isPyTruthy)) return undefined
  if (!isPyTruthy(subject.provider)) return undefined
  const latest = nullifiers.findLast(isPyTruthy)
  return { provider: toCharField(subject.provider), txHash: toCharField(latest) }
}

/**
 * The rows of scoring §6.2 step 2 in Python's order (per stamp: HKY, then the provider action).
 * parity (Quirk Q6.1): an HKY is skipped when the address already holds one for the signed
 * provider, whatever its nullifier, so the first nullifier seen stays forever and rotated ones
 * never add a row. Only rows already in the database count: two kept stamps of one provider
 * both produce a row, and the unique constraint settles it, as in Python.
 */
export function decideStampActions(
  keptStamps: readonly CachedStamp[],
  providersWithHumanKeys: ReadonlySet<string>,
): NewHumanPointsRow[] {
  const rows: NewHumanPointsRow[] = []
  for (const stamp of keptStamps) {
    const humanKey = humanKeyCandidate(stamp)
    if (humanKey && !providersWithHumanKeys.has(humanKey.provider)) {
      rows.push({ action: 'HKY', txHash: humanKey.txHash, chainId: 0, provider: humanKey.provider })
    }
    const action = Object.hasOwn(STAMP_PROVIDER_TO_ACTION, stamp.provider)
      ? STAMP_PROVIDER_TO_ACTION[stamp.provider]
      : undefined
    if (action) rows.push({ action, txHash: '', chainId: 0, provider: '' })
  }
  return rows
}

async function recordStampActions(tx: Db, address: string, keptStamps: readonly CachedStamp[]): Promise<void> {
  const candidateProviders = keptStamps.flatMap((stamp) => humanKeyCandidate(stamp)?.provider ?? [])
  const existing = await listHumanKeyProviders(tx, address, [...new Set(candidateProviders)])
  await insertHumanPointsIgnoringConflicts(tx, address, decideStampActions(keptStamps, existing))
}

/**
 * MetaMask OG 2 under the global cap. Python counts, then get-or-creates, with nothing in between
 * to stop N concurrent scorings from all reading 4 999 and all inserting. Here every transaction
 * that is about to decide an award first takes one transaction-scoped advisory lock, so the
 * count-then-insert steps run one at a time; the lock is held until the scoring transaction
 * commits, and under READ COMMITTED the next holder's count (a new snapshot, taken after the
 * lock was granted) sees the rows the previous holder committed. The lock is taken only for a
 * listed address that does not hold MM2 yet, so ordinary scorings never wait on it. An advisory
 * lock rather than a counter row: it needs no table of our own (D15). Python writers running
 * against the same database do not take it; the cap holds among our processes.
 */
async function awardMetaMaskOg2(tx: TransactionSql, address: string): Promise<void> {
  if (!(await isOnAddressList(tx, METAMASK_OG_2_LIST, address))) return
  // Already awarded: get-or-create would find the row whatever the count says.
  if (await hasHumanPointsAction(tx, address, 'MM2')) return
  await lockTransactionAdvisory(tx, METAMASK_OG_2_CAP_LOCK_KEY)
  if ((await countHumanPointsAction(tx, 'MM2')) >= METAMASK_OG_2_CAP) return
  await insertHumanPointsActionIfAbsent(tx, address, 'MM2')
}

async function awardListBonus(tx: Db, address: string, listName: string, action: string): Promise<void> {
  // A missing list reads as "not listed": Python skips it silently.
  if (await isOnAddressList(tx, listName, address)) await insertHumanPointsActionIfAbsent(tx, address, action)
}

/**
 * scoring §6.2, run by score-passport inside the scoring transaction and inside a savepoint, so a
 * failure here rolls back every award of this run and leaves the score standing (D7).
 */
export async function awardHumanPoints(tx: TransactionSql, input: HumanPointsAwardInput): Promise<void> {
  if (!isHumanPointsAwardOpen(input)) return
  const address = input.address.toLowerCase()
  await insertQualifiedCommunity(tx, address, input.communityId)
  await recordStampActions(tx, address, input.keptStamps)
  if ((await countQualifiedCommunities(tx, address)) >= SCORING_BONUS_MIN_COMMUNITIES) {
    await insertHumanPointsActionIfAbsent(tx, address, 'SCB')
  }
  if (input.config.humanPointsMtaEnabled) await awardMetaMaskOg2(tx, address)
  await awardListBonus(tx, address, SEASONED_PASSPORT_OG_LIST, 'SOG')
  await awardListBonus(tx, address, THE_CHOSEN_ONES_LIST, 'TCO')
}

interface HumanPointsLog {
  error(details: object, message: string): void
}

// D7: a human-points failure is isolated in a savepoint and logged; the score stands. The
// savepoint is only opened when the write gate is open.
export async function awardHumanPointsKeepingScore(
  tx: TransactionSql,
  log: HumanPointsLog,
  input: HumanPointsAwardInput,
): Promise<void> {
  if (!isHumanPointsAwardOpen(input)) return
  await translateFailure(
    () => tx.savepoint((sp) => awardHumanPoints(sp, input)),
    (error) =>
      log.error(
        { err: error, address: input.address, communityId: input.communityId },
        'human points failed; score kept',
      ),
  )
}

/** An address's points as `get_user_points_data` / `get_possible_points_data` report them (scoring §6.4). */
export interface PointsSummary {
  totalPoints: number
  isEligible: boolean
  multiplier: number
  /** `ACTION` or `ACTION_chain` → points. */
  breakdown: Record<string, number>
}

export interface AddressPoints {
  points: PointsSummary
  possible: PointsSummary
}

/** The read side is shown only for a stored score, with HUMAN_POINTS_ENABLED and the community's program (scoring §6.4, §9.5). */
export function isPointsDataShown(config: Config, humanPointsProgram: boolean): boolean {
  return config.humanPointsEnabled && humanPointsProgram
}

/**
 * `get_user_points_data` + `get_possible_points_data` (scoring §6.4). `address` must be lower-case.
 * parity: totals are not multiplied; the multiplier is the first group's, or 1 when the address has
 * no counted rows even if a multiplier row exists; `<ACTION>_<chain>` keys only for chain ≠ 0.
 */
export async function loadPointsData(db: Db, address: string): Promise<AddressPoints> {
  const groups = await listPointsGroups(db, address)
  const breakdown: Record<string, number> = {}
  let totalPoints = 0
  for (const group of groups) {
    totalPoints += group.action_points
    if (group.chain_id) breakdown[`${group.action}_${group.chain_id}`] = group.action_points
    breakdown[group.action] = (breakdown[group.action] ?? 0) + group.action_points
  }
  const multiplier = groups[0]?.multiplier ?? 1
  const points: PointsSummary = {
    totalPoints,
    isEligible: await hasQualifiedCommunity(db, address),
    multiplier,
    breakdown,
  }

  const configs = await listHumanPointsConfigs(db)
  const possibleBreakdown: Record<string, number> = {}
  for (const config of configs) if (config.active) possibleBreakdown[config.action] = config.points
  const possible: PointsSummary = { totalPoints: 0, isEligible: false, multiplier, breakdown: possibleBreakdown }
  return { points, possible }
}

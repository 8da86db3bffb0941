import type { Db } from '../db/pool.js'
import {
  listLegacyGtcStakeEvents,
  listStakesForAddress,
  type GtcStakeEventRow,
  type StakeRow,
} from '../db/queries/stakes.js'
import { failWith, invalidAddress, translateFailure } from './errors.js'
import { isValidEthAddress, normalizeAddress } from './formats/eth-address.js'
import { formatPyIso, parsePgTimestamp } from './formats/py-datetime.js'
import { PyDecimal } from './formats/py-decimal.js'

export interface GtcStake {
  chain: number
  staker: string
  stakee: string
  /** Python `format(amount, ".18f")`. */
  amount: string
  /** Python isoformat of the stored instant ("+00:00", micros only when non-zero). */
  unlockTime: string
  lockTime: string
  /** The numeric(78,0) block number as decimal digits, to be written as a raw JSON integer. */
  lastUpdatedInBlock: string
}

export interface LegacyGtcStakeEvent {
  id: number
  eventType: string
  roundId: number
  staker: string
  address: string | null
  /** Python `str(Decimal)`: "25.000000000000000000", but "0E-18" for zero (endpoints §14). */
  amount: string
  staked: boolean
  blockNumber: number
  txHash: string
}

/** StakingRequestError: Python answers 400 for anything that fails while reading stakes. */
const failAsStakingRequestError = failWith('bad_request', 'Error pulling GTC staking data')

// numeric columns may hold 'NaN'; Python's Decimal formats it as "NaN" and int() refuses it.
function formatDecimalFixed(text: string, places: number): string {
  return text === 'NaN' ? 'NaN' : PyDecimal.fromString(text).toFixed(places)
}

function formatDecimalStr(text: string): string {
  return text === 'NaN' ? 'NaN' : PyDecimal.fromString(text).toString()
}

export function toGtcStake(row: StakeRow): GtcStake {
  // pydantic's `int` refuses a non-integral block number; Python reports it as a staking error.
  if (!/^-?\d+$/.test(row.last_updated_in_block))
    throw new Error(`stake ${row.id}: block number ${row.last_updated_in_block} is not an integer`)
  return {
    chain: row.chain,
    staker: row.staker,
    stakee: row.stakee,
    amount: formatDecimalFixed(row.current_amount, 18),
    unlockTime: formatPyIso(parsePgTimestamp(row.unlock_time)),
    lockTime: formatPyIso(parsePgTimestamp(row.lock_time)),
    lastUpdatedInBlock: row.last_updated_in_block,
  }
}

export function toLegacyGtcStakeEvent(row: GtcStakeEventRow): LegacyGtcStakeEvent {
  return {
    id: row.id,
    eventType: row.event_type,
    roundId: row.round_id,
    staker: row.staker,
    address: row.address,
    amount: formatDecimalStr(row.amount),
    staked: row.staked,
    blockNumber: row.block_number,
    txHash: row.tx_hash,
  }
}

/**
 * endpoints §13: unlike most endpoints the RAW address is validated, so a mixed-case address must
 * carry a valid EIP-55 checksum; only then is it lower-cased.
 */
export async function loadGtcStakes(db: Db, rawAddress: string): Promise<GtcStake[]> {
  if (!isValidEthAddress(rawAddress)) throw invalidAddress()
  return translateFailure(
    async () => (await listStakesForAddress(db, rawAddress.toLowerCase())).map(toGtcStake),
    failAsStakingRequestError,
  )
}

/** endpoints §5.8: the authenticated address's stakes; Python lower-cases it without validating it. */
export function loadGtcStakesOfAddress(db: Db, address: string): Promise<GtcStake[]> {
  return translateFailure(
    async () => (await listStakesForAddress(db, address.toLowerCase())).map(toGtcStake),
    failAsStakingRequestError,
  )
}

/** The largest value of the `integer` round_id column. */
const MAX_INT4 = 2_147_483_647n

/** endpoints §14: lower-case first, then validate; `roundDigits` is the path's `[0-9]+` segment. */
export async function loadLegacyGtcStakeEvents(
  db: Db,
  rawAddress: string,
  roundDigits: string,
): Promise<LegacyGtcStakeEvent[]> {
  const address = normalizeAddress(rawAddress)
  if (address === null) throw invalidAddress()
  const roundId = BigInt(roundDigits)
  // Python compares the integer column with any int and finds nothing; binding it as int4 would fail instead.
  if (roundId > MAX_INT4) return []
  return translateFailure(
    async () => (await listLegacyGtcStakeEvents(db, address, Number(roundId))).map(toLegacyGtcStakeEvent),
    failAsStakingRequestError,
  )
}

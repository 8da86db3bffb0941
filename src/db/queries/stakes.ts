import type { Db } from '../pool.js'

export interface StakeRow {
  id: number
  chain: number
  staker: string
  stakee: string
  /** numeric(78,18) text, e.g. "100.000000000000000000". */
  current_amount: string
  /** Raw timestamptz text. */
  lock_time: string
  unlock_time: string
  /** numeric(78,0) text: a uint256 that must never pass through a JS number. */
  last_updated_in_block: string
}

// endpoints §13 step 3: the staker and stakee indexes serve the OR. Python has no ORDER BY;
// id order is the deterministic stand-in (its tests rely on insertion order).
export async function listStakesForAddress(db: Db, lowerAddress: string): Promise<StakeRow[]> {
  return db<StakeRow[]>`
    select id, chain, staker, stakee, current_amount, lock_time, unlock_time, last_updated_in_block
    from stake_stake
    where staker = ${lowerAddress} or stakee = ${lowerAddress}
    order by id`
}

export interface GtcStakeEventRow {
  id: number
  event_type: string
  round_id: number
  staker: string
  /** Stakee; NULL (or the literal 'none', schema §2.5) for self stakes. Returned as stored. */
  address: string | null
  /** numeric(78,18) text. */
  amount: string
  staked: boolean
  block_number: number
  tx_hash: string
}

// endpoints §14 step 2; gtc_staking_index_by_staker and gtc_staking_index serve the two branches.
export async function listLegacyGtcStakeEvents(
  db: Db,
  lowerAddress: string,
  roundId: number,
): Promise<GtcStakeEventRow[]> {
  return db<GtcStakeEventRow[]>`
    select id, event_type, round_id, staker, address, amount, staked, block_number, tx_hash
    from registry_gtcstakeevent
    where round_id = ${roundId} and (staker = ${lowerAddress} or address = ${lowerAddress})
    order by id`
}

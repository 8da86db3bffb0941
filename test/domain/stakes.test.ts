import { describe, expect, it } from 'vitest'
import { toGtcStake, toLegacyGtcStakeEvent } from '../../src/domain/stakes.js'

const stakeRow = {
  id: 1,
  chain: 10,
  staker: '0xa',
  stakee: '0xb',
  current_amount: '1.500000000000000000',
  lock_time: '2025-05-03 12:00:00.123456+00',
  unlock_time: '2025-08-01 12:00:00+00',
  last_updated_in_block: '10000000',
}

const eventRow = {
  id: 1,
  event_type: 'SelfStake',
  round_id: 3,
  staker: '0xa',
  address: null,
  amount: '25.000000000000000000',
  staked: true,
  block_number: 5,
  tx_hash: '0x1',
}

describe('toGtcStake', () => {
  it('endpoints §13: amount with exactly 18 decimals, isoformat "+00:00" times, block digits untouched', () => {
    expect(
      toGtcStake({
        ...stakeRow,
        last_updated_in_block: '115792089237316195423570985008687907853269984665640564039457584007913129639935',
      }),
    ).toEqual({
      chain: 10,
      staker: '0xa',
      stakee: '0xb',
      amount: '1.500000000000000000',
      unlockTime: '2025-08-01T12:00:00+00:00',
      lockTime: '2025-05-03T12:00:00.123456+00:00',
      lastUpdatedInBlock: '115792089237316195423570985008687907853269984665640564039457584007913129639935',
    })
  })

  it('endpoints §13.4: a NaN block number cannot become an int (a staking error); a NaN amount is written "NaN"', () => {
    expect(() => toGtcStake({ ...stakeRow, last_updated_in_block: 'NaN' })).toThrow()
    expect(toGtcStake({ ...stakeRow, current_amount: 'NaN' }).amount).toBe('NaN')
  })
})

describe('toLegacyGtcStakeEvent', () => {
  it('endpoints §14: amount is str(Decimal): plain for normal values, exponent form for zero and below 1e-6', () => {
    const amounts = ['25.000000000000000000', '0.000000000000000000', '0.000000100000000000', '0.000001000000000000']
    expect(amounts.map((amount) => toLegacyGtcStakeEvent({ ...eventRow, amount }).amount)).toEqual([
      '25.000000000000000000',
      '0E-18',
      '1.00000000000E-7',
      '0.000001000000000000',
    ])
  })
})

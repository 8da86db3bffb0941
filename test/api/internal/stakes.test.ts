import { describe, expect, it } from 'vitest'
import { useTestApp } from '../../helpers/app.js'
import { randomAddress } from '../../helpers/factories/accounts.js'
import { createGtcStakeEvent, createStake, randomHex } from '../../helpers/factories/internal.js'
import { toChecksumAddress } from '../../../src/domain/formats/eth-address.js'

const ctx = useTestApp()

const AUTH = { authorization: 'internal-test-token' }
const get = (url: string) => ctx.app.inject({ method: 'GET', url, headers: AUTH })

// From the Python test-suite: mixed case whose EIP-55 checksum does not match.
const BROKEN_CHECKSUM = '0x9965507D1a55bcC2695C58ba16FB37d819BAAAAA'

const UINT256_MAX = '115792089237316195423570985008687907853269984665640564039457584007913129639935'

describe('GET /internal/stake/gtc/{address}', () => {
  it('endpoints §13: stakes as staker or stakee, field order, 18-decimal amounts, isoformat times, raw integer block', async () => {
    const address = randomAddress()
    const other = randomAddress()
    await createStake(ctx.database.sql, {
      chain: 11155420,
      staker: address,
      stakee: address,
      currentAmount: '100000000000000000000',
      lastUpdatedInBlock: '10000000',
      lockTime: '2025-05-03 12:00:00.123456+00',
      unlockTime: '2025-08-01 12:00:00+00',
    })
    await createStake(ctx.database.sql, {
      chain: 1,
      staker: other,
      stakee: address,
      currentAmount: '0.5',
      lastUpdatedInBlock: UINT256_MAX,
      lockTime: '2025-05-03 12:00:00.1+00',
      unlockTime: '2025-08-01 12:00:00.000001+00',
    })
    await createStake(ctx.database.sql, {
      chain: 1,
      staker: other,
      stakee: randomAddress(),
      currentAmount: '1',
      lastUpdatedInBlock: '1',
      lockTime: '2025-05-03 12:00:00+00',
      unlockTime: '2025-08-01 12:00:00+00',
    })
    const response = await get(`/internal/stake/gtc/${address}`)
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(response.body).toBe(
      '{"items": [' +
        `{"chain": 11155420, "staker": "${address}", "stakee": "${address}", "amount": "100000000000000000000.000000000000000000", ` +
        '"unlock_time": "2025-08-01T12:00:00+00:00", "lock_time": "2025-05-03T12:00:00.123456+00:00", "last_updated_in_block": 10000000}, ' +
        `{"chain": 1, "staker": "${other}", "stakee": "${address}", "amount": "0.500000000000000000", ` +
        `"unlock_time": "2025-08-01T12:00:00.000001+00:00", "lock_time": "2025-05-03T12:00:00.100000+00:00", "last_updated_in_block": ${UINT256_MAX}}` +
        ']}',
    )
  })

  it('endpoints §13.1: a valid EIP-55 address is accepted and lower-cased; no stake → {"items": []}', async () => {
    const address = randomAddress()
    await createStake(ctx.database.sql, {
      chain: 10,
      staker: address,
      stakee: address,
      currentAmount: '5',
      lastUpdatedInBlock: '7',
      lockTime: '2025-01-01 00:00:00+00',
      unlockTime: '2025-02-01 00:00:00+00',
    })
    expect((await get(`/internal/stake/gtc/${toChecksumAddress(address)}`)).json().items).toHaveLength(1)
    const empty = await get(`/internal/stake/gtc/${randomAddress()}`)
    expect(empty.statusCode).toBe(200)
    expect(empty.body).toBe('{"items": []}')
  })

  it('endpoints §13.1: the raw address is validated: a broken checksum or a short address → 400 "Invalid address."', async () => {
    for (const bad of [BROKEN_CHECKSUM, '0x123']) {
      const response = await get(`/internal/stake/gtc/${bad}`)
      expect(response.statusCode).toBe(400)
      expect(response.json()).toEqual({ detail: 'Invalid address.' })
    }
  })
})

describe('GET /internal/stake/legacy-gtc/{address}/{round_id}', () => {
  it('endpoints §14: events of the round where the address is staker or stakee; amount as str(Decimal)', async () => {
    const address = randomAddress()
    const other = randomAddress()
    const txHash = `0x${randomHex(32)}`
    const selfStake = await createGtcStakeEvent(ctx.database.sql, {
      eventType: 'SelfStake',
      roundId: 3,
      staker: address,
      address: null,
      amount: '25',
      staked: true,
      blockNumber: 16500000,
      txHash,
    })
    const received = await createGtcStakeEvent(ctx.database.sql, {
      eventType: 'Xstake',
      roundId: 3,
      staker: other,
      address,
      amount: '0',
      staked: false,
      blockNumber: 16500001,
      txHash,
    })
    const tiny = await createGtcStakeEvent(ctx.database.sql, {
      eventType: 'Xstake',
      roundId: 3,
      staker: address,
      address: other,
      amount: '0.0000001',
      staked: true,
      blockNumber: 16500002,
      txHash,
    })
    await createGtcStakeEvent(ctx.database.sql, {
      eventType: 'SelfStake',
      roundId: 4,
      staker: address,
      address: null,
      amount: '1',
      staked: true,
      blockNumber: 1,
      txHash,
    })

    const response = await get(`/internal/stake/legacy-gtc/${toChecksumAddress(address)}/3`)
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({
      results: [
        {
          id: selfStake,
          event_type: 'SelfStake',
          round_id: 3,
          staker: address,
          address: null,
          amount: '25.000000000000000000',
          staked: true,
          block_number: 16500000,
          tx_hash: txHash,
        },
        {
          id: received,
          event_type: 'Xstake',
          round_id: 3,
          staker: other,
          address,
          amount: '0E-18',
          staked: false,
          block_number: 16500001,
          tx_hash: txHash,
        },
        {
          id: tiny,
          event_type: 'Xstake',
          round_id: 3,
          staker: address,
          address: other,
          amount: '1.00000000000E-7',
          staked: true,
          block_number: 16500002,
          tx_hash: txHash,
        },
      ],
    })
    expect(Object.keys(response.json().results[0])).toEqual([
      'id',
      'event_type',
      'round_id',
      'staker',
      'address',
      'amount',
      'staked',
      'block_number',
      'tx_hash',
    ])
  })

  it('endpoints §14: no event → {"results": []}; a round beyond the integer column also finds nothing', async () => {
    for (const round of ['7', '99999999999']) {
      const response = await get(`/internal/stake/legacy-gtc/${randomAddress()}/${round}`)
      expect(response.statusCode).toBe(200)
      expect(response.json()).toEqual({ results: [] })
    }
  })

  it('endpoints §14.1: the address is lower-cased before validation (a broken checksum passes); a bad one → 400', async () => {
    expect((await get(`/internal/stake/legacy-gtc/${BROKEN_CHECKSUM}/1`)).statusCode).toBe(200)
    const response = await get('/internal/stake/legacy-gtc/0x123/1')
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ detail: 'Invalid address.' })
  })

  it('endpoints §14, D2: a non-digit round_id → JSON 404 {"detail": "Not Found"}, even without the key', async () => {
    for (const round of ['abc', '-1']) {
      const response = await ctx.app.inject({
        method: 'GET',
        url: `/internal/stake/legacy-gtc/${randomAddress()}/${round}`,
      })
      expect(response.statusCode).toBe(404)
      expect(response.json()).toEqual({ detail: 'Not Found' })
    }
  })
})

import { describe, expect, it } from 'vitest'
import { useTestApp } from '../../helpers/app.js'
import { randomAddress } from '../../helpers/factories/accounts.js'
import {
  createCgrantsContribution,
  createProtocolContribution,
  randomHex,
  squelchInRound,
} from '../../helpers/factories/internal.js'
import { toChecksumAddress } from '../../../src/domain/formats/eth-address.js'

const ctx = useTestApp()

const statisticsOf = (address: string) =>
  ctx.app.inject({
    method: 'GET',
    url: `/internal/cgrants/contributor_statistics?address=${address}`,
    headers: { authorization: 'internal-test-token' },
  })

const body = (grants: string, total: string) =>
  `{"num_grants_contribute_to": ${grants}, "total_contribution_amount": ${total}}`

// From the Python test-suite: mixed case whose EIP-55 checksum does not match.
const BROKEN_CHECKSUM = '0x9965507D1a55bcC2695C58ba16FB37d819BAAAAA'

const project = () => `0x${randomHex(20)}`

describe('GET /internal/cgrants/contributor_statistics', () => {
  it('endpoints §15: no contribution anywhere → both 0.0 (Python floats)', async () => {
    const response = await statisticsOf(randomAddress())
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(response.body).toBe(body('0.0', '0.0'))
  })

  it('endpoints §15.3–5: cgrants (distinct grants, successful only) and protocol parts are added', async () => {
    const address = randomAddress()
    const { grantId } = await createCgrantsContribution(ctx.database.sql, {
      contributorAddress: address,
      amount: '5',
      success: true,
    })
    await createCgrantsContribution(ctx.database.sql, {
      contributorAddress: address,
      amount: '5',
      success: true,
      grantId,
    })
    await createCgrantsContribution(ctx.database.sql, { contributorAddress: address, amount: '7.25', success: true })
    await createCgrantsContribution(ctx.database.sql, { contributorAddress: address, amount: '1000', success: false })
    const round = project()
    const shared = project()
    await createProtocolContribution(ctx.database.sql, { contributor: address, round, project: shared, amount: '2.5' })
    await createProtocolContribution(ctx.database.sql, { contributor: address, round, project: shared, amount: '2.5' })
    await createProtocolContribution(ctx.database.sql, { contributor: address, round, project: project(), amount: '3' })
    // 2 grants + 2 projects; 17.25 + 8
    expect((await statisticsOf(toChecksumAddress(address))).body).toBe(body('4.0', '25.25'))
  })

  it('endpoints §15.3: failed contributions are ignored', async () => {
    const address = randomAddress()
    await createCgrantsContribution(ctx.database.sql, { contributorAddress: address, amount: '10', success: false })
    expect((await statisticsOf(address)).body).toBe(body('0.0', '0.0'))
  })

  it('endpoints §15.4: protocol contributions below 0.95 are ignored', async () => {
    const address = randomAddress()
    await createProtocolContribution(ctx.database.sql, {
      contributor: address,
      round: project(),
      project: project(),
      amount: '0.5',
    })
    await createProtocolContribution(ctx.database.sql, {
      contributor: address,
      round: project(),
      project: project(),
      amount: '0.949999999999999955',
    })
    expect((await statisticsOf(address)).body).toBe(body('0.0', '0.0'))
  })

  it('endpoints §15.4, parity: 0.95 counts, and so does 0.949999999999999956 (Django binds Decimal(0.95) exactly)', async () => {
    const address = randomAddress()
    await createProtocolContribution(ctx.database.sql, {
      contributor: address,
      round: project(),
      project: project(),
      amount: '0.95',
    })
    await createProtocolContribution(ctx.database.sql, {
      contributor: address,
      round: project(),
      project: project(),
      amount: '0.949999999999999956',
    })
    expect((await statisticsOf(address)).body).toBe(body('2.0', '1.9'))
  })

  it('endpoints §15.5: a depegged 0.99897 contribution counts as 1.0 (0.999 at 3 places, then 1.00)', async () => {
    const address = randomAddress()
    await createProtocolContribution(ctx.database.sql, {
      contributor: address,
      round: project(),
      project: project(),
      amount: '0.99897',
    })
    expect((await statisticsOf(address)).body).toBe(body('1.0', '1.0'))
  })

  it('endpoints §15.4.5: the protocol sum is rounded to 3 places before the 2-place half-even rounding (1.0051 → 1.0)', async () => {
    const address = randomAddress()
    await createProtocolContribution(ctx.database.sql, {
      contributor: address,
      round: project(),
      project: project(),
      amount: '1.0051',
    })
    expect((await statisticsOf(address)).body).toBe(body('1.0', '1.0'))
  })

  it('endpoints §15.4: squelched in one round but not another → only the other round counts', async () => {
    const address = randomAddress()
    const squelchedRound = project()
    const cleanRound = project()
    const roundNumber = String(Number.parseInt(randomHex(3), 16))
    await createProtocolContribution(ctx.database.sql, {
      contributor: address,
      round: squelchedRound,
      project: project(),
      amount: '1',
    })
    await createProtocolContribution(ctx.database.sql, {
      contributor: address,
      round: cleanRound,
      project: project(),
      amount: '2',
    })
    await squelchInRound(ctx.database.sql, address, roundNumber, squelchedRound)
    expect((await statisticsOf(address)).body).toBe(body('1.0', '2.0'))
    // Another address contributing to the same round is not affected by that squelch.
    const neighbour = randomAddress()
    await createProtocolContribution(ctx.database.sql, {
      contributor: neighbour,
      round: squelchedRound,
      project: project(),
      amount: '1',
    })
    expect((await statisticsOf(neighbour)).body).toBe(body('1.0', '1.0'))
  })

  it('endpoints §15.1: a broken checksum → 400 "Invalid address."', async () => {
    const response = await statisticsOf(BROKEN_CHECKSUM)
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ detail: 'Invalid address.' })
  })

  it('endpoints §15: missing address → 422 ninja list', async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/internal/cgrants/contributor_statistics',
      headers: { authorization: 'internal-test-token' },
    })
    expect(response.statusCode).toBe(422)
    expect(response.json()).toEqual({ detail: [{ type: 'missing', loc: ['query', 'address'], msg: 'Field required' }] })
  })
})

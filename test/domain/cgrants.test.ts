import { describe, expect, it } from 'vitest'
import { combineContributorStatistics, PROTOCOL_MIN_AMOUNT } from '../../src/domain/cgrants.js'
import { PyDecimal } from '../../src/domain/formats/py-decimal.js'

const noCgrants = { contribution_count: 0, grant_count: 0, amount_sum: null }
const noProtocol = { project_count: 0, amount_sum: null }

describe('combineContributorStatistics', () => {
  it('endpoints §15: nothing → 0 and 0', () => {
    expect(combineContributorStatistics(noCgrants, noProtocol)).toEqual({
      numGrantsContributeTo: 0,
      totalContributionAmount: 0,
    })
  })

  it('endpoints §15.5: counts add; amounts add as decimals', () => {
    expect(
      combineContributorStatistics(
        { contribution_count: 5, grant_count: 3, amount_sum: '17.250000000000000000' },
        { project_count: 2, amount_sum: '8.000000000000000000' },
      ),
    ).toEqual({ numGrantsContributeTo: 5, totalContributionAmount: 25.25 })
  })

  it('endpoints §15.4.5: the protocol sum is rounded to 3 places first (1.0051 → 1.005 → 1.00), the cgrants sum is not', () => {
    expect(
      combineContributorStatistics(noCgrants, { project_count: 1, amount_sum: '1.005100000000000000' })
        .totalContributionAmount,
    ).toBe(1)
    expect(
      combineContributorStatistics(
        { contribution_count: 1, grant_count: 1, amount_sum: '1.005100000000000000' },
        noProtocol,
      ).totalContributionAmount,
    ).toBe(1.01)
  })

  it('endpoints §15.5: the final rounding is half-even at 2 places (0.125 → 0.12, 0.135 → 0.14)', () => {
    expect(
      combineContributorStatistics(noCgrants, { project_count: 1, amount_sum: '0.125000000000000000' })
        .totalContributionAmount,
    ).toBe(0.12)
    expect(
      combineContributorStatistics(noCgrants, { project_count: 1, amount_sum: '0.135000000000000000' })
        .totalContributionAmount,
    ).toBe(0.14)
  })

  it('endpoints §15.5: depegged 0.99897 → 1.0', () => {
    expect(
      combineContributorStatistics(noCgrants, { project_count: 1, amount_sum: '0.998970000000000000' })
        .totalContributionAmount,
    ).toBe(1)
  })

  it('endpoints §15.4.3, parity: the threshold is the exact decimal value of the float 0.95', () => {
    expect(PyDecimal.fromString(PROTOCOL_MIN_AMOUNT).compare(PyDecimal.fromNumber(0.95))).toBe(0)
  })
})

import type { Db } from '../db/pool.js'
import {
  findCgrantsContributionTotals,
  findProtocolContributionTotals,
  type CgrantsContributionTotalsRow,
  type ProtocolContributionTotalsRow,
} from '../db/queries/cgrants.js'
import { invalidAddress } from './errors.js'
import { isValidEthAddress } from './formats/eth-address.js'
import { PyDecimal } from './formats/py-decimal.js'

/**
 * parity (endpoints §15 step 4.3): Python filters `amount__gte=0.95` with a float, and Django turns
 * the float into its exact Decimal before binding it. Compared with numeric(64,18) amounts this
 * admits 0.949999999999999956 … 0.949999999999999999 too, which a literal 0.95 would not.
 */
export const PROTOCOL_MIN_AMOUNT = '0.9499999999999999555910790149937383830547332763671875'

interface ContributorStatistics {
  /** Python floats: integral values are written "3.0". */
  numGrantsContributeTo: number
  totalContributionAmount: number
}

/**
 * endpoints §15 step 5, pure: cgrants and protocol parts added as Decimals (28-digit context), the
 * protocol sum pre-rounded to 3 places, the total rounded half-even to 2 places, then made floats.
 */
export function combineContributorStatistics(
  cgrants: CgrantsContributionTotalsRow,
  protocol: ProtocolContributionTotalsRow,
): ContributorStatistics {
  const cgrantsTotal =
    cgrants.contribution_count === 0 || cgrants.amount_sum === null
      ? PyDecimal.fromInt(0)
      : PyDecimal.fromString(cgrants.amount_sum)
  const protocolTotal =
    protocol.amount_sum === null ? PyDecimal.fromInt(0) : PyDecimal.fromString(protocol.amount_sum).roundHalfEven(3)
  const grantCount = cgrants.contribution_count === 0 ? 0 : cgrants.grant_count
  return {
    numGrantsContributeTo: protocol.project_count + grantCount,
    totalContributionAmount: protocolTotal.add(cgrantsTotal).roundHalfEven(2).toFloat(),
  }
}

/** endpoints §15: the RAW address is validated (checksum rule for mixed case), then lower-cased. */
export async function loadContributorStatistics(db: Db, rawAddress: string): Promise<ContributorStatistics> {
  if (!isValidEthAddress(rawAddress)) throw invalidAddress()
  const address = rawAddress.toLowerCase()
  const [cgrants, protocol] = await Promise.all([
    findCgrantsContributionTotals(db, address),
    findProtocolContributionTotals(db, address, PROTOCOL_MIN_AMOUNT),
  ])
  return combineContributorStatistics(cgrants, protocol)
}

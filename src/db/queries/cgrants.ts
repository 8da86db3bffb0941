import type { Db } from '../pool.js'

export interface CgrantsContributionTotalsRow {
  contribution_count: number
  grant_count: number
  /** numeric(64,18) sum as text; null when there is no row. */
  amount_sum: string | null
}

// endpoints §15 step 3: only index rows whose contribution succeeded (the inner join also drops
// rows with a NULL contribution_id, as Django's `contribution__success=True` does).
export async function findCgrantsContributionTotals(
  db: Db,
  lowerAddress: string,
): Promise<CgrantsContributionTotalsRow> {
  const [row] = await db<CgrantsContributionTotalsRow[]>`
    select count(*)::int as contribution_count,
           count(distinct gci.grant_id)::int as grant_count,
           sum(gci.amount) as amount_sum
    from cgrants_grantcontributionindex gci
    join cgrants_contribution c on c.id = gci.contribution_id
    where gci.contributor_address = ${lowerAddress} and c.success`
  return row!
}

export interface ProtocolContributionTotalsRow {
  project_count: number
  amount_sum: string | null
}

// endpoints §15 step 4: contributions of at least `minAmount`, outside the rounds (mapped to their
// contract addresses) in which the address was squelched. round_eth_address is NOT NULL, so
// `not in` behaves like Django's exclude(round__in=…).
export async function findProtocolContributionTotals(
  db: Db,
  lowerAddress: string,
  minAmount: string,
): Promise<ProtocolContributionTotalsRow> {
  const [row] = await db<ProtocolContributionTotalsRow[]>`
    select count(distinct pc.project)::int as project_count, sum(pc.amount) as amount_sum
    from cgrants_protocolcontributions pc
    where pc.contributor = ${lowerAddress}
      and pc.amount >= ${minAmount}::numeric
      and pc.round not in (
        select rm.round_eth_address
        from cgrants_roundmapping rm
        where rm.round_number in (select sa.round_number from cgrants_squelchedaccounts sa where sa.address = ${lowerAddress}))`
  return row!
}

import type { Db } from '../pool.js'

// endpoints §11: list name compared exactly (case-sensitive); the address must already be
// lower-case, as EthAddressField stores it. Served by the unique (address, list_id) index.
export async function findAddressListMember(
  db: Db,
  listName: string,
  lowerAddress: string,
): Promise<{ id: number } | undefined> {
  const [row] = await db<{ id: number }[]>`
    select m.id
    from account_addresslistmember m
    join account_addresslist l on l.id = m.list_id
    where l.name = ${listName} and m.address = ${lowerAddress}
    limit 1`
  return row
}

import type { Db } from '../pool.js'

// tos_tos and tos_tosacceptanceproof (endpoints §5.10–§5.12).

export interface ActiveTosRow {
  id: number
  content: string
}

/** Tos.objects.get(type=…, active=True, final=True): the partial unique index allows one. */
export async function findActiveFinalTos(db: Db, type: string): Promise<ActiveTosRow | undefined> {
  const [row] = await db<ActiveTosRow[]>`
    select id, content from tos_tos where type = ${type} and active and final`
  return row
}

/** TosAcceptanceProof.has_accepted: a proof for the address and an active terms of that type. */
export async function hasAcceptedTos(db: Db, lowerAddress: string, type: string): Promise<boolean> {
  const [row] = await db<{ accepted: boolean }[]>`
    select exists (
      select 1 from tos_tosacceptanceproof p join tos_tos t on t.id = p.tos_id
      where p.address = ${lowerAddress} and t.type = ${type} and t.active
    ) as accepted`
  return row!.accepted
}

/** get_or_create on (address, tos): an existing proof is kept as it is. */
export async function insertTosAcceptance(
  db: Db,
  proof: { tosId: number; address: string; signature: string; nonce: string; createdAt: string },
): Promise<void> {
  await db`
    insert into tos_tosacceptanceproof (created_at, address, signature, nonce, tos_id)
    values (${proof.createdAt}, ${proof.address}, ${proof.signature}, ${proof.nonce}, ${proof.tosId})
    on conflict (tos_id, address) do nothing`
}

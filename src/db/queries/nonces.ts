import type { Db } from '../pool.js'

// account_nonce: single-use nonces of the SIWE login (endpoints §5.6, §5.7) and of the
// terms-of-service signature.

export interface NonceRow {
  id: number
  nonce: string
  created_on: string
  expires_on: string | null
  was_used: boolean
}

/** Django's Nonce.create_nonce: `expires_on` null for a nonce without a lifetime. */
export async function insertNonce(
  db: Db,
  row: { nonce: string; createdOn: string; expiresOn: string | null },
): Promise<void> {
  await db`
    insert into account_nonce (nonce, created_on, expires_on, was_used)
    values (${row.nonce}, ${row.createdOn}, ${row.expiresOn}, false)`
}

/**
 * Nonce.use_nonce in one statement: the row must exist, be unused and unexpired, and is marked
 * used. Python reads then saves; a single UPDATE keeps two racing logins from both using it.
 */
export async function consumeNonce(db: Db, nonce: string, now: string): Promise<boolean> {
  const rows = await db`
    update account_nonce set was_used = true
    where nonce = ${nonce} and was_used = false and (expires_on is null or expires_on > ${now})
    returning id`
  return rows.length === 1
}

import { randomBytes } from 'node:crypto'
import type { Db } from '../../../src/db/pool.js'

// Rows as Django writes them (schema.md §3–§4): every NOT NULL column supplied, no DB defaults.

export function randomAddress(): string {
  return `0x${randomBytes(20).toString('hex')}`
}

export async function createAccount(
  db: Db,
  address: string = randomAddress(),
): Promise<{ accountId: number; userId: number; address: string }> {
  const [user] = await db<{ id: number }[]>`
    insert into auth_user (password, last_login, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
    values (${'!' + randomBytes(20).toString('hex')}, null, false, ${randomBytes(16).toString('hex')}, '', '', '', false, true, now())
    returning id`
  const [account] = await db<{ id: number }[]>`
    insert into account_account (address, user_id) values (${address.toLowerCase()}, ${user!.id}) returning id`
  return { accountId: account!.id, userId: user!.id, address: address.toLowerCase() }
}

export interface CommunityOptions {
  accountId: number
  name?: string
  scorerType?: 'WEIGHTED' | 'WEIGHTED_BINARY'
  /** Stored verbatim as the scorer's `weights` jsonb (numbers or strings, as production has both). */
  weights?: Record<string, number | string> | null
  threshold?: string
  externalScorerId?: string | null
  humanPointsProgram?: boolean
  rule?: string
  deletedAt?: string | null
}

export interface CreatedCommunity {
  communityId: number
  scorerId: number
}

/** A community and its scorer (parent row + the child table chosen by type), like the dashboard API. */
export async function createCommunity(db: Db, options: CommunityOptions): Promise<CreatedCommunity> {
  const scorerType = options.scorerType ?? 'WEIGHTED_BINARY'
  const [scorer] = await db<{ id: number }[]>`
    insert into scorer_weighted_scorer (type, exclude_from_weight_updates) values (${scorerType}, false) returning id`
  const weightsJson = options.weights === null ? null : JSON.stringify(options.weights ?? { Google: 1, Ens: 1 })
  const table =
    scorerType === 'WEIGHTED_BINARY' ? 'scorer_weighted_binaryweightedscorer' : 'scorer_weighted_weightedscorer'
  await db.unsafe(`insert into ${table} (scorer_ptr_id, weights, threshold) values ($1, $2::text::jsonb, $3)`, [
    scorer!.id,
    weightsJson,
    options.threshold ?? '20.00000',
  ])
  const [community] = await db<{ id: number }[]>`
    insert into account_community (name, description, account_id, scorer_id, created_at, rule, use_case, deleted_at, external_scorer_id, human_points_program)
    values (${options.name ?? `community-${randomBytes(6).toString('hex')}`}, 'My community', ${options.accountId}, ${scorer!.id}, now(),
            ${options.rule ?? 'LIFO'}, null, ${options.deletedAt ?? null}, ${options.externalScorerId ?? null}, ${options.humanPointsProgram ?? false})
    returning id`
  return { communityId: community!.id, scorerId: scorer!.id }
}

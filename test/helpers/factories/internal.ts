import { createHash, randomBytes } from 'node:crypto'
import type { Db } from '../../../src/db/pool.js'
import { pyJsonDumps } from '../../../src/domain/formats/py-json.js'

// Rows for the internal endpoints as Django writes them (schema.md §6–§8, §10): every NOT NULL
// column supplied, '' where Django stores "no value", addresses lower-cased by EthAddressField.

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

export interface BanOptions {
  type: 'account' | 'hash' | 'single_stamp'
  address?: string
  provider?: string
  hash?: string
  /** timestamptz literal, e.g. '2999-01-01 00:00:00.123456+00'; null = indefinite. */
  endTime?: string | null
  reason?: string | null
}

export async function createBan(db: Db, options: BanOptions): Promise<number> {
  const [row] = await db<{ id: number }[]>`
    insert into ceramic_cache_ban (provider, hash, address, end_time, reason, created_at, last_run_revoke_matching, type, ban_list_id)
    values (${options.provider ?? ''}, ${options.hash ?? ''}, ${(options.address ?? '').toLowerCase()}, ${options.endTime ?? null},
            ${options.reason ?? null}, now(), null, ${options.type}, null)
    returning id`
  return row!.id
}

/** A cached stamp carrying `proofValue`, then its revocation (ceramic_cache_revocation needs the stamp). */
export async function createRevokedStamp(db: Db, proofValue: string, address = `0x${randomHex(20)}`): Promise<void> {
  const [stamp] = await db<{ id: number }[]>`
    insert into ceramic_cache_ceramiccache (address, provider, stamp, created_at, updated_at, type, deleted_at, compose_db_save_status,
                                            compose_db_stream_id, expiration_date, issuance_date, proof_value, source_app, source_scorer_id)
    values (${address.toLowerCase()}, ${`Provider${randomHex(4)}`}, ${db.json({ proof: { proofValue } })}, now(), now(), 1, null, 'pending',
            '', null, null, ${proofValue}, 1, null)
    returning id`
  await db`insert into ceramic_cache_revocation (proof_value, ceramic_cache_id, revocation_list_id) values (${proofValue}, ${stamp!.id}, null)`
}

export async function createAddressList(db: Db, name: string, members: readonly string[]): Promise<number> {
  const [list] = await db<{ id: number }[]>`insert into account_addresslist (name) values (${name}) returning id`
  for (const address of members) {
    await db`insert into account_addresslistmember (address, list_id) values (${address.toLowerCase()}, ${list!.id})`
  }
  return list!.id
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, item]) => [key, sortKeysDeep(item)]),
    )
  }
  return value
}

/**
 * CustomCredentialRuleset.save(): `<TypeName>#<name>#<first 8 hex of sha256(json.dumps(definition, sort_keys=True))>`.
 * `definitionJson` is inserted as text (cast in SQL) so numbers keep their spelling: bound as
 * jsonb, postgres.js would re-encode it from a JS value.
 */
export async function createCredentialRuleset(
  db: Db,
  credentialType: 'DEVEL' | 'NFT',
  definitionJson: string,
): Promise<string> {
  const definition = JSON.parse(definitionJson) as { name: string }
  const hash = createHash('sha256')
    .update(pyJsonDumps(sortKeysDeep(definition)), 'utf8')
    .digest('hex')
    .slice(0, 8)
  const providerId = `${credentialType === 'DEVEL' ? 'DeveloperList' : 'NFTHolder'}#${definition.name}#${hash}`
  await db`
    insert into account_customcredentialruleset (credential_type, definition, name, provider_id)
    values (${credentialType}, ${definitionJson}::text::jsonb, ${definition.name}, ${providerId})`
  return providerId
}

export interface StakeOptions {
  chain: number
  staker: string
  stakee: string
  currentAmount: string
  lastUpdatedInBlock: string
  lockTime: string
  unlockTime: string
}

export async function createStake(db: Db, options: StakeOptions): Promise<number> {
  const [row] = await db<{ id: number }[]>`
    insert into stake_stake (chain, lock_time, unlock_time, last_updated_in_block, staker, stakee, current_amount)
    values (${options.chain}, ${options.lockTime}, ${options.unlockTime}, ${options.lastUpdatedInBlock}::numeric,
            ${options.staker.toLowerCase()}, ${options.stakee.toLowerCase()}, ${options.currentAmount}::numeric)
    returning id`
  return row!.id
}

export interface GtcStakeEventOptions {
  eventType: string
  roundId: number
  staker: string
  address: string | null
  amount: string
  staked: boolean
  blockNumber: number
  txHash: string
}

export async function createGtcStakeEvent(db: Db, options: GtcStakeEventOptions): Promise<number> {
  const [row] = await db<{ id: number }[]>`
    insert into registry_gtcstakeevent (event_type, round_id, staker, address, amount, staked, block_number, tx_hash)
    values (${options.eventType}, ${options.roundId}, ${options.staker.toLowerCase()}, ${options.address?.toLowerCase() ?? null},
            ${options.amount}::numeric, ${options.staked}, ${options.blockNumber}, ${options.txHash})
    returning id`
  return row!.id
}

export interface CgrantsContributionOptions {
  contributorAddress: string
  amount: string
  success: boolean
  /** Reuse a grant to test the distinct count; a new one otherwise. */
  grantId?: number
}

/** One cgrants contribution and its index row, with the profile/grant/subscription rows it needs. */
export async function createCgrantsContribution(
  db: Db,
  options: CgrantsContributionOptions,
): Promise<{ grantId: number }> {
  const [profile] = await db<{ id: number }[]>`
    insert into cgrants_profile (handle, data, github_id, notes) values (${`handle-${randomHex(8)}`}, ${db.json({})}, null, null) returning id`
  let grantId = options.grantId
  if (grantId === undefined) {
    const [grant] = await db<{ id: number }[]>`
      insert into cgrants_grant (hidden, active, is_clr_eligible, data, admin_profile_id) values (false, true, true, ${db.json({})}, ${profile!.id}) returning id`
    grantId = grant!.id
  }
  const [subscription] = await db<{ id: number }[]>`
    insert into cgrants_subscription (data, contributor_profile_id, grant_id, is_mainnet) values (${db.json({})}, ${profile!.id}, ${grantId}, true) returning id`
  const [contribution] = await db<{ id: number }[]>`
    insert into cgrants_contribution (data, subscription_id, success, amount_per_period_usdt)
    values (${db.json({})}, ${subscription!.id}, ${options.success}, ${options.amount}::numeric) returning id`
  await db`
    insert into cgrants_grantcontributionindex (round_num, amount, contribution_id, grant_id, profile_id, contributor_address)
    values (null, ${options.amount}::numeric, ${contribution!.id}, ${grantId}, ${profile!.id}, ${options.contributorAddress.toLowerCase()})`
  return { grantId }
}

export async function createProtocolContribution(
  db: Db,
  options: { contributor: string; round: string; project: string; amount: string },
): Promise<void> {
  await db`
    insert into cgrants_protocolcontributions (ext_id, contributor, round, project, amount, data)
    values (${`0x${randomHex(32)}`}, ${options.contributor.toLowerCase()}, ${options.round.toLowerCase()}, ${options.project.toLowerCase()},
            ${options.amount}::numeric, ${db.json({})})`
}

/** The address flagged in GG round `roundNumber`, which maps to the round contract `roundAddress`. */
export async function squelchInRound(
  db: Db,
  address: string,
  roundNumber: string,
  roundAddress: string,
): Promise<void> {
  await db`
    insert into cgrants_squelchedaccounts (address, score_when_squelched, sybil_signal, round_number)
    values (${address.toLowerCase()}, 0, true, ${roundNumber})`
  await db`
    insert into cgrants_roundmapping (round_number, round_eth_address) values (${roundNumber}, ${roundAddress.toLowerCase()})
    on conflict do nothing`
}

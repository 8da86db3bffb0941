import { bigintArray, textArray, type Db } from '../pool.js'

export interface HashLinkRow {
  id: number
  hash: string
  address: string
  /** timestamptz text as PostgreSQL prints it. */
  expires_at: string
}

export async function listHashLinks(db: Db, communityId: number, hashes: readonly string[]): Promise<HashLinkRow[]> {
  if (hashes.length === 0) return []
  return db<HashLinkRow[]>`
    select id, hash, address, expires_at from registry_hashscorerlink
    where community_id = ${communityId} and hash = any(${textArray(db, [...hashes])}::text[])`
}

/**
 * The community's links of every nullifier (and `hash`) found in the address's live, unrevoked cache
 * rows, read in the same statement as those rows' nullifiers: a superset of what scoring §3.2 step 3
 * reads (the caller's rules decide which nullifiers count), without waiting for the stamps first.
 *
 * A stored credential (~2 kB of JSON) is kept compressed, and every `c.stamp -> …` in an expression
 * decompresses it again: `credentialSubject` is taken out once per row, in a subquery that `offset 0`
 * keeps the planner from folding back into the three expressions below (bench/README.md, "One
 * decompression per credential": 26 % less PostgreSQL CPU for this statement).
 */
export async function listHashLinksOfCachedStamps(
  db: Db,
  communityId: number,
  address: string,
): Promise<HashLinkRow[]> {
  return db<HashLinkRow[]>`
    select l.id, l.hash, l.address, l.expires_at from registry_hashscorerlink l
    where l.community_id = ${communityId} and l.hash = any(array(
      select n.hash
      from ceramic_cache_ceramiccache c
      left join ceramic_cache_revocation r on r.ceramic_cache_id = c.id
      cross join lateral (select c.stamp -> 'credentialSubject' as subject offset 0) as s
      cross join lateral (
        select s.subject ->> 'hash'
        union all
        select jsonb_array_elements_text(
          case jsonb_typeof(s.subject -> 'nullifiers') when 'array' then s.subject -> 'nullifiers' end)
      ) as n(hash)
      where c.address = ${address} and c.deleted_at is null and r.id is null and n.hash is not null))`
}

export interface NewHashLink {
  hash: string
  address: string
  /** Anything PostgreSQL parses as timestamptz (the credential's expirationDate string, or a stored value). */
  expiresAt: string
}

/** One multi-row INSERT, like Django's bulk_create: a duplicate makes the whole statement fail. */
export async function insertHashLinks(db: Db, communityId: number, links: readonly NewHashLink[]): Promise<void> {
  if (links.length === 0) return
  await db`
    insert into registry_hashscorerlink (hash, address, expires_at, community_id)
    select hash, address, expires_at::timestamptz, ${communityId}
    from unnest(${textArray(
      db,
      links.map((l) => l.hash),
    )}::text[], ${textArray(
      db,
      links.map((l) => l.address),
    )}::text[], ${textArray(
      db,
      links.map((l) => l.expiresAt),
    )}::text[])
      with ordinality as t(hash, address, expires_at, position)
    order by position`
}

export interface HashLinkUpdate {
  id: number
  address: string
  expiresAt: string
}

/** Django's bulk_update of (expires_at, address), as one statement. */
export async function updateHashLinks(db: Db, updates: readonly HashLinkUpdate[]): Promise<void> {
  if (updates.length === 0) return
  await db`
    update registry_hashscorerlink l set address = u.address, expires_at = u.expires_at::timestamptz
    from unnest(${bigintArray(
      db,
      updates.map((u) => u.id),
    )}::bigint[], ${textArray(
      db,
      updates.map((u) => u.address),
    )}::text[], ${textArray(
      db,
      updates.map((u) => u.expiresAt),
    )}::text[])
      as u(id, address, expires_at)
    where l.id = u.id`
}

export async function countHashLinksOwnedBy(
  db: Db,
  communityId: number,
  address: string,
  hashes: readonly string[],
): Promise<number> {
  const [row] = await db<{ count: number }[]>`
    select count(*)::int as count from registry_hashscorerlink
    where address = ${address} and community_id = ${communityId} and hash = any(${textArray(db, [...hashes])}::text[])`
  return row?.count ?? 0
}

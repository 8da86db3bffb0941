import { bigintArray, textArray, type Db } from '../pool.js'

export interface NewEvent {
  action: 'LDP' | 'SCU'
  address: string
  communityId: number
  /** JSON text of the payload. */
  dataJson: string
}

/** One multi-row INSERT; `created_at` = now() per row, as Django's auto_now_add. */
export async function insertEvents(db: Db, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return
  await db`
    insert into registry_event (action, address, created_at, data, community_id)
    select action, address, clock_timestamp(), data::jsonb, community_id
    from unnest(${textArray(
      db,
      events.map((e) => e.action),
    )}::text[], ${textArray(
      db,
      events.map((e) => e.address),
    )}::text[],
                ${textArray(
                  db,
                  events.map((e) => e.dataJson),
                )}::text[], ${bigintArray(
                  db,
                  events.map((e) => e.communityId),
                )}::bigint[])
      with ordinality as t(action, address, data, community_id, position)
    order by position`
}

import type { Db } from '../pool.js'

// The embed widget's stamp sections (endpoints §21): account_customization of the scorer, its
// account_embedsectionorder rows (headers in account_embedsectionheader) and account_embedstampplatform
// rows (platforms in registry_platformmetadata), each by (order, id) as Python sorts them.

export interface EmbedSectionRow {
  section_id: number
  title: string
  order: number
}

export interface EmbedPlatformRow {
  section_id: number
  platform_id: string
  order: number
}

export async function findCustomizationId(db: Db, communityId: number): Promise<number | undefined> {
  const [row] = await db<{ id: number }[]>`select id from account_customization where scorer_id = ${communityId}`
  return row === undefined ? undefined : Number(row.id)
}

export async function listEmbedSections(db: Db, customizationId: number): Promise<EmbedSectionRow[]> {
  return db<EmbedSectionRow[]>`
    select o.section_id, h.name as title, o."order"
    from account_embedsectionorder o join account_embedsectionheader h on h.id = o.section_id
    where o.customization_id = ${customizationId}
    order by o."order", o.id`
}

export async function listEmbedPlatforms(db: Db, customizationId: number): Promise<EmbedPlatformRow[]> {
  return db<EmbedPlatformRow[]>`
    select p.section_id, m.platform_id, p."order"
    from account_embedstampplatform p join registry_platformmetadata m on m.id = p.platform_id
    where p.customization_id = ${customizationId}
    order by p."order", p.id`
}

import type { Db } from '../pool.js'

interface RulesetDefinitionRow {
  /**
   * `definition` as PostgreSQL's jsonb text, not parsed: its key order, number spelling and
   * `", "`/`": "` separators are what Python's json.loads → json.dumps round trip also produces.
   */
  definition_json: string
}

export async function findRulesetDefinition(db: Db, providerId: string): Promise<RulesetDefinitionRow | undefined> {
  const [row] = await db<RulesetDefinitionRow[]>`
    select definition::text as definition_json
    from account_customcredentialruleset
    where provider_id = ${providerId}`
  return row
}

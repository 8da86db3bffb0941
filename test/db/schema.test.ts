import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { useTestDatabase, type TestDatabase } from '../helpers/database.js'
import type { ExpectedTable } from '../../src/cli/generate-schema.js'

// The migrated catalog must be Django's, object for object (schema §0). The expectation is a
// checked-in file written from schema.md by src/cli/generate-schema.ts: review its diff like code.
const expected = JSON.parse(await readFile(new URL('./expected-schema.json', import.meta.url), 'utf8')) as {
  tables: Record<string, ExpectedTable>
}
const expectedTableNames = Object.keys(expected.tables).sort()

const IDENTITY_KINDS: Record<string, 'BY DEFAULT' | 'ALWAYS'> = { d: 'BY DEFAULT', a: 'ALWAYS' }

const database = useTestDatabase({ poolSize: 1 })
let catalog: Map<string, ExpectedTable>

function tableEntry(table: string): ExpectedTable {
  let entry = catalog.get(table)
  if (!entry) {
    entry = { columns: [], constraints: {}, indexes: {}, sequences: {} }
    catalog.set(table, entry)
  }
  return entry
}

/** The public schema read back in the expectation's shape. */
async function readCatalog(db: TestDatabase['sql']): Promise<Map<string, ExpectedTable>> {
  catalog = new Map()
  const tables = await db<{ name: string }[]>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`
  for (const { name } of tables) tableEntry(name)

  const columns = await db<{ table: string; name: string; type: string; not_null: boolean; identity: string }[]>`
    select c.relname as table, a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
           a.attnotnull as not_null, a.attidentity::text as identity
    from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
    order by c.relname, a.attnum`
  for (const c of columns)
    tableEntry(c.table).columns.push({
      name: c.name,
      type: c.type,
      notNull: c.not_null,
      identity: IDENTITY_KINDS[c.identity] ?? null,
    })

  // PostgreSQL 18 also catalogues NOT NULL as contype 'n': that is covered by the columns' notNull.
  const constraints = await db<{ table: string; name: string; type: 'p' | 'u' | 'c' | 'f'; definition: string }[]>`
    select c.relname as table, k.conname as name, k.contype::text as type, pg_get_constraintdef(k.oid) as definition
    from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and k.contype <> 'n'`
  for (const k of constraints) tableEntry(k.table).constraints[k.name] = { type: k.type, definition: k.definition }

  const indexes = await db<{ table: string; name: string; definition: string }[]>`
    select t.relname as table, i.relname as name, pg_get_indexdef(i.oid) as definition
    from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
    join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = 'public'`
  for (const i of indexes) tableEntry(i.table).indexes[i.name] = i.definition

  // A sequence not owned by a column (serial leftovers, stray objects) lands under '(unowned)' and fails.
  const sequences = await db<
    {
      table: string | null
      name: string
      column: string
      type: string
      start: string
      increment: string
      min: string
      max: string
      cache: string
      cycle: boolean
    }[]
  >`
    select t.relname as table, s.relname as name, a.attname as column, format_type(q.seqtypid, null) as type,
           q.seqstart::text as start, q.seqincrement::text as increment, q.seqmin::text as min,
           q.seqmax::text as max, q.seqcache::text as cache, q.seqcycle as cycle
    from pg_sequence q join pg_class s on s.oid = q.seqrelid join pg_namespace n on n.oid = s.relnamespace
    left join pg_depend d on d.classid = 'pg_class'::regclass and d.objid = s.oid
         and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
    left join pg_class t on t.oid = d.refobjid
    left join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
    where n.nspname = 'public'`
  for (const { table, name, ...sequence } of sequences) tableEntry(table ?? '(unowned)').sequences[name] = sequence
  return catalog
}

beforeAll(async () => {
  catalog = await readCatalog(database.sql)
})

describe("schema.md: the migrated catalog is Django's", () => {
  it('schema §3–§13: exactly the 83 spec tables exist in public, and nothing else', async () => {
    expect(expectedTableNames).toHaveLength(83)
    expect([...catalog.keys()].sort()).toEqual(expectedTableNames)
    const others = await database.sql<{ name: string; kind: string }[]>`
      select c.relname as name, c.relkind::text as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind not in ('r', 'i', 'S')`
    expect(others).toEqual([])
  })

  it.each(expectedTableNames)(
    "schema §3–§13: %s has the spec's columns, constraints, indexes and identity sequence",
    (table) => {
      expect(catalog.get(table)).toEqual(expected.tables[table])
    },
  )

  it('schema §1: no column has a database default', async () => {
    const defaults = await database.sql<{ column: string }[]>`
      select c.relname || '.' || a.attname as column
      from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and a.attnum > 0 and not a.attisdropped and (a.atthasdef or a.attgenerated <> '')`
    expect(defaults).toEqual([])
    const informationSchema = await database.sql`
      select table_name, column_name, column_default from information_schema.columns
      where table_schema = 'public' and column_default is not null`
    expect(informationSchema).toEqual([])
  })

  it("schema §2.1: integer identity only on the tables of Django's own apps, bigint everywhere else", () => {
    const integerIdentity = [...catalog]
      .filter(([, t]) => t.columns.some((c) => c.identity && c.type === 'integer'))
      .map(([name]) => name)
      .sort()
    expect(integerIdentity).toEqual([
      'auth_group',
      'auth_permission',
      'auth_user',
      'django_admin_log',
      'django_content_type',
    ])
    const identities = [...catalog.values()].flatMap((t) => t.columns.filter((c) => c.identity))
    expect(identities.every((c) => c.name === 'id' && c.identity === 'BY DEFAULT' && c.notNull)).toBe(true)
    // 83 tables less the four text primary keys and the two multi-table-inheritance children.
    expect(identities).toHaveLength(77)
  })

  it('schema §2.3: every FK is DEFERRABLE INITIALLY DEFERRED, with no ON DELETE / ON UPDATE action', async () => {
    const fks = await database.sql<
      { name: string; deferrable: boolean; deferred: boolean; on_delete: string; on_update: string; match: string }[]
    >`
      select k.conname as name, k.condeferrable as deferrable, k.condeferred as deferred, k.confdeltype::text as on_delete,
             k.confupdtype::text as on_update, k.confmatchtype::text as match
      from pg_constraint k join pg_namespace n on n.oid = k.connamespace
      where n.nspname = 'public' and k.contype = 'f'`
    expect(fks).toHaveLength(61)
    expect(
      fks.filter(
        (fk) => !(fk.deferrable && fk.deferred && fk.on_delete === 'a' && fk.on_update === 'a' && fk.match === 's'),
      ),
    ).toEqual([])
  })

  it('schema §2.2: conditional UniqueConstraints are partial unique indexes, not constraints', () => {
    const partialUnique = [...catalog.values()]
      .flatMap((t) => Object.entries(t.indexes))
      .filter(([, def]) => def.startsWith('CREATE UNIQUE INDEX') && def.includes(' WHERE '))
    expect(partialUnique.map(([name]) => name).sort()).toEqual([
      'Only 1 active final tos is allowed for any given type',
      'unique_active_weight_configuration',
      'unique_deleted_name_per_account',
      'unique_deleted_provider_for_address',
      'unique_non_deleted_name_per_account',
      'unique_non_deleted_provider_for_address',
      'unique_only_one_pending_per_chain',
    ])
    const constraintNames = new Set([...catalog.values()].flatMap((t) => Object.keys(t.constraints)))
    expect(partialUnique.filter(([name]) => constraintNames.has(name))).toEqual([])
  })
})

describe('schema.md §15: rows of a freshly migrated Django database', () => {
  it('schema §15.4: django_migrations lists the 223 applied migrations with the per-app counts', async () => {
    const counts = await database.sql<
      { app: string; rows: number }[]
    >`select app, count(*)::int as rows from django_migrations group by app order by app`
    expect(Object.fromEntries(counts.map((c) => [c.app, c.rows]))).toEqual({
      account: 57,
      admin: 3,
      auth: 12,
      ceramic_cache: 35,
      cgrants: 12,
      contenttypes: 2,
      data_model: 1,
      passport_admin: 16,
      registry: 63,
      rest_framework_api_key: 5,
      scorer_apu: 1,
      scorer_weighted: 5,
      sessions: 1,
      stake: 7,
      tos: 3,
    })
    const latest = await database.sql<{ name: string }[]>`select name from django_migrations where (app, name) in
      (('account', '0055_walletgroup_models'), ('registry', '0060_platformmetadata'), ('passport_admin', '0003_remove_passportbanner_name'),
       ('registry', '0040_weightconfiguration_threshold'), ('rest_framework_api_key', '0005_auto_20220110_1102'), ('auth', '0012_alter_user_first_name_max_length'))`
    expect(latest).toHaveLength(6)
    const [duplicates] = await database.sql<
      { count: number }[]
    >`select count(*)::int as count from (select app, name from django_migrations group by 1, 2 having count(*) > 1) d`
    expect(duplicates?.count).toBe(0)
  })

  it('schema §15.1: registry_humanpointsconfig holds ids 1–10, SCB=500 … HIM=1000, all active', async () => {
    const rows = await database.sql<
      { id: number; action: string; points: number; active: boolean }[]
    >`select id, action, points, active from registry_humanpointsconfig order by id`
    expect(rows.map((r) => `${r.id} ${r.action} ${r.points} ${r.active}`)).toEqual([
      '1 SCB 500 true',
      '2 HKY 100 true',
      '3 ISB 100 true',
      '4 ISS 200 true',
      '5 ISG 500 true',
      '6 CSB 100 true',
      '7 CSE 200 true',
      '8 CST 500 true',
      '9 PMT 300 true',
      '10 HIM 1000 true',
    ])
  })

  it('schema §15.3: stake_lastblock, featured campaigns, NFT holder platform and ruleset are seeded', async () => {
    expect(await database.sql`select id, chain, block_number from stake_lastblock`).toEqual([
      { id: 1, chain: 0, block_number: '0' },
    ])
    // md5 of each partner_logo as written in account migration 0049 (the SVG text is copied verbatim).
    const campaigns = await database.sql`
      select id, partner_name, image_tag, destination_url, is_active, display_order, md5(partner_logo) as logo_md5
      from account_featuredcampaign order by id`
    expect(campaigns).toEqual([
      {
        id: 1,
        partner_name: 'Gitcoin',
        image_tag: 'gitcoin',
        destination_url: 'https://gitcoin.co',
        is_active: true,
        display_order: 0,
        logo_md5: '3864b9faafe4894d479a7bf6a2fd5833',
      },
      {
        id: 2,
        partner_name: 'Verax',
        image_tag: 'verax',
        destination_url: '/#/dashboard/verax',
        is_active: true,
        display_order: 1,
        logo_md5: 'e3d566b82f3363175ca98727371d1fee',
      },
      {
        id: 3,
        partner_name: 'Lido',
        image_tag: 'lido',
        destination_url: 'https://lido.fi',
        is_active: true,
        display_order: 2,
        logo_md5: '6484152802dff746d35bd198cab973cc',
      },
      {
        id: 4,
        partner_name: 'ZK Sync',
        image_tag: 'zksync',
        destination_url: 'https://zksync.io',
        is_active: true,
        display_order: 3,
        logo_md5: 'fdd88320bf86a2c33aa2d38678655e5a',
      },
    ])
    expect(
      await database.sql`select id, platform_type, name, display_name, icon_url, description, is_evm from account_customplatform`,
    ).toEqual([
      {
        id: 1,
        platform_type: 'NFT',
        name: 'NFTHolder',
        display_name: 'NFT Holder',
        icon_url: './assets/nftHolderStampIcon.svg',
        description: 'Verify NFT ownership on EVM chains',
        is_evm: true,
      },
    ])
    expect(
      await database.sql`select id, credential_type, name, provider_id, definition from account_customcredentialruleset`,
    ).toEqual([
      {
        id: 1,
        credential_type: 'NFT',
        name: 'ExampleNFT',
        provider_id: 'NFTHolder#ExampleNFT#08425cad',
        definition: {
          name: 'ExampleNFT',
          condition: {
            contracts: [{ address: '0x0000000000000000000000000000000000000000', chainId: 1, standard: 'ERC-721' }],
          },
        },
      },
    ])
  })

  it('schema §2.1: identity sequences are advanced past the seeded ids', async () => {
    const sequences = await database.sql<{ name: string; last_value: number; max_id: number }[]>`
      select 'registry_humanpointsconfig' as name, (select last_value from registry_humanpointsconfig_id_seq) as last_value, (select max(id) from registry_humanpointsconfig) as max_id
      union all select 'stake_lastblock', (select last_value from stake_lastblock_id_seq), (select max(id) from stake_lastblock)
      union all select 'account_featuredcampaign', (select last_value from account_featuredcampaign_id_seq), (select max(id) from account_featuredcampaign)
      union all select 'account_customplatform', (select last_value from account_customplatform_id_seq), (select max(id) from account_customplatform)
      union all select 'account_customcredentialruleset', (select last_value from account_customcredentialruleset_id_seq), (select max(id) from account_customcredentialruleset)
      union all select 'django_migrations', (select last_value from django_migrations_id_seq), (select max(id) from django_migrations)`
    // `>=`, not `=`: a sequence WAL-logs values ahead of nextval(), so a data directory restored without a clean
    // shutdown (the PGlite dump) resumes past the last id handed out. Only a value below max(id) would collide.
    expect(sequences.filter((s) => !(s.last_value >= s.max_id))).toEqual([])
  })
})

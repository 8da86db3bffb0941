import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { createSql } from '../../src/db/pool.js'
import { adminUrl } from '../helpers/global-setup.js'

const run = promisify(execFile)
const TSX = join(import.meta.dirname, '../../node_modules/.bin/tsx')

async function tool(name: 'migrate' | 'seed', env: Record<string, string | undefined>): Promise<string> {
  const { stdout } = await run(TSX, [`src/cli/${name}.ts`], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeout: 120_000,
  })
  return stdout
}

// D15: the tools migrate and seed only databases we created; both open the embedded data directory
// when DATABASE_URL is unset.
describe('npm run migrate / npm run seed', () => {
  it('embedded: seed migrates and seeds a new data directory; migrate then finds nothing to apply', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pst-cli-'))
    try {
      const env = { EMBEDDED_DATA_DIR: join(dir, 'pglite') }
      const seeded = await tool('seed', env)
      expect(seeded).toContain('created the demo account, scorer and API key')
      expect(seeded).toMatch(/^scorer id: 1$/m)
      expect(seeded).toMatch(/^stamps re-signed: 12$/m)
      expect(seeded).toMatch(/^API key \(shown once, store it now\): [A-Za-z0-9]{8}\.[A-Za-z0-9]{32}$/m)
      expect(await tool('migrate', env)).toBe('nothing to apply: the schema is up to date\n')
      expect(await tool('seed', env)).toContain('demo account and scorer already present: kept')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 180_000)

  it.skipIf(!process.env.DATABASE_URL)(
    'PostgreSQL: migrate fills an empty database, seed adds the demo scorer to it',
    async () => {
      const databaseUrl = process.env.DATABASE_URL!
      const name = `pst_t_${Math.floor(Date.now() / 1000)}_cli`
      const admin = createSql({ url: databaseUrl, max: 1, prepare: false })
      await admin.unsafe(`create database "${name}"`)
      const url = adminUrl(databaseUrl, name)
      try {
        const env = {
          DATABASE_URL: url,
          CGRANTS_API_TOKEN: 'cli-test-token',
          TRUSTED_IAM_ISSUERS: '["did:key:z6MkCliTest"]',
        }
        expect(await tool('migrate', env)).toBe('applied: 0001_django_schema.sql, 0002_django_data.sql\n')
        expect(await tool('seed', env)).toContain('created the demo account, scorer and API key')
        const sql = createSql({ url, max: 1, prepare: false })
        try {
          const rows =
            await sql`select name from scorer_weighted_binaryweightedscorer s join account_community c on c.scorer_id = s.scorer_ptr_id`
          expect(rows.length).toBe(1)
        } finally {
          await sql.end()
        }
      } finally {
        await admin.unsafe(`drop database if exists "${name}" with (force)`)
        await admin.end()
      }
    },
    180_000,
  )
})

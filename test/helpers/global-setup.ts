import { createHash } from 'node:crypto'
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { createSql } from '../../src/db/pool.js'
import { applyMigrations, listMigrationFiles } from '../../src/db/migrate.js'
import { dumpEmbeddedDatabase } from '../../src/db/embedded.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Real PostgreSQL: name of the migrated template database each test file clones. */
    templateDatabase: string | null
    /** Embedded mode: path of a migrated PGlite data-dir dump each test file loads. */
    embeddedDumpPath: string | null
  }
}

async function migrationsDigest(): Promise<string> {
  const hash = createHash('sha256')
  for (const file of await listMigrationFiles()) {
    hash.update(file)
    hash.update(await readFile(new URL(`../../src/db/migrations/${file}`, import.meta.url)))
  }
  return hash.digest('hex').slice(0, 12)
}

export function adminUrl(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl)
  url.pathname = `/${database}`
  return url.toString()
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const databaseUrl = process.env.DATABASE_URL
  if (databaseUrl) {
    const template = `pst_template_${await migrationsDigest()}`
    const admin = createSql({ url: databaseUrl, max: 1, prepare: false })
    try {
      // Concurrent test runs share the cluster: serialise template building, and only sweep
      // clones old enough to be leftovers of a crashed run (their name carries the creation time).
      await admin`select pg_advisory_lock(hashtext('passport-scorer-ts test template'))`
      const cutoff = Math.floor(Date.now() / 1000) - 3 * 3600
      const clones = await admin<
        { datname: string }[]
      >`select datname from pg_database where datname like 'pst\\_t\\_%'`
      for (const { datname } of clones) {
        const createdAt = Number(datname.split('_')[2])
        if (Number.isFinite(createdAt) && createdAt < cutoff)
          await admin.unsafe(`drop database if exists "${datname}" with (force)`)
      }
      const oldTemplates = await admin<
        { datname: string }[]
      >`select datname from pg_database where datname like 'pst\\_template\\_%' and datname not like ${template + '%'}`
      for (const { datname } of oldTemplates)
        await admin.unsafe(`drop database if exists "${datname}"`).catch(() => undefined)
      const [exists] = await admin`select 1 from pg_database where datname = ${template}`
      if (!exists) {
        const building = `${template}_building`
        await admin.unsafe(`drop database if exists "${building}" with (force)`)
        await admin.unsafe(`create database "${building}"`)
        const sql = createSql({ url: adminUrl(databaseUrl, building), max: 1, prepare: false })
        try {
          await applyMigrations(sql)
        } finally {
          await sql.end()
        }
        await admin.unsafe(`alter database "${building}" rename to "${template}"`)
      }
    } finally {
      await admin.end()
    }
    project.provide('templateDatabase', template)
    project.provide('embeddedDumpPath', null)
    return async () => {}
  }

  const dir = await mkdtemp(join(tmpdir(), 'pst-embedded-'))
  const dumpPath = join(dir, 'migrated.tar')
  const dump = await dumpEmbeddedDatabase(async (url) => {
    const sql = createSql({ url, max: 1, prepare: false })
    try {
      await applyMigrations(sql)
    } finally {
      await sql.end()
    }
  })
  await writeFile(dumpPath, Buffer.from(await dump.arrayBuffer()))
  project.provide('templateDatabase', null)
  project.provide('embeddedDumpPath', dumpPath)
  return async () => {
    await rm(dir, { recursive: true, force: true })
  }
}

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeConnectionError } from '../../src/db/errors.js'
import { createSql, unixSocketDirectory } from '../../src/db/pool.js'
import { useTestDatabase } from '../helpers/database.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'

// A file of its own: the embedded database serves one connection at a time, so the socket's
// connection must be the only one (this file never queries through `database.sql`).
const database = useTestDatabase()

describe('a DATABASE_URL naming a Unix socket directory, percent-encoded (as Python accepts it)', () => {
  it('reads the directory out of the host, and nothing out of other hosts', () => {
    expect(unixSocketDirectory('postgres://scorer:secret@%2Fvar%2Frun%2Fpostgresql/passport')).toBe(
      '/var/run/postgresql',
    )
    expect(unixSocketDirectory('postgresql://u@%2ftmp%2Fsock%20dir:5433/db?sslmode=disable')).toBe('/tmp/sock dir')
    expect(unixSocketDirectory('postgres://u:p%2Fq@db.example.com:5432/db')).toBeUndefined()
    expect(unixSocketDirectory('postgres://u@127.0.0.1:5432/db%2Fx')).toBeUndefined()
    expect(unixSocketDirectory('postgres://u@%2Fbad%E0/db')).toBeUndefined()
  })

  it('connects through <directory>/.s.PGSQL.<port>, the port taken from the URL', async () => {
    // A Unix socket in front of the test database's TCP address: the statement can only arrive
    // through it, and the proxy counts the connections it carried.
    const target = new URL(database.url)
    const directory = await mkdtemp(join(tmpdir(), 'pst-socket-'))
    const port = 6543
    const proxy = await startTcpProxy(
      { host: target.hostname, port: Number(target.port || 5432) },
      join(directory, `.s.PGSQL.${port}`),
    )
    const viaSocket = new URL(database.url)
    viaSocket.host = `${encodeURIComponent(directory)}:${port}`
    const sql = createSql({ url: viaSocket.toString(), max: 1, prepare: false })
    try {
      const [row] = await sql<{ database: string }[]>`select current_database() as database`
      expect(row!.database).toBe(target.pathname.slice(1))
      expect(proxy.accepted).toBe(1)
    } finally {
      await sql.end({ timeout: 5 })
      await proxy.close()
      await rm(directory, { recursive: true, force: true })
    }
  })

  it('a socket that does not exist is named in one line', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'pst-socket-'))
    const sql = createSql({
      url: `postgres://postgres@${encodeURIComponent(directory)}:5999/db`,
      max: 1,
      prepare: false,
      connectTimeoutMs: 2_000,
    })
    try {
      const failure = await sql`select 1`.then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(describeConnectionError(failure)).toBe(
        `no PostgreSQL socket at ${directory}/.s.PGSQL.5999 — check the socket directory and port in DATABASE_URL and that PostgreSQL is running`,
      )
    } finally {
      await sql.end({ timeout: 1 })
      await rm(directory, { recursive: true, force: true })
    }
  })
})

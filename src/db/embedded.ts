import { mkdir } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

export interface EmbeddedDatabase {
  /** postgres:// URL of the socket server, for the same postgres.js pool used in production. */
  url: string
  close(): Promise<void>
}

interface EmbeddedOptions {
  /** Directory for the data files; `undefined` keeps everything in memory (tests). */
  dataDir: string | undefined
  /** A data directory dump (from `dumpDataDir`) to start from, so tests skip initdb + migrations. */
  loadDataDir?: Blob
}

/**
 * PGlite is a single-session database: the socket server queues statements from all clients on
 * one backend, so two clients' transactions would interleave. The pool that talks to it must
 * therefore hold exactly one connection (see `embeddedPoolSize`).
 */
export const EMBEDDED_POOL_SIZE = 1

export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  if (options.dataDir !== undefined) await mkdir(options.dataDir, { recursive: true })
  const db = await PGlite.create(
    options.dataDir ?? 'memory://',
    options.loadDataDir ? { loadDataDir: options.loadDataDir } : {},
  )
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: EMBEDDED_POOL_SIZE })
  await server.start()
  const port = server.getServerConn().split(':').pop()
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async close() {
      await server.stop()
      await db.close()
    },
  }
}

/** A migrated embedded database as a dump, so each test file can start from it quickly. */
export async function dumpEmbeddedDatabase(prepare: (url: string) => Promise<void>): Promise<Blob> {
  const db = await PGlite.create('memory://')
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: EMBEDDED_POOL_SIZE })
  await server.start()
  try {
    await prepare(`postgres://postgres@127.0.0.1:${server.getServerConn().split(':').pop()}/postgres`)
  } finally {
    await server.stop()
  }
  const dump = await db.dumpDataDir('none')
  await db.close()
  return dump
}

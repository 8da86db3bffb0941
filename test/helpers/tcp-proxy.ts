import net from 'node:net'
import { afterAll, beforeAll } from 'vitest'
import { createSql, type Sql } from '../../src/db/pool.js'
import { createTestDatabase, type TestDatabase } from './database.js'

/**
 * A loopback TCP proxy in front of PostgreSQL that a test can break on purpose: `sever()` resets
 * every open connection (what clients see when the server crashes), `refuse()` makes new
 * connections fail, `stall()` stops forwarding bytes in both directions (a frozen server: TCP stays
 * up, nothing answers) until `resume()`.
 */
export interface TcpProxy {
  /** 0 when it listens on a Unix socket (`listenPath`). */
  readonly port: number
  /** Connections accepted so far, open or closed. */
  readonly accepted: number
  readonly openConnections: number
  sever(): void
  refuse(isRefusing: boolean): void
  /** Resets the first connection whose client sends bytes matching `predicate` (once). */
  resetWhenClientSends(predicate: (data: Buffer) => boolean): void
  stall(): void
  resume(): void
  close(): Promise<void>
}

interface Pair {
  client: net.Socket
  upstream: net.Socket
}

/** Listens on 127.0.0.1 and a free port, or on the Unix socket `listenPath`. */
export async function startTcpProxy(target: { host: string; port: number }, listenPath?: string): Promise<TcpProxy> {
  const onUnixSocket = listenPath !== undefined
  // An RST exists for TCP only (resetAndDestroy throws on a Unix socket): there the client sees a close.
  const resetClient = (client: net.Socket) => (onUnixSocket ? client.destroy() : client.resetAndDestroy())
  const pairs = new Set<Pair>()
  let isStalled = false
  let isRefusing = false
  let accepted = 0
  let resetTrigger: ((data: Buffer) => boolean) | undefined

  const server = net.createServer((client) => {
    accepted++
    if (isRefusing) {
      resetClient(client)
      return
    }
    const upstream = net.connect(target.port, target.host)
    const pair = { client, upstream }
    pairs.add(pair)
    const forward = (from: net.Socket, to: net.Socket) => {
      from.on('data', (data) => {
        if (!to.destroyed) to.write(data)
      })
    }
    client.on('data', (data) => {
      if (resetTrigger?.(data)) {
        resetTrigger = undefined
        resetClient(client)
        upstream.resetAndDestroy()
      }
    })
    forward(client, upstream)
    forward(upstream, client)
    if (isStalled) {
      client.pause()
      upstream.pause()
    }
    const teardown = () => {
      pairs.delete(pair)
      if (!client.destroyed) resetClient(client)
      if (!upstream.destroyed) upstream.resetAndDestroy()
    }
    for (const socket of [client, upstream]) {
      socket.on('error', teardown)
      socket.on('close', teardown)
    }
  })
  await new Promise<void>((resolve) =>
    onUnixSocket ? server.listen(listenPath, resolve) : server.listen(0, '127.0.0.1', resolve),
  )
  const port = onUnixSocket ? 0 : (server.address() as net.AddressInfo).port

  const sever = () => {
    for (const { client, upstream } of [...pairs]) {
      resetClient(client)
      upstream.resetAndDestroy()
    }
    pairs.clear()
  }

  return {
    port,
    get accepted() {
      return accepted
    },
    get openConnections() {
      return pairs.size
    },
    sever,
    refuse(refusing) {
      isRefusing = refusing
    },
    resetWhenClientSends(predicate) {
      resetTrigger = predicate
    },
    stall() {
      isStalled = true
      for (const { client, upstream } of pairs) {
        client.pause()
        upstream.pause()
      }
    },
    resume() {
      isStalled = false
      for (const { client, upstream } of pairs) {
        client.resume()
        upstream.resume()
      }
    },
    async close() {
      sever()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/**
 * A test database of the file's own behind a proxy, for the file's tests: `withPool` runs a test
 * with a pool whose connections go through the proxy, and ends it whatever happens.
 */
export function useProxiedDatabase() {
  let database: TestDatabase | undefined
  let proxy: TcpProxy | undefined
  beforeAll(async () => {
    database = await createTestDatabase()
    const url = new URL(database.url)
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) })
  })
  afterAll(async () => {
    await proxy?.close()
    await database?.close()
  })
  return {
    get proxy(): TcpProxy {
      return proxy!
    },
    async withPool<T>(test: (sql: Sql) => Promise<T>, options: { max?: number } = {}): Promise<T> {
      const url = new URL(database!.url)
      url.port = String(proxy!.port)
      const sql = createSql({ url: url.toString(), max: options.max ?? 1, prepare: true })
      try {
        return await test(sql)
      } finally {
        await sql.end({ timeout: 1 })
      }
    },
  }
}

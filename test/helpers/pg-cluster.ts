import { execFile } from 'node:child_process'
import { chmod, chown, mkdtemp, readdir, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const isRoot = userInfo().uid === 0

/**
 * A throwaway PostgreSQL cluster of its own, for tests (and bench/drivers) that crash, restart or
 * freeze the server (the shared one on 5432 must never be touched). `initdb` refuses root, so as
 * root every command runs as the `postgres` user. Trust authentication, loopback only, fsync off:
 * nothing here needs to survive the machine, only its own crashes.
 */
export interface ThrowawayCluster {
  readonly port: number
  readonly url: string
  /** `pg_ctl stop -m immediate`: every backend dies at once, as in a crash. */
  crash(): Promise<void>
  start(): Promise<void>
  remove(): Promise<void>
}

export interface ClusterOptions {
  /** A fixed port (a PgBouncer configured in advance points at it); a free one otherwise. */
  port?: number
  /** More `-c name=value` server settings. */
  settings?: readonly string[]
}

/** A command of PostgreSQL's (or PgBouncer's) run as the `postgres` user when we are root. */
export function runAsPostgres(command: string, args: readonly string[], timeoutMs = 120_000): Promise<unknown> {
  return isRoot
    ? run('runuser', ['-u', 'postgres', '--', command, ...args], { timeout: timeoutMs })
    : run(command, [...args], { timeout: timeoutMs })
}

/** A temporary directory the `postgres` user owns (initdb and PgBouncer refuse others). */
export async function postgresOwnedTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  if (isRoot) {
    const { stdout: uid } = await run('id', ['-u', 'postgres'])
    const { stdout: gid } = await run('id', ['-g', 'postgres'])
    await chown(dir, Number(uid.trim()), Number(gid.trim()))
  }
  await chmod(dir, 0o700)
  return dir
}

async function findBinDir(): Promise<string> {
  if (process.env.PG_BIN) return process.env.PG_BIN
  const versions = (await readdir('/usr/lib/postgresql')).sort((a, b) => Number(b) - Number(a))
  if (versions.length === 0) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql')
  return join('/usr/lib/postgresql', versions[0]!, 'bin')
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export async function startThrowawayCluster(options: ClusterOptions = {}): Promise<ThrowawayCluster> {
  const binDir = await findBinDir()
  const dir = await postgresOwnedTempDir('pst-cluster-')
  const dataDir = join(dir, 'data')
  const port = options.port ?? (await freePort())
  const pgCtl = (...args: string[]) => runAsPostgres(join(binDir, 'pg_ctl'), ['-D', dataDir, ...args])
  await runAsPostgres(join(binDir, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ])
  // fsync off is safe here: a crash of the test kills PostgreSQL's processes, never the OS, so what
  // reached the OS survives. synchronous_commit stays on: with it off, a COMMIT returns before its
  // WAL is written, and a crash loses transactions the service has already acknowledged.
  const settings = [
    'listen_addresses=127.0.0.1',
    `unix_socket_directories=${dir}`,
    'fsync=off',
    'full_page_writes=off',
    ...(options.settings ?? []),
  ]
  const serverOptions = [`-p ${port}`, ...settings.map((setting) => `-c ${setting}`)].join(' ')
  const start = () =>
    pgCtl('-o', serverOptions, '-l', join(dir, 'log'), '-w', '-t', '60', 'start').then(() => undefined)
  let isRunning = false
  await start()
  isRunning = true
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async crash() {
      await pgCtl('-m', 'immediate', 'stop')
      isRunning = false
    },
    async start() {
      await start()
      isRunning = true
    },
    async remove() {
      if (isRunning) await pgCtl('-m', 'immediate', 'stop').catch(() => undefined)
      await rm(dir, { recursive: true, force: true })
    },
  }
}

import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { postgresOwnedTempDir, startThrowawayCluster, type ThrowawayCluster } from '../../test/helpers/pg-cluster.js'

// The throwaway PostgreSQL cluster the fault harness crashes at will is the fault test's own
// (test/helpers/pg-cluster.ts), on a fixed port and with room for every driver's pool; PgBouncer,
// for the transaction-pooler check, is here. Both refuse root: as root they run as `postgres`.

const run = promisify(execFile)
const isRoot = process.getuid?.() === 0

export type { ThrowawayCluster }

export function startDriversCluster(port: number): Promise<ThrowawayCluster> {
  return startThrowawayCluster({
    port,
    settings: ['max_connections=200', 'shared_buffers=64MB', 'logging_collector=off'],
  })
}

export interface PgBouncer {
  readonly port: number
  urlFor(database: string): string
  stop(): Promise<void>
}

/**
 * PgBouncer in transaction mode in front of `target` (host:port, trust auth), with fewer server
 * connections than clients so that consecutive transactions of one client land on different
 * server connections, which is where named prepared statements break.
 */
export async function startPgBouncer(input: {
  listenPort: number
  targetPort: number
  database: string
  serverPoolSize: number
}): Promise<PgBouncer | { missing: string }> {
  const binary = await run('which', ['pgbouncer']).then(
    ({ stdout }) => stdout.trim(),
    () => '',
  )
  if (!binary) return { missing: 'pgbouncer is not installed (apt-get install -y pgbouncer)' }
  const dir = await postgresOwnedTempDir('pst-drivers-pgbouncer-')
  const users = join(dir, 'users.txt')
  await writeFile(users, '"postgres" ""\n')
  await writeFile(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${input.database} = host=127.0.0.1 port=${input.targetPort} dbname=${input.database}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${input.listenPort}`,
      "unix_socket_dir = ''",
      'auth_type = trust',
      `auth_file = ${users}`,
      'pool_mode = transaction',
      `default_pool_size = ${input.serverPoolSize}`,
      'max_client_conn = 200',
      // Startup parameters PgBouncer would refuse: pg's statement_timeout and options (TimeZone), which
      // behind a pooler belong on the role or database (ALTER ROLE … SET) instead.
      'ignore_startup_parameters = extra_float_digits,options,statement_timeout',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      'log_connections = 0',
      'log_disconnections = 0',
      '',
    ].join('\n'),
  )
  if (isRoot) await run('chown', ['-R', 'postgres:postgres', dir])
  const child: ChildProcess = isRoot
    ? spawn('runuser', ['-u', 'postgres', '--', binary, join(dir, 'pgbouncer.ini')], { stdio: 'ignore' })
    : spawn(binary, [join(dir, 'pgbouncer.ini')], { stdio: 'ignore' })
  await waitForPort(input.listenPort)
  return {
    port: input.listenPort,
    urlFor: (database) => `postgres://postgres@127.0.0.1:${input.listenPort}/${database}`,
    async stop() {
      child.kill('SIGTERM')
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)))
      await rm(dir, { recursive: true, force: true })
    },
  }
}

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net')
  for (let attempt = 0; attempt < 100; attempt++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => (socket.destroy(), resolve(true)))
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`)
}

/** PgBouncer's version line, for the report. */
export async function pgBouncerVersion(): Promise<string | undefined> {
  return run('pgbouncer', ['--version']).then(
    ({ stdout }) => stdout.split('\n')[0]?.trim(),
    () => undefined,
  )
}

import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

// A throwaway PostgreSQL 15 cluster that the fault harness may crash at will (never the shared one
// on 5432), and PgBouncer for the transaction-pooler check. Both refuse to run as root, so as root
// they run as the `postgres` user (runuser); as any other user, as that user.

const run = promisify(execFile)
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'
const isRoot = process.getuid?.() === 0

function asPostgres(command: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]
}

async function ownedTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  if (isRoot) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const uid = Number(stdout.trim())
    await chown(dir, uid, uid)
  }
  await chmod(dir, 0o700)
  return dir
}

export interface ThrowawayCluster {
  readonly port: number
  readonly url: string
  /** `pg_ctl stop -m immediate`: every backend dies without a goodbye, as in a crash. */
  crash(): Promise<void>
  /** `pg_ctl start -w`: crash recovery, then accepting connections. */
  start(): Promise<void>
  remove(): Promise<void>
}

export async function startThrowawayCluster(port: number): Promise<ThrowawayCluster> {
  const dir = await ownedTempDir('pst-drivers-pg-')
  const data = join(dir, 'data')
  const pgCtl = async (...args: string[]) => {
    const [command, argv] = asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', data, ...args])
    await run(command, argv, { timeout: 60_000 })
  }
  const [initdb, initArgs] = asPostgres(join(PG_BIN, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ])
  await run(initdb, initArgs, { timeout: 120_000 })
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c max_connections=200',
    '-c shared_buffers=64MB',
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c logging_collector=off',
  ].join(' ')
  const start = () => pgCtl('-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start')
  await start()
  let isRunning = true
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
  const dir = await ownedTempDir('pst-drivers-pgbouncer-')
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
  const [command, argv] = asPostgres(binary, [join(dir, 'pgbouncer.ini')])
  const child: ChildProcess = spawn(command, argv, { stdio: 'ignore' })
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

import { execFile } from 'node:child_process'
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * A throwaway PostgreSQL cluster of its own, for tests that crash, restart or freeze the server
 * (the shared one on 5432 must never be touched). `initdb` refuses root, so as root every command
 * runs as the `postgres` user. Trust authentication, loopback only, fsync off: nothing here needs
 * to survive the machine, only its own crashes.
 */
export interface ThrowawayCluster {
  readonly port: number
  readonly url: string
  /** `pg_ctl stop -m immediate`: every backend dies at once, as in a crash. */
  crash(): Promise<void>
  start(): Promise<void>
  remove(): Promise<void>
}

async function findBinDir(): Promise<string> {
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

export async function startThrowawayCluster(): Promise<ThrowawayCluster> {
  const binDir = await findBinDir()
  const isRoot = userInfo().uid === 0
  const asOwner = (command: string, args: string[]) =>
    isRoot ? run('runuser', ['-u', 'postgres', '--', join(binDir, command), ...args]) : run(join(binDir, command), args)
  const dir = await mkdtemp(join(tmpdir(), 'pst-cluster-'))
  if (isRoot) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const { stdout: group } = await run('id', ['-g', 'postgres'])
    await chown(dir, Number(stdout.trim()), Number(group.trim()))
  }
  const dataDir = join(dir, 'data')
  const port = await freePort()
  await asOwner('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'])
  // fsync off is safe here: a crash of the test kills PostgreSQL's processes, never the OS, so what
  // reached the OS survives. synchronous_commit stays on: with it off, a COMMIT returns before its
  // WAL is written, and a crash loses transactions the service has already acknowledged.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`
  const start = () =>
    asOwner('pg_ctl', ['-D', dataDir, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']).then(
      () => undefined,
    )
  await start()
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    crash: () => asOwner('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']).then(() => undefined),
    start,
    async remove() {
      await asOwner('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']).catch(() => undefined)
      await rm(dir, { recursive: true, force: true })
    },
  }
}

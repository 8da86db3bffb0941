import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PRODUCTION_MALLOC_ENV, PRODUCTION_NODE_FLAGS } from '../scripts/node-flags.js'

// The service runs as a child process, so its RSS and CPU are its own and not the load
// generator's. It is started as `node --import tsx src/server.ts`: what `npm start` runs, minus
// the tsx CLI's extra wrapper process (whose pid would not be the server's); or, with
// `--runtime bundle`, as production runs it (`serviceCommand`).

const SERVER_ENTRY = fileURLToPath(new URL('../src/server.ts', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url))
// Inside the repository (and gitignored), so the bundle's bare imports resolve to node_modules/.
// One directory per run: two benches may run at once (a developer's and the CI smoke test).
const BUNDLE_DIR = join(REPO_ROOT, 'bench', 'results', '.build', `server-${process.pid}`)
const BUNDLE_FILE = join(BUNDLE_DIR, 'server.js')

/**
 * `tsx`: `node --import tsx src/server.ts`, what `npm start` runs (TypeScript compiled at load).
 * `bundle`: the production runtime, built as `npm run build` builds dist/ (scripts/build.ts) and
 * run by plain node as production runs it (scripts/node-flags.ts).
 */
export type ServiceRuntime = 'tsx' | 'bundle'

/** The production build into a directory of this run; undefined when esbuild cannot be loaded. */
export async function buildServerBundle(): Promise<string | undefined> {
  try {
    const { buildServer } = await import('../scripts/build.js')
    await buildServer(BUNDLE_DIR)
    return BUNDLE_FILE
  } catch {
    return undefined
  }
}

export async function removeServerBundle(): Promise<void> {
  await rm(BUNDLE_DIR, { recursive: true, force: true })
}
const LISTENING = /listening on (http:\/\/\S+)/
const START_TIMEOUT_MS = 60_000
const CLOCK_TICKS_PER_SECOND = 100 // Linux USER_HZ
const PAGE_BYTES = 4096

export interface RunningService {
  pid: number
  baseUrl: string
  /** Process start → the listening line on stdout. */
  startupMs: number
  /** What the process printed up to and including its start banner. */
  banner: string
  /** Resident set right after it started listening, before any request. */
  rssAtStartMb: number
  /** Everything the process printed on stderr (kept for error reports). */
  stderr(): string
  /** Its stdout so far (first 100 kB): the logger's lines may arrive after the banner. */
  stdout(): string
  stop(): Promise<void>
}

export interface StartOptions {
  env: Record<string, string | undefined>
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[]
  /** Default tsx. */
  runtime?: ServiceRuntime
  /** Called once the process exists, with its start time (performance.now()). */
  onSpawn?: (startedAt: number) => void
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined))
}

/** node's arguments and environment for a runtime: the bundle runs as in production (scripts/node-flags.ts). */
export function serviceCommand(runtime: ServiceRuntime): { args: string[]; env: Record<string, string> } {
  return runtime === 'bundle'
    ? { args: [...PRODUCTION_NODE_FLAGS, BUNDLE_FILE], env: { ...PRODUCTION_MALLOC_ENV } }
    : { args: ['--import', 'tsx', SERVER_ENTRY], env: {} }
}

export async function startService(options: StartOptions): Promise<RunningService> {
  const startedAt = performance.now()
  const command = serviceCommand(options.runtime ?? 'tsx')
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...command.args], {
    cwd: REPO_ROOT,
    env: definedOnly({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...command.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      ...options.env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  options.onSpawn?.(startedAt)
  let stderr = ''
  let stdout = ''
  let banner = ''
  // Both pipes are drained for the whole life of the process: a full pipe would block the server.
  child.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < 100_000) stderr += chunk.toString('utf8')
  })
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`the service did not print its address within ${START_TIMEOUT_MS} ms:\n${stderr.slice(-2000)}`),
        ),
      START_TIMEOUT_MS,
    )
    child.stdout!.on('data', (chunk: Buffer) => {
      if (stdout.length > 100_000) return
      stdout += chunk.toString('utf8')
      const match = banner ? null : LISTENING.exec(stdout)
      if (match) {
        clearTimeout(timer)
        banner = stdout
        resolve(match[1]!)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the service exited with code ${code} before listening:\n${stderr.slice(-2000)}`))
    })
  })
  const startupMs = performance.now() - startedAt
  const sample = await sampleProcess(child.pid!)
  return {
    pid: child.pid!,
    baseUrl,
    startupMs,
    banner,
    rssAtStartMb: (sample?.rssBytes ?? 0) / 1048576,
    stderr: () => stderr,
    stdout: () => stdout,
    stop: () => stopChild(child),
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

export interface ProcessSample {
  cpuTicks: number
  rssBytes: number
}

/** utime + stime and resident set of one process, from /proc (Linux). */
export async function sampleProcess(pid: number): Promise<ProcessSample | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // Fields after the parenthesised command name, which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { cpuTicks: Number(fields[11]) + Number(fields[12]), rssBytes: Number(fields[21]) * PAGE_BYTES }
  } catch {
    return undefined
  }
}

/**
 * Nanoseconds the process's main thread has spent runnable but waiting for a CPU (the second field
 * of /proc/<pid>/task/<pid>/schedstat); undefined where the kernel does not keep scheduler stats.
 * On a machine the load generator and PostgreSQL share with the service, this is the part of the
 * service's latency that is the machine's: its CPU time does not show it.
 */
export async function sampleMainThreadWaitNs(pid: number): Promise<number | undefined> {
  try {
    const fields = (await readFile(`/proc/${pid}/task/${pid}/schedstat`, 'utf8')).trim().split(' ')
    const waited = Number(fields[1])
    return Number.isFinite(waited) ? waited : undefined
  } catch {
    return undefined
  }
}

/**
 * CPU ticks of the PostgreSQL backends serving the bench database, by pid (the caller lists them
 * from pg_stat_activity). Other databases' backends — other test runs on a shared machine — the
 * cluster's background writers (WAL writer, checkpointer) and autovacuum are left out.
 */
export async function samplePostgresTicks(pids: readonly number[]): Promise<Map<number, number>> {
  const ticks = new Map<number, number>()
  for (const pid of pids) {
    const sample = await sampleProcess(pid)
    if (sample) ticks.set(pid, sample.cpuTicks)
  }
  return ticks
}

/** Busy and total ticks of all cores (/proc/stat's first line). */
export async function sampleMachineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]!
  const values = line.trim().split(/\s+/).slice(1).map(Number)
  const total = values.reduce((sum, value) => sum + value, 0)
  const idle = (values[3] ?? 0) + (values[4] ?? 0)
  return { busy: total - idle, total }
}

export const ticksToMs = (ticks: number): number => (ticks * 1000) / CLOCK_TICKS_PER_SECOND

export interface ResourceWindow {
  /** % of one core over the window. */
  serviceCpuPercent: number
  postgresCpuPercent: number
  /** The machine's busy time, in % of one core (200 = both cores busy). */
  machineCpuPercent: number
  /** What neither the service, PostgreSQL nor this process used: other work on the machine. */
  otherCpuPercent: number
  benchCpuPercent: number
  rssPeakMb: number
  rssEndMb: number
  serviceCpuMs: number
  postgresCpuMs: number
  /** ms the service's main thread waited for a CPU while runnable (null: no scheduler stats). */
  serviceCpuWaitMs: number | null
}

/** Backend pids of the bench database: pg_stat_activity through any open pool. */
export type BackendLister = () => Promise<number[]>

/**
 * Watches the service's RSS and the CPU of everything involved, from start() to stop(). Backends
 * are re-listed every tick, so a client's connections (pgbench's) that open and close inside the
 * window are counted too: from their first sighting (or zero, when they were born after the
 * window opened) to their last, losing at most one tick at the end.
 */
export function watchResources(
  pid: number | undefined,
  listBackends: BackendLister,
): { stop(): Promise<ResourceWindow> } {
  const startedAt = performance.now()
  const benchStart = process.cpuUsage()
  const backendsAtStart = new Map<number, number>()
  const backendsLatest = new Map<number, number>()
  const recordBackends = async (initial: boolean): Promise<void> => {
    for (const [backend, ticks] of await samplePostgresTicks(await listBackends())) {
      if (initial) backendsAtStart.set(backend, ticks)
      backendsLatest.set(backend, ticks)
    }
  }
  const first = Promise.all([
    pid === undefined ? undefined : sampleProcess(pid),
    recordBackends(true),
    sampleMachineTicks(),
    pid === undefined ? undefined : sampleMainThreadWaitNs(pid),
  ])
  let rssPeak = 0
  let sampling = Promise.resolve()
  const timer = setInterval(() => {
    sampling = sampling
      .then(async () => {
        const sample = pid === undefined ? undefined : await sampleProcess(pid)
        if (sample) rssPeak = Math.max(rssPeak, sample.rssBytes)
        await recordBackends(false)
      })
      .catch(() => undefined)
  }, 250)
  return {
    async stop() {
      clearInterval(timer)
      await sampling
      const [[service0, , machine0, wait0], service1, , machine1, wait1] = await Promise.all([
        first,
        pid === undefined ? undefined : sampleProcess(pid),
        recordBackends(false),
        sampleMachineTicks(),
        pid === undefined ? undefined : sampleMainThreadWaitNs(pid),
      ])
      const seconds = (performance.now() - startedAt) / 1000
      const bench = process.cpuUsage(benchStart)
      const percent = (ms: number): number => ms / 10 / seconds
      const serviceCpuMs = service0 && service1 ? ticksToMs(service1.cpuTicks - service0.cpuTicks) : 0
      let postgresTicks = 0
      for (const [backend, ticks] of backendsLatest) postgresTicks += ticks - (backendsAtStart.get(backend) ?? 0)
      const postgresCpuMs = ticksToMs(postgresTicks)
      const benchCpuMs = (bench.user + bench.system) / 1000
      const machineCpuMs = ticksToMs(machine1.busy - machine0.busy)
      rssPeak = Math.max(rssPeak, service1?.rssBytes ?? 0)
      return {
        serviceCpuPercent: percent(serviceCpuMs),
        postgresCpuPercent: percent(postgresCpuMs),
        machineCpuPercent: percent(machineCpuMs),
        otherCpuPercent: Math.max(0, percent(machineCpuMs - serviceCpuMs - postgresCpuMs - benchCpuMs)),
        benchCpuPercent: percent(benchCpuMs),
        rssPeakMb: rssPeak / 1048576,
        rssEndMb: (service1?.rssBytes ?? 0) / 1048576,
        serviceCpuMs,
        postgresCpuMs,
        serviceCpuWaitMs: wait0 !== undefined && wait1 !== undefined ? (wait1 - wait0) / 1e6 : null,
      }
    },
  }
}

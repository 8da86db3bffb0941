import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startTcpProxy, type TcpProxy } from '../../test/helpers/tcp-proxy.js'
import { createSql } from '../../src/db/pool.js'
import type { ThrowawayCluster } from './cluster.js'
import type { Variant } from './drivers.js'
import { emptyPhaseStats, HANG_MS, RECOVERY_LIMIT_MS, type PhaseStats, type Recovery } from './fault-protocol.js'
import { mergeStats, startChild, type Child } from './child.js'

// The fault harness: each driver variant in its own process under load (fault-worker.ts), while
// this process breaks the database under it — RST of every connection through a TCP proxy, a real
// crash of a throwaway cluster (pg_ctl stop -m immediate, then start), and a freeze (the proxy
// stops forwarding for a while). A child that dies is counted and started again, so every variant
// meets every fault.

export interface FaultPlan {
  severs: number
  crashes: number
  freezeSeconds: number
  workers: number
  poolSize: number
}

export type PhaseName = 'sever' | 'crash' | 'freeze'

export interface Death {
  fault: number
  exitCode: number | null
  signal: string | null
  /** The first error line the process wrote to stderr, and where it was thrown. */
  error: string
  /** The end of its stderr, for the whole story. */
  stderrTail: string
}

export interface PhaseResult {
  phase: PhaseName
  faults: number
  deaths: Death[]
  recoveries: Recovery[]
  stats: PhaseStats
  seconds: number
}

export interface StartupProbe {
  /** The process survived a reset at a new connection's first statement, and then answered. */
  survived: boolean
  detail: string
}

export interface VariantFaults {
  variant: Variant
  phases: PhaseResult[]
  startupProbe: StartupProbe
}

const PROBE_FILE = fileURLToPath(new URL('./startup-probe.ts', import.meta.url))

async function runStartupProbe(variant: Variant, cluster: ThrowawayCluster): Promise<StartupProbe> {
  const args = ['--import', 'tsx', PROBE_FILE, variant, '127.0.0.1', String(cluster.port), SCRATCH_DATABASE]
  const outcome = await run(process.execPath, args, { timeout: 60_000 }).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? -1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  )
  const printed = outcome.stdout.trim().split('\n').at(-1) ?? ''
  const thrown = outcome.stderr.split('\n').find((line) => /^\w*Error\b/.test(line.trim()))
  return { survived: outcome.code === 0, detail: `${printed}${thrown ? ` ${thrown.trim()}` : ''}`.slice(0, 300) }
}

const SCRATCH_DATABASE = 'driver_faults'
const run = promisify(execFile)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const between = (min: number, max: number) => min + Math.random() * (max - min)

interface PhaseSpec {
  phase: PhaseName
  url: string
  faults: number
  /** Breaks the database right after `down`; returns when the database is back. */
  inject(down: () => Promise<void>): Promise<void>
}

/** One variant's process through all phases: started again when it dies, its numbers kept. */
class Runner {
  child!: Child
  private result!: PhaseResult
  private spec!: PhaseSpec
  private recoveries = new Map<number, Recovery>()

  constructor(
    readonly variant: Variant,
    private readonly plan: FaultPlan,
    private readonly log: (line: string) => void,
  ) {}

  async beginPhase(spec: PhaseSpec): Promise<void> {
    this.spec = spec
    this.result = {
      phase: spec.phase,
      faults: spec.faults,
      deaths: [],
      recoveries: [],
      stats: emptyPhaseStats(),
      seconds: 0,
    }
    this.recoveries = new Map()
    if (!this.child?.isAlive) return this.restart()
    await this.connect()
  }

  private async restart(): Promise<void> {
    this.child = await startChild(this.variant, { ...this.plan, prepare: true })
    // Recoveries arrive whenever the child sees one, possibly after the next fault began.
    void this.child.next((message) => {
      if (message.type === 'recovered' && message.recovery.id >= 0)
        this.recoveries.set(message.recovery.id, message.recovery)
      return undefined
    }, 24 * 3600_000)
    await this.connect()
  }

  /** A new pool on this phase's URL; resolves once every worker committed once. */
  private async connect(): Promise<void> {
    this.child.send({ type: 'connect', url: this.spec.url })
    await this.child.next(
      (message) => (message.type === 'recovered' && message.recovery.id === -1 ? true : undefined),
      60_000,
    )
  }

  hasRecovered(fault: number): boolean {
    return this.recoveries.has(fault) || !this.child.isAlive
  }

  /** The child's numbers since the last call; returns how many hung transactions are still pending. */
  async collect(): Promise<number> {
    this.child.send({ type: 'stats' })
    const stats = await this.child.next((message) => (message.type === 'stats' ? message.stats : undefined), 5_000)
    if (stats) mergeStats(this.result.stats, stats)
    return stats?.neverSettled ?? 0
  }

  /** After a fault: a dead child is recorded and started again, a live one gives its numbers. */
  async afterFault(fault: number): Promise<void> {
    if (this.child.isAlive) {
      await this.collect()
      return
    }
    const exit = await this.child.exited
    this.result.deaths.push({
      fault,
      exitCode: exit.code,
      signal: exit.signal,
      error: this.child.describeDeath(),
      stderrTail: this.child.stderrTail(),
    })
    this.log(
      `  ${this.variant} ${this.spec.phase} fault ${fault + 1}: the process died: ${this.result.deaths.at(-1)!.error}`,
    )
    await this.restart()
  }

  endPhase(seconds: number): PhaseResult {
    this.result.recoveries = [...this.recoveries.values()].sort((a, b) => a.id - b.id)
    this.result.seconds = seconds
    return this.result
  }
}

// The next fault comes once every variant recovered, or this long after the database came back:
// postgres.js' default reconnect backoff can keep a worker waiting for 20 s (see CAPPED_BACKOFF),
// and waiting that out after every fault would make the run long. A recovery that takes longer is
// recorded as not complete before the next fault.
const NEXT_FAULT_AFTER_MS = 3_000
// At the end of a phase, a hung transaction gets this long after the database came back to settle
// (longer than postgres.js' longest backoff, 20 s, plus connect_timeout) before it counts as never settling.
const NEVER_SETTLED_AFTER_MS = 32_000
// Between 'down' reaching the children and the fault itself: the message travels over IPC while
// the fault travels over TCP, and an error must not be seen before the child knows of the outage.
const MESSAGE_HEAD_START_MS = 30

async function runPhase(runners: readonly Runner[], spec: PhaseSpec): Promise<Map<Variant, PhaseResult>> {
  const startedAt = performance.now()
  // One after another: all workers warming up at once on two cores would be a fault of its own.
  for (const runner of runners) await runner.beginPhase(spec)
  await sleep(500)
  await Promise.all(runners.map((runner) => runner.collect()))
  let backAt = 0
  for (let fault = 0; fault < spec.faults; fault++) {
    await spec.inject(async () => {
      runners.forEach((runner) => runner.child.send({ type: 'down', at: Date.now() }))
      await sleep(MESSAGE_HEAD_START_MS)
    })
    backAt = Date.now()
    runners.forEach((runner) => runner.child.send({ type: 'back', id: fault, at: backAt }))
    while (Date.now() - backAt < NEXT_FAULT_AFTER_MS && !runners.every((runner) => runner.hasRecovered(fault)))
      await sleep(50)
    for (const runner of runners) await runner.afterFault(fault)
    await sleep(between(50, 700))
  }
  // Time for the last fault's recoveries and hangs to show before the final count: HANG_MS at
  // least, and while a hung transaction is pending, until NEVER_SETTLED_AFTER_MS.
  while (Date.now() < backAt + RECOVERY_LIMIT_MS && !runners.every((runner) => runner.hasRecovered(spec.faults - 1)))
    await sleep(100)
  await sleep(Math.max(0, backAt + HANG_MS + 1_500 - Date.now()))
  for (;;) {
    const stillPending = await Promise.all(runners.map((runner) => runner.collect()))
    if (stillPending.every((count) => count === 0) || Date.now() > backAt + NEVER_SETTLED_AFTER_MS) break
    await sleep(1_000)
  }
  const seconds = (performance.now() - startedAt) / 1000
  return new Map(runners.map((runner) => [runner.variant, runner.endPhase(seconds)]))
}

async function prepareScratch(cluster: ThrowawayCluster): Promise<string> {
  const admin = createSql({ url: cluster.url, max: 1, prepare: false })
  try {
    await admin.unsafe(`create database ${SCRATCH_DATABASE}`)
  } finally {
    await admin.end()
  }
  const url = cluster.url.replace(/\/postgres$/, `/${SCRATCH_DATABASE}`)
  const sql = createSql({ url, max: 1, prepare: false })
  try {
    await sql.unsafe('create table driver_fault (id bigserial primary key, worker int not null, token text not null)')
    await sql.unsafe('create index on driver_fault (token)')
  } finally {
    await sql.end()
  }
  return url
}

async function dropScratch(cluster: ThrowawayCluster): Promise<void> {
  const admin = createSql({ url: cluster.url, max: 1, prepare: false })
  try {
    await admin.unsafe(`drop database if exists ${SCRATCH_DATABASE} with (force)`)
  } finally {
    await admin.end()
  }
}

const viaProxy = (url: string, proxy: TcpProxy): string => {
  const proxied = new URL(url)
  proxied.port = String(proxy.port)
  return proxied.toString()
}

export async function runFaultHarness(
  cluster: ThrowawayCluster,
  plan: FaultPlan,
  variants: readonly Variant[],
  log: (line: string) => void,
): Promise<VariantFaults[]> {
  const url = await prepareScratch(cluster)
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: cluster.port })
  const phases: Map<Variant, PhaseResult>[] = []
  const runners = variants.map((variant) => new Runner(variant, plan, log))
  const probes = new Map<Variant, StartupProbe>()
  try {
    log(
      `faults: ${plan.severs} severs through the proxy (${variants.join(', ')} at once, ${plan.workers} workers each)`,
    )
    phases.push(
      await runPhase(runners, {
        phase: 'sever',
        url: viaProxy(url, proxy),
        faults: plan.severs,
        async inject(down) {
          await down()
          proxy.sever()
        },
      }),
    )
    log(`faults: ${plan.crashes} crashes (pg_ctl stop -m immediate, start)`)
    phases.push(
      await runPhase(runners, {
        phase: 'crash',
        url,
        faults: plan.crashes,
        async inject(down) {
          await down()
          await cluster.crash()
          await sleep(between(100, 500))
          await cluster.start()
        },
      }),
    )
    log(`faults: a ${plan.freezeSeconds} s freeze (the proxy stops forwarding)`)
    phases.push(
      await runPhase(runners, {
        phase: 'freeze',
        url: viaProxy(url, proxy),
        faults: 1,
        async inject(down) {
          await down()
          proxy.stall()
          await sleep(plan.freezeSeconds * 1000)
          proxy.resume()
        },
      }),
    )
    await Promise.all(runners.map((runner) => runner.child?.stop()))
    log('faults: a reset at the first statement of a new connection, once per driver')
    for (const variant of variants) probes.set(variant, await runStartupProbe(variant, cluster))
  } finally {
    await Promise.all(runners.map((runner) => runner.child?.stop()))
    await proxy.close()
    await dropScratch(cluster).catch(() => undefined)
  }
  return variants.map((variant) => ({
    variant,
    phases: phases.map((phase) => phase.get(variant)!),
    startupProbe: probes.get(variant)!,
  }))
}

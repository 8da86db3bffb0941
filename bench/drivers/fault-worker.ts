import { randomBytes } from 'node:crypto'
import { errorCode, openDriver, type Driver, type Row, type Variant } from './drivers.js'
import {
  emptyPhaseStats,
  HANG_MS,
  RECOVERY_LIMIT_MS,
  type ChildMessage,
  type ParentMessage,
  type PhaseStats,
} from './fault-protocol.js'

// One driver variant under load, in its own process (started by faults.ts with an IPC channel):
// WORKERS concurrent loops, each running transactions shaped like a warm rescore (BEGIN, four
// statements sent together, COMMIT) and checking every row it gets back. The parent injects the
// faults and tells this process when the database went away ('down') and came back ('back'); this
// process measures what its workers saw. An uncaught exception ends it, as it would end the service.

const variant = process.argv[2] as Variant
const workerCount = Number(process.argv[3] ?? 12)
const poolSize = Number(process.argv[4] ?? 5)
const prepare = process.argv[5] !== '0'
const send = (message: ChildMessage): void => void process.send!(message)

interface Pending {
  worker: number
  startedAt: number
  isHung: boolean
}

let driver: Driver | undefined
let generation = 0
let stats: PhaseStats = emptyPhaseStats()
let isDown = false
let downAt = 0
let backAt = 0
let recoveredAt: number | null = null
const pending = new Set<Pending>()
let tracker: { id: number; at: number; first: number | null; succeeded: Set<number>; timer: NodeJS.Timeout } | null =
  null
let nextWorkerId = 0
const liveWorkers = new Set<number>()

const bump = (counts: Record<string, number>, key: string): void => void (counts[key] = (counts[key] ?? 0) + 1)

/** The statements of one transaction and the check of what they return. */
function transactionFor(worker: number): {
  statements: { text: string; params: unknown[] }[]
  check: (rows: Row[][]) => boolean
} {
  const token = randomBytes(8).toString('hex')
  const n = Math.floor(Math.random() * 1_000_000)
  return {
    statements: [
      { text: 'select $1::text as token, pg_backend_pid() as pid', params: [token] },
      { text: 'insert into driver_fault (worker, token) values ($1, $2) returning token', params: [worker, token] },
      { text: 'select count(*)::int as seen from driver_fault where token = $1', params: [token] },
      { text: 'select $1::int + 1 as next', params: [n] },
    ],
    check: (rows) =>
      rows.length === 4 &&
      rows[0]?.[0]?.token === token &&
      rows[1]?.[0]?.token === token &&
      rows[2]?.[0]?.seen === 1 &&
      rows[3]?.[0]?.next === n + 1,
  }
}

async function workerLoop(worker: number, myGeneration: number): Promise<void> {
  const current = () => generation === myGeneration && driver !== undefined
  liveWorkers.add(worker)
  while (current()) {
    const { statements, check } = transactionFor(worker)
    const entry: Pending = { worker, startedAt: Date.now(), isHung: false }
    pending.add(entry)
    stats.transactions++
    let failed = false
    try {
      const rows = await driver!.transaction(statements)
      if (!current()) return
      if (!check(rows)) stats.wrongRows++
      else {
        stats.succeeded++
        onSuccess(worker, entry.startedAt)
      }
      recordOutage(entry, Date.now(), true)
    } catch (error) {
      // A pool that this process ended on purpose (a new phase) rejects what it still held.
      if (!current()) return
      const code = errorCode(error)
      bump(stats.errorsByCode, code)
      if (recoveredAt !== null && !isDown && entry.startedAt >= recoveredAt) bump(stats.errorsAfterRecovery, code)
      recordOutage(entry, Date.now(), false)
      failed = true
    } finally {
      pending.delete(entry)
      if (entry.isHung && current()) stats.lateSettledMs.push(Date.now() - entry.startedAt)
    }
    // A hung worker was replaced when it was found; it stops here.
    if (entry.isHung) return
    // Requests keep arriving while the database is away, but not in a tight loop.
    if (failed) await new Promise((resolve) => setTimeout(resolve, 20))
  }
  liveWorkers.delete(worker)
}

/** How a transaction that overlapped the last outage ('down' → 'back') ended. */
function recordOutage(entry: Pending, endedAt: number, ok: boolean): void {
  if (entry.isHung || endedAt < downAt) return
  if (isDown) {
    if (!ok) {
      stats.outage.erroredBeforeBack++
      stats.outage.timeToErrorMs.push(endedAt - Math.max(entry.startedAt, downAt))
    }
    return
  }
  if (entry.startedAt >= backAt) return
  if (ok) stats.outage.settledOkAfterBack++
  else stats.outage.erroredAfterBack++
  stats.outage.waitsMs.push(endedAt - entry.startedAt)
}

function onSuccess(worker: number, startedAt: number): void {
  if (!tracker || startedAt < tracker.at) return
  tracker.first ??= Date.now()
  tracker.succeeded.add(worker)
  if ([...liveWorkers].every((live) => tracker!.succeeded.has(live))) finishRecovery(true)
}

function finishRecovery(complete: boolean): void {
  if (!tracker) return
  clearTimeout(tracker.timer)
  const now = Date.now()
  send({
    type: 'recovered',
    recovery: {
      id: tracker.id,
      firstSuccessMs: tracker.first === null ? null : tracker.first - tracker.at,
      allWorkersMs: complete ? now - tracker.at : null,
    },
  })
  if (complete) recoveredAt = now
  tracker = null
}

// A transaction pending HANG_MS after the database came back has hung: count it once, and let a
// new worker take its place (requests keep arriving at a service whose request is stuck).
setInterval(() => {
  if (isDown) return
  const now = Date.now()
  for (const entry of pending) {
    if (entry.isHung || now - Math.max(entry.startedAt, backAt) < HANG_MS) continue
    entry.isHung = true
    stats.hung++
    liveWorkers.delete(entry.worker)
    void workerLoop(nextWorkerId++, generation)
    if (tracker && tracker.id >= 0 && [...liveWorkers].every((live) => tracker!.succeeded.has(live)))
      finishRecovery(true)
  }
}, 500).unref()

async function connect(url: string): Promise<void> {
  const previous = driver
  driver = undefined
  generation++
  await previous?.end().catch(() => undefined)
  pending.clear()
  liveWorkers.clear()
  stats = emptyPhaseStats()
  isDown = false
  downAt = backAt = 0
  recoveredAt = null
  driver = openDriver(variant, { url, max: poolSize, prepare })
  // Ready (recovery -1) once a transaction succeeded on every worker.
  if (tracker) clearTimeout(tracker.timer)
  tracker = {
    id: -1,
    at: Date.now(),
    first: null,
    succeeded: new Set(),
    timer: setTimeout(() => finishRecovery(false), 60_000),
  }
  for (let i = 0; i < workerCount; i++) void workerLoop(nextWorkerId++, generation)
}

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'connect':
      void connect(message.url)
      break
    case 'down':
      isDown = true
      downAt = message.at
      recoveredAt = null
      if (tracker) finishRecovery(false)
      break
    case 'back':
      isDown = false
      backAt = message.at
      if (tracker) finishRecovery(false)
      tracker = {
        id: message.id,
        at: message.at,
        first: null,
        succeeded: new Set(),
        timer: setTimeout(() => finishRecovery(false), RECOVERY_LIMIT_MS),
      }
      break
    case 'stats':
      send({
        type: 'stats',
        stats: {
          ...stats,
          neverSettled: [...pending].filter((entry) => entry.isHung).length,
          errorEvents: driver?.errorEvents ?? 0,
        },
      })
      stats = emptyPhaseStats()
      break
  }
})

process.on('disconnect', () => process.exit(0))
send({ type: 'ready' })

import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Variant } from './drivers.js'
import type { ChildMessage, ParentMessage, PhaseStats } from './fault-protocol.js'

// A driver's load process (fault-worker.ts) as the harness sees it: messages in both directions,
// its exit, and the error it died of.

const WORKER_FILE = fileURLToPath(new URL('./fault-worker.ts', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface LoadShape {
  workers: number
  poolSize: number
  /** Named prepared statements (false: what a transaction-mode pooler needs). */
  prepare: boolean
}

export class Child {
  private readonly listeners = new Set<(message: ChildMessage) => void>()
  private stderr = ''
  readonly exited: Promise<{ code: number | null; signal: string | null }>
  private readonly process: ChildProcess

  constructor(variant: Variant, shape: LoadShape) {
    this.process = fork(
      WORKER_FILE,
      [variant, String(shape.workers), String(shape.poolSize), shape.prepare ? '1' : '0'],
      { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
    )
    this.process.stderr!.on(
      'data',
      (data: Buffer) => void (this.stderr = (this.stderr + data.toString()).slice(-20_000)),
    )
    this.process.on('message', (message: ChildMessage) => this.listeners.forEach((listener) => listener(message)))
    this.exited = new Promise((resolve) => this.process.once('exit', (code, signal) => resolve({ code, signal })))
  }

  get isAlive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null && this.process.connected
  }

  send(message: ParentMessage): void {
    if (this.isAlive) this.process.send(message)
  }

  /** The next message that `pick` accepts, or undefined once the child exits or after `ms`. */
  next<T>(pick: (message: ChildMessage) => T | undefined, ms: number): Promise<T | undefined> {
    return new Promise((resolve) => {
      const done = (value: T | undefined) => {
        clearTimeout(timer)
        this.listeners.delete(listener)
        resolve(value)
      }
      const listener = (message: ChildMessage) => {
        const value = pick(message)
        if (value !== undefined) done(value)
      }
      const timer = setTimeout(() => done(undefined), ms)
      this.listeners.add(listener)
      void this.exited.then(() => done(undefined))
    })
  }

  describeDeath(): string {
    const lines = this.stderr.split('\n')
    const index = lines.findIndex((line) => /^\w*Error\b|Error:/.test(line.trim()))
    if (index < 0) return lines.filter(Boolean).slice(-2).join(' | ').slice(0, 300)
    const at =
      lines
        .slice(index + 1)
        .find((line) => line.trim().startsWith('at '))
        ?.trim()
        .replace(/.*node_modules\//, '') ?? ''
    return `${lines[index]!.trim()} ${at}`.slice(0, 300)
  }

  stderrTail(): string {
    return this.stderr.slice(-3_000)
  }

  async stop(): Promise<void> {
    if (this.isAlive) this.process.disconnect()
    const exit = await Promise.race([this.exited, sleep(5_000).then(() => undefined)])
    if (!exit) this.process.kill('SIGKILL')
  }
}

export async function startChild(variant: Variant, shape: LoadShape): Promise<Child> {
  const child = new Child(variant, shape)
  const ready = await child.next((message) => (message.type === 'ready' ? true : undefined), 30_000)
  if (!ready) throw new Error(`fault worker for ${variant} did not start: ${child.describeDeath()}`)
  return child
}

export function mergeStats(into: PhaseStats, from: PhaseStats): void {
  for (const key of ['transactions', 'succeeded', 'wrongRows', 'hung'] as const) into[key] += from[key]
  into.errorEvents = Math.max(into.errorEvents, from.errorEvents)
  for (const key of ['errorsByCode', 'errorsAfterRecovery'] as const)
    for (const [code, count] of Object.entries(from[key])) into[key][code] = (into[key][code] ?? 0) + count
  into.neverSettled = from.neverSettled
  into.lateSettledMs.push(...from.lateSettledMs)
  into.outage.settledOkAfterBack += from.outage.settledOkAfterBack
  into.outage.erroredBeforeBack += from.outage.erroredBeforeBack
  into.outage.erroredAfterBack += from.outage.erroredAfterBack
  into.outage.waitsMs.push(...from.outage.waitsMs)
  into.outage.timeToErrorMs.push(...from.outage.timeToErrorMs)
}

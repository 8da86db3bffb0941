import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

// Reads a V8 .cpuprofile (node --cpu-prof) and says where the service's CPU went, from a given
// moment on: the profiled service first warms its signature cache, which is not the warm path.

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
}

interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileEntry {
  name: string
  selfMs: number
  percent: number
}

export interface ProfileSummary {
  file: string
  /** The profile's own span and the moment counting began, in CLOCK_MONOTONIC µs. */
  clock: { startMicros: number; endMicros: number; fromMicros: number; windowFound: boolean }
  windowMs: number
  /** Busy samples only: idle and program time excluded from the percentages' base. */
  busyMs: number
  topFunctions: ProfileEntry[]
  topModules: ProfileEntry[]
}

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url))

function moduleOf(url: string): string {
  if (url === '') return '(native / V8)'
  const path = url.startsWith('file://') ? fileURLToPath(url) : url
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)
  if (packageMatch) return packageMatch[1]!
  if (path.startsWith('node:')) return 'node core'
  return path.startsWith(REPO_ROOT) ? relative(REPO_ROOT, path) : path
}

function top(map: Map<string, number>, busyMicros: number, count: number): ProfileEntry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => ({ name, selfMs: micros / 1000, percent: (100 * micros) / Math.max(1, busyMicros) }))
}

/** Self time per function and per module, for samples taken at or after `fromMicros` (CLOCK_MONOTONIC µs). */
export function summarizeProfile(profile: CpuProfile, file: string, fromMicros: number, count = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]))
  const functions = new Map<string, number>()
  const modules = new Map<string, number>()
  const from = fromMicros >= profile.startTime && fromMicros < profile.endTime ? fromMicros : profile.startTime
  let at = profile.startTime
  let windowMicros = 0
  let busyMicros = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0
    at += delta
    if (at < from) continue
    windowMicros += delta
    const frame = byId.get(profile.samples[i]!)
    if (!frame || frame.functionName === '(idle)' || frame.functionName === '(program)') continue
    busyMicros += delta
    const location = frame.url ? `${moduleOf(frame.url)}:${frame.lineNumber + 1}` : moduleOf('')
    const name = `${frame.functionName || '(anonymous)'} ${location}`
    functions.set(name, (functions.get(name) ?? 0) + delta)
    const module = frame.functionName === '(garbage collector)' ? '(garbage collector)' : moduleOf(frame.url)
    modules.set(module, (modules.get(module) ?? 0) + delta)
  }
  const clock = {
    startMicros: profile.startTime,
    endMicros: profile.endTime,
    fromMicros,
    windowFound: from === fromMicros,
  }
  return {
    file,
    clock,
    windowMs: windowMicros / 1000,
    busyMs: busyMicros / 1000,
    topFunctions: top(functions, busyMicros, count),
    topModules: top(modules, busyMicros, count),
  }
}

/**
 * The main thread's profile: under `--import tsx` the module loader runs on a thread of its own,
 * which writes a profile too. Node names them CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile,
 * thread 0 being the main one.
 */
export async function readMainThreadProfile(dir: string): Promise<{ profile: CpuProfile; file: string } | undefined> {
  const names = (await readdir(dir)).filter((entry) => entry.endsWith('.cpuprofile'))
  const main = names.find((name) => name.split('.')[4] === '0') ?? names[0]
  if (!main) return undefined
  const file = join(dir, main)
  return { profile: JSON.parse(await readFile(file, 'utf8')) as CpuProfile, file }
}

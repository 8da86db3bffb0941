import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon, { type Result } from 'autocannon'
import { createApiKey } from '../src/domain/api-keys.js'
import { listLiveStamps } from '../src/domain/cache-stamp-writes.js'
import { seedDemoData } from '../src/dev/demo-seed.js'
import { createBenchDatabase } from './bench-database.js'
import { DEFAULT_DATABASE_URL } from './options.js'

// `npx tsx bench/ab.ts --a DIR --b DIR [--runtime bundle]`: two checkouts of this service side by side on one fresh
// database (the demo passport, 12 signed stamps, a sha256 key), warm v2 rescores sent to each in
// alternating rounds, and each service's CPU per request from /proc. Alternating cancels the drift
// of a shared machine, which moves CPU per request by more than most single changes.
// `--scenario embed-re-add`: instead, the embed widget re-adds the demo passport's 12 stamps (the
// same signed JSON each time) and rescores, as the bench's embed-add-rescore scenario does.

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    rounds: { type: 'string', default: '6' },
    requests: { type: 'string', default: '400' },
    connections: { type: 'string', default: '1,16' },
    scenario: { type: 'string', default: 'warm-rescore' },
    // Node flags for service b only, e.g. --cpu-prof --cpu-prof-dir=/tmp/prof
    'b-node-args': { type: 'string', default: '' },
    // LOG_LEVEL of each service: warn as the bench runs them; info is production's default
    'a-log-level': { type: 'string', default: 'warn' },
    'b-log-level': { type: 'string', default: 'warn' },
    // tsx: src/server.ts through tsx; bundle: each checkout's dist/server.js (`npm run build` there first)
    runtime: { type: 'string', default: 'tsx' },
  },
})
if (!values.a || !values.b) throw new Error('usage: npx tsx bench/ab.ts --a DIR --b DIR [--rounds N] [--requests N]')
const rounds = Number(values.rounds)
const requests = Number(values.requests)
const connectionCounts = values.connections!.split(',').map(Number)
if (values.runtime !== 'tsx' && values.runtime !== 'bundle')
  throw new Error(`--runtime: tsx or bundle, not ${values.runtime}`)
const entryPoint = values.runtime === 'bundle' ? ['dist/server.js'] : ['--import', 'tsx', 'src/server.ts']
if (values.scenario !== 'warm-rescore' && values.scenario !== 'embed-re-add')
  throw new Error(`--scenario: warm-rescore or embed-re-add, not ${values.scenario}`)

interface Service {
  label: string
  child: ChildProcess
  url: string
}

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}

async function start(
  label: string,
  dir: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<Service> {
  const child = spawn(process.execPath, [...nodeArgs, ...entryPoint], {
    cwd: resolve(dir),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()))
  const url = await new Promise<string>((done, fail) => {
    let out = ''
    let listening = false
    // Read to the end (a full pipe would stop the service) but kept only up to the start banner:
    // at LOG_LEVEL=info every request adds a line.
    child.stdout!.on('data', (chunk: Buffer) => {
      if (listening) return
      out += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match) {
        listening = true
        done(match[1]!)
      }
    })
    child.once('exit', (code) => fail(new Error(`${label} exited ${code}: ${stderr.slice(-2000)}`)))
  })
  return { label, child, url }
}

interface Request {
  path: string
  method?: 'GET' | 'POST'
  headers: Record<string, string>
  body?: string
}

function load(service: Service, request: Request, amount: number, connections: number): Promise<Result> {
  return new Promise((done, fail) => {
    const { path, ...options } = request
    autocannon({ url: service.url + path, ...options, amount, connections }, (error, result) => {
      if (error) return fail(error)
      if (result.non2xx > 0 || result.errors > 0)
        return fail(new Error(`${service.label}: ${result.non2xx} non-2xx, ${result.errors} errors`))
      done(result)
    })
  })
}

const db = await createBenchDatabase(process.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL)
const services: Service[] = []
try {
  const seed = await seedDemoData(db.sql)
  const { key } = await createApiKey(db.sql, { accountId: seed.accountId, name: 'a/b', withSha256: true })
  const env = {
    DATABASE_URL: db.url,
    TRUSTED_IAM_ISSUERS: JSON.stringify([seed.issuerDid]),
    CGRANTS_API_TOKEN: randomBytes(16).toString('hex'),
    SECRET_KEY: randomBytes(32).toString('hex'),
    ...(process.env.DB_POOL_SIZE ? { DB_POOL_SIZE: process.env.DB_POOL_SIZE } : {}),
  }
  services.push(
    await start('a', values.a, { ...env, LOG_LEVEL: values['a-log-level']! }),
    await start(
      'b',
      values.b,
      { ...env, LOG_LEVEL: values['b-log-level']! },
      values['b-node-args']!.split(' ').filter(Boolean),
    ),
  )
  const request: Request =
    values.scenario === 'warm-rescore'
      ? { path: `/v2/stamps/${seed.communityId}/score/${seed.address}`, headers: { 'x-api-key': key } }
      : {
          path: `/internal/embed/stamps/${seed.address}`,
          method: 'POST',
          headers: { authorization: env.CGRANTS_API_TOKEN, 'content-type': 'application/json' },
          body: JSON.stringify({
            scorer_id: seed.communityId,
            stamps: (await listLiveStamps(db.sql, seed.address)).map((stamp) => stamp.credential),
          }),
        }
  // Enough for the JIT to settle: the first few hundred requests cost several times a warm one.
  for (const service of services) await load(service, request, 3000, 4)
  for (const connections of connectionCounts) {
    const samples = new Map<string, { cpu: number[]; p50: number[]; p99: number[]; rps: number[] }>()
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? services : [...services].reverse()
      for (const service of order) {
        const before = cpuMs(service.child.pid!)
        const result = await load(service, request, requests, connections)
        const cpu = (cpuMs(service.child.pid!) - before) / requests
        const entry = samples.get(service.label) ?? { cpu: [], p50: [], p99: [], rps: [] }
        entry.cpu.push(cpu)
        entry.p50.push(result.latency.p50)
        entry.p99.push(result.latency.p99)
        entry.rps.push(result.requests.average)
        samples.set(service.label, entry)
      }
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
    for (const [label, entry] of samples)
      console.log(
        `${label} (${label === 'a' ? values.a : values.b}), ${connections} conn: service CPU ms/request median ${median(entry.cpu).toFixed(3)} ` +
          `[${entry.cpu.map((x) => x.toFixed(2)).join(' ')}], p50 ${median(entry.p50)} ms, p99 ${median(entry.p99)} ms [${entry.p99.join(' ')}], req/s ${median(entry.rps).toFixed(0)}`,
      )
  }
} finally {
  for (const service of services) service.child.kill('SIGTERM')
  await new Promise((done) => setTimeout(done, 500))
  await db.drop()
}

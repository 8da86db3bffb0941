import { createWriteStream, type WriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import closeWithGrace from 'close-with-grace'
import { createSql } from '../db/pool.js'
import { checkSeparateDatabases, SameDatabaseError } from './shadow/database-check.js'
import { loadKnownDifferences, loadRules } from './compare/data-files.js'
import { compileRules } from './compare/normalise.js'
import { createShadowProxy } from './shadow/proxy.js'
import type { LogLine } from './shadow/differences.js'

const USAGE = `Usage: npm run shadow -- --primary URL --candidate URL [options]

A reverse proxy to put in front of the Python scorer (the primary). Every request is answered by
the primary; afterwards a copy goes to the candidate (this service), the two answers are compared
with the compare tool's normaliser, and differences are logged as JSON lines, each kind once with
its rate, then counted. Counters: GET /shadow/stats on the proxy. Docs: docs/migration-proof.md.

Options:
  --listen HOST:PORT       where the proxy listens                    default 127.0.0.1:8080
  --primary URL            the Python scorer (answers every request)
  --secondary URL          a second instance of the primary: fields where the two differ are noise
  --candidate URL          this service, on its own database for writes
  --share F                share of eligible requests mirrored, 0…1    default 1
  --mirror-writes          mirror POST/PUT/PATCH/DELETE too; needs --primary-db and --candidate-db,
                           which must be two different databases
  --primary-db URL, --candidate-db URL
  --max-in-flight N        mirrors in flight at most                   default 64
  --max-body-bytes N       larger bodies are not mirrored              default 1048576
  --timeout-ms N           candidate deadline                          default 10000
  --rules FILE             normalisation rules         default compare/normalisation.yaml
  --known FILE             accepted differences        default compare/known-differences.yaml
  --log FILE               JSON lines (default: standard output)
  --summary-interval-s N   a summary line this often                   default 60`

const OPTIONS = {
  listen: { type: 'string', default: '127.0.0.1:8080' },
  primary: { type: 'string' },
  secondary: { type: 'string' },
  candidate: { type: 'string' },
  share: { type: 'string', default: '1' },
  'mirror-writes': { type: 'boolean' },
  'primary-db': { type: 'string' },
  'candidate-db': { type: 'string' },
  'max-in-flight': { type: 'string', default: '64' },
  'max-body-bytes': { type: 'string', default: String(1024 * 1024) },
  'timeout-ms': { type: 'string', default: '10000' },
  rules: { type: 'string', default: 'compare/normalisation.yaml' },
  known: { type: 'string', default: 'compare/known-differences.yaml' },
  log: { type: 'string' },
  'summary-interval-s': { type: 'string', default: '60' },
  help: { type: 'boolean', short: 'h' },
} as const

class UsageError extends Error {}

function readNumber(value: string, name: string, min: number, max: number): number {
  const number = Number(value)
  if (!Number.isFinite(number) || number < min || number > max)
    throw new UsageError(`--${name} must be within ${min}…${max}`)
  return number
}

async function openLog(path: string | undefined): Promise<{ write: (line: LogLine) => void; stream?: WriteStream }> {
  if (!path) return { write: (line) => process.stdout.write(`${JSON.stringify(line)}\n`) }
  await mkdir(dirname(path), { recursive: true })
  const stream = createWriteStream(path, { flags: 'a' })
  return { write: (line) => stream.write(`${JSON.stringify(line)}\n`), stream }
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true })
  if (values.help) return void console.log(USAGE)
  if (!values.primary || !values.candidate) throw new UsageError('--primary and --candidate are required')
  if (values['mirror-writes']) {
    if (!values['primary-db'] || !values['candidate-db'])
      throw new UsageError(
        '--mirror-writes needs --primary-db and --candidate-db (the candidate must have its own database)',
      )
    const [primaryDb, candidateDb] = [values['primary-db'], values['candidate-db']].map((url) =>
      createSql({ url, max: 1, prepare: false }),
    )
    try {
      await checkSeparateDatabases(primaryDb!, candidateDb!)
    } finally {
      await Promise.all([primaryDb!.end(), candidateDb!.end()])
    }
  }
  const [host, port] = values.listen.includes(':') ? values.listen.split(/:(?=[^:]*$)/) : ['127.0.0.1', values.listen]
  const [rules, known] = await Promise.all([loadRules(values.rules), loadKnownDifferences(values.known)])
  const log = await openLog(values.log)
  const proxy = createShadowProxy({
    primary: values.primary,
    secondary: values.secondary,
    candidate: values.candidate,
    share: readNumber(values.share, 'share', 0, 1),
    mirrorWrites: Boolean(values['mirror-writes']),
    maxInFlight: readNumber(values['max-in-flight'], 'max-in-flight', 1, 10_000),
    maxBodyBytes: readNumber(values['max-body-bytes'], 'max-body-bytes', 0, 64 * 1024 * 1024),
    candidateTimeoutMs: readNumber(values['timeout-ms'], 'timeout-ms', 100, 600_000),
    rules: compileRules(rules.body),
    known,
    log: log.write,
    summaryIntervalMs: readNumber(values['summary-interval-s'], 'summary-interval-s', 0, 86_400) * 1000,
  })
  closeWithGrace({ delay: 15_000 }, async () => {
    await proxy.close()
    log.stream?.end()
  })
  await new Promise<void>((resolve) => proxy.server.listen(Number(port), host, resolve))
  const address = proxy.server.address()
  const listening = typeof address === 'object' && address ? `${address.address}:${address.port}` : values.listen
  log.write({
    type: 'start',
    time: new Date().toISOString(),
    listening,
    primary: values.primary,
    candidate: values.candidate,
    secondary: values.secondary ?? null,
    share: Number(values.share),
    mirrorWrites: Boolean(values['mirror-writes']),
  })
  console.error(`shadow: listening on ${listening}; stats at http://${listening}/shadow/stats`)
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const isUsage =
    error instanceof UsageError ||
    error instanceof SameDatabaseError ||
    (error instanceof TypeError && String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS'))
  console.error(`shadow: ${error instanceof Error ? error.message : String(error)}${isUsage ? ' (see --help)' : ''}`)
  process.exit(2)
})

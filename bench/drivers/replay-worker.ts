import { readFile } from 'node:fs/promises'
import type { CapturedRescore } from '../floor.js'
import { errorCode, openDriver, type HeldConnection, type Row, type Variant } from './drivers.js'

// Replays the captured warm rescores (capture.ts) with one driver, in its own process (speed.ts
// starts one per run): N clients, each holding one connection, each sending one rescore's
// statements one after another as the service does (BEGIN and COMMIT included), for a fixed time.
// Every answer is compared with the first answer to the same statement of the same rescore in this
// process: a select must return the same rows, any other statement the same number of rows.
// Usage: replay-worker.ts <variant> <prepare 0|1> <url> <connections> <seconds> <capture.json>
// Prints one JSON line: ReplayResult.

export interface ReplayResult {
  transactions: number
  seconds: number
  latenciesMs: number[]
  errors: number
  errorsByCode: Record<string, number>
  /** Answers that differed from the first answer to the same statement. */
  wrongAnswers: number
}

const [variant, prepareFlag, url, connectionsArg, secondsArg, capturePath] = process.argv.slice(2) as [
  Variant,
  string,
  string,
  string,
  string,
  string,
]
const connections = Number(connectionsArg)
const sequences = JSON.parse(await readFile(capturePath, 'utf8')) as CapturedRescore[]
const driver = openDriver(variant, { url, max: connections, prepare: prepareFlag === '1' })

const isSelect = (text: string): boolean => /^\s*select\b/i.test(text)
const reference = new Map<string, string>()

function answerOf(text: string, rows: Row[]): string {
  return isSelect(text) ? JSON.stringify(rows) : String(rows.length)
}

/** Runs one rescore; returns how many answers differed from the reference. */
async function replay(connection: HeldConnection, index: number): Promise<number> {
  let wrong = 0
  const sequence = sequences[index]!
  for (const [position, statement] of sequence.statements.entries()) {
    const answer = answerOf(statement.text, await connection.query(statement))
    const key = `${index}:${position}`
    const expected = reference.get(key)
    if (expected === undefined) reference.set(key, answer)
    else if (expected !== answer) wrong++
  }
  return wrong
}

const result: ReplayResult = {
  transactions: 0,
  seconds: 0,
  latenciesMs: [],
  errors: 0,
  errorsByCode: {},
  wrongAnswers: 0,
}
const held: HeldConnection[] = []
try {
  held.push(...(await Promise.all(Array.from({ length: connections }, () => driver.hold()))))
  // One untimed pass per connection: every client has its statements prepared, as a warm pool has.
  await Promise.all(held.map((connection, c) => replay(connection, c % sequences.length)))
  let next = 0
  const startedAt = performance.now()
  const deadline = startedAt + Number(secondsArg) * 1000
  await Promise.all(
    held.map(async (connection) => {
      while (performance.now() < deadline) {
        const index = next++ % sequences.length
        const begun = performance.now()
        try {
          result.wrongAnswers += await replay(connection, index)
          result.latenciesMs.push(performance.now() - begun)
        } catch (error) {
          result.errors++
          const code = errorCode(error)
          result.errorsByCode[code] = (result.errorsByCode[code] ?? 0) + 1
          await connection.query({ text: 'rollback', params: [] }).catch(() => undefined)
        }
      }
    }),
  )
  result.seconds = (performance.now() - startedAt) / 1000
  result.transactions = result.latenciesMs.length
} catch (error) {
  // The warm-up pass failed (e.g. a prepared statement behind a transaction pooler): no timed run.
  result.errors++
  result.errorsByCode[errorCode(error)] = 1
} finally {
  // pg's pool.end() waits for every checked-out client: release them on every path.
  for (const connection of held) connection.release()
  await driver.end()
}
process.stdout.write(`${JSON.stringify(result)}\n`)

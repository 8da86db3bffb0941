import { execFileSync, spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// Runs the Lambda package as the Lambda runtime would: a fresh node process that imports
// index.mjs from the unzipped package and calls `handler(event, context)` for each event in turn.
// Used by test/lambda.test.ts and by the bench's Lambda cold start.

export interface LambdaResult {
  statusCode: number
  statusDescription?: string
  headers?: Record<string, string>
  body: string
  isBase64Encoded?: boolean
}

export interface LambdaInvocation {
  results: LambdaResult[]
  /** Process start → the handler module imported (the INIT phase of a Lambda cold start). */
  initMs: number
  /** Process start → the answer to each event. */
  answeredMs: number[]
  /** Resident set after the last answer. */
  rssMb: number
}

// performance.now() counts from the process's start, so init includes node's own boot.
const INVOKER = `
const events = JSON.parse(process.argv[1])
const { handler } = await import(process.argv[2])
const initMs = performance.now()
const results = []
const answeredMs = []
for (const event of events) {
  results.push(await handler(event, { awsRequestId: crypto.randomUUID(), functionName: 'passport-scorer-ts' }))
  answeredMs.push(performance.now())
}
process.stdout.write(JSON.stringify({ results, initMs, answeredMs, rssMb: process.memoryUsage.rss() / 1048576 }))
process.exit(0)
`

/** Unzips the package into a new temporary directory and returns that directory. */
export async function unzipPackage(zip: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pst-lambda-'))
  execFileSync('unzip', ['-q', zip, '-d', dir])
  return dir
}

/** One cold start: a new process, the handler imported, the events answered one after the other. */
export function invokePackagedLambda(
  dir: string,
  events: readonly unknown[],
  env: Record<string, string>,
): Promise<LambdaInvocation> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', INVOKER, JSON.stringify(events), join(dir, 'index.mjs')],
      {
        cwd: dir,
        // What the Lambda runtime provides, and nothing of this process's environment.
        env: { PATH: process.env.PATH ?? '', LAMBDA_TASK_ROOT: dir, AWS_REGION: 'us-west-2', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`the handler process exited with ${code}:\n${stderr.slice(-3000)}`))
      try {
        resolve(JSON.parse(stdout) as LambdaInvocation)
      } catch {
        reject(new Error(`the handler process printed no result:\n${stdout.slice(-1000)}\n${stderr.slice(-2000)}`))
      }
    })
  })
}

import { afterAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// The server as a newcomer runs it (`npm start` = tsx src/server.ts), as a real process.

interface Started {
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
}

function startServer(env: Record<string, string>): Started {
  const { DATABASE_URL: _ignored, ...inherited } = process.env
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...inherited, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => output, exited }
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

// What a deployment must set beside DATABASE_URL (D22).
const SAFE_DEPLOYMENT = { TRUSTED_IAM_ISSUERS: '["did:ethr:0x1"]', CGRANTS_API_TOKEN: 'server-test' }

const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

describe('npm start (src/server.ts)', () => {
  it('a bad DATABASE_URL gives one clear line and a non-zero exit, not a stack dump', async () => {
    const server = startServer({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing_here',
      PORT: '0',
      ...SAFE_DEPLOYMENT,
    })
    expect(await server.exited).toBe(1)
    const lines = server.output().trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /^passport-scorer-ts: cannot connect to the database at 127\.0\.0\.1:1 \(connection refused\)/,
    )
  })

  it.each([
    [{ TRUSTED_IAM_ISSUERS: undefined }, 'TRUSTED_IAM_ISSUERS: must be set against a real database'],
    [{ TRUSTED_IAM_ISSUERS: '["did:ethr:0xabczyx"]' }, 'TRUSTED_IAM_ISSUERS: lists none of the production IAM issuers'],
    [{ CGRANTS_API_TOKEN: undefined }, 'CGRANTS_API_TOKEN: must be set against a real database'],
    [{ DATABASE_URL: '' }, 'DATABASE_URL: is set but empty'],
  ])(
    'D22: %j against a real database → refuses to start with one line naming the variable',
    async (change, message) => {
      const env = Object.fromEntries(
        Object.entries({
          DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
          PORT: '0',
          ...SAFE_DEPLOYMENT,
          ...change,
        }).filter((entry): entry is [string, string] => entry[1] !== undefined),
      )
      const server = startServer(env)
      expect(await server.exited).toBe(1)
      const lines = server.output().trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(`passport-scorer-ts: invalid configuration: ${message}`)
    },
  )

  it('a bad variable names the variable and exits 1', async () => {
    const server = startServer({ PORT: 'eighty' })
    expect(await server.exited).toBe(1)
    expect(server.output().trim()).toBe(
      'passport-scorer-ts: invalid configuration: PORT: expected an integer, got "eighty"',
    )
  })

  it('embedded: migrates and seeds on first start, serves /health/ and the demo score, stops cleanly on SIGTERM, reuses the data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pst-server-'))
    dirs.push(dir)
    const env = { EMBEDDED_DATA_DIR: join(dir, 'pglite'), PORT: '0' }
    for (const run of [1, 2]) {
      const server = startServer(env)
      await waitFor(() => /listening on (http:\/\/\S+)/.test(server.output()), 60_000)
      const base = /listening on (http:\/\/\S+)/.exec(server.output())![1]!
      const health = await fetch(`${base}/health/`)
      expect(health.status).toBe(200)
      expect(await health.text()).toBe('Ok')
      // The printed curl line works: the demo address passes with the demo key.
      const curl = /X-API-Key: (\S+)' \S+(\/v2\/stamps\/\d+\/score\/0x[0-9a-f]{40})/.exec(server.output())
      expect(curl).not.toBeNull()
      const score = await fetch(`${base}${curl![2]}`, { headers: { 'X-API-Key': curl![1]! } })
      const body = (await score.json()) as {
        passing_score: boolean
        error: string | null
        stamps: Record<string, unknown>
      }
      expect(score.status).toBe(200)
      expect(body.error).toBeNull()
      expect(body.passing_score).toBe(true)
      expect(Object.keys(body.stamps)).toHaveLength(12)
      server.child.kill('SIGTERM')
      expect(await server.exited).toBe(0)
      if (run === 1)
        expect(JSON.parse(await readFile(join(dir, 'demo-credentials.json'), 'utf8')).apiKey).toBe(curl![1])
    }
  }, 120_000)
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { isBuiltin } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seedDemoData, type DemoSeed } from '../../src/dev/demo-seed.js'
import { useTestDatabase } from '../helpers/database.js'
import { ensureServerBuilt, readRowsAfterChild, ROOT } from './dist.js'
import { PRODUCTION_MALLOC_ENV, PRODUCTION_NODE_FLAGS } from '../../scripts/node-flags.js'
import { serviceCommand } from '../../bench/service.js'
import { DEFERRED_FASTIFY_BUILTINS } from '../../scripts/build.js'

// The production runtime as an operator starts it: `npm run build`, then `node dist/server.js`
// (README "Production"). The process is the server itself (PID 1 in the container), so SIGTERM
// reaches it directly and must drain and exit 0.

// The demo passport's 12 stamps under the reference weights (src/dev/demo-seed.ts), as Python
// formats a binary scorer's score (5 decimals).
const DEMO_SCORE = '30.23100'
const PACKAGE = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>
}

interface Started {
  base: string
  output(): string
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
}

function startBuilt(entry: string, env: Record<string, string>): Promise<Started> {
  // Only what a container would set: no DATABASE_URL or settings leak in from the test runner.
  const child = spawn(process.execPath, [...PRODUCTION_NODE_FLAGS, entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: '0',
      LOG_LEVEL: 'info',
      ...PRODUCTION_MALLOC_ENV,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (!match) return
      clearInterval(timer)
      resolve({
        base: match[1]!,
        output: () => output,
        stop: () => {
          child.kill('SIGTERM')
          return exited
        },
      })
    }, 20)
    void exited.then((code) => {
      clearInterval(timer)
      reject(new Error(`dist/server.js exited with ${code} before listening:\n${output}`))
    })
  })
}

async function waitForLine(server: Started, text: string): Promise<void> {
  for (let waited = 0; !server.output().includes(text); waited += 20) {
    if (waited > 10_000) throw new Error(`no ${text} within 10 s:\n${server.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

let entry: string
beforeAll(async () => {
  entry = await ensureServerBuilt()
}, 120_000)

describe('dist/ (npm run build)', () => {
  it('loads from node_modules only packages listed in "dependencies" (npm ci --omit=dev is enough)', async () => {
    const files = [
      entry,
      ...(await readdir(join(ROOT, 'dist/chunks')))
        .filter((name) => name.endsWith('.js'))
        .map((name) => join(ROOT, 'dist/chunks', name)),
    ]
    const specifiers = new Set<string>()
    for (const file of files) {
      const text = await readFile(file, 'utf8')
      // Static imports (esbuild puts them at the start of a line), dynamic imports, and the
      // require() calls of bundled CommonJS code.
      const patterns = [/^import\s[^;]*?from\s*"([^"]+)"/gm, /\bimport\(\s*"([^"]+)"\s*\)/g, /__require\("([^"]+)"\)/g]
      for (const pattern of patterns) for (const match of text.matchAll(pattern)) specifiers.add(match[1]!)
    }
    const packages = [...specifiers]
      .filter((specifier) => !isBuiltin(specifier) && !specifier.startsWith('.'))
      .map((specifier) =>
        specifier
          .split('/')
          .slice(0, specifier.startsWith('@') ? 2 : 1)
          .join('/'),
      )
    expect(packages.length).toBeGreaterThan(0)
    // ws (bundled through viem) tries these native speed-ups inside try/catch and works without them.
    const optionalNativeAddons = new Set(['bufferutil', 'utf-8-validate'])
    for (const name of new Set(packages)) {
      if (!optionalNativeAddons.has(name)) expect(PACKAGE.dependencies, name).toHaveProperty([name])
    }
    // PGlite is reached only through the embedded chunk: a deployment's start never loads it.
    const server = await readFile(entry, 'utf8')
    expect(server).not.toMatch(/["']@electric-sql\/pglite["']/)
    // DIDKit is required on first use or by the warm-up after listening (src/domain/didkit.ts), never at start.
    expect(server).toContain('"@spruceid/didkit-wasm-node"')
    expect(server).not.toMatch(/^import[^;]*?from\s*"@spruceid\/didkit-wasm-node"/m)
  })
})

describe('what the built server loads at start', () => {
  it('not node:http2, node:dns or node:fs/promises (required by fastify or our code only for what a deployment rarely does)', async () => {
    // An invalid PORT stops main() at once, after every module of the bundle has loaded.
    const reportLoaded =
      "process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(process.moduleLoadList)))"
    const { stderr, code } = await new Promise<{ stderr: string; code: number | null }>((resolve) => {
      const child = spawn(
        process.execPath,
        [...PRODUCTION_NODE_FLAGS, '--import', `data:text/javascript,${encodeURIComponent(reportLoaded)}`, entry],
        { cwd: ROOT, env: { PATH: process.env.PATH ?? '', PORT: 'not-a-port' }, stdio: ['ignore', 'ignore', 'pipe'] },
      )
      let text = ''
      child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
      child.on('exit', (exitCode) => resolve({ stderr: text, code: exitCode }))
    })
    expect(code).toBe(1)
    expect(stderr).toContain('invalid configuration')
    const loaded = JSON.parse(stderr.slice(stderr.indexOf('LOADED ') + 'LOADED '.length)) as string[]
    expect(loaded).toContain('NativeModule http')
    expect(loaded).toContain('NativeModule tls')
    for (const name of DEFERRED_FASTIFY_BUILTINS) expect(loaded).not.toContain(`NativeModule ${name}`)
    expect(loaded).not.toContain('NativeModule fs/promises')
  })
})

describe('the production command', () => {
  it('the Dockerfile, README and the bench start node with the settings of scripts/node-flags.ts', async () => {
    const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8')
    expect(dockerfile).toContain(
      `CMD [${['node', ...PRODUCTION_NODE_FLAGS, 'dist/server.js'].map((arg) => JSON.stringify(arg)).join(', ')}]`,
    )
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
    expect(readme).toContain(`node ${PRODUCTION_NODE_FLAGS.join(' ')} dist/server.js`)
    for (const [name, value] of Object.entries(PRODUCTION_MALLOC_ENV)) {
      expect(dockerfile).toMatch(new RegExp(`^\\s+${name}=${value}\\b`, 'm'))
      expect(readme).toContain(`${name}=${value}`)
    }
    const bench = serviceCommand('bundle')
    expect(bench.args.slice(0, -1)).toEqual(PRODUCTION_NODE_FLAGS)
    expect(bench.env).toEqual(PRODUCTION_MALLOC_ENV)
  })
})

describe('node dist/server.js on DATABASE_URL', () => {
  const database = useTestDatabase()
  let seed: DemoSeed
  beforeAll(async () => {
    seed = await seedDemoData(database.sql)
  })

  it('scores a v2 score, then drains and exits 0 on SIGTERM', async () => {
    // The embedded test database serves one connection: the child gets it, this pool lets it go.
    await database.sql.end({ timeout: 5 })
    const server = await startBuilt(entry, {
      DATABASE_URL: database.url,
      TRUSTED_IAM_ISSUERS: JSON.stringify([seed.issuerDid]),
      CGRANTS_API_TOKEN: 'build-test',
      DB_POOL_SIZE: database.isEmbedded ? '1' : '2',
    })
    try {
      expect(server.base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(server.output()).toContain(`curl -s ${server.base}/health/`)
      const response = await fetch(`${server.base}/v2/stamps/${seed.communityId}/score/${seed.address}`, {
        headers: { 'x-api-key': seed.apiKey! },
      })
      const body = (await response.json()) as Record<string, unknown>
      expect(response.status).toBe(200)
      expect(body).toMatchObject({ address: seed.address, score: DEMO_SCORE, passing_score: true, error: null })
      expect(Object.keys(body.stamps as object)).toHaveLength(12)
      // Issue 12: the warm-up (the public score's compilers, DIDKit) runs after listening, and the
      // request above, sent as soon as the server listened, raced it.
      await waitForLine(server, '"msg":"warm-up done"')
      const logged = server.output()
      expect(logged.indexOf('"msg":"listening"')).toBeLessThan(logged.indexOf('"msg":"warm-up done"'))
      expect(logged).not.toContain('warm-up failed')
    } finally {
      expect(await server.stop()).toBe(0)
    }
    expect(server.output()).toContain('shutting down: finishing in-flight requests')
    const rows = await readRowsAfterChild(database.url, seed)
    expect(rows.score?.status).toBe('DONE')
  })
})

describe('node dist/server.js without DATABASE_URL (embedded PGlite)', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  it('finds PGlite and the migrations, seeds the demo, scores it and exits 0 on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pst-build-embedded-'))
    dirs.push(dataDir)
    const server = await startBuilt(entry, { EMBEDDED_DATA_DIR: dataDir })
    try {
      const curl = /X-API-Key: (\S+)' \S+(\/v2\/stamps\/\d+\/score\/0x[0-9a-f]{40})/.exec(server.output())
      expect(curl, server.output()).not.toBeNull()
      const response = await fetch(`${server.base}${curl![2]}`, { headers: { 'x-api-key': curl![1]! } })
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ score: DEMO_SCORE, passing_score: true, error: null })
    } finally {
      expect(await server.stop()).toBe(0)
    }
  }, 180_000)
})

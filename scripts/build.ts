// `npm run build` → dist/server.js (the production server), `npm run build:lambda` → dist/lambda.zip
// (the AWS Lambda package). README "Production" says how each one runs.
//
// The service and its pure-JavaScript dependencies are bundled into one ES module each, so a
// start reads a few files instead of resolving hundreds in node_modules. Packages that find their
// own files on disk next to their code stay external and load from node_modules at run time:
// DIDKit (its .wasm), PGlite (its .wasm, .data and extensions) and swagger-ui (its static assets).
import { execFileSync } from 'node:child_process'
import { cp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { build, type BuildOptions, type Plugin } from 'esbuild'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const DIST = join(ROOT, 'dist')

/** Dependencies loaded from node_modules at run time (each one is in package.json "dependencies"). */
export const RUNTIME_EXTERNALS = [
  '@spruceid/didkit-wasm-node',
  '@electric-sql/pglite',
  '@electric-sql/pglite-socket',
  '@fastify/swagger-ui',
] as const

// Bundled CommonJS packages (fastify, pino, …) call require() for Node's built-ins, which an ES
// module does not have.
const REQUIRE_SHIM =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"

/**
 * fastify's lib/server.js requires node:http2 and node:dns when it loads: the first for an HTTP/2
 * option this service never sets, the second only to listen on `localhost`. With the production node
 * flags node compiles its built-ins from source (scripts/node-flags.ts), and these two cost 6.5 and
 * 2 ms of every start (measured 2026-12-01). In the bundle each is required on first use instead.
 * The build fails if fastify's lines change, so a new fastify cannot silently undo it.
 */
export const DEFERRED_FASTIFY_BUILTINS = ['http2', 'dns'] as const
const eagerRequire = (name: string): string => `const ${name} = require('node:${name}')`
const lazyRequire = (name: string): string =>
  `const ${name} = new Proxy({}, { get: (_target, key) => require('node:${name}')[key] })`
const fastifyLazyBuiltins: Plugin = {
  name: 'fastify-lazy-builtins',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]fastify[\\/]lib[\\/]server\.js$/ }, async (args) => {
      let source = await readFile(args.path, 'utf8')
      for (const name of DEFERRED_FASTIFY_BUILTINS) {
        if (source.split(eagerRequire(name)).length !== 2)
          throw new Error(`${args.path}: expected one \`${eagerRequire(name)}\` (a new fastify? see scripts/build.ts)`)
        source = source.replace(eagerRequire(name), lazyRequire(name))
      }
      return { contents: source, loader: 'js' }
    })
  },
}

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: [...RUNTIME_EXTERNALS],
  banner: { js: REQUIRE_SHIM },
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
  plugins: [fastifyLazyBuiltins],
}

/** dist/server.js, its lazily loaded chunks (the embedded mode) and the migrations they read. */
export async function buildServer(outDir: string = DIST): Promise<void> {
  for (const old of ['server.js', 'server.js.map', 'server.js.LEGAL.txt', 'chunks'])
    await rm(join(outDir, old), { recursive: true, force: true })
  await build({
    ...common,
    entryPoints: { server: join(ROOT, 'src/server.ts') },
    outdir: outDir,
    // The embedded database, the migrations runner and the demo seed are dynamic imports of
    // src/server.ts: as chunks of their own they cost nothing unless DATABASE_URL is unset.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    // A third less for V8 to parse at every start (2.4 → 1.6 MB); identifiers are kept, so a
    // stack trace in the logs still names the functions (the source map has the lines).
    minifyWhitespace: true,
    minifySyntax: true,
  })
  // src/db/migrate.ts reads ./migrations/ next to its own module, which is now a chunk in dist/chunks/.
  await cp(join(ROOT, 'src/db/migrations'), join(outDir, 'chunks/migrations'), { recursive: true })
}

/**
 * The directory of `name` as Node would find it from `fromDir`: the nearest node_modules up the
 * tree (npm hoists most packages to the top, but nests a conflicting version under its parent).
 */
async function packageDir(name: string, fromDir: string): Promise<string> {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    if (await stat(join(candidate, 'package.json')).catch(() => undefined)) return candidate
    if (dirname(dir) === dir) throw new Error(`${name}: not installed (needed from ${fromDir})`)
  }
}

/** Every installed package directory `names` need at run time, their own dependencies included. */
async function dependencyClosure(names: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>()
  const visit = async (name: string, fromDir: string): Promise<void> => {
    const dir = await packageDir(name, fromDir)
    if (found.has(dir)) return
    found.add(dir)
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>
    }
    for (const dependency of Object.keys(manifest.dependencies ?? {})) await visit(dependency, dir)
  }
  for (const name of names) await visit(name, ROOT)
  return found
}

/** Packages the Lambda handler loads from node_modules: the externals it can reach (no PGlite). */
const LAMBDA_EXTERNALS = ['@spruceid/didkit-wasm-node', '@fastify/swagger-ui'] as const

/**
 * dist/lambda.zip: index.mjs (the handler, `index.handler`) and the node_modules of the
 * externals it loads. Staged in dist/lambda/ so a test can run exactly what is zipped.
 */
export async function buildLambda(outDir: string = DIST): Promise<{ zip: string; bytes: number }> {
  const stage = join(outDir, 'lambda')
  const zip = join(outDir, 'lambda.zip')
  await rm(stage, { recursive: true, force: true })
  await rm(zip, { force: true })
  await build({
    ...common,
    entryPoints: [join(ROOT, 'src/lambda.ts')],
    outfile: join(stage, 'index.mjs'),
    // A Lambda reads its package from a read-only directory once; the maps would only weigh.
    sourcemap: false,
    legalComments: 'none',
    minify: true,
  })
  for (const dir of await dependencyClosure(LAMBDA_EXTERNALS)) {
    await cp(dir, join(stage, relative(ROOT, dir)), {
      recursive: true,
      // Nested node_modules are copied on their own when the closure reaches them.
      filter: (source) => !relative(dir, source).split('/').includes('node_modules'),
    })
  }
  await writeFile(join(stage, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`)
  // `zip -X` leaves out extra file attributes, so the same input gives the same archive bytes.
  execFileSync('zip', ['-q', '-r', '-X', zip, '.'], { cwd: stage, stdio: 'inherit' })
  return { zip, bytes: (await stat(zip)).size }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { lambda: { type: 'boolean', default: false } } })
  if (values.lambda) {
    const { zip, bytes } = await buildLambda()
    process.stdout.write(
      `${relative(ROOT, zip)}: ${(bytes / 1048576).toFixed(1)} MB; handler: index.handler (Node.js 20)\n`,
    )
  } else {
    await buildServer()
    const files = await listFiles(join(DIST, 'chunks'))
    process.stdout.write(`dist/server.js and ${files.length} chunk files; start it with: node dist/server.js\n`)
  }
}

import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildLambda, buildServer } from '../../scripts/build.js'

// The tests run what `npm run build` and `npm run build:lambda` produce. A build already in dist/
// is reused when it is newer than every source file and the lock file (CI may build first);
// otherwise it is built here, once per test file.

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const SERVER_ENTRY = join(ROOT, 'dist/server.js')
export const LAMBDA_ZIP = join(ROOT, 'dist/lambda.zip')

async function newestSourceMs(): Promise<number> {
  const entries = await readdir(join(ROOT, 'src'), { recursive: true, withFileTypes: true })
  const files = [
    ...entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name)),
    join(ROOT, 'package-lock.json'),
    join(ROOT, 'scripts/build.ts'),
  ]
  const times = await Promise.all(files.map(async (file) => (await stat(file)).mtimeMs))
  return Math.max(...times)
}

async function isFresh(output: string): Promise<boolean> {
  const built = await stat(output).catch(() => undefined)
  return built !== undefined && built.mtimeMs > (await newestSourceMs())
}

export async function ensureServerBuilt(): Promise<string> {
  if (!(await isFresh(SERVER_ENTRY))) await buildServer()
  return SERVER_ENTRY
}

export async function ensureLambdaBuilt(): Promise<string> {
  if (!(await isFresh(LAMBDA_ZIP))) await buildLambda()
  return LAMBDA_ZIP
}

import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildLambda, buildServer } from '../../scripts/build.js'
import { createSql } from '../../src/db/pool.js'
import type { DemoSeed } from '../../src/dev/demo-seed.js'
import { readScoringRows, type ScoringRows } from '../helpers/factories/scoring-rows.js'

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

/** The rows the child wrote, through a pool of our own opened once the child has let go. */
export async function readRowsAfterChild(url: string, seed: DemoSeed): Promise<ScoringRows> {
  const sql = createSql({ url, max: 1, prepare: false })
  try {
    return await readScoringRows(sql, seed.address, seed.communityId)
  } finally {
    await sql.end({ timeout: 5 })
  }
}

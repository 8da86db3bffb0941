import { beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import type { StampCredential } from '../../src/dev/stamp-issuer.js'
import { signFixtureStamps, tampered } from '../helpers/factories/signed-stamps.js'

// Issue 12: DIDKit's WebAssembly compiles in the background from the server's start, the rest of
// its load runs once the server listens, and a verification racing either gets the right answer.
// Each case runs in a fresh node process: this one has DIDKit loaded already (the stamps are signed
// with it), and the point is what happens before anything has loaded it.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const run = promisify(execFile)

// Prints one JSON line: whether DIDKit's module was loaded at each point, and the verification errors.
const CHILD = `
import { createRequire } from 'node:module'
import { loadDidKit, prepareDidKit, startDidKitCompile } from './src/domain/didkit.ts'
import { verifyCredentialJson } from './src/domain/credential-verifier.ts'
const require = createRequire(import.meta.url)
const isLoaded = () => Object.keys(require.cache).some((file) => file.endsWith('didkit_wasm.js'))
const [genuine, forged] = JSON.parse(process.env.STAMPS)
const order = process.env.ORDER
startDidKitCompile()
const afterCompileStarted = isLoaded()
let prepared
if (order === 'prepare-first') prepared = prepareDidKit()
const results = await Promise.all([verifyCredentialJson(genuine), verifyCredentialJson(forged)])
if (order === 'verify-first') prepared = prepareDidKit()
await prepared
await loadDidKit()
process.stdout.write(JSON.stringify({ afterCompileStarted, loadedAtEnd: isLoaded(), results }))
`

interface ChildReport {
  afterCompileStarted: boolean
  loadedAtEnd: boolean
  results: string[][]
}

let stamps: [StampCredential, StampCredential]
beforeAll(async () => {
  const { nullifierStamp } = await signFixtureStamps()
  stamps = [nullifierStamp, tampered(nullifierStamp, (c) => (c.credentialSubject.provider = 'TrustaLabs'))]
})

async function runChild(order: 'prepare-first' | 'verify-first'): Promise<ChildReport> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    cwd: ROOT,
    env: { ...process.env, STAMPS: JSON.stringify(stamps.map((stamp) => JSON.stringify(stamp))), ORDER: order },
  })
  return JSON.parse(stdout) as ChildReport
}

describe('DIDKit loading (src/domain/didkit.ts, issue 12)', () => {
  it.each(['prepare-first', 'verify-first'] as const)(
    '%s: starting the compile loads nothing; verifications racing the background load are right',
    async (order) => {
      const report = await runChild(order)
      expect(report.afterCompileStarted).toBe(false)
      expect(report.loadedAtEnd).toBe(true)
      expect(report.results[0]).toEqual([])
      expect(report.results[1]!.length).toBeGreaterThan(0)
    },
  )
})

import { existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build } from 'esbuild'
import { chromium, type Browser } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { buildTestApp, scoringTestConfig } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { signStamps } from '../helpers/factories/scoring.js'
import { setUpCeramicCache } from '../helpers/jwt.js'

// Issue 13 item 5: the Passport app's whole flow from a real browser on another origin — D23 (CORS,
// preflights included), endpoints §5.7 and §5.6 (nonce, SIWE login), §5.1 (add stamps), Endpoint 6
// (score) and §5.3 (delete) — asserting what the page rendered and the rows written.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const chromiumPresent = existsSync(CHROMIUM)
// CI installs Chromium (.ci/run) and sets REQUIRE_BROWSER: there, a missing browser is a failure.
if (!chromiumPresent && process.env.REQUIRE_BROWSER)
  throw new Error(`REQUIRE_BROWSER is set but ${CHROMIUM} is missing`)
if (!chromiumPresent)
  console.warn(`browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`)

const RENDERED_IDS = ['nonce', 'login', 'added', 'score', 'deleted', 'done', 'error'] as const
const PAGE_SCRIPT = fileURLToPath(new URL('./page/passport-app.js', import.meta.url))

let database: TestDatabase
let api: FastifyInstance
let pageServer: Server
let browser: Browser
let pageOrigin: string
let pageHtml = ''
let pageScript = ''

const privateKey = generatePrivateKey()
const wallet = privateKeyToAccount(privateKey)
const address = wallet.address.toLowerCase()

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

describe.skipIf(!chromiumPresent)('the Passport app in Chromium, from another origin', () => {
  beforeAll(async () => {
    pageServer = createServer((request, response) => {
      if (request.url === '/app.js') {
        response.setHeader('content-type', 'text/javascript')
        response.end(pageScript)
        return
      }
      response.setHeader('content-type', 'text/html; charset=utf-8')
      response.end(pageHtml)
    })
    pageOrigin = `http://127.0.0.1:${await listen(pageServer)}`

    database = await createTestDatabase()
    const ceramic = await setUpCeramicCache(database.sql, { weights: { Google: 1.5, Ens: 2 } })
    const config = await scoringTestConfig({
      ...ceramic.env,
      SIWE_JWT_PRIVATE_KEY: ceramic.keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      SIWE_ALLOWED_DOMAINS_CERAMIC_CACHE: JSON.stringify([new URL(pageOrigin).host]),
    })
    api = await buildTestApp(database.sql, config)
    await api.listen({ port: 0, host: '127.0.0.1' })
    const apiOrigin = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`

    const credentials = await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }])
    const pageConfig = {
      api: apiOrigin,
      privateKey,
      stamps: credentials.map((credential) => ({ provider: credential.credentialSubject.provider, stamp: credential })),
      deleteProvider: 'Ens',
    }
    pageHtml = `<!doctype html><meta charset="utf-8"><title>Passport (test)</title>
<script>window.PASSPORT_TEST_CONFIG = ${JSON.stringify(pageConfig)}</script>
${RENDERED_IDS.map((id) => `<p id="${id}"></p>`).join('\n')}
<script type="module" src="/app.js"></script>`
    const bundle = await build({
      entryPoints: [PAGE_SCRIPT],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'silent',
    })
    pageScript = bundle.outputFiles[0]!.text
    browser = await chromium.launch({ executablePath: CHROMIUM })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await api?.close()
    pageServer?.closeAllConnections()
    await new Promise((resolve) => pageServer?.close(resolve))
    await database?.close()
  })

  it('logs in with SIWE, adds stamps, reads the score and deletes a stamp, all cross-origin', async () => {
    const page = await browser.newPage()
    // What reached the API, preflights included (the browser sends those on its own).
    const seen: string[] = []
    const record = (request: IncomingMessage) =>
      seen.push(`${request.method} ${request.url} ${request.headers.origin === pageOrigin ? 'cross-origin' : 'same'}`)
    api.server.on('request', record)
    await page.goto(`${pageOrigin}/`)
    await page.locator('#done:not(:empty), #error:not(:empty)').first().waitFor({ timeout: 60_000 })
    const rendered: Record<string, string | null> = {}
    for (const id of RENDERED_IDS) rendered[id] = await page.locator(`#${id}`).textContent()
    await page.close()
    api.server.off('request', record)
    expect(rendered).toEqual({
      nonce: JSON.stringify({ status: 200, length: 60 }),
      login: JSON.stringify({ status: 200, hasToken: true }),
      added: JSON.stringify({ status: 201, providers: ['Ens', 'Google'], score: '3.50000' }),
      score: JSON.stringify({ status: 200, score: '3.50000', passing: false }),
      deleted: JSON.stringify({ status: 200, providers: ['Google'] }),
      done: 'done',
      error: '',
    })

    // GET /account/nonce is a simple request; the JSON and Authorization calls are preflighted.
    expect(seen).toEqual([
      'GET /account/nonce cross-origin',
      'OPTIONS /ceramic-cache/authenticate/v2 cross-origin',
      'POST /ceramic-cache/authenticate/v2 cross-origin',
      'OPTIONS /ceramic-cache/stamps/bulk cross-origin',
      'POST /ceramic-cache/stamps/bulk cross-origin',
      `OPTIONS /ceramic-cache/score/${address} cross-origin`,
      `GET /ceramic-cache/score/${address} cross-origin`,
      'DELETE /ceramic-cache/stamps/bulk cross-origin',
    ])

    const stamps = await database.sql<{ provider: string; deleted: boolean; source_app: number | null }[]>`
      select provider, deleted_at is not null as deleted, source_app
      from ceramic_cache_ceramiccache where address = ${address} order by provider`
    expect(stamps).toEqual([
      { provider: 'Ens', deleted: true, source_app: 1 },
      { provider: 'Google', deleted: false, source_app: 1 },
    ])
    const nonces = await database.sql<{ was_used: boolean }[]>`select was_used from account_nonce`
    expect(nonces).toEqual([{ was_used: true }])
    // The DELETE re-scored: the stored score counts Google alone (binary scorer: 0 below the threshold).
    const [score] = await database.sql<{ score: string; status: string; stamp_scores: unknown; raw: string }[]>`
      select s.score::text, s.status, s.stamp_scores, s.evidence->>'rawScore' as raw
      from registry_score s join registry_passport p on p.id = s.passport_id
      where p.address = ${address}`
    expect(score).toEqual({ score: '0.000000000', status: 'DONE', stamp_scores: { Google: 1.5 }, raw: '1.5' })
  })
})

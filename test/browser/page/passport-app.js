/* global document, window, fetch */
// The Passport app's calls, run in Chromium from another origin (test/browser/passport-app.test.ts):
// log in with SIWE (nonce, a message signed in the page, the token), add stamps, read the score,
// delete a stamp — each a cross-origin fetch with Authorization — and write what came back into the
// page. The wallet is a private key the test hands over: the page stands in for the user's wallet.
import { privateKeyToAccount } from 'viem/accounts'
import { createSiweMessage } from 'viem/siwe'

const config = window.PASSPORT_TEST_CONFIG

function show(id, value) {
  document.getElementById(id).textContent = typeof value === 'string' ? value : JSON.stringify(value)
}

async function call(method, path, { token, body } = {}) {
  const headers = {}
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(`${config.api}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: response.status, body: await response.json() }
}

async function run() {
  const wallet = privateKeyToAccount(config.privateKey)
  const nonce = await call('GET', '/account/nonce')
  show('nonce', { status: nonce.status, length: nonce.body.nonce.length })

  const issuedAt = new Date()
  const message = {
    domain: window.location.host,
    address: wallet.address,
    statement: 'Sign in to Passport',
    uri: window.location.origin,
    version: '1',
    chainId: 1,
    nonce: nonce.body.nonce,
    issuedAt: issuedAt.toISOString(),
  }
  const signature = await wallet.signMessage({ message: createSiweMessage({ ...message, issuedAt }) })
  const login = await call('POST', '/ceramic-cache/authenticate/v2', { body: { message, signature } })
  show('login', { status: login.status, hasToken: typeof login.body.access === 'string' })
  const token = login.body.access

  const added = await call('POST', '/ceramic-cache/stamps/bulk', { token, body: config.stamps })
  show('added', {
    status: added.status,
    providers: added.body.stamps.map((stamp) => stamp.provider),
    score: added.body.score.score,
  })

  const score = await call('GET', `/ceramic-cache/score/${wallet.address.toLowerCase()}`, { token })
  show('score', { status: score.status, score: score.body.score, passing: score.body.passing_score })

  const deleted = await call('DELETE', '/ceramic-cache/stamps/bulk', {
    token,
    body: [{ provider: config.deleteProvider }],
  })
  show('deleted', { status: deleted.status, providers: deleted.body.stamps.map((stamp) => stamp.provider) })
  show('done', 'done')
}

run().catch((error) => show('error', String(error)))

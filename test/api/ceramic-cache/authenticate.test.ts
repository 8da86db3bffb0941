import { createPublicKey } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import { encodeAbiParameters, hashMessage, parseAbiParameters } from 'viem'
import { buildTestApp, testConfig, useTestApp } from '../../helpers/app.js'
import type { Config } from '../../../src/config.js'
import { generateSiweKeyPair, type SiweKeyPair } from '../../helpers/jwt.js'
import { startTestRpcServer, type TestRpcServer } from '../../helpers/json-rpc-server.js'
import { newWallet, signedLogin, SIWE_DOMAIN, siweFields, siweText } from '../../helpers/siwe.js'

// endpoints §5.6: POST /ceramic-cache/authenticate/v2 (and /authenticate), every check in order.

let keys: SiweKeyPair
let rpc: TestRpcServer
beforeAll(async () => {
  rpc = await startTestRpcServer()
})
afterAll(async () => rpc.close())

const ctx = useTestApp({
  config: () => {
    keys = generateSiweKeyPair()
    return testConfig({
      SIWE_JWT_PUBLIC_KEY: keys.publicKeyPem,
      SIWE_JWT_PRIVATE_KEY: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      SIWE_ALLOWED_DOMAINS_CERAMIC_CACHE: JSON.stringify(['other.example', SIWE_DOMAIN.toUpperCase()]),
      ETH_RPC_URL: rpc.url,
    })
  },
})

async function newNonce(app = ctx.app): Promise<string> {
  return (await app.inject({ method: 'GET', url: '/account/nonce' })).json<{ nonce: string }>().nonce
}

async function nonceUsed(nonce: string): Promise<boolean> {
  const [row] = await ctx.database.sql<{ was_used: boolean }[]>`
    select was_used from account_nonce where nonce = ${nonce}`
  return row!.was_used
}

const login = (body: unknown, url = '/ceramic-cache/authenticate/v2', app = ctx.app) =>
  app.inject({ method: 'POST', url, payload: body as object })

const refusal = (detail: string) => ({ status: 400, body: { detail } })
const outcome = (response: { statusCode: number; json: () => unknown }) => ({
  status: response.statusCode,
  body: response.json(),
})

describe('success', () => {
  it.each(['/ceramic-cache/authenticate/v2', '/ceramic-cache/authenticate'])(
    '%s: an EOA-signed message → 200 with an RS256 token of Python’s claims; the nonce is spent; no RPC call',
    async (url) => {
      const wallet = newWallet()
      const nonce = await newNonce()
      const callsBefore = rpc.calls.length
      const response = await login(await signedLogin(wallet, nonce), url)
      expect(response.statusCode).toBe(200)
      const body = response.json<{ access: string; intercom_user_hash: null }>()
      expect(Object.keys(body)).toEqual(['access', 'intercom_user_hash'])
      expect(body.intercom_user_hash).toBeNull()
      expect(decodeProtectedHeader(body.access)).toEqual({ alg: 'RS256', typ: 'JWT' })
      const { payload } = await jwtVerify(body.access, createPublicKey(keys.publicKeyPem), { algorithms: ['RS256'] })
      expect(payload).toEqual({
        did: `did:pkh:eip155:1:${wallet.address.toLowerCase()}`,
        token_type: 'access',
        iat: expect.any(Number),
        exp: (payload.iat as number) + 7 * 86_400,
        jti: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        iss: 'passport-scorer',
      })
      expect(await nonceUsed(nonce)).toBe(true)
      expect(rpc.calls.length).toBe(callsBefore)
      // The token opens the JWT routes.
      const stakes = await ctx.app.inject({
        method: 'GET',
        url: '/ceramic-cache/stake/gtc',
        headers: { authorization: `Bearer ${body.access}` },
      })
      expect({ status: stakes.statusCode, body: stakes.json() }).toEqual({ status: 200, body: { items: [] } })
    },
  )

  it('a lower-case address, no statement, every optional field and a nonce in upper case are accepted', async () => {
    const wallet = newWallet()
    const nonce = await newNonce()
    const message = siweFields(wallet.address.toLowerCase(), nonce.toUpperCase(), {
      statement: undefined,
      expirationTime: new Date(Date.now() + 600_000).toISOString(),
      notBefore: new Date(Date.now() - 60_000).toISOString(),
      requestId: 'req-1',
      resources: ['https://app.passport.xyz/a', 'ipfs://bafy'],
    })
    // What the wallet signs carries the checksum address, as siwe-py re-writes it.
    const signature = await wallet.signMessage({ message: siweText({ ...message, address: wallet.address }) })
    const response = await login({ message, signature })
    expect(response.statusCode).toBe(200)
    expect(await nonceUsed(nonce)).toBe(true)
  })

  it('a smart wallet: ERC-6492 deployless eth_call to the RPC URL that answers valid → 200 for the contract address', async () => {
    const contract = newWallet().address
    const nonce = await newNonce()
    const message = siweFields(contract, nonce)
    const signature = `0x${'ab'.repeat(65)}`
    rpc.answer('valid')
    const callsBefore = rpc.calls.length
    const response = await login({ message, signature })
    expect(response.statusCode).toBe(200)
    const calls = rpc.calls.slice(callsBefore).filter((call) => call.method === 'eth_call')
    expect(calls).toHaveLength(1)
    const [tx, block] = calls[0]!.params as [{ to?: string; data: string }, string]
    expect(tx.to).toBeUndefined()
    expect(block).toBe('latest')
    expect(tx.data).toContain(contract.slice(2).toLowerCase())
    expect(tx.data).toContain(hashMessage(siweText(message)).slice(2))
    expect(tx.data).toContain('ab'.repeat(65))
    rpc.answer('invalid')
  })

  it('a counterfactual wallet: an ERC-6492-wrapped signature goes to the same deployless eth_call', async () => {
    const contract = newWallet().address
    const nonce = await newNonce()
    const message = siweFields(contract, nonce)
    const magic = '6492'.repeat(16)
    const wrapped = encodeAbiParameters(parseAbiParameters('address, bytes, bytes'), [
      newWallet().address,
      '0xdeadbeef',
      `0x${'ef'.repeat(65)}`,
    ])
    rpc.answer('valid')
    const callsBefore = rpc.calls.length
    const response = await login({ message, signature: `${wrapped}${magic}` })
    rpc.answer('invalid')
    expect(response.statusCode).toBe(200)
    const [call] = rpc.calls.slice(callsBefore).filter((entry) => entry.method === 'eth_call')
    expect((call!.params[0] as { data: string }).data).toContain(magic)
  })
})

describe('refusals, in Python’s order', () => {
  it.each<[string, string, (nonce: string) => Record<string, unknown>]>([
    ['no address', 'Missing address or nonce!', (nonce) => ({ nonce })],
    ['an empty address', 'Missing address or nonce!', (nonce) => ({ ...siweFields('', nonce) })],
    ['no nonce', 'Missing address or nonce!', () => ({ address: newWallet().address })],
    ['not an address', 'Invalid address format!', (nonce) => siweFields('0x1234', nonce) as never],
    [
      'a bad address before a bad domain',
      'Invalid address format!',
      (nonce) => siweFields('zz', nonce, { domain: 'evil.example' }) as never,
    ],
    [
      'a domain not allowed',
      'Verification failed!',
      (nonce) => siweFields(newWallet().address, nonce, { domain: 'evil.example' }) as never,
    ],
    [
      'no domain',
      'Verification failed!',
      (nonce) => ({ ...siweFields(newWallet().address, nonce), domain: undefined }),
    ],
    [
      'an expired message',
      'Verification failed!',
      (nonce) =>
        siweFields(newWallet().address, nonce, { expirationTime: new Date(Date.now() - 1000).toISOString() }) as never,
    ],
    [
      'an empty expirationTime',
      'Verification failed!',
      (nonce) => siweFields(newWallet().address, nonce, { expirationTime: '' }) as never,
    ],
    [
      'a naive expirationTime',
      'Verification failed!',
      (nonce) => siweFields(newWallet().address, nonce, { expirationTime: '2999-01-01T00:00:00' }) as never,
    ],
  ])('%s → 400 %s, the nonce untouched', async (_name, detail, build) => {
    const nonce = await newNonce()
    const response = await login({ message: build(nonce), signature: '0x00' })
    expect(outcome(response)).toEqual(refusal(detail))
    expect(await nonceUsed(nonce)).toBe(false)
  })

  it('an unknown, a used or an expired nonce → 400 Invalid nonce!', async () => {
    const wallet = newWallet()
    expect(outcome(await login(await signedLogin(wallet, 'f'.repeat(60))))).toEqual(refusal('Invalid nonce!'))
    const used = await newNonce()
    expect((await login(await signedLogin(wallet, used))).statusCode).toBe(200)
    expect(outcome(await login(await signedLogin(wallet, used)))).toEqual(refusal('Invalid nonce!'))
    const expired = await newNonce()
    await ctx.database.sql`update account_nonce set expires_on = now() - interval '1 second' where nonce = ${expired}`
    expect(outcome(await login(await signedLogin(wallet, expired)))).toEqual(refusal('Invalid nonce!'))
    expect(await nonceUsed(expired)).toBe(false)
  })

  it('a signature by another key → 400 Invalid signature! after the RPC said invalid; the nonce is spent', async () => {
    const wallet = newWallet()
    const nonce = await newNonce()
    const { message } = await signedLogin(wallet, nonce)
    const signature = await newWallet().signMessage({ message: siweText(message) })
    rpc.answer('invalid')
    const callsBefore = rpc.calls.length
    expect(outcome(await login({ message, signature }))).toEqual(refusal('Invalid signature!'))
    expect(rpc.calls.slice(callsBefore).some((call) => call.method === 'eth_call')).toBe(true)
    expect(await nonceUsed(nonce)).toBe(true)
  })

  it('a signature over other text (another statement) → Invalid signature!', async () => {
    const wallet = newWallet()
    const nonce = await newNonce()
    const { message, signature } = await signedLogin(wallet, nonce)
    expect(outcome(await login({ message: { ...message, statement: 'Something else' }, signature }))).toEqual(
      refusal('Invalid signature!'),
    )
  })

  it('a signature that is not hex → Invalid signature!', async () => {
    const nonce = await newNonce()
    const message = siweFields(newWallet().address, nonce)
    expect(outcome(await login({ message, signature: 'not-hex' }))).toEqual(refusal('Invalid signature!'))
  })

  it('an RPC that does not answer within 5 s → Invalid signature!', { timeout: 20_000 }, async () => {
    const nonce = await newNonce()
    const message = siweFields(newWallet().address, nonce)
    rpc.answer({ stallMs: 8_000 })
    const started = Date.now()
    const response = await login({ message, signature: `0x${'cd'.repeat(65)}` })
    const elapsed = Date.now() - started
    rpc.answer('invalid')
    expect(outcome(response)).toEqual(refusal('Invalid signature!'))
    expect(elapsed).toBeGreaterThanOrEqual(4_900)
    expect(elapsed).toBeLessThan(7_900)
  })

  it.each<[string, Record<string, unknown>]>([
    ['version 2', { version: '2' }],
    ['a uri that is not one', { uri: 'not a uri' }],
    ['an unreadable issuedAt', { issuedAt: 'yesterday' }],
    ['a statement over two lines', { statement: 'a\nb' }],
  ])(
    'a message siwe-py cannot build (%s) → 400 Authentication failed!, after the nonce was spent',
    async (_name, change) => {
      const wallet = newWallet()
      const nonce = await newNonce()
      const { message, signature } = await signedLogin(wallet, nonce)
      expect(outcome(await login({ message: { ...message, ...change }, signature }))).toEqual(
        refusal('Authentication failed!'),
      )
      expect(await nonceUsed(nonce)).toBe(true)
    },
  )
})

describe('body validation (422, endpoints Appendix E.6)', () => {
  it.each<[string, unknown, unknown[]]>([
    [
      'message not an object',
      { message: 'x', signature: '0x' },
      [{ type: 'dict_type', loc: ['body', 'payload', 'message'], msg: 'Input should be a valid dictionary' }],
    ],
    [
      'no message',
      { signature: '0x' },
      [{ type: 'missing', loc: ['body', 'payload', 'message'], msg: 'Field required' }],
    ],
    [
      'no signature',
      { message: {} },
      [{ type: 'missing', loc: ['body', 'payload', 'signature'], msg: 'Field required' }],
    ],
  ])('%s', async (_name, body, detail) => {
    expect(outcome(await login(body))).toEqual({ status: 422, body: { detail } })
  })
})

describe('configuration', () => {
  /** A new wallet's valid login, on an app built with `config`. */
  async function loginOutcomeWith(config: Config) {
    const app = await buildTestApp(ctx.database.sql, config)
    try {
      return outcome(await login(await signedLogin(newWallet(), await newNonce(app)), undefined, app))
    } finally {
      await app.close()
    }
  }

  it('without SIWE_JWT_PRIVATE_KEY a valid login is 400 Authentication failed! (jwt.encode without a key)', async () => {
    const config = testConfig({
      SIWE_ALLOWED_DOMAINS_CERAMIC_CACHE: JSON.stringify([SIWE_DOMAIN]),
      ETH_RPC_URL: rpc.url,
    })
    expect(await loginOutcomeWith(config)).toEqual(refusal('Authentication failed!'))
  })

  it('without SIWE_ALLOWED_DOMAINS_CERAMIC_CACHE every login is refused (Python fails closed)', async () => {
    expect(await loginOutcomeWith(testConfig({ ETH_RPC_URL: rpc.url }))).toEqual(refusal('Verification failed!'))
  })
})

import { describe, expect, it } from 'vitest'
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts'
import { scoringTestConfig, useTestApp } from '../../helpers/app.js'
import { randomAddress } from '../../helpers/factories/accounts.js'
import { setUpCeramicCache, type CeramicCacheSetup } from '../../helpers/jwt.js'

// endpoints §5.10–§5.12: the terms-of-service routes (Python's tos app).

let ceramic: CeramicCacheSetup
let activeTosId: number
const CONTENT = 'Identity staking terms.\nBe nice.'
const ctx = useTestApp({
  config: async ({ sql }) => {
    ceramic = await setUpCeramicCache(sql, { weights: { Google: 1 } })
    const [active] = await sql<{ id: number }[]>`
      insert into tos_tos (created_at, modified_at, type, active, final, content)
      values (now(), now(), 'IST', true, true, ${CONTENT}) returning id`
    activeTosId = Number(active!.id)
    await sql`insert into tos_tos (created_at, modified_at, type, active, final, content)
              values (now(), now(), 'IST', false, true, 'old terms'), (now(), now(), 'DRA', true, false, 'draft')`
    return scoringTestConfig(ceramic.env)
  },
})

const get = async (url: string, address = randomAddress()) =>
  ctx.app.inject({ method: 'GET', url, headers: await ceramic.bearer(address) })
const sign = async (body: unknown, url = `/ceramic-cache/tos/signed-message/IST/${randomAddress()}`) =>
  ctx.app.inject({ method: 'POST', url, headers: await ceramic.bearer(randomAddress()), payload: body as object })
const outcome = (response: { statusCode: number; body: string }) => ({
  status: response.statusCode,
  body: response.body === '' ? '' : (JSON.parse(response.body) as unknown),
})

async function messageToSign(): Promise<{ text: string; nonce: string }> {
  return (await get(`/ceramic-cache/tos/message-to-sign/IST/${randomAddress()}`)).json()
}

describe('terms of service (endpoints §5.10–§5.12)', () => {
  it('message-to-sign: the active final terms, a blank line and the nonce; the nonce row has no expiry', async () => {
    const response = await get(`/ceramic-cache/tos/message-to-sign/IST/${randomAddress()}`)
    expect(response.statusCode).toBe(200)
    const { text, nonce } = response.json<{ text: string; nonce: string }>()
    expect(Object.keys(response.json())).toEqual(['text', 'nonce'])
    expect(nonce).toMatch(/^[0-9a-f]{60}$/)
    expect(text).toBe(`${CONTENT}\n\nNonce: ${nonce}`)
    const [row] = await ctx.database.sql<{ expires_on: string | null; was_used: boolean }[]>`
      select expires_on, was_used from account_nonce where nonce = ${nonce}`
    expect(row).toEqual({ expires_on: null, was_used: false })
  })

  it('message-to-sign for a type without active final terms → 404 (Python: 500)', async () => {
    for (const type of ['DRA', 'XYZ'])
      expect(outcome(await get(`/ceramic-cache/tos/message-to-sign/${type}/${randomAddress()}`))).toEqual({
        status: 404,
        body: { detail: 'Not Found' },
      })
  })

  it('signed-message stores the proof of the signer, once; accepted then says true for that address only', async () => {
    const wallet = privateKeyToAccount(generatePrivateKey())
    const { text, nonce } = await messageToSign()
    const signature = await wallet.signMessage({ message: text })
    const response = await sign({ tos_type: 'IST', nonce, signature })
    expect({ status: response.statusCode, body: response.body }).toEqual({ status: 200, body: 'null' })
    const proofs = await ctx.database.sql<{ address: string; signature: string; nonce: string; tos_id: number }[]>`
      select address, signature, nonce, tos_id from tos_tosacceptanceproof where address = ${wallet.address.toLowerCase()}`
    expect(proofs.map((proof) => ({ ...proof, tos_id: Number(proof.tos_id) }))).toEqual([
      { address: wallet.address.toLowerCase(), signature: signature.toLowerCase(), nonce, tos_id: activeTosId },
    ])
    const [used] = await ctx.database.sql<
      { was_used: boolean }[]
    >`select was_used from account_nonce where nonce = ${nonce}`
    expect(used!.was_used).toBe(true)

    // A second acceptance by the same signer keeps the first proof (get_or_create).
    const again = await messageToSign()
    expect(
      (
        await sign({
          tos_type: 'IST',
          nonce: again.nonce,
          signature: await wallet.signMessage({ message: again.text }),
        })
      ).statusCode,
    ).toBe(200)
    const [count] = await ctx.database.sql<{ n: number }[]>`
      select count(*)::int as n from tos_tosacceptanceproof where address = ${wallet.address.toLowerCase()}`
    expect(count!.n).toBe(1)

    const accepted = await get(`/ceramic-cache/tos/accepted/IST/${wallet.address}`)
    expect(outcome(accepted)).toEqual({ status: 200, body: { accepted: true } })
    expect(outcome(await get(`/ceramic-cache/tos/accepted/IST/${randomAddress()}`))).toEqual({
      status: 200,
      body: { accepted: false },
    })
    expect(outcome(await get(`/ceramic-cache/tos/accepted/DRA/${wallet.address}`))).toEqual({
      status: 200,
      body: { accepted: false },
    })
  })

  it('a used or unknown nonce, a signature that recovers nothing, unknown terms → 400', async () => {
    const failed = { status: 400, body: { detail: 'Failed to process the tos acceptance proof' } }
    const wallet = privateKeyToAccount(generatePrivateKey())
    const { text, nonce } = await messageToSign()
    const signature = await wallet.signMessage({ message: text })
    expect(outcome(await sign({ tos_type: 'IST', nonce, signature }))).toEqual({ status: 200, body: null })
    expect(outcome(await sign({ tos_type: 'IST', nonce, signature }))).toEqual(failed)
    expect(outcome(await sign({ tos_type: 'IST', nonce: 'f'.repeat(60), signature }))).toEqual(failed)
    const second = await messageToSign()
    expect(outcome(await sign({ tos_type: 'IST', nonce: second.nonce, signature: '0x1234' }))).toEqual(failed)
    const third = await messageToSign()
    expect(outcome(await sign({ tos_type: 'XYZ', nonce: third.nonce, signature }))).toEqual(failed)
  })

  it('a bad body → 422; no token → 401; an empty segment → 404', async () => {
    const missing = await sign({ tos_type: 'IST', nonce: 'x' })
    expect(outcome(missing)).toEqual({
      status: 422,
      body: { detail: [{ type: 'missing', loc: ['body', 'payload', 'signature'], msg: 'Field required' }] },
    })
    const anonymous = await ctx.app.inject({ method: 'GET', url: `/ceramic-cache/tos/accepted/IST/${randomAddress()}` })
    expect(outcome(anonymous)).toEqual({ status: 401, body: { detail: 'Unauthorized' } })
    expect(outcome(await get('/ceramic-cache/tos/accepted//0xabc'))).toEqual({
      status: 404,
      body: { detail: 'Not Found' },
    })
  })
})

import { describe, expect, it } from 'vitest'
import { useTestApp } from '../../helpers/app.js'

const ctx = useTestApp()

const ADDRESS = '0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc'
const CREDENTIAL = { credentialSubject: { hash: 'v0.0.0:x=', provider: 'Github', id: `did:pkh:eip155:1:${ADDRESS}` } }

const ENDPOINTS: { method: 'GET' | 'POST'; url: string; payload?: unknown }[] = [
  { method: 'POST', url: '/internal/check-bans', payload: [CREDENTIAL] },
  { method: 'POST', url: '/internal/check-revocations', payload: { proof_values: ['x'] } },
  { method: 'GET', url: `/internal/allow-list/list/${ADDRESS}` },
  { method: 'GET', url: '/internal/customization/credential/DeveloperList%23X%2300000000' },
  { method: 'GET', url: `/internal/stake/gtc/${ADDRESS}` },
  { method: 'GET', url: `/internal/stake/legacy-gtc/${ADDRESS}/1` },
  { method: 'GET', url: `/internal/cgrants/contributor_statistics?address=${ADDRESS}` },
]

const call = (endpoint: (typeof ENDPOINTS)[number], headers: Record<string, string>) =>
  ctx.app.inject({
    method: endpoint.method,
    url: endpoint.url,
    headers,
    ...(endpoint.payload === undefined ? {} : { payload: endpoint.payload as object }),
  })

describe('internal key (endpoints §1.3.2)', () => {
  for (const endpoint of ENDPOINTS) {
    it(`endpoints §1.3.2: ${endpoint.method} ${endpoint.url.split('?')[0]} without, with a wrong or a "Bearer " key → 401 {"detail": "Unauthorized"}`, async () => {
      const attempts: Record<string, string>[] = [
        {},
        { authorization: 'wrong-token' },
        { authorization: 'Bearer internal-test-token' },
        { authorization: '' },
      ]
      for (const headers of attempts) {
        const response = await call(endpoint, headers)
        expect(response.statusCode).toBe(401)
        expect(response.json()).toEqual({ detail: 'Unauthorized' })
      }
      expect((await call(endpoint, { authorization: 'internal-test-token' })).statusCode).not.toBe(401)
    })
  }

  it('endpoints §1.2: authentication comes before validation (bad key + bad parameter → 401)', async () => {
    const missingAddress = await ctx.app.inject({
      method: 'GET',
      url: '/internal/cgrants/contributor_statistics',
      headers: { authorization: 'wrong' },
    })
    expect(missingAddress.statusCode).toBe(401)
    const badBody = await ctx.app.inject({
      method: 'POST',
      url: '/internal/check-revocations',
      headers: { authorization: 'wrong' },
      payload: { nope: 1 },
    })
    expect(badBody.statusCode).toBe(401)
  })

  it('endpoints §1.1, D2: an empty {str} segment is no route → JSON 404 before authentication', async () => {
    for (const url of [
      '/internal/allow-list//0xabc',
      '/internal/allow-list/list/',
      '/internal/stake/gtc/',
      `/internal/stake/legacy-gtc//1`,
      '/internal/customization/credential/',
    ]) {
      const response = await ctx.app.inject({ method: 'GET', url })
      expect(response.statusCode).toBe(404)
      expect(response.json()).toEqual({ detail: 'Not Found' })
    }
  })

  it('endpoints §8: /internal/embed/weights needs no key', async () => {
    const response = await ctx.app.inject({ method: 'GET', url: '/internal/embed/weights?community_id=abc' })
    expect(response.statusCode).toBe(404)
    expect(response.json().detail).toMatch(/^Unable to retrieve configured scorer!/)
  })
})

import { describe, expect, it } from 'vitest'
import { testConfig, useTestApp } from '../../helpers/app.js'

// endpoints §5.7: GET /account/nonce.

const ctx = useTestApp({ config: () => testConfig() })

describe('GET /account/nonce (endpoints §5.7)', () => {
  it('answers a fresh 60-hex nonce and stores it unused, valid for 300 s', async () => {
    const first = await ctx.app.inject({ method: 'GET', url: '/account/nonce' })
    const second = await ctx.app.inject({ method: 'GET', url: '/account/nonce' })
    expect(first.statusCode).toBe(200)
    const { nonce } = first.json<{ nonce: string }>()
    expect(Object.keys(first.json())).toEqual(['nonce'])
    expect(nonce).toMatch(/^[0-9a-f]{60}$/)
    expect(second.json<{ nonce: string }>().nonce).not.toBe(nonce)
    const [row] = await ctx.database.sql<
      { was_used: boolean; lifetime: string; age_ms: number; micros: number }[]
    >`select was_used, (expires_on - created_on)::text as lifetime,
             extract(epoch from (now() - created_on)) * 1000 as age_ms,
             extract(microseconds from created_on)::int % 1000 as micros
      from account_nonce where nonce = ${nonce}`
    expect(row!.was_used).toBe(false)
    expect(row!.lifetime).toBe('00:05:00')
    expect(Math.abs(Number(row!.age_ms))).toBeLessThan(60_000)
  })

  it('POST is 405 with Allow: GET, HEAD', async () => {
    const response = await ctx.app.inject({ method: 'POST', url: '/account/nonce' })
    expect({ status: response.statusCode, allow: response.headers.allow, body: response.json() }).toEqual({
      status: 405,
      allow: 'GET, HEAD',
      body: { detail: 'Method Not Allowed' },
    })
  })
})

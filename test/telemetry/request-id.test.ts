import { describe, expect, it } from 'vitest'
import { useTestApp } from '../helpers/app.js'

// The request id goes back to the caller (issue 12 item 5, endpoints "Request id"): the one it sent
// in x-request-id, else the UUID the server generated and logged. Without tracing or metrics.
const ctx = useTestApp()

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('x-request-id', () => {
  it("echoes the caller's id, on a success and on an error", async () => {
    const ok = await ctx.app.inject({ method: 'GET', url: '/health/', headers: { 'x-request-id': 'trace-me-42' } })
    expect(ok.statusCode).toBe(200)
    expect(ok.headers['x-request-id']).toBe('trace-me-42')
    const missing = await ctx.app.inject({ method: 'GET', url: '/no/such/page', headers: { 'x-request-id': 'abc' } })
    expect(missing.statusCode).toBe(404)
    expect(missing.headers['x-request-id']).toBe('abc')
    const unauthorized = await ctx.app.inject({
      method: 'GET',
      url: '/v2/stamps/1/score/0x0000000000000000000000000000000000000001',
      headers: { 'x-request-id': 'no-key' },
    })
    expect(unauthorized.statusCode).toBe(401)
    expect(unauthorized.headers['x-request-id']).toBe('no-key')
  })

  it('generates a fresh UUID for a request that brings none', async () => {
    const first = await ctx.app.inject({ method: 'GET', url: '/health/' })
    const second = await ctx.app.inject({ method: 'GET', url: '/health/' })
    expect(first.headers['x-request-id']).toMatch(UUID)
    expect(second.headers['x-request-id']).toMatch(UUID)
    expect(first.headers['x-request-id']).not.toBe(second.headers['x-request-id'])
  })
})

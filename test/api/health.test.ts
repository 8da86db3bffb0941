import { describe, expect, it } from 'vitest'
import { buildTestApp, useTestApp } from '../helpers/app.js'
import { createSql } from '../../src/db/pool.js'

const ctx = useTestApp()

describe('GET /health/', () => {
  it('endpoints §16: answers 200 "Ok" on both /health and /health/ when the database answers', async () => {
    for (const url of ['/health', '/health/']) {
      const response = await ctx.app.inject({ method: 'GET', url })
      expect(response.statusCode).toBe(200)
      expect(response.body).toBe('Ok')
    }
  })

  it('answers 503 with a JSON body when the database does not answer', async () => {
    const deadSql = createSql({ url: 'postgres://postgres@127.0.0.1:1/none', max: 1, prepare: false })
    const deadApp = await buildTestApp(deadSql)
    try {
      const response = await deadApp.inject({ method: 'GET', url: '/health/' })
      expect(response.statusCode).toBe(503)
      expect(response.json()).toEqual({ detail: 'Database unavailable' })
    } finally {
      await deadApp.close()
      await deadSql.end({ timeout: 1 })
    }
  })
})

describe('error envelopes (D2)', () => {
  it('an unknown route is a JSON 404 {"detail": "Not Found"}', async () => {
    const response = await ctx.app.inject({ method: 'GET', url: '/no/such/route' })
    expect(response.statusCode).toBe(404)
    expect(response.headers['content-type']).toContain('application/json')
    expect(response.json()).toEqual({ detail: 'Not Found' })
  })

  it('serves the OpenAPI document and UI at /docs', async () => {
    const ui = await ctx.app.inject({ method: 'GET', url: '/docs' })
    const page =
      ui.statusCode === 302
        ? await ctx.app.inject({
            method: 'GET',
            url: `/docs/${String(ui.headers.location).replace(/^.*\/docs\/?/, '')}`,
          })
        : ui
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('swagger')
    const spec = await ctx.app.inject({ method: 'GET', url: '/docs/json' })
    expect(spec.statusCode).toBe(200)
    expect(spec.json().openapi).toMatch(/^3\./)
    expect(Object.keys(spec.json().paths)).toContain('/health/')
  })
})

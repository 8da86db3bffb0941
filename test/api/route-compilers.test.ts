import { describe, expect, it } from 'vitest'
import { useTestApp } from '../helpers/app.js'
import { Type } from '@sinclair/typebox'
import { mergeTypeUnions, type RouteRef } from '../../src/api/compile-on-first-use.js'

// Validators and serializers compile on a route's first request (src/api/compile-on-first-use.ts);
// `warmUpRoutes` compiles chosen ones ahead of it, as the server does for the public score once it
// listens (issue 12).

const ctx = useTestApp()

const PUBLIC_SCORE = '/v2/stamps/:scorer_id/score/:address'

describe('warmUpRoutes (src/api/compile-on-first-use.ts)', () => {
  it('compiles only what the selection names, each validator and serializer once', async () => {
    const seen: RouteRef[] = []
    const compiled = await ctx.app.warmUpRoutes((route) => {
      const wanted = route.method === 'GET' && route.url === PUBLIC_SCORE && route.httpStatus !== '422'
      if (wanted) seen.push(route)
      return wanted
    })
    // The path parameters' validator, and the serializers of every status but 422.
    expect(compiled).toBe(seen.length)
    expect(seen.filter((route) => route.httpStatus === undefined).length).toBeGreaterThan(0)
    expect(seen.map((route) => route.httpStatus)).toContain('200')
    const isPublicScore = (route: RouteRef) => route.method === 'GET' && route.url === PUBLIC_SCORE
    expect(await ctx.app.warmUpRoutes((route) => isPublicScore(route) && route.httpStatus !== '422')).toBe(0)
    expect(await ctx.app.warmUpRoutes(isPublicScore)).toBe(1)
    // Fastify's HEAD twin of the GET route has compilers of its own.
    expect(await ctx.app.warmUpRoutes((route) => route.url === PUBLIC_SCORE)).toBeGreaterThan(0)
  })

  it("every route's schemas compile (Ajv's meta-schema check is off at run time, strict mode is on)", async () => {
    const compiled = await ctx.app.warmUpRoutes(() => true)
    expect(compiled).toBeGreaterThan(40)
    expect(await ctx.app.warmUpRoutes(() => true)).toBe(0)
  })

  it('a route warmed up answers as before: the validator coerces and refuses, the serializer writes', async () => {
    await ctx.app.warmUpRoutes(() => true)
    const refused = await ctx.app.inject({ method: 'GET', url: '/internal/embed/config' })
    expect({ status: refused.statusCode, body: refused.json() }).toEqual({
      status: 422,
      body: { detail: [{ type: 'missing', loc: ['query', 'community_id'], msg: 'Field required' }] },
    })
    const health = await ctx.app.inject({ method: 'GET', url: '/health/' })
    expect(health.statusCode).toBe(200)
  })
})

describe('mergeTypeUnions (serializer schemas, issue 12)', () => {
  it('a union told apart by JSON type becomes a list of types; other unions stay', () => {
    const Points = Type.Object({ total: Type.Integer() }, { title: 'Points' })
    expect(mergeTypeUnions(Type.Union([Type.String(), Type.Null()], { description: 'd' }))).toEqual({
      description: 'd',
      type: ['string', 'null'],
    })
    expect(mergeTypeUnions(Type.Object({ points: Type.Union([Points, Type.Null()]) }))).toMatchObject({
      properties: { points: { title: 'Points', properties: { total: { type: 'integer' } }, type: ['object', 'null'] } },
    })
    const kept = [
      Type.Union([Type.Array(Type.String()), Type.String()]),
      Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      Type.Union([Type.String(), Type.String({ description: 'twice' })]),
      Type.Union([Points, Type.Object({ other: Type.String() })]),
    ]
    for (const union of kept) expect(mergeTypeUnions(union)).toEqual(JSON.parse(JSON.stringify(union)))
  })
})

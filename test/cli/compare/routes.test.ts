import { describe, expect, it } from 'vitest'
import { routeOf } from '../../../src/cli/compare/routes.js'

describe('routeOf (the route a compared request is reported under)', () => {
  it('names a literal segment before a parameter, as the router does', () => {
    expect(routeOf('GET', '/v2/stamps/metadata?x=1')).toBe('GET /v2/stamps/metadata')
    expect(routeOf('GET', '/v2/stamps/0xabc')).toBe('GET /v2/stamps/:address')
    expect(routeOf('HEAD', '/v2/stamps/0xabc')).toBe('HEAD /v2/stamps/:address')
    expect(routeOf('GET', '/v2/stamps/')).toBe('GET /v2/stamps/ (not a route)')
  })
})

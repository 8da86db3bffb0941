import { describe, expect, it } from 'vitest'
import { testConfig, useTestApp } from '../helpers/app.js'

// The issue 13 routes in the OpenAPI document at /docs/json, with their metadata.

const ctx = useTestApp({ config: () => testConfig() })

describe('OpenAPI metadata of the issue 13 routes', () => {
  it.each([
    ['get', '/account/nonce', 'account_nonce'],
    ['post', '/ceramic-cache/authenticate/v2', 'ceramic_cache_authenticate_v2'],
    ['post', '/ceramic-cache/authenticate', 'ceramic_cache_authenticate'],
    ['post', '/ceramic-cache/score/{address}', 'ceramic_cache_calc_score'],
    ['get', '/ceramic-cache/stake/gtc', 'ceramic_cache_stake_gtc'],
    ['patch', '/ceramic-cache/stamps/bulk/meta/compose-db', 'ceramic_cache_update_compose_db_status'],
    ['get', '/ceramic-cache/tos/accepted/{tos_type}/{address}', 'ceramic_cache_tos_accepted'],
    ['get', '/ceramic-cache/tos/message-to-sign/{tos_type}/{address}', 'ceramic_cache_tos_message_to_sign'],
    ['post', '/ceramic-cache/tos/signed-message/{tos_type}/{address}', 'ceramic_cache_tos_accept'],
    ['get', '/internal/embed/config', 'internal_embed_config'],
  ])('%s %s: operationId %s, summary, description, tags, a description per response', async (method, path, id) => {
    const document = (await ctx.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, Record<string, unknown>>>
    }>()
    const operation = document.paths[path]?.[method] as
      | {
          operationId: string
          summary: string
          description: string
          tags: string[]
          responses: Record<string, { description?: string }>
        }
      | undefined
    expect(operation?.operationId).toBe(id)
    expect(operation!.summary.length).toBeGreaterThan(5)
    expect(operation!.description.length).toBeGreaterThan(20)
    expect(operation!.tags.length).toBe(1)
    for (const [status, response] of Object.entries(operation!.responses))
      expect({ status, hasDescription: !['', 'Default Response'].includes(response.description ?? '') }).toEqual({
        status,
        hasDescription: true,
      })
  })
})

import { describe, expect, it } from 'vitest'
import { scoringTestConfig, testConfig, useTestApp, buildTestApp } from '../../helpers/app.js'
import { createAccount, createCommunity } from '../../helpers/factories/accounts.js'
import type { Db } from '../../../src/db/pool.js'

// endpoints §21: GET /internal/embed/config.

let communityId: number
let bareCommunityId: number
const ctx = useTestApp({
  config: async ({ sql }) => {
    const { accountId } = await createAccount(sql)
    ;({ communityId } = await createCommunity(sql, { accountId, weights: { Google: 1, Ens: 2.5 } }))
    ;({ communityId: bareCommunityId } = await createCommunity(sql, { accountId, weights: { Lens: 3 } }))
    await createSections(sql, communityId)
    return scoringTestConfig({ CERAMIC_CACHE_SCORER_ID: String(bareCommunityId) })
  },
})

async function createSections(sql: Db, scorerId: number): Promise<void> {
  const [customization] = await sql<{ id: number }[]>`
    insert into account_customization (path, scorer_id, use_custom_dashboard_panel, body_display_info_tooltip,
      button_action_type, show_explanation_panel, partner_name, nav_order, show_in_top_nav)
    values (${`embed-${scorerId}`}, ${scorerId}, false, false, 'Simple Link', true, 'Partner', 0, false) returning id`
  const [social, web3] = await sql<{ id: number }[]>`
    insert into account_embedsectionheader (name) values (${`Social ${scorerId}`}), (${`Web3 ${scorerId}`}) returning id`
  const platforms = await sql<{ id: number }[]>`
    insert into registry_platformmetadata (platform_id, name)
    values (${`Discord${scorerId}`}, 'Discord'), (${`Github${scorerId}`}, 'Github'), (${`Ens${scorerId}`}, 'ENS')
    returning id`
  // Web3 first by order; within Social, Github (order 1) before Discord (order 2).
  await sql`insert into account_embedsectionorder ("order", customization_id, section_id)
            values (2, ${customization!.id}, ${social!.id}), (1, ${customization!.id}, ${web3!.id})`
  await sql`insert into account_embedstampplatform ("order", customization_id, section_id, platform_id)
            values (2, ${customization!.id}, ${social!.id}, ${platforms[0]!.id}),
                   (1, ${customization!.id}, ${social!.id}, ${platforms[1]!.id}),
                   (5, ${customization!.id}, ${web3!.id}, ${platforms[2]!.id})`
}

describe('GET /internal/embed/config (endpoints §21)', () => {
  it('weights as Python floats and the sections by (order, id), in Python’s JSON spacing', async () => {
    const response = await ctx.app.inject({ method: 'GET', url: `/internal/embed/config?community_id=${communityId}` })
    expect(response.statusCode).toBe(200)
    expect(response.body).toBe(
      `{"weights": {"Ens": 2.5, "Google": 1.0}, "stamp_sections": [` +
        `{"title": "Web3 ${communityId}", "order": 1, "items": [{"platform_id": "Ens${communityId}", "order": 5}]}, ` +
        `{"title": "Social ${communityId}", "order": 2, "items": [{"platform_id": "Github${communityId}", "order": 1}, {"platform_id": "Discord${communityId}", "order": 2}]}]}`,
    )
  })

  it('a scorer without customization → no sections; an empty community_id → CERAMIC_CACHE_SCORER_ID', async () => {
    const bare = await ctx.app.inject({ method: 'GET', url: `/internal/embed/config?community_id=${bareCommunityId}` })
    expect(bare.body).toBe('{"weights": {"Lens": 3.0}, "stamp_sections": []}')
    const empty = await ctx.app.inject({ method: 'GET', url: '/internal/embed/config?community_id=' })
    expect(empty.body).toBe('{"weights": {"Lens": 3.0}, "stamp_sections": []}')
  })

  it('missing community_id → 422; unknown or not an integer → 404 with the weights text', async () => {
    const missing = await ctx.app.inject({ method: 'GET', url: '/internal/embed/config' })
    expect({ status: missing.statusCode, body: missing.json() }).toEqual({
      status: 422,
      body: { detail: [{ type: 'missing', loc: ['query', 'community_id'], msg: 'Field required' }] },
    })
    for (const id of ['987654321', 'abc'])
      expect(
        (await ctx.app.inject({ method: 'GET', url: `/internal/embed/config?community_id=${id}` })).json(),
      ).toEqual({
        detail: `Unable to retrieve configured scorer! settings.CERAMIC_CACHE_SCORER_ID=${bareCommunityId}`,
      })
  })

  it('no default scorer and an empty community_id → 500 (configuration)', async () => {
    const app = await buildTestApp(ctx.database.sql, testConfig())
    try {
      const response = await app.inject({ method: 'GET', url: '/internal/embed/config?community_id=' })
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 500,
        body: { detail: 'Unable to retrieve configured scorer! settings.CERAMIC_CACHE_SCORER_ID=None' },
      })
    } finally {
      await app.close()
    }
  })
})

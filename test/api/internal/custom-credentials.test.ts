import { describe, expect, it } from 'vitest'
import { useTestApp } from '../../helpers/app.js'
import { createCredentialRuleset, randomHex } from '../../helpers/factories/internal.js'

const ctx = useTestApp()

const definitionOf = (encodedProviderId: string) =>
  ctx.app.inject({
    method: 'GET',
    url: `/internal/customization/credential/${encodedProviderId}`,
    headers: { authorization: 'internal-test-token' },
  })

async function newRuleset(): Promise<{ providerId: string; name: string }> {
  const name = `List${randomHex(4)}`
  const providerId = await createCredentialRuleset(
    ctx.database.sql,
    'DEVEL',
    `{"name": "${name}", "condition": {"AND": [{"repository_contributor": {"repository": "passportxyz/passport", "min": 1.0}}]}}`,
  )
  return { providerId, name }
}

describe('GET /internal/customization/credential/{provider_id}', () => {
  it('endpoints §12: "#" sent as %23 → {"ruleset": definition} as stored (jsonb key order, "1.0" kept)', async () => {
    const { providerId, name } = await newRuleset()
    expect(providerId).toMatch(new RegExp(`^DeveloperList#${name}#[0-9a-f]{8}$`))
    const response = await definitionOf(providerId.replaceAll('#', '%23'))
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(response.body).toBe(
      `{"ruleset": {"name": "${name}", "condition": {"AND": [{"repository_contributor": {"min": 1.0, "repository": "passportxyz/passport"}}]}}}`,
    )
  })

  it('endpoints §12: a double-encoded %2523 is decoded by the handler too', async () => {
    const { providerId, name } = await newRuleset()
    const response = await definitionOf(providerId.replaceAll('#', '%2523'))
    expect(response.statusCode).toBe(200)
    expect(response.json().ruleset.name).toBe(name)
  })

  it('endpoints §12: the ruleset seeded by Django migration 0054 answers as Python would print it', async () => {
    const response = await definitionOf('NFTHolder%23ExampleNFT%2308425cad')
    expect(response.statusCode).toBe(200)
    expect(response.body).toBe(
      '{"ruleset": {"name": "ExampleNFT", "condition": {"contracts": [{"address": "0x0000000000000000000000000000000000000000", "chainId": 1, "standard": "ERC-721"}]}}}',
    )
  })

  it('endpoints §12: an unknown provider id → 404 {"detail": "Not Found"}', async () => {
    const response = await definitionOf(`DeveloperList%23Nope%23${randomHex(4)}`)
    expect(response.statusCode).toBe(404)
    expect(response.json()).toEqual({ detail: 'Not Found' })
  })
})

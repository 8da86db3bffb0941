import { describe, expect, it } from 'vitest'
import { useTestApp } from '../../helpers/app.js'
import { createRevokedStamp, randomHex } from '../../helpers/factories/internal.js'

const ctx = useTestApp()

const checkRevocations = (body: unknown) =>
  ctx.app.inject({
    method: 'POST',
    url: '/internal/check-revocations',
    headers: { authorization: 'internal-test-token' },
    payload: body as object,
  })

const proofValue = () => `z${randomHex(24)}`

describe('POST /internal/check-revocations', () => {
  it('endpoints §10: one answer per value in request order, revoked ones marked', async () => {
    const [revoked, kept, alsoRevoked] = [proofValue(), proofValue(), proofValue()]
    await createRevokedStamp(ctx.database.sql, revoked)
    await createRevokedStamp(ctx.database.sql, alsoRevoked)
    const response = await checkRevocations({ proof_values: [kept, alsoRevoked, revoked] })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual([
      { proof_value: kept, is_revoked: false },
      { proof_value: alsoRevoked, is_revoked: true },
      { proof_value: revoked, is_revoked: true },
    ])
  })

  it('endpoints §10.3: duplicates are answered once per occurrence', async () => {
    const revoked = proofValue()
    await createRevokedStamp(ctx.database.sql, revoked)
    expect((await checkRevocations({ proof_values: [revoked, revoked] })).json()).toEqual([
      { proof_value: revoked, is_revoked: true },
      { proof_value: revoked, is_revoked: true },
    ])
  })

  it('endpoints §10: an empty list → []', async () => {
    const response = await checkRevocations({ proof_values: [] })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual([])
  })

  it('endpoints §10.1: 100 values are accepted; 101 → 422 "You have submitted too many stamps."', async () => {
    const hundred = Array.from({ length: 100 }, proofValue)
    expect((await checkRevocations({ proof_values: hundred })).json()).toHaveLength(100)
    const response = await checkRevocations({ proof_values: [...hundred, proofValue()] })
    expect(response.statusCode).toBe(422)
    expect(response.json()).toEqual({ detail: 'You have submitted too many stamps.' })
  })

  it('endpoints §10: a body without proof_values → 422 at ["body", "payload", "proof_values"]', async () => {
    const response = await checkRevocations({ wrong_field: ['x'] })
    expect(response.statusCode).toBe(422)
    expect(response.json()).toEqual({
      detail: [{ type: 'missing', loc: ['body', 'payload', 'proof_values'], msg: 'Field required' }],
    })
  })
})

import { describe, expect, it } from 'vitest'
import { planBackground } from '../../bench/population.js'
import { stampsOf } from '../../bench/signing.js'

const DAY_MS = 86_400_000

describe('bench stamps are dated as real ones are', () => {
  const latest = new Date('2026-12-02T01:00:00.000Z')
  const stamps = stampsOf(planBackground(0, 400), latest)

  it('no two stamps share an issuance or expiry time (a memo of parsed dates must not hit across passports)', () => {
    const issued = new Set(stamps.map((stamp) => (stamp.issuanceDate as Date).toISOString()))
    const expires = new Set(stamps.map((stamp) => (stamp.expirationDate as Date).toISOString()))
    expect(stamps.length).toBeGreaterThan(4000)
    expect(issued.size).toBe(stamps.length)
    expect(expires.size).toBe(stamps.length)
  })

  it('each stamp was issued in the 30 days before the run and lives the IAM’s 90 days', () => {
    for (const stamp of stamps) {
      const issuedAt = (stamp.issuanceDate as Date).getTime()
      expect(issuedAt).toBeLessThanOrEqual(latest.getTime())
      expect(issuedAt).toBeGreaterThan(latest.getTime() - 30 * DAY_MS)
      expect((stamp.expirationDate as Date).getTime() - issuedAt).toBe(90 * DAY_MS)
    }
  })

  it('the same address and provider get the same date in every run', () => {
    expect(stampsOf(planBackground(0, 3), latest)).toEqual(stampsOf(planBackground(0, 3), latest))
  })
})

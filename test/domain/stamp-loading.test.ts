import { describe, expect, it } from 'vitest'
import { parsePgTimestamp } from '../../src/domain/formats/py-datetime.js'
import { pickLatestPerProvider, type CacheRowForScoring } from '../../src/domain/stamp-loading.js'

const instant = (text: string) => parsePgTimestamp(text).epochMicros
const row = (provider: string, label: string, updatedAt: string): CacheRowForScoring => ({
  provider,
  stamp: { label },
  updated_at: updatedAt,
})

describe('pickLatestPerProvider (scoring §1 steps 2–4)', () => {
  it('scoring §13.1: the greatest updated_at per provider column wins, in order of first appearance', () => {
    const picked = pickLatestPerProvider(
      [
        row('Google', 'g-old', '2024-01-01 00:00:00+00'),
        row('Ens', 'e', '2024-03-01 00:00:00+00'),
        row('Google', 'g-new', '2024-06-01 00:00:00.000001+00'),
        row('Google', 'g-mid', '2024-06-01 00:00:00+00'),
      ],
      instant,
    )
    expect(picked).toEqual([
      { provider: 'Google', credential: { label: 'g-new' } },
      { provider: 'Ens', credential: { label: 'e' } },
    ])
  })

  it('on equal updated_at the first row wins (strict >); offsets compare as instants', () => {
    expect(
      pickLatestPerProvider(
        [row('Google', 'first', '2024-06-01 00:00:00+00'), row('Google', 'second', '2024-06-01 02:00:00+02')],
        instant,
      ),
    ).toEqual([{ provider: 'Google', credential: { label: 'first' } }])
    expect(
      pickLatestPerProvider(
        [row('Google', 'first', '2024-06-01 00:00:00+00'), row('Google', 'later', '2024-06-01 02:00:01+02')],
        instant,
      )[0]!.credential,
    ).toEqual({ label: 'later' })
  })

  it('groups by the cache provider column, not the signed provider', () => {
    const picked = pickLatestPerProvider(
      [
        {
          provider: 'RowName',
          stamp: { credentialSubject: { provider: 'Signed' } },
          updated_at: '2024-01-01 00:00:00+00',
        },
      ],
      instant,
    )
    expect(picked.map((s) => s.provider)).toEqual(['RowName'])
  })
})

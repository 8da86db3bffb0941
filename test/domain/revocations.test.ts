import { describe, expect, it } from 'vitest'
import { decideRevocations } from '../../src/domain/revocations.js'

describe('decideRevocations', () => {
  it('endpoints §10.3: request order, duplicates answered each time', () => {
    expect(decideRevocations(['a', 'b', 'a'], new Set(['a']))).toEqual([
      { proofValue: 'a', isRevoked: true },
      { proofValue: 'b', isRevoked: false },
      { proofValue: 'a', isRevoked: true },
    ])
  })
})

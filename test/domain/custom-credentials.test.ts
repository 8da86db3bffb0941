import { describe, expect, it } from 'vitest'
import { decodeProviderId } from '../../src/domain/custom-credentials.js'

describe('decodeProviderId', () => {
  it('endpoints §12: every literal "%23" left after the framework decoding becomes "#"', () => {
    expect(decodeProviderId('DeveloperList%23Name%23abcd1234')).toBe('DeveloperList#Name#abcd1234')
    expect(decodeProviderId('NFTHolder#Name#abcd1234')).toBe('NFTHolder#Name#abcd1234')
  })
})

import { describe, expect, it } from 'vitest'
import { decideBan, distinctHashes, singleSubjectAddress, type CredentialRef } from '../../src/domain/bans.js'
import type { BanRow } from '../../src/db/queries/bans.js'
import { DomainError } from '../../src/domain/errors.js'

const ADDRESS = '0x1234567890abcdef1234567890abcdef12345678'

function ban(row: Partial<BanRow> & Pick<BanRow, 'type'>): BanRow {
  return { id: 1, provider: '', hash: '', address: '', end_time: null, reason: null, ...row }
}

const subject = (hash: string | null, provider: string | null) => ({ address: ADDRESS, hash, provider })

describe('decideBan', () => {
  it('endpoints §9.5: an account ban matches any credential of the address, case-insensitively', () => {
    const account = ban({ type: 'account', address: ADDRESS.toUpperCase().replace('0X', '0x') })
    expect(decideBan([account], subject('h', 'Github'))).toEqual({ banType: 'account', ban: account })
  })

  it('endpoints §9.5: an account ban with a provider is not an account ban', () => {
    expect(
      decideBan([ban({ type: 'account', address: ADDRESS, provider: 'Github' })], subject('h', 'Github')),
    ).toBeNull()
  })

  it('endpoints §9.5: a hash ban matches the hash only, never a null hash', () => {
    const hashBan = ban({ type: 'hash', hash: 'h1' })
    expect(decideBan([hashBan], subject('h1', 'Github'))).toEqual({ banType: 'hash', ban: hashBan })
    expect(decideBan([hashBan], subject('h2', 'Github'))).toBeNull()
    expect(decideBan([ban({ type: 'hash', hash: '' })], subject(null, 'Github'))).toBeNull()
  })

  it('endpoints §9.5: a single-stamp ban needs the same address and provider', () => {
    const single = ban({ type: 'single_stamp', address: ADDRESS, provider: 'Github' })
    expect(decideBan([single], subject('h', 'Github'))).toEqual({ banType: 'single_stamp', ban: single })
    expect(decideBan([single], subject('h', 'Twitter'))).toBeNull()
    expect(decideBan([single], { ...subject('h', 'Github'), address: '0xother' })).toBeNull()
  })

  it('endpoints §9.5: the first applicable ban in the given order wins', () => {
    const single = ban({ id: 1, type: 'single_stamp', address: ADDRESS, provider: 'Github', reason: 'a' })
    const account = ban({ id: 2, type: 'account', address: ADDRESS, reason: 'b' })
    expect(decideBan([single, account], subject('h', 'Github'))?.ban.reason).toBe('a')
    expect(decideBan([account, single], subject('h', 'Github'))?.ban.reason).toBe('b')
  })
})

describe('singleSubjectAddress', () => {
  const credential = (id: string | null): CredentialRef => ({ hash: 'h', provider: 'p', id })
  const failure = (fn: () => unknown) => {
    try {
      fn()
    } catch (error) {
      return error instanceof DomainError ? { kind: error.kind, detail: error.detail } : error
    }
    return undefined
  }

  it('endpoints §9.2: the address is the DID text after its last ":"', () => {
    expect(
      singleSubjectAddress([credential(`did:pkh:eip155:1:${ADDRESS}`), credential(`did:pkh:eip155:1:${ADDRESS}`)]),
    ).toBe(ADDRESS)
    expect(singleSubjectAddress([credential('no-colon')])).toBe('no-colon')
  })

  it('endpoints §9.1: none → bad_request "Must provide valid credential(s)"; two ids → "All credentials must be issued to the same address"', () => {
    expect(failure(() => singleSubjectAddress([]))).toEqual({
      kind: 'bad_request',
      detail: 'Must provide valid credential(s)',
    })
    expect(failure(() => singleSubjectAddress([credential('did:a'), credential(null)]))).toEqual({
      kind: 'bad_request',
      detail: 'All credentials must be issued to the same address',
    })
  })

  it('endpoints §9.1: a single null id → internal "Internal Server Error"', () => {
    expect(failure(() => singleSubjectAddress([credential(null)]))).toEqual({
      kind: 'internal',
      detail: 'Internal Server Error',
    })
  })
})

describe('distinctHashes', () => {
  it('endpoints §9.3: distinct, non-null, non-empty', () => {
    const refs: CredentialRef[] = ['a', 'b', 'a', null, ''].map((hash) => ({ hash, provider: null, id: 'x' }))
    expect(distinctHashes(refs)).toEqual(['a', 'b'])
  })
})

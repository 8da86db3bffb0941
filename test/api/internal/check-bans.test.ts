import { describe, expect, it } from 'vitest'
import { useTestApp } from '../../helpers/app.js'
import { randomAddress } from '../../helpers/factories/accounts.js'
import { createBan, randomHex } from '../../helpers/factories/internal.js'
import { toChecksumAddress } from '../../../src/domain/formats/eth-address.js'

const ctx = useTestApp()

const AUTH = { authorization: 'internal-test-token' }

interface Subject {
  hash: string | null
  provider: string | null
  id: string | null
}

const did = (address: string) => `did:pkh:eip155:1:${address}`
const credential = (subject: Subject) => ({ credentialSubject: subject })

function checkBans(body: unknown) {
  return ctx.app.inject({ method: 'POST', url: '/internal/check-bans', headers: AUTH, payload: body as object })
}

/** Two credentials of a fresh address, with fresh hashes. */
function freshCredentials() {
  const address = randomAddress()
  const github = { hash: `v0.0.0:${randomHex(16)}=`, provider: 'Github', id: did(address) }
  const twitter = { hash: `v0.0.0:${randomHex(16)}=`, provider: 'Twitter', id: did(address) }
  return { address, github, twitter }
}

const notBanned = (hash: string) => ({ hash, is_banned: false, end_time: null, ban_type: null, reason: null })

describe('POST /internal/check-bans', () => {
  it('endpoints §9: no ban → one unbanned result per credential, in request order and field order', async () => {
    const { github, twitter } = freshCredentials()
    const response = await checkBans([credential(twitter), credential(github)])
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual([notBanned(twitter.hash), notBanned(github.hash)])
    expect(Object.keys(response.json()[0])).toEqual(['hash', 'is_banned', 'end_time', 'ban_type', 'reason'])
  })

  it('endpoints §9.5: an account ban bans every credential of the address; the DID address is compared case-insensitively', async () => {
    const { address, github, twitter } = freshCredentials()
    await createBan(ctx.database.sql, { type: 'account', address, reason: 'Sybil' })
    const checksummed = toChecksumAddress(address)
    const response = await checkBans([
      credential({ ...github, id: did(checksummed) }),
      credential({ ...twitter, id: did(checksummed) }),
    ])
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual([
      { hash: github.hash, is_banned: true, end_time: null, ban_type: 'account', reason: 'Sybil' },
      { hash: twitter.hash, is_banned: true, end_time: null, ban_type: 'account', reason: 'Sybil' },
    ])
  })

  it('endpoints §9.5: a single-stamp ban bans only the credential of that provider', async () => {
    const { address, github, twitter } = freshCredentials()
    await createBan(ctx.database.sql, { type: 'single_stamp', address, provider: 'Github', reason: null })
    const response = await checkBans([credential(github), credential(twitter)])
    expect(response.json()).toEqual([
      { hash: github.hash, is_banned: true, end_time: null, ban_type: 'single_stamp', reason: null },
      notBanned(twitter.hash),
    ])
  })

  it('endpoints §9.5: a hash ban bans the credential with that hash, whatever its address', async () => {
    const { github, twitter } = freshCredentials()
    await createBan(ctx.database.sql, { type: 'hash', hash: twitter.hash, reason: 'Duplicate' })
    const response = await checkBans([credential(github), credential(twitter)])
    expect(response.json()).toEqual([
      notBanned(github.hash),
      { hash: twitter.hash, is_banned: true, end_time: null, ban_type: 'hash', reason: 'Duplicate' },
    ])
  })

  it('endpoints §9.4: an expired ban is ignored; a future end_time is written DjangoJSON style (ms, "Z")', async () => {
    const { address, github } = freshCredentials()
    await createBan(ctx.database.sql, { type: 'account', address, endTime: '2020-01-01 00:00:00+00', reason: 'old' })
    expect((await checkBans([credential(github)])).json()).toEqual([notBanned(github.hash)])

    await createBan(ctx.database.sql, {
      type: 'single_stamp',
      address,
      provider: 'Github',
      endTime: '2999-01-01 10:20:30.123456+00',
      reason: 'until 2999',
    })
    expect((await checkBans([credential(github)])).json()).toEqual([
      {
        hash: github.hash,
        is_banned: true,
        end_time: '2999-01-01T10:20:30.123Z',
        ban_type: 'single_stamp',
        reason: 'until 2999',
      },
    ])
  })

  it('endpoints §1.5: an end_time without microseconds has no fraction', async () => {
    const { address, github } = freshCredentials()
    await createBan(ctx.database.sql, { type: 'account', address, endTime: '2999-06-01 00:00:00+00' })
    expect((await checkBans([credential(github)])).json()[0].end_time).toBe('2999-06-01T00:00:00Z')
  })

  it('endpoints §9.5: when several bans apply, the first in query (id) order wins', async () => {
    const { address, github } = freshCredentials()
    await createBan(ctx.database.sql, { type: 'single_stamp', address, provider: 'Github', reason: 'first' })
    await createBan(ctx.database.sql, { type: 'account', address, reason: 'second' })
    expect((await checkBans([credential(github)])).json()[0]).toMatchObject({
      ban_type: 'single_stamp',
      reason: 'first',
    })
  })

  it('endpoints §9.5: an account ban that carries a provider is not an account ban', async () => {
    const { address, github } = freshCredentials()
    await createBan(ctx.database.sql, { type: 'account', address, provider: 'Github' })
    expect((await checkBans([credential(github)])).json()).toEqual([notBanned(github.hash)])
  })

  it('endpoints §9.1: empty array → 400 "Must provide valid credential(s)"', async () => {
    const response = await checkBans([])
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ detail: 'Must provide valid credential(s)' })
  })

  it('endpoints §9.1: two different ids (null counts as one) → 400 "All credentials must be issued to the same address"', async () => {
    const { github, twitter } = freshCredentials()
    for (const other of [
      { ...twitter, id: did(randomAddress()) },
      { ...twitter, id: null },
      { ...twitter, id: github.id!.toUpperCase() },
    ]) {
      const response = await checkBans([credential(github), credential(other)])
      expect(response.statusCode).toBe(400)
      expect(response.json()).toEqual({ detail: 'All credentials must be issued to the same address' })
    }
  })

  it('endpoints §9.1, overridden by D17: the only id is null → 422 at that id (Python: AttributeError, 500)', async () => {
    const response = await checkBans([
      credential({ hash: 'h', provider: 'Github', id: null }),
      credential({ hash: 'h2', provider: 'Google', id: null }),
    ])
    expect(response.statusCode).toBe(422)
    expect(response.json()).toEqual({
      detail: [
        {
          type: 'string_type',
          loc: ['body', 'payload', 0, 'credentialSubject', 'id'],
          msg: 'Input should be a valid string',
        },
      ],
    })
  })

  it('endpoints §9.6, overridden by D17: a null hash → 422 at that hash (Python: "Failed to check bans", 500)', async () => {
    const { github } = freshCredentials()
    const response = await checkBans([credential(github), credential({ ...github, hash: null })])
    expect(response.statusCode).toBe(422)
    expect(response.json()).toEqual({
      detail: [
        {
          type: 'string_type',
          loc: ['body', 'payload', 1, 'credentialSubject', 'hash'],
          msg: 'Input should be a valid string',
        },
      ],
    })
  })

  it('endpoints §9: a missing or non-string credentialSubject key → 422 at its location; extra keys are ignored', async () => {
    const { github } = freshCredentials()
    const missing = await checkBans([credential(github), { credentialSubject: { provider: 'X', id: github.id } }])
    expect(missing.statusCode).toBe(422)
    expect(missing.json()).toEqual({
      detail: [{ type: 'missing', loc: ['body', 'payload', 1, 'credentialSubject', 'hash'], msg: 'Field required' }],
    })

    const wrongType = await checkBans([credential({ ...github, hash: {} as unknown as string })])
    expect(wrongType.statusCode).toBe(422)
    expect(wrongType.json()).toEqual({
      detail: [
        {
          type: 'string_type',
          loc: ['body', 'payload', 0, 'credentialSubject', 'hash'],
          msg: 'Input should be a valid string',
        },
      ],
    })

    const extra = await checkBans([{ credentialSubject: { ...github, extra: 1 }, type: ['VerifiableCredential'] }])
    expect(extra.json()).toEqual([notBanned(github.hash)])
  })
})

import { beforeAll, describe, expect, it } from 'vitest'
import * as DIDKit from '@spruceid/didkit-wasm-node'
import {
  generateIssuerKey,
  issueStampCredential,
  type IssuerKey,
  type StampCredential,
} from '../../src/dev/stamp-issuer.js'
import {
  CredentialFormatError,
  createSignatureCache,
  verifyCredentialJson,
  verifyCredentialSignature,
} from '../../src/domain/credential-verifier.js'
import {
  FIXTURE_ADDRESS as ADDRESS,
  FIXTURE_EXPIRES as EXPIRES,
  FIXTURE_ISSUED as ISSUED,
  signFixtureStamps,
  tampered,
} from '../helpers/factories/signed-stamps.js'

// DIDKit's signature check of stamps (scoring §2 step 4g) and the cache in front of it, on stamps
// of each production format signed by the demo issuers.

let ethrKey: IssuerKey
let edKey: IssuerKey
let nullifierStamp: StampCredential
let legacyHashStamp: StampCredential
let ed25519Stamp: StampCredential

beforeAll(async () => {
  ;({ ethrKey, edKey, nullifierStamp, legacyHashStamp, ed25519Stamp } = await signFixtureStamps())
})

describe('verifyCredentialSignature (scoring §2 step 4g, D14 fixtures)', () => {
  const variants = (): [string, StampCredential][] => [
    ['EIP-712 nullifiers', nullifierStamp],
    ['EIP-712 legacy hash', legacyHashStamp],
    ['Ed25519', ed25519Stamp],
  ]

  it.each(['EIP-712 nullifiers', 'EIP-712 legacy hash', 'Ed25519'])(
    '%s: a tampered provider, nullifier/hash or expirationDate fails',
    async (name) => {
      const [, stamp] = variants().find(([n]) => n === name)!
      const edits: ((c: StampCredential) => void)[] = [
        (c) => (c.credentialSubject.provider = 'TrustaLabs'),
        (c) => {
          if (c.credentialSubject.nullifiers) c.credentialSubject.nullifiers[0] = 'v0:zzzz'
          else c.credentialSubject.hash = 'v0.0.0:other'
        },
        (c) => (c.expirationDate = '2199-01-01T00:00:00.000Z'),
        (c) => (c.credentialSubject.id = 'did:pkh:eip155:1:0x0000000000000000000000000000000000000001'),
      ]
      for (const edit of edits) {
        const errors = await verifyCredentialSignature(tampered(stamp, edit))
        expect(errors.length).toBeGreaterThan(0)
      }
    },
  )

  it('a credential signed by another key but claiming the demo issuer fails (both proof types)', async () => {
    const cases: [IssuerKey, IssuerKey][] = [
      [await generateIssuerKey('secp256k1'), ethrKey],
      [await generateIssuerKey('ed25519'), edKey],
    ]
    for (const [forger, victim] of cases) {
      const forged = await issueStampCredential(forger, {
        address: ADDRESS,
        provider: 'Google',
        issuanceDate: ISSUED,
        expirationDate: EXPIRES,
      })
      expect(await verifyCredentialSignature(forged)).toEqual([])
      const claimed = tampered(forged, (c) => {
        c.issuer = victim.did
        c.proof.verificationMethod = victim.verificationMethod
      })
      expect(await verifyCredentialSignature(claimed)).not.toEqual([])
      // Keeping the forger's verification method while claiming the demo issuer fails too.
      expect(await verifyCredentialSignature(tampered(forged, (c) => (c.issuer = victim.did)))).not.toEqual([])
    }
  })

  it('the wrong proof purpose fails: verifying for "authentication", or a proof claiming it', async () => {
    for (const [, stamp] of variants()) {
      const result = JSON.parse(
        await DIDKit.verifyCredential(JSON.stringify(stamp), '{"proofPurpose":"authentication"}'),
      ) as { errors: string[] }
      expect(result.errors.length).toBeGreaterThan(0)
      expect(
        await verifyCredentialSignature(tampered(stamp, (c) => (c.proof.proofPurpose = 'authentication'))),
      ).not.toEqual([])
    }
  })

  it('does not judge expiry: an expired but genuine stamp passes the signature check', async () => {
    const expired = await issueStampCredential(ethrKey, {
      address: ADDRESS,
      provider: 'Google',
      issuanceDate: new Date('2020-01-01T00:00:00Z'),
      expirationDate: new Date('2020-02-01T00:00:00Z'),
    })
    expect(await verifyCredentialSignature(expired)).toEqual([])
  })

  it('a credential without a proof is reported as an error, not accepted', async () => {
    const { proof: _proof, ...unsigned } = nullifierStamp
    expect(await verifyCredentialSignature(unsigned)).not.toEqual([])
  })

  it('didkit cannot read it → CredentialFormatError (Python: "Error validating credential: …")', async () => {
    await expect(verifyCredentialSignature({})).rejects.toBeInstanceOf(CredentialFormatError)
    await expect(verifyCredentialSignature(undefined)).rejects.toThrow(/null/)
    await expect(verifyCredentialJson('not json')).rejects.toBeInstanceOf(CredentialFormatError)
    await expect(
      verifyCredentialSignature(tampered(nullifierStamp, (c) => ((c as { issuer: unknown }).issuer = 42))),
    ).rejects.toBeInstanceOf(CredentialFormatError)
  })
})

describe('createSignatureCache', () => {
  function countingCache(maxEntries: number): { cache: ReturnType<typeof createSignatureCache>; calls: string[] } {
    const calls: string[] = []
    const cache = createSignatureCache({
      maxEntries,
      verifyJson: (json) => {
        calls.push(json)
        return verifyCredentialJson(json)
      },
    })
    return { cache, calls }
  }

  it('answers an unchanged stamp from the cache without calling didkit again', async () => {
    const { cache, calls } = countingCache(10)
    expect(await cache.verify(nullifierStamp)).toEqual([])
    expect(await cache.verify(structuredClone(nullifierStamp))).toEqual([])
    expect(calls).toHaveLength(1)
    expect({ hits: cache.hits, misses: cache.misses, size: cache.size }).toEqual({ hits: 1, misses: 1, size: 1 })
  })

  it('caches failures too, and hands out copies callers cannot corrupt', async () => {
    const { cache, calls } = countingCache(10)
    const bad = tampered(nullifierStamp, (c) => (c.credentialSubject.provider = 'Ens'))
    const first = await cache.verify(bad)
    expect(first.length).toBeGreaterThan(0)
    first.length = 0
    expect((await cache.verify(bad)).length).toBeGreaterThan(0)
    expect(calls).toHaveLength(1)
  })

  it('keys on the exact JSON: a tampered copy or a different key order is a different entry', async () => {
    const { cache, calls } = countingCache(10)
    await cache.verify(nullifierStamp)
    expect(await cache.verify(tampered(nullifierStamp, (c) => (c.credentialSubject.provider = 'Ens')))).not.toEqual([])
    const { issuer, ...rest } = nullifierStamp
    expect(await cache.verify({ issuer, ...rest })).toEqual([])
    expect(calls).toHaveLength(3)
    expect(cache.misses).toBe(3)
    expect(cache.hits).toBe(0)
  })

  it('evicts the least recently used entry at its bound', async () => {
    const { cache, calls } = countingCache(2)
    await cache.verify(nullifierStamp)
    await cache.verify(legacyHashStamp)
    await cache.verify(nullifierStamp) // hit: nullifierStamp becomes the most recent
    await cache.verify(ed25519Stamp) // evicts legacyHashStamp
    expect(cache.size).toBe(2)
    await cache.verify(nullifierStamp)
    expect(calls).toHaveLength(3)
    await cache.verify(legacyHashStamp)
    expect(calls).toHaveLength(4)
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 4 })
  })

  it('shares one didkit call between concurrent checks of the same stamp', async () => {
    const { cache, calls } = countingCache(10)
    const results = await Promise.all([
      cache.verify(nullifierStamp),
      cache.verify(nullifierStamp),
      cache.verify(nullifierStamp),
    ])
    expect(results).toEqual([[], [], []])
    expect(calls).toHaveLength(1)
  })

  it('forgets a check that threw, so it is retried', async () => {
    const { cache, calls } = countingCache(10)
    await expect(cache.verify({})).rejects.toBeInstanceOf(CredentialFormatError)
    await expect(cache.verify({})).rejects.toBeInstanceOf(CredentialFormatError)
    expect(calls).toHaveLength(2)
    expect(cache.size).toBe(0)
  })

  it('clear() empties it; maxEntries must be a positive integer', async () => {
    const { cache } = countingCache(3)
    await cache.verify(nullifierStamp)
    cache.clear()
    expect(cache.size).toBe(0)
    expect(() => createSignatureCache({ maxEntries: 0 })).toThrow(RangeError)
    expect(() => createSignatureCache({ maxEntries: 1.5 })).toThrow(RangeError)
  })
})

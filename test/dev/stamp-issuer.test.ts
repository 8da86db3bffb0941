import { beforeAll, describe, expect, it } from 'vitest'
import * as DIDKit from '@spruceid/didkit-wasm-node'
import {
  DEMO_ED25519_ISSUER_DID,
  DEMO_ED25519_ISSUER_JWK,
  DEMO_ISSUER_DID,
  DEMO_ISSUER_JWK,
  EIP712_LEGACY_HASH_TYPES,
  EIP712_NULLIFIER_TYPES,
  ed25519JwkFromSeed,
  issueStampCredential,
  issueStampCredentials,
  issuerKeyFromJwk,
  secp256k1JwkFromSeed,
  type IssuerKey,
  type StampCredential,
} from '../../src/dev/stamp-issuer.js'
import { CredentialFormatError, verifyCredentialSignature } from '../../src/domain/credential-verifier.js'
import { FIXTURE_ADDRESS as ADDRESS, signFixtureStamps } from '../helpers/factories/signed-stamps.js'

// The issuer's output is checked by the real verifier: a stamp that does not verify is no fixture.

let ethrKey: IssuerKey
let edKey: IssuerKey
let nullifierStamp: StampCredential
let legacyHashStamp: StampCredential
let ed25519Stamp: StampCredential

beforeAll(async () => {
  ;({ ethrKey, edKey, nullifierStamp, legacyHashStamp, ed25519Stamp } = await signFixtureStamps())
})

describe('demo issuer keys', () => {
  it('are the committed constants, re-derivable from their seeds, with stable DIDs', async () => {
    expect(secp256k1JwkFromSeed('passport-scorer-ts demo IAM issuer (secp256k1)')).toEqual(DEMO_ISSUER_JWK)
    expect(ed25519JwkFromSeed('passport-scorer-ts demo IAM issuer (Ed25519)')).toEqual(DEMO_ED25519_ISSUER_JWK)
    expect(ethrKey).toMatchObject({
      kind: 'secp256k1',
      did: DEMO_ISSUER_DID,
      verificationMethod: `${DEMO_ISSUER_DID}#controller`,
    })
    expect(DIDKit.keyToDID('ethr', JSON.stringify(DEMO_ISSUER_JWK))).toBe(DEMO_ISSUER_DID)
    const fragment = DEMO_ED25519_ISSUER_DID.slice('did:key:'.length)
    expect(edKey).toMatchObject({
      kind: 'ed25519',
      did: DEMO_ED25519_ISSUER_DID,
      verificationMethod: `${DEMO_ED25519_ISSUER_DID}#${fragment}`,
    })
  })

  it('rejects JWKs that are not secp256k1 or Ed25519 private keys', async () => {
    await expect(issuerKeyFromJwk({ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' })).rejects.toThrow(
      /unsupported key/,
    )
    const { d: _d, ...publicOnly } = DEMO_ISSUER_JWK
    await expect(issuerKeyFromJwk(publicOnly)).rejects.toThrow(/private d/)
    await expect(issuerKeyFromJwk('nope')).rejects.toThrow(/JSON object/)
  })
})

describe('issueStampCredential: production formats (scoring §2.1)', () => {
  it('EIP-712 nullifier stamp: IAM shape, nested context in credentialSubject, verifies', async () => {
    expect(nullifierStamp).toMatchObject({
      '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/vc/status-list/2021/v1'],
      type: ['VerifiableCredential'],
      issuer: DEMO_ISSUER_DID,
      issuanceDate: '2025-01-15T10:20:30.123Z',
      expirationDate: '2099-04-15T10:20:30.123Z',
      credentialSubject: {
        '@context': {
          nullifiers: { '@container': '@list', '@type': 'https://schema.org/Text' },
          provider: 'https://schema.org/Text',
        },
        id: 'did:pkh:eip155:1:0x0636f974d29d947d4946b2091d769ec6d2d415de',
        provider: 'Google',
        nullifiers: ['v0:aaaa', 'v1:bbbb'],
      },
      proof: {
        '@context': 'https://w3id.org/security/suites/eip712sig-2021/v1',
        type: 'EthereumEip712Signature2021',
        proofPurpose: 'assertionMethod',
        verificationMethod: `${DEMO_ISSUER_DID}#controller`,
        proofValue: expect.stringMatching(/^0x[0-9a-f]{130}$/),
        created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        eip712Domain: {
          domain: { name: 'VerifiableCredential' },
          primaryType: 'Document',
          types: EIP712_NULLIFIER_TYPES,
        },
      },
    })
    expect(nullifierStamp.credentialSubject).not.toHaveProperty('hash')
    expect(await verifyCredentialSignature(nullifierStamp)).toEqual([])
  })

  it('EIP-712 types are the table of scoring §2.1, in field order', () => {
    const names = (fields: { name: string; type: string }[]): string[] => fields.map((f) => `${f.name}: ${f.type}`)
    expect(names(EIP712_NULLIFIER_TYPES.Document)).toEqual([
      '@context: string[]',
      'credentialSubject: CredentialSubject',
      'expirationDate: string',
      'issuanceDate: string',
      'issuer: string',
      'proof: Proof',
      'type: string[]',
    ])
    expect(names(EIP712_NULLIFIER_TYPES.CredentialSubject)).toEqual([
      '@context: @context',
      'nullifiers: string[]',
      'id: string',
      'provider: string',
    ])
    expect(names(EIP712_NULLIFIER_TYPES['@context'])).toEqual(['nullifiers: NullifiersContext', 'provider: string'])
    expect(names(EIP712_NULLIFIER_TYPES.NullifiersContext)).toEqual(['@container: string', '@type: string'])
    expect(names(EIP712_NULLIFIER_TYPES.Proof)).toEqual([
      '@context: string',
      'created: string',
      'proofPurpose: string',
      'type: string',
      'verificationMethod: string',
    ])
    expect(names(EIP712_LEGACY_HASH_TYPES.CredentialSubject)).toEqual([
      '@context: @context',
      'hash: string',
      'id: string',
      'provider: string',
    ])
    expect(names(EIP712_LEGACY_HASH_TYPES['@context'])).toEqual(['hash: string', 'provider: string'])
    expect(EIP712_LEGACY_HASH_TYPES).not.toHaveProperty('NullifiersContext')
  })

  it('EIP-712 legacy-hash stamp: hash subject, hash type set, verifies', async () => {
    expect(legacyHashStamp.credentialSubject).toEqual({
      '@context': { hash: 'https://schema.org/Text', provider: 'https://schema.org/Text' },
      id: 'did:pkh:eip155:1:0x0636f974d29d947d4946b2091d769ec6d2d415de',
      provider: 'Ens',
      hash: 'v0.0.0:c2FtcGxl',
    })
    expect(legacyHashStamp.proof.eip712Domain).toMatchObject({ types: EIP712_LEGACY_HASH_TYPES })
    expect(await verifyCredentialSignature(legacyHashStamp)).toEqual([])
  })

  it('Ed25519 legacy stamp: did:key issuer, detached JWS, derived v0.0.0 hash, verifies', async () => {
    expect(ed25519Stamp).toMatchObject({
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      issuer: DEMO_ED25519_ISSUER_DID,
      credentialSubject: {
        '@context': [{ hash: 'https://schema.org/Text', provider: 'https://schema.org/Text' }],
        provider: 'Github',
        hash: expect.stringMatching(/^v0\.0\.0:[A-Za-z0-9+/]+=*$/),
      },
      proof: {
        type: 'Ed25519Signature2018',
        proofPurpose: 'assertionMethod',
        verificationMethod: edKey.verificationMethod,
        jws: expect.stringMatching(/^eyJ[^.]+\.\.[^.]+$/),
      },
    })
    expect(ed25519Stamp.proof).not.toHaveProperty('proofValue')
    expect(await verifyCredentialSignature(ed25519Stamp)).toEqual([])
  })

  it('derives deterministic nullifiers/hashes per (address, provider) when none are given', async () => {
    const one = await issueStampCredential(ethrKey, { address: ADDRESS, provider: 'Google' })
    const again = await issueStampCredential(ethrKey, { address: ADDRESS.toLowerCase(), provider: 'Google' })
    const other = await issueStampCredential(ethrKey, { address: ADDRESS, provider: 'Ens' })
    const hashed = await issueStampCredential(ethrKey, { address: ADDRESS, provider: 'Google', legacyHash: true })
    expect(one.credentialSubject.nullifiers).toEqual([expect.stringMatching(/^v0:/)])
    expect(again.credentialSubject.nullifiers).toEqual(one.credentialSubject.nullifiers)
    expect(other.credentialSubject.nullifiers).not.toEqual(one.credentialSubject.nullifiers)
    expect(hashed.credentialSubject.hash).toMatch(/^v0\.0\.0:/)
    expect(await verifyCredentialSignature(hashed)).toEqual([])
  })

  it('defaults to issued now, expiring 90 days later, both as toISOString()', async () => {
    const before = Date.now()
    const stamp = await issueStampCredential(ethrKey, { address: ADDRESS, provider: 'Google' })
    const issued = Date.parse(stamp.issuanceDate)
    expect(issued).toBeGreaterThanOrEqual(before - 1)
    expect(stamp.issuanceDate).toBe(new Date(issued).toISOString())
    expect(Date.parse(stamp.expirationDate) - issued).toBe(90 * 86_400_000)
  })

  it('signs string dates verbatim (offsets, microseconds), but didkit refuses naive dates', async () => {
    const stamp = await issueStampCredential(ethrKey, {
      address: ADDRESS,
      provider: 'Google',
      issuanceDate: '2025-02-20T12:34:56.789123Z',
      expirationDate: '2099-01-01T00:00:00+02:00',
    })
    expect(stamp).toMatchObject({
      issuanceDate: '2025-02-20T12:34:56.789123Z',
      expirationDate: '2099-01-01T00:00:00+02:00',
    })
    expect(await verifyCredentialSignature(stamp)).toEqual([])
    // So a stamp with a naive expirationDate (scoring §13.11) can only be an unsigned fixture.
    await expect(
      issueStampCredential(ethrKey, { address: ADDRESS, provider: 'Google', expirationDate: '2099-01-01T00:00:00' }),
    ).rejects.toThrow(/didkit could not sign/)
    await expect(verifyCredentialSignature({ ...stamp, expirationDate: '2099-01-01T00:00:00' })).rejects.toBeInstanceOf(
      CredentialFormatError,
    )
  })

  it('signs another subject id when asked (scoring §2 step 4f fixtures)', async () => {
    const stamp = await issueStampCredential(ethrKey, {
      address: ADDRESS,
      provider: 'Google',
      subjectId: `did:pkh:eip155:10:${ADDRESS}`,
    })
    expect(stamp.credentialSubject.id).toBe(`did:pkh:eip155:10:${ADDRESS}`)
    expect(await verifyCredentialSignature(stamp)).toEqual([])
  })

  it('rejects inconsistent requests before signing', async () => {
    await expect(issueStampCredential(ethrKey, { address: '0x123', provider: 'Google' })).rejects.toThrow(
      /invalid address/,
    )
    await expect(issueStampCredential(ethrKey, { address: ADDRESS, provider: '' })).rejects.toThrow(/provider/)
    await expect(
      issueStampCredential(ethrKey, { address: ADDRESS, provider: 'Google', nullifiers: ['v0:a'], hash: 'v0.0.0:b' }),
    ).rejects.toThrow(/not both/)
    await expect(
      issueStampCredential(ethrKey, { address: ADDRESS, provider: 'Google', nullifiers: [] }),
    ).rejects.toThrow(/empty/)
    await expect(
      issueStampCredential(edKey, { address: ADDRESS, provider: 'Google', nullifiers: ['v0:a'] }),
    ).rejects.toThrow(/hash variant/)
    await expect(
      issueStampCredential(ethrKey, { address: ADDRESS, provider: 'Google', issuanceDate: 'garbage' }),
    ).rejects.toThrow(/expirationDate/)
  })

  it('issues many stamps in input order with one key', async () => {
    const providers = Array.from({ length: 20 }, (_, i) => `Provider${i}`)
    const stamps = await issueStampCredentials(
      ethrKey,
      providers.map((provider) => ({ address: ADDRESS, provider })),
    )
    expect(stamps.map((s) => s.credentialSubject.provider)).toEqual(providers)
    for (const stamp of stamps) expect(await verifyCredentialSignature(stamp)).toEqual([])
  })
})

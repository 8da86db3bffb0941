import { describe, expect, it } from 'vitest'
import {
  didForAddress,
  structuralErrors,
  validateStamps,
  type CachedStamp,
  type Credential,
} from '../../src/domain/credentials.js'
import type { PyDateTime } from '../../src/domain/formats/py-datetime.js'

// scoring §2: the validation rule with literal credentials and a stub signature check (the real
// DIDKit check runs in the API tests on signed stamps).
const ADDRESS = '0x0636f974d29d947d4946b2091d769ec6d2d415de'
const TRUSTED = 'did:ethr:0xd6f8d6ca86aa01e551a311d670a0d1bd8577e5fb'
// 2025-01-15T10:20:30.123456Z
const NOW: PyDateTime = { epochMicros: 1_736_936_430_123_456n, offsetMinutes: 0 }

function credential(overrides: Partial<Credential> = {}, subject: Record<string, unknown> = {}): Credential {
  return {
    issuer: TRUSTED,
    expirationDate: '2025-03-01T00:00:00.000Z',
    credentialSubject: { id: `did:pkh:eip155:1:${ADDRESS}`, provider: 'Google', nullifiers: ['v0:google'], ...subject },
    proof: { type: 'EthereumEip712Signature2021' },
    ...overrides,
  }
}

const stamp = (provider: string, cred: Credential): CachedStamp => ({ provider, credential: cred })

async function validate(stamps: CachedStamp[], signatureErrors: (credential: Credential) => string[] = () => []) {
  const checked: string[] = []
  const result = await validateStamps(stamps, {
    address: ADDRESS,
    trustedIssuers: new Set([TRUSTED]),
    now: NOW,
    verifySignature: async (vc) => {
      const cred = vc as Credential
      checked.push(String(cred.credentialSubject?.provider))
      return signatureErrors(cred)
    },
  })
  return { ...result, checked }
}

describe('validateStamps (scoring §2)', () => {
  it('keeps valid stamps in input order, without provider de-duplication', async () => {
    const stamps = [
      stamp('Google', credential()),
      stamp('Ens', credential({}, { provider: 'Ens' })),
      stamp('Google', credential({ expirationDate: '2025-04-01T00:00:00Z' })),
    ]
    const result = await validate(stamps)
    expect(result.valid).toEqual(stamps)
    expect(result.rejected).toEqual([])
  })

  it('scoring §13.6: an expired stamp is rejected before its signature is checked; expiry equal to now is not expired', async () => {
    const result = await validate([
      stamp('Google', credential({ expirationDate: '2025-02-14T00:00:00Z' })),
      stamp('Ens', credential({ expirationDate: '2025-01-12T10:20:30Z' }, { provider: 'Ens' })),
      stamp('Github', credential({ expirationDate: '2025-01-15T10:20:30.123456Z' }, { provider: 'Github' })),
      stamp('Gitcoin', credential({ expirationDate: '2025-01-15T10:20:30.123455Z' }, { provider: 'Gitcoin' })),
    ])
    expect(result.checked).toEqual(['Google', 'Github'])
    expect(result.valid.map((s) => s.provider)).toEqual(['Google', 'Github'])
    expect(result.rejected).toEqual([
      { provider: 'Ens', reasons: [], isExpired: true, isIssuerTrusted: true },
      { provider: 'Gitcoin', reasons: [], isExpired: true, isIssuerTrusted: true },
    ])
  })

  it('scoring §13.7: signature errors reject the stamp', async () => {
    const result = await validate(
      [stamp('Google', credential()), stamp('Ens', credential({}, { provider: 'Ens' }))],
      (cred) => (cred.credentialSubject?.provider === 'Ens' ? ['invalid date'] : []),
    )
    expect(result.valid.map((s) => s.provider)).toEqual(['Google'])
    expect(result.rejected).toEqual([
      {
        provider: 'Ens',
        reasons: ['Stamp validation failed: ["invalid date"]'],
        isExpired: false,
        isIssuerTrusted: true,
      },
    ])
  })

  it('scoring §2 step 4: an exception of the signature check becomes "Error validating credential: …"', async () => {
    const result = await validateStamps([stamp('Google', credential())], {
      address: ADDRESS,
      trustedIssuers: new Set([TRUSTED]),
      now: NOW,
      verifySignature: () => Promise.reject(new Error('missing field `@context`')),
    })
    expect(result.rejected).toEqual([
      {
        provider: 'Google',
        reasons: ['Error validating credential: missing field `@context`'],
        isExpired: false,
        isIssuerTrusted: true,
      },
    ])
  })

  it('scoring §13.8: an untrusted issuer (exact, case-sensitive match) is rejected without a signature check', async () => {
    const result = await validate([
      stamp('Google', credential({ issuer: TRUSTED.toUpperCase() })),
      stamp('Ens', credential({ issuer: 'did:ethr:0xabczyx' }, { provider: 'Ens' })),
      stamp('Github', credential({ issuer: [TRUSTED] }, { provider: 'Github' })),
      stamp('Gitcoin', credential({ issuer: undefined }, { provider: 'Gitcoin' })),
    ])
    expect(result.checked).toEqual([])
    expect(result.valid).toEqual([])
    expect(result.rejected.map((r) => [r.provider, r.isIssuerTrusted, r.isExpired])).toEqual([
      ['Google', false, false],
      ['Ens', false, false],
      ['Github', false, false],
      ['Gitcoin', false, false],
    ])
  })

  it('scoring §13.9: the DID compares case-insensitively on both sides; another chain id is "Did mismatch"', async () => {
    const result = await validate([
      stamp('Google', credential({}, { id: 'did:pkh:eip155:1:0x0636F974D29d947d4946b2091d769ec6D2d415DE' })),
      stamp('Ens', credential({}, { provider: 'Ens', id: `did:pkh:eip155:10:${ADDRESS}` })),
    ])
    expect(result.valid.map((s) => s.provider)).toEqual(['Google'])
    expect(result.rejected).toEqual([
      { provider: 'Ens', reasons: ['Did mismatch'], isExpired: false, isIssuerTrusted: true },
    ])
    expect(didForAddress('0x0636F974D29d947d4946b2091d769ec6D2d415DE')).toBe(`did:pkh:eip155:1:${ADDRESS}`)
  })

  it('scoring §13.11, overridden by D7: a naive expirationDate rejects only that stamp (Python: whole run ERROR)', async () => {
    const result = await validate([
      stamp('Google', credential({ expirationDate: '2099-01-01T00:00:00' })),
      stamp('Ens', credential({}, { provider: 'Ens' })),
    ])
    expect(result.valid.map((s) => s.provider)).toEqual(['Ens'])
    expect(result.rejected).toEqual([
      {
        provider: 'Google',
        reasons: ["can't compare offset-naive and offset-aware datetimes"],
        isExpired: false,
        isIssuerTrusted: true,
      },
    ])
    const dateOnly = await validate([stamp('Google', credential({ expirationDate: '2099-01-01' }))])
    expect(dateOnly.rejected[0]!.reasons).toEqual(["can't compare offset-naive and offset-aware datetimes"])
  })

  it('scoring §13.12, overridden by D7: a missing expirationDate rejects only that stamp (Python: ERROR "\'expirationDate\'")', async () => {
    const { expirationDate: _missing, ...withoutExpiry } = credential()
    const result = await validate([stamp('Google', withoutExpiry), stamp('Ens', credential({}, { provider: 'Ens' }))])
    expect(result.valid.map((s) => s.provider)).toEqual(['Ens'])
    expect(result.rejected).toEqual([
      { provider: 'Google', reasons: ["'expirationDate'"], isExpired: false, isIssuerTrusted: true },
    ])
  })

  it("D7: an unparseable or non-string expirationDate rejects only that stamp, with Python's message", async () => {
    const result = await validate([
      stamp('Google', credential({ expirationDate: 'next tuesday' })),
      stamp('Ens', credential({ expirationDate: 20990101 }, { provider: 'Ens' })),
    ])
    expect(result.valid).toEqual([])
    expect(result.rejected.map((r) => r.reasons)).toEqual([
      ["Invalid isoformat string: 'next tuesday'"],
      ['fromisoformat: argument must be str'],
    ])
  })

  it('D7: a credential that is not an object is rejected', async () => {
    const result = await validate([
      stamp('Google', null as unknown as Credential),
      stamp('Ens', 'text' as unknown as Credential),
    ])
    expect(result.valid).toEqual([])
    expect(result.rejected.map((r) => r.reasons)).toEqual([
      ['Missing or invalid attribute: credential'],
      ['Missing or invalid attribute: credential'],
    ])
  })

  it('D6: a cache row filed under another provider than the signed one is rejected before the signature check', async () => {
    const result = await validate([stamp('Gitcoin', credential({}, { provider: 'Google' }))])
    expect(result.checked).toEqual([])
    expect(result.valid).toEqual([])
    expect(result.rejected).toEqual([
      {
        provider: 'Gitcoin',
        reasons: ['Provider mismatch: credential is for "Google", cache row for "Gitcoin"'],
        isExpired: false,
        isIssuerTrusted: true,
      },
    ])
  })

  it('uses the time given, not the wall clock', async () => {
    const later: PyDateTime = { epochMicros: NOW.epochMicros + 86_400_000_000n * 60n, offsetMinutes: 0 }
    const result = await validateStamps([stamp('Google', credential())], {
      address: ADDRESS,
      trustedIssuers: new Set([TRUSTED]),
      now: later,
      verifySignature: async () => [],
    })
    expect(result.rejected).toEqual([{ provider: 'Google', reasons: [], isExpired: true, isIssuerTrusted: true }])
  })
})

describe('structuralErrors (scoring §2 step 4 a–f)', () => {
  const did = didForAddress(ADDRESS)

  it('scoring §13.10: neither hash nor nullifiers → exactly the one error; either one alone → none', () => {
    const { nullifiers: _n, ...subject } = credential().credentialSubject!
    expect(structuralErrors({ ...credential(), credentialSubject: subject }, did)).toEqual([
      'Missing attribute: hash and nullifiers (either one must be present)',
    ])
    expect(structuralErrors({ ...credential(), credentialSubject: { ...subject, hash: 'v0.0.0:abc' } }, did)).toEqual(
      [],
    )
    expect(
      structuralErrors({ ...credential(), credentialSubject: { ...subject, nullifiers: ['v0:abc'] } }, did),
    ).toEqual([])
    // An empty list or an empty string does not count.
    expect(
      structuralErrors({ ...credential(), credentialSubject: { ...subject, nullifiers: [], hash: '' } }, did),
    ).toEqual(['Missing attribute: hash and nullifiers (either one must be present)'])
  })

  it("reports the missing id, provider and the DID mismatch in Python's order and wording", () => {
    expect(structuralErrors(credential({}, { id: undefined, provider: '' }), did)).toEqual([
      'Missing attribute: id',
      'Missing attribute: provider',
      'Did mismatch',
    ])
    expect(structuralErrors(credential({}, { id: 'did:pkh:eip155:1:0xother' }), did)).toEqual(['Did mismatch'])
  })

  it('a missing or empty credentialSubject is an error', () => {
    expect(structuralErrors({ ...credential(), credentialSubject: undefined }, did)[0]).toBe(
      'Missing attribute: credentialSubject',
    )
    expect(structuralErrors({ ...credential(), credentialSubject: {} }, did)[0]).toBe(
      'Missing attribute: credentialSubject',
    )
  })

  it('D7: nullifier shapes LIFO cannot read (a non-string hash, non-string nullifiers) are errors here', () => {
    expect(structuralErrors(credential({}, { nullifiers: undefined, hash: 42 }), did)).toContain(
      'Error validating credential: malformed hash or nullifiers',
    )
    expect(structuralErrors(credential({}, { nullifiers: ['v0:a', 7] }), did)).toContain(
      'Error validating credential: malformed hash or nullifiers',
    )
  })
})

describe('validateStamps with known verdicts (issue 16)', () => {
  it("scoring §2 step 4g: a known verdict is used as DIDKit's (no check); an unknown one goes to the check", async () => {
    const known = credential({}, { provider: 'Google' })
    const rejectedKnown = credential({}, { provider: 'Ens' })
    const unknown = credential({}, { provider: 'Lens' })
    const checked: unknown[] = []
    const verdicts = new Map<unknown, readonly string[]>([
      [known, []],
      [rejectedKnown, ['invalid signature']],
    ])
    const result = await validateStamps([stamp('Google', known), stamp('Ens', rejectedKnown), stamp('Lens', unknown)], {
      address: ADDRESS,
      trustedIssuers: new Set([TRUSTED]),
      now: NOW,
      verifySignature: async (vc) => {
        checked.push(vc)
        return []
      },
      knownSignatureErrors: (vc) => verdicts.get(vc),
    })
    expect(checked).toEqual([unknown])
    expect(result.valid.map((s) => s.provider)).toEqual(['Google', 'Lens'])
    expect(result.rejected).toEqual([
      {
        provider: 'Ens',
        reasons: ['Stamp validation failed: ["invalid signature"]'],
        isExpired: false,
        isIssuerTrusted: true,
      },
    ])
  })
})

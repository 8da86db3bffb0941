import {
  demoEd25519IssuerKey,
  demoIssuerKey,
  issueStampCredential,
  type IssuerKey,
  type StampCredential,
} from '../../../src/dev/stamp-issuer.js'

// One stamp of each production format (scoring §2.1), signed by the demo issuers with fixed dates:
// the subjects of the issuer's and the verifier's tests.

export const FIXTURE_ADDRESS = '0x0636F974D29d947d4946b2091d769ec6D2d415DE'
export const FIXTURE_ISSUED = new Date('2025-01-15T10:20:30.123Z')
export const FIXTURE_EXPIRES = new Date('2099-04-15T10:20:30.123Z')

export interface SignedFixtures {
  ethrKey: IssuerKey
  edKey: IssuerKey
  /** EIP-712, nullifiers ['v0:aaaa', 'v1:bbbb'], provider Google. */
  nullifierStamp: StampCredential
  /** EIP-712, legacy hash 'v0.0.0:c2FtcGxl', provider Ens. */
  legacyHashStamp: StampCredential
  /** Ed25519 (did:key issuer), derived hash, provider Github. */
  ed25519Stamp: StampCredential
}

export async function signFixtureStamps(): Promise<SignedFixtures> {
  const ethrKey = await demoIssuerKey()
  const edKey = await demoEd25519IssuerKey()
  const base = { address: FIXTURE_ADDRESS, issuanceDate: FIXTURE_ISSUED, expirationDate: FIXTURE_EXPIRES }
  return {
    ethrKey,
    edKey,
    nullifierStamp: await issueStampCredential(ethrKey, {
      ...base,
      provider: 'Google',
      nullifiers: ['v0:aaaa', 'v1:bbbb'],
    }),
    legacyHashStamp: await issueStampCredential(ethrKey, { ...base, provider: 'Ens', hash: 'v0.0.0:c2FtcGxl' }),
    ed25519Stamp: await issueStampCredential(edKey, { ...base, provider: 'Github' }),
  }
}

/** A deep copy with one change, as an attacker editing the stored JSON would make. */
export function tampered(credential: StampCredential, edit: (copy: StampCredential) => void): StampCredential {
  const copy = structuredClone(credential)
  edit(copy)
  return copy
}

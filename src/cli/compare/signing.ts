// The only import of the demo signing code by the compare tool (the fixed demo issuers, whose
// DIDs both services are told to trust). Repoint this line when that code moves.
import {
  DEMO_ED25519_ISSUER_DID,
  DEMO_ISSUER_DID,
  demoEd25519IssuerKey,
  demoIssuerKey,
  issueStampCredentials,
  type StampCredential,
} from '../../dev/stamp-issuer.js'
import type { StampsSpecValue } from './scenario.js'

export const TRUSTED_FIXTURE_ISSUERS: readonly string[] = [DEMO_ISSUER_DID, DEMO_ED25519_ISSUER_DID]

const DEFAULT_LIFETIME_DAYS = 90

/** Signs one credential per provider with the demo issuer of the requested kind (EIP-712 by default). */
export async function signFixtureStamps(spec: StampsSpecValue, now: Date = new Date()): Promise<StampCredential[]> {
  const key = spec.issuer === 'ed25519' ? await demoEd25519IssuerKey() : await demoIssuerKey()
  const lifetimeMs = (spec.expires_in_days ?? DEFAULT_LIFETIME_DAYS) * 86_400_000
  return issueStampCredentials(
    key,
    spec.providers.map((provider) => ({
      address: spec.address,
      provider,
      issuanceDate: now,
      expirationDate: new Date(now.getTime() + lifetimeMs),
      ...(spec.nullifiers?.[provider] ? { nullifiers: spec.nullifiers[provider] } : {}),
      ...(spec.hashes?.[provider] ? { hash: spec.hashes[provider] } : {}),
    })),
  )
}

export type { StampCredential }

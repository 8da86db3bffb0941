import type { Config } from '../../../src/config.js'
import type { Db, Sql } from '../../../src/db/pool.js'
import { verifyCredentialSignature } from '../../../src/domain/credential-verifier.js'
import type { ScoringDeps } from '../../../src/domain/score-passport.js'
import { createStoredStampCache } from '../../../src/domain/stored-stamp-cache.js'
import { createAccount, createCommunity, randomAddress } from './accounts.js'
import { createApiKey, type CreatedApiKey } from '../../../src/domain/api-keys.js'
import {
  demoIssuerKey,
  issueStampCredentials,
  type StampCredential,
  type StampToIssue,
} from '../../../src/dev/stamp-issuer.js'
import { insertCeramicCacheStamps } from '../../../src/db/queries/ceramic-cache.js'

/** A key stored like djangorestframework-api-key does; few PBKDF2 iterations keep tests fast. */
export function createTestApiKey(
  db: Db,
  accountId: number,
  options: { withSha256?: boolean; iterations?: number } = {},
): Promise<CreatedApiKey> {
  return createApiKey(db, {
    accountId,
    name: 'test key',
    withSha256: options.withSha256 ?? false,
    iterations: options.iterations ?? 1000,
  })
}

export const DAY_MS = 86_400_000

/** Signed by the fixed demo issuer (trusted by `scoringTestConfig`). */
export async function signStamps(address: string, stamps: Omit<StampToIssue, 'address'>[]): Promise<StampCredential[]> {
  return issueStampCredentials(
    await demoIssuerKey(),
    stamps.map((stamp) => ({ ...stamp, address })),
  )
}

/** Cache rows as the Passport app's add path writes them; `provider` defaults to the signed one. */
export async function addCacheStamps(
  db: Db,
  address: string,
  credentials: readonly object[],
  options: { providers?: string[]; sourceApp?: 1 | 2 | null } = {},
): Promise<number[]> {
  return insertCeramicCacheStamps(
    db,
    credentials.map((credential, index) => {
      const vc = credential as {
        credentialSubject?: { provider?: string }
        proof?: { proofValue?: string; jws?: string }
        issuanceDate?: string
        expirationDate?: string
      }
      return {
        address,
        provider: options.providers?.[index] ?? vc.credentialSubject?.provider ?? '',
        stamp: credential,
        proof_value: vc.proof?.proofValue ?? vc.proof?.jws ?? '',
        issuance_date: typeof vc.issuanceDate === 'string' ? vc.issuanceDate : null,
        expiration_date: typeof vc.expirationDate === 'string' ? vc.expirationDate : null,
        source_app: options.sourceApp === undefined ? 1 : options.sourceApp,
        source_scorer_id: null,
      }
    }),
  )
}

/**
 * A community weighting Google and Ens, a new address holding both stamps (signed) in the cache, and
 * scoring deps with a stored-stamp cache of their own whose DIDKit checks are recorded in `checked`.
 */
export async function twoStampPassport(sql: Sql, config: Config) {
  const { accountId } = await createAccount(sql)
  const { communityId } = await createCommunity(sql, { accountId, weights: { Google: 0.525, Ens: 0.208 } })
  const address = randomAddress()
  await addCacheStamps(sql, address, await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }]))
  const checked: unknown[] = []
  const deps: ScoringDeps = {
    sql,
    config,
    verifySignature: (credential) => {
      checked.push(credential)
      return verifyCredentialSignature(credential)
    },
    log: { info: () => {}, warn: () => {}, error: () => {} },
    storedStampCache: createStoredStampCache(100),
  }
  return { accountId, communityId, address, checked, deps }
}

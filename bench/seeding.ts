import type { Sql } from '../src/db/pool.js'
import { insertCeramicCacheStamps, type CeramicCacheSourceApp } from '../src/db/queries/ceramic-cache.js'
import type { StampCredential } from '../src/dev/stamp-issuer.js'
import { addressFor } from './population.js'
import type { SignedPassport } from './signing.js'
import {
  insertScoredState,
  insertSyntheticCacheRows,
  TEMPLATE_MARKS,
  type BackgroundRange,
  type CredentialTemplate,
} from './sql.js'

// Passports whose inserts are sent at once (on the pool's connections).
const PASSPORTS_PER_IN_FLIGHT = 100
// Background passports per transaction: ~40k cache rows, a few seconds each, so progress shows.
const BACKGROUND_CHUNK = 2_000

/** Cache rows as the Passport app's add path writes them (scoring §9.1), one statement per batch. */
export async function insertSignedPassports(
  sql: Sql,
  passports: readonly SignedPassport[],
  sourceApp: CeramicCacheSourceApp = 1,
): Promise<void> {
  for (let i = 0; i < passports.length; i += PASSPORTS_PER_IN_FLIGHT) {
    // One statement per passport, as the app adds them: each passport's rows get their own
    // created_at / updated_at (one statement per batch gave the whole batch one timestamp, which the
    // warm path then parsed as if every passport shared it). Sent together, so seeding stays fast.
    await Promise.all(
      passports.slice(i, i + PASSPORTS_PER_IN_FLIGHT).map(({ plan, credentials }) =>
        insertCeramicCacheStamps(
          sql,
          credentials.map((credential) => ({
            address: plan.address,
            provider: credential.credentialSubject.provider,
            stamp: credential,
            proof_value: credential.proof.proofValue ?? '',
            issuance_date: credential.issuanceDate,
            expiration_date: credential.expirationDate,
            source_app: sourceApp,
            source_scorer_id: null,
          })),
        ),
      ),
    )
  }
}

/** One signed credential, with the values each background row replaces marked. */
export function credentialTemplate(credential: StampCredential): CredentialTemplate {
  const subject = credential.credentialSubject
  const marked = {
    ...credential,
    credentialSubject: {
      ...subject,
      id: TEMPLATE_MARKS.subject,
      provider: TEMPLATE_MARKS.provider,
      nullifiers: [TEMPLATE_MARKS.nullifier],
    },
    proof: { ...credential.proof, proofValue: TEMPLATE_MARKS.proof },
  }
  return {
    json: JSON.stringify(marked),
    issuanceDate: credential.issuanceDate,
    expirationDate: credential.expirationDate,
  }
}

export interface BackgroundOptions {
  communityId: number
  /** The signed credential whose JSON the synthetic rows copy. */
  template: CredentialTemplate
  /** With --sign-all: signs and inserts these passports' cache rows instead of synthesising them. */
  insertSigned?: (range: BackgroundRange) => Promise<void>
  onProgress?: (done: number) => void
}

export async function seedBackground(sql: Sql, range: BackgroundRange, options: BackgroundOptions): Promise<void> {
  for (let start = range.start; start < range.end; start += BACKGROUND_CHUNK) {
    const chunk = { start, end: Math.min(range.end, start + BACKGROUND_CHUNK) }
    const addresses = Array.from({ length: chunk.end - chunk.start }, (_, k) => addressFor(chunk.start + k))
    if (options.insertSigned) {
      await options.insertSigned(chunk)
      await insertScoredState(sql, options.communityId, addresses)
    } else {
      await sql.begin(async (tx) => {
        await insertSyntheticCacheRows(tx, options.template, chunk)
        await insertScoredState(tx, options.communityId, addresses)
      })
    }
    options.onProgress?.(chunk.end - range.start)
  }
}

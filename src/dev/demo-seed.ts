import { randomBytes } from 'node:crypto'
import { currentTimestamp, type Sql } from '../db/pool.js'
import { isCreatedByUs } from '../db/migrate.js'
import { insertCeramicCacheStamps, softDeleteLiveStamps } from '../db/queries/ceramic-cache.js'
import {
  findDemoAccount,
  insertDemoAccount,
  insertDemoCommunity,
  listDemoStampExpirations,
} from '../db/queries/demo.js'
import { createApiKey } from '../domain/api-keys.js'
import { DomainError } from '../domain/errors.js'
import { demoIssuerKey, issueStampCredentials, DEMO_ISSUER_DID } from './stamp-issuer.js'

/** The demo passport holder; its stamps are signed by the fixed demo issuer. */
export const DEMO_ADDRESS = '0x96db2c6d93a8a12089f7a6eda5464e967308aded'
/** The account that owns the demo scorer (a dashboard user's wallet). */
export const DEMO_OWNER_ADDRESS = '0x0000000000000000000000000000000000de0de0'
export const DEMO_COMMUNITY_NAME = 'Demo'

// schema.md §15.2: the reference weights, as JSON floats like scorers copied from the weight
// configuration (FloatFields) hold them; threshold 20.
export const REFERENCE_WEIGHTS: Readonly<Record<string, number>> = Object.freeze({
  BeginnerCommunityStaker: 0.673,
  Biometrics: 6.001,
  BinanceBABT: 16.021,
  BinanceBABT2: 10.021,
  Brightid: 0.202,
  CivicCaptchaPass: 0.823,
  CivicLivenessPass: 3.038,
  CivicUniquenessPass: 5.005,
  CleanHands: 3,
  CoinbaseDualVerification: 16.042,
  CoinbaseDualVerification2: 10.042,
  Discord: 0.516,
  Ens: 0.208,
  'ETHDaysActive#50': 0.207,
  'ETHGasSpent#0.25': 0.778,
  'ETHnumTransactions#100': 0.21,
  'ETHScore#50': 16.021,
  'ETHScore#75': 2.399,
  'ETHScore#90': 2.926,
  ExperiencedCommunityStaker: 2.161,
  'GitcoinContributorStatistics#totalContributionAmountGte#10': 0.223,
  'GitcoinContributorStatistics#totalContributionAmountGte#100': 1.017,
  'GitcoinContributorStatistics#totalContributionAmountGte#1000': 4.997,
  'githubContributionActivityGte#120': 2.259,
  'githubContributionActivityGte#30': 1.879,
  'githubContributionActivityGte#60': 1.888,
  GuildAdmin: 0.468,
  HolonymGovIdProvider: 16.026,
  HolonymPhone: 1.521,
  'IdenaState#Human': 1.921,
  'IdenaState#Newbie': 5.892,
  'IdenaState#Verified': 1.924,
  Lens: 0.23,
  Linkedin: 1.531,
  NFT: 1.032,
  'NFTScore#50': 16.246,
  'NFTScore#75': 2.362,
  'NFTScore#90': 2.413,
  SelfStakingBronze: 0.897,
  SelfStakingGold: 2.7,
  SelfStakingSilver: 2.066,
  SnapshotProposalsProvider: 0.239,
  TrustaLabs: 0.511,
  TrustedCitizen: 4.009,
  X: 3.2,
  ZkSyncEra: 0.606,
  'zkSyncScore#20': 1.67,
  'zkSyncScore#5': 1.67,
  'zkSyncScore#50': 1.67,
  Google: 0.525,
  GnosisSafe: 0.222,
})
export const REFERENCE_THRESHOLD = '20.00000'

/** A dozen stamps worth ~31 points: the demo address passes the threshold of 20. */
export const DEMO_PROVIDERS = [
  'Google',
  'Ens',
  'Linkedin',
  'Discord',
  'X',
  'HolonymGovIdProvider',
  'Biometrics',
  'SelfStakingBronze',
  'BeginnerCommunityStaker',
  'Lens',
  'Brightid',
  'GnosisSafe',
] as const

const DEMO_STAMP_LIFETIME_MS = 365 * 86_400_000
// Re-sign when a stamp has less than this left, so a long-lived .data/ keeps a passing demo.
const DEMO_STAMP_REFRESH_MS = 14 * 86_400_000

export interface DemoSeed {
  communityId: number
  accountId: number
  /** The plaintext key: only known when this call created it. */
  apiKey: string | undefined
  issuerDid: string
  address: string
  createdNow: boolean
  stampsSigned: number
}

async function refreshDemoStamps(sql: Sql, now: Date): Promise<number> {
  const expirations = await listDemoStampExpirations(sql, DEMO_ADDRESS, [...DEMO_PROVIDERS])
  const freshUntil = now.getTime() + DEMO_STAMP_REFRESH_MS
  const stale = DEMO_PROVIDERS.filter((provider) => {
    const expiresAt = expirations.get(provider)
    return expiresAt === undefined || expiresAt < freshUntil
  })
  if (stale.length === 0) return 0
  const credentials = await issueStampCredentials(
    await demoIssuerKey(),
    stale.map((provider) => ({
      address: DEMO_ADDRESS,
      provider,
      issuanceDate: now,
      expirationDate: new Date(now.getTime() + DEMO_STAMP_LIFETIME_MS),
    })),
  )
  // D21: the rows' timestamps with microseconds, as Django writes them (the credentials keep the IAM's milliseconds).
  const writtenAt = currentTimestamp()
  await sql.begin(async (tx) => {
    await softDeleteLiveStamps(tx, DEMO_ADDRESS, stale, { type: 1, now: writtenAt })
    await insertCeramicCacheStamps(
      tx,
      credentials.map((credential) => ({
        address: DEMO_ADDRESS,
        provider: credential.credentialSubject.provider,
        stamp: credential,
        proof_value: credential.proof.proofValue ?? '',
        issuance_date: credential.issuanceDate,
        expiration_date: credential.expirationDate,
        source_app: 1,
        source_scorer_id: null,
      })),
      { now: writtenAt },
    )
  })
  return stale.length
}

/**
 * Demo data for a database we created (never for a Django-owned one, D15): an account with a
 * "Demo" binary scorer (reference weights, threshold 20, human points on), one API key and a
 * passport of signed stamps. Safe to run again: existing rows are kept, stale stamps re-signed.
 */
export async function seedDemoData(sql: Sql, now: Date = new Date()): Promise<DemoSeed> {
  if (!(await isCreatedByUs(sql))) {
    throw new DomainError(
      'forbidden',
      'this database was not created by passport-scorer-ts migrations; refusing to seed it (D15)',
    )
  }
  let existing = await findDemoAccount(sql, DEMO_OWNER_ADDRESS, DEMO_COMMUNITY_NAME)
  let apiKey: string | undefined
  const createdNow = existing === undefined
  if (!existing) {
    existing = await sql.begin(async (tx) => {
      const accountId = await insertDemoAccount(tx, DEMO_OWNER_ADDRESS, randomBytes(16).toString('hex'))
      const communityId = await insertDemoCommunity(tx, {
        accountId,
        name: DEMO_COMMUNITY_NAME,
        weights: REFERENCE_WEIGHTS,
        threshold: REFERENCE_THRESHOLD,
      })
      apiKey = (await createApiKey(tx, { accountId, name: 'demo key' })).key
      return { accountId, communityId }
    })
  }
  const stampsSigned = await refreshDemoStamps(sql, now)
  return { ...existing, apiKey, issuerDid: DEMO_ISSUER_DID, address: DEMO_ADDRESS, createdNow, stampsSigned }
}

// Examples for the OpenAPI document, taken from the demo data (src/dev/demo-seed.ts): the demo
// address, the demo scorer as the embedded database creates it, and the body the v2 score route
// answered for them (scored on 2026-11-30; test/api/openapi.test.ts scores the demo again and
// compares). src/api does not import src/dev, so the values are written out here.

export const EXAMPLE_ADDRESS = '0x96db2c6d93a8a12089f7a6eda5464e967308aded'
export const EXAMPLE_SCORER_ID = 1

const EXAMPLE_STAMP_EXPIRATION = '2027-11-30T18:56:55.469000+00:00'
const stamp = (score: string) => ({ score, dedup: false, expiration_date: EXAMPLE_STAMP_EXPIRATION })

/** `GET /v2/stamps/1/score/<demo address>` with the demo key. */
export const EXAMPLE_V2_SCORE = {
  address: EXAMPLE_ADDRESS,
  score: '30.23100',
  passing_score: true,
  last_score_timestamp: '2026-11-30T18:56:59.792321+00:00',
  expiration_timestamp: EXAMPLE_STAMP_EXPIRATION,
  threshold: '20.00000',
  error: null,
  stamps: {
    BeginnerCommunityStaker: stamp('0.67300'),
    Biometrics: stamp('6.00100'),
    Brightid: stamp('0.20200'),
    Discord: stamp('0.51600'),
    Ens: stamp('0.20800'),
    GnosisSafe: stamp('0.22200'),
    Google: stamp('0.52500'),
    HolonymGovIdProvider: stamp('16.02600'),
    Lens: stamp('0.23000'),
    Linkedin: stamp('1.53100'),
    SelfStakingBronze: stamp('0.89700'),
    X: stamp('3.20000'),
  },
  points_data: null,
  possible_points_data: null,
  linked_score: null,
}

/** The demo scorer's weights as the weights routes answer them, in the database's key order (`3.0` is written `3` here). */
export const EXAMPLE_WEIGHTS: Record<string, number> = {
  X: 3.2,
  Ens: 0.208,
  NFT: 1.032,
  Lens: 0.23,
  Google: 0.525,
  Discord: 0.516,
  Brightid: 0.202,
  Linkedin: 1.531,
  ZkSyncEra: 0.606,
  Biometrics: 6.001,
  CleanHands: 3,
  GnosisSafe: 0.222,
  GuildAdmin: 0.468,
  TrustaLabs: 0.511,
  BinanceBABT: 16.021,
  'ETHScore#50': 16.021,
  'ETHScore#75': 2.399,
  'ETHScore#90': 2.926,
  'NFTScore#50': 16.246,
  'NFTScore#75': 2.362,
  'NFTScore#90': 2.413,
  BinanceBABT2: 10.021,
  HolonymPhone: 1.521,
  'zkSyncScore#5': 1.67,
  TrustedCitizen: 4.009,
  'zkSyncScore#20': 1.67,
  'zkSyncScore#50': 1.67,
  SelfStakingGold: 2.7,
  CivicCaptchaPass: 0.823,
  'ETHDaysActive#50': 0.207,
  'ETHGasSpent#0.25': 0.778,
  'IdenaState#Human': 1.921,
  CivicLivenessPass: 3.038,
  'IdenaState#Newbie': 5.892,
  SelfStakingBronze: 0.897,
  SelfStakingSilver: 2.066,
  CivicUniquenessPass: 5.005,
  'IdenaState#Verified': 1.924,
  HolonymGovIdProvider: 16.026,
  'ETHnumTransactions#100': 0.21,
  BeginnerCommunityStaker: 0.673,
  CoinbaseDualVerification: 16.042,
  CoinbaseDualVerification2: 10.042,
  SnapshotProposalsProvider: 0.239,
  ExperiencedCommunityStaker: 2.161,
  'githubContributionActivityGte#30': 1.879,
  'githubContributionActivityGte#60': 1.888,
  'githubContributionActivityGte#120': 2.259,
  'GitcoinContributorStatistics#totalContributionAmountGte#10': 0.223,
  'GitcoinContributorStatistics#totalContributionAmountGte#100': 1.017,
  'GitcoinContributorStatistics#totalContributionAmountGte#1000': 4.997,
}

/** A 422 as ninja words it: `GET /v2/stamps/abc/score/<demo address>` with a valid key. */
export const EXAMPLE_VALIDATION_ERROR = {
  detail: [
    {
      type: 'int_parsing',
      loc: ['path', 'scorer_id'],
      msg: 'Input should be a valid integer, unable to parse string as an integer',
    },
  ],
}

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

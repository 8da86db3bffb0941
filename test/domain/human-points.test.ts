import { beforeAll, describe, expect, it } from 'vitest'
import type { Config } from '../../src/config.js'
import type { CachedStamp } from '../../src/domain/credentials.js'
import { fromEpochMillis } from '../../src/domain/formats/py-datetime.js'
import {
  awardHumanPoints,
  decideStampActions,
  isHumanPointsAwardOpen,
  isPointsDataShown,
  loadPointsData,
  type HumanPointsAwardInput,
} from '../../src/domain/human-points.js'
import { testConfig } from '../helpers/app.js'
import { createTestDatabase, useTestDatabase, type TestDatabase } from '../helpers/database.js'
import { createAccount, createCommunity, randomAddress } from '../helpers/factories/accounts.js'
import {
  addToAddressList,
  countAction,
  inRolledBackTransaction,
  insertBulkMetaMaskOg2,
  insertHumanPoints,
  insertQualifiedCommunityRow,
  keptStamp,
  listHumanPointsRows,
  listQualifiedCommunityIds,
  setMultiplier,
  setPointsConfig,
} from '../helpers/factories/human-points.js'

const database = useTestDatabase()
let accountId: number

beforeAll(async () => {
  ;({ accountId } = await createAccount(database.sql))
})

const START_SECONDS = 1_750_000_000
const NOW = fromEpochMillis(START_SECONDS * 1000 + 86_400_000)
const WRITE_ON: Partial<Config> = { humanPointsWriteEnabled: true, humanPointsStartTimestamp: START_SECONDS }

function awardInput(
  communityId: number,
  address: string,
  options: { config?: Partial<Config>; stamps?: readonly CachedStamp[] } & Partial<
    Omit<HumanPointsAwardInput, 'config'>
  > = {},
): HumanPointsAwardInput {
  const { config, stamps, ...rest } = options
  return {
    config: testConfig({}, { ...WRITE_ON, ...config }),
    communityId,
    humanPointsProgram: true,
    address,
    binaryScore: 1,
    keptStamps: stamps ?? [],
    now: NOW,
    ...rest,
  }
}

/** As score-passport calls it: in the scoring transaction, inside a savepoint. */
async function award(db: Pick<TestDatabase, 'sql'>, input: HumanPointsAwardInput): Promise<void> {
  await db.sql.begin((tx) => tx.savepoint((sp) => awardHumanPoints(sp, input)))
}

async function programCommunity(db: Pick<TestDatabase, 'sql'> = database, humanPointsProgram = true): Promise<number> {
  const { accountId: owner } = db === database ? { accountId } : await createAccount(db.sql)
  return (await createCommunity(db.sql, { accountId: owner, humanPointsProgram })).communityId
}

const row = (
  address: string,
  action: string,
  extra: { tx_hash?: string; chain_id?: number; provider?: string } = {},
) => ({
  address,
  action,
  tx_hash: extra.tx_hash ?? '',
  chain_id: extra.chain_id ?? 0,
  provider: extra.provider ?? '',
  has_timestamp: true,
})

// scoring §13.48's kept stamps: HKY from nullifiers; ISB and CSB from the CACHE provider column.
const SCENARIO_48_STAMPS: CachedStamp[] = [
  keptStamp('someProviderWithHumanKeys', {
    nullifiers: ['v0:someProviderWithHumanKeys_nullifier', 'v1:someProviderWithHumanKeys_nullifier'],
  }),
  {
    provider: 'SelfStakingBronze',
    credential: { credentialSubject: { provider: 'gtcStakingBronze', hash: 'v0.0.0:bronze' } },
  },
  keptStamp('BeginnerCommunityStaker', { hash: 'v0.0.0:beginner' }),
  keptStamp('someOtherProvider', { hash: 'v0.0.0:other' }),
]

describe('awardHumanPoints (scoring §6.2)', () => {
  it('scoring §13.48: awarded on pass → HKY, ISB, CSB rows', async () => {
    const communityId = await programCommunity()
    const address = randomAddress()
    await award(database, awardInput(communityId, address, { stamps: SCENARIO_48_STAMPS }))

    expect(await listHumanPointsRows(database.sql, address)).toEqual([
      row(address, 'HKY', { tx_hash: 'v1:someProviderWithHumanKeys_nullifier', provider: 'someProviderWithHumanKeys' }),
      row(address, 'ISB'),
      row(address, 'CSB'),
    ])
    expect(await listQualifiedCommunityIds(database.sql, address)).toEqual([communityId])
    expect((await loadPointsData(database.sql, address)).points).toEqual({
      totalPoints: 300,
      isEligible: true,
      multiplier: 1,
      breakdown: { HKY: 100, ISB: 100, CSB: 100 },
    })
  })

  it('scoring §13.48: the address is written lower-case', async () => {
    const communityId = await programCommunity()
    const address = randomAddress()
    await award(
      database,
      awardInput(communityId, address.toUpperCase().replace('0X', '0x'), { stamps: [keptStamp('SelfStakingGold')] }),
    )
    expect(await listHumanPointsRows(database.sql, address)).toEqual([row(address, 'ISG')])
    expect(await listQualifiedCommunityIds(database.sql, address)).toEqual([communityId])
  })

  it('scoring §13.49: HKY from the last truthy nullifier; a rotated nullifier adds nothing (Q6.1)', async () => {
    const communityId = await programCommunity()
    const address = randomAddress()
    await award(
      database,
      awardInput(communityId, address, {
        stamps: [
          keptStamp('anyProvider', { nullifiers: ['v0:test', 'v1:human_keys_nullifier'] }),
          keptStamp('anotherProvider', { nullifiers: ['v0:only_v0'] }),
          keptStamp('noNullifierProvider', { hash: 'v0.0.0:legacy' }),
        ],
      }),
    )
    const expected = [
      row(address, 'HKY', { tx_hash: 'v1:human_keys_nullifier', provider: 'anyProvider' }),
      row(address, 'HKY', { tx_hash: 'v0:only_v0', provider: 'anotherProvider' }),
    ]
    expect(await listHumanPointsRows(database.sql, address)).toEqual(expected)

    await award(
      database,
      awardInput(communityId, address, {
        stamps: [keptStamp('anyProvider', { nullifiers: ['v1:human_keys_nullifier', 'v2:rotated'] })],
      }),
    )
    expect(await listHumanPointsRows(database.sql, address)).toEqual(expected)
  })

  it('scoring §13.49: HKY needs a truthy nullifier and a truthy signed provider (pure rule)', () => {
    const stamps: CachedStamp[] = [
      keptStamp('a', { nullifiers: ['', 'v0:x', '', null] }),
      keptStamp('b', { nullifiers: ['', null, 0] }),
      keptStamp('c', { nullifiers: 'v0:not-a-list' }),
      { provider: 'd', credential: { credentialSubject: { nullifiers: ['v0:no-provider'] } } },
      { provider: 'e', credential: { credentialSubject: { provider: '', nullifiers: ['v0:empty-provider'] } } },
      { provider: 'HolonymPhone', credential: { credentialSubject: { provider: 'signedName', nullifiers: ['v0:p'] } } },
      keptStamp('known', { nullifiers: ['v0:k'] }),
    ]
    expect(decideStampActions(stamps, new Set(['known']))).toEqual([
      { action: 'HKY', txHash: 'v0:x', chainId: 0, provider: 'a' },
      { action: 'HKY', txHash: 'v0:p', chainId: 0, provider: 'signedName' },
      { action: 'HPH', txHash: '', chainId: 0, provider: '' },
    ])
  })

  it('scoring §6.2: every provider of the action map, keyed by the cache column', async () => {
    const communityId = await programCommunity()
    const address = randomAddress()
    const providers = [
      'SelfStakingBronze',
      'SelfStakingSilver',
      'SelfStakingGold',
      'BeginnerCommunityStaker',
      'ExperiencedCommunityStaker',
      'TrustedCitizen',
      'HolonymGovIdProvider',
      'HolonymPhone',
      'CleanHands',
      'Biometrics',
      'toString',
      'Google',
    ]
    await award(
      database,
      awardInput(communityId, address, {
        stamps: providers.map((provider) => ({ provider, credential: { credentialSubject: { provider: 'x' } } })),
      }),
    )
    expect((await listHumanPointsRows(database.sql, address)).map((r) => r.action)).toEqual([
      'ISB',
      'ISS',
      'ISG',
      'CSB',
      'CSE',
      'CST',
      'HGO',
      'HPH',
      'HCH',
      'HBI',
    ])
  })

  it('scoring §13.50: failing binary score → no qualified-user row, no HKY', async () => {
    const communityId = await programCommunity()
    const address = randomAddress()
    await addToAddressList(database.sql, 'SeasonedPassportOGs', [address])
    await award(database, awardInput(communityId, address, { binaryScore: 0, stamps: SCENARIO_48_STAMPS }))
    expect(await listHumanPointsRows(database.sql, address)).toEqual([])
    expect(await listQualifiedCommunityIds(database.sql, address)).toEqual([])
  })

  it.each([
    ['HUMAN_POINTS_WRITE_ENABLED off', { config: { humanPointsWriteEnabled: false } }],
    ['human_points_program false', { humanPointsProgram: false }],
    ['now before HUMAN_POINTS_START_TIMESTAMP', { now: fromEpochMillis(START_SECONDS * 1000 - 1) }],
    [
      'HUMAN_POINTS_ENABLED alone',
      { config: { humanPointsWriteEnabled: false, humanPointsEnabled: true, humanPointsMtaEnabled: true } },
    ],
  ] as const)('scoring §13.51: gate closed (%s) → nothing written', async (_name, options) => {
    const communityId = await programCommunity()
    const address = randomAddress()
    await addToAddressList(database.sql, 'MetaMaskOG2', [address])
    await addToAddressList(database.sql, 'TheChosenOnes', [address])
    await award(database, awardInput(communityId, address, { ...options, stamps: SCENARIO_48_STAMPS }))
    expect(await listHumanPointsRows(database.sql, address)).toEqual([])
    expect(await listQualifiedCommunityIds(database.sql, address)).toEqual([])
  })

  it('scoring §13.51: the gate opens at exactly HUMAN_POINTS_START_TIMESTAMP', () => {
    const input = awardInput(1, randomAddress(), { now: fromEpochMillis(START_SECONDS * 1000) })
    expect(isHumanPointsAwardOpen(input)).toBe(true)
    expect(isHumanPointsAwardOpen({ ...input, now: fromEpochMillis(START_SECONDS * 1000 - 1) })).toBe(false)
    expect(isHumanPointsAwardOpen({ ...input, binaryScore: 0 })).toBe(false)
  })

  it('scoring §13.52: SCB once the address is qualified in a 4th community; never twice', async () => {
    const address = randomAddress()
    const communities = [
      await programCommunity(),
      await programCommunity(),
      await programCommunity(),
      await programCommunity(),
      await programCommunity(),
    ]
    for (const communityId of communities.slice(0, 3)) await award(database, awardInput(communityId, address))
    expect(await listHumanPointsRows(database.sql, address)).toEqual([])

    await award(database, awardInput(communities[3]!, address))
    expect(await listHumanPointsRows(database.sql, address)).toEqual([row(address, 'SCB')])
    await award(database, awardInput(communities[3]!, address))
    await award(database, awardInput(communities[4]!, address))
    expect(await listHumanPointsRows(database.sql, address)).toEqual([row(address, 'SCB')])
    expect(await listQualifiedCommunityIds(database.sql, address)).toEqual(communities)
  })

  it('scoring §13.52: an existing SCB row matches whatever its chain (get_or_create on address and action)', async () => {
    const address = randomAddress()
    for (let i = 0; i < 3; i++) await insertQualifiedCommunityRow(database.sql, address, await programCommunity())
    await insertHumanPoints(database.sql, address, 'SCB', { chainId: 10 })
    await award(database, awardInput(await programCommunity(), address))
    expect(await listHumanPointsRows(database.sql, address)).toEqual([row(address, 'SCB', { chain_id: 10 })])
  })

  describe('scoring §13.53: MetaMask OG 2', () => {
    const MTA_ON: Partial<Config> = { humanPointsMtaEnabled: true }

    it('scoring §13.53: listed, flag on, passing → one MM2 row; scoring twice → still one', async () => {
      const communityId = await programCommunity()
      const address = randomAddress()
      await addToAddressList(database.sql, 'MetaMaskOG2', [address])
      await award(
        database,
        awardInput(
          communityId,
          address.replace(/[a-f]/g, (c) => c.toUpperCase()),
          { config: MTA_ON },
        ),
      )
      await award(database, awardInput(communityId, address, { config: MTA_ON }))
      expect(await listHumanPointsRows(database.sql, address)).toEqual([row(address, 'MM2')])
    })

    it.each([
      ['the score fails', { binaryScore: 0 as const, config: MTA_ON }, true],
      ['the address is not listed', { config: MTA_ON }, false],
      ['HUMAN_POINTS_MTA_ENABLED is off', { config: { humanPointsMtaEnabled: false } }, true],
      ['only the Rust port\'s list "MetaMaskOG" holds it', { config: MTA_ON }, false],
    ])('scoring §13.53: no MM2 when %s', async (name, options, listed) => {
      const communityId = await programCommunity()
      const address = randomAddress()
      if (listed) await addToAddressList(database.sql, 'MetaMaskOG2', [address])
      if (name.includes('Rust')) await addToAddressList(database.sql, 'MetaMaskOG', [address])
      await award(database, awardInput(communityId, address, options))
      expect(
        (await listHumanPointsRows(database.sql, address)).filter((r) => r.action === 'MM2' || r.action === 'MTA'),
      ).toEqual([])
    })
  })

  it('scoring §13.54: SOG and TCO from their lists, independent of the MTA flag; never twice', async () => {
    const communityId = await programCommunity()
    const address = randomAddress()
    await addToAddressList(database.sql, 'SeasonedPassportOGs', [address])
    await addToAddressList(database.sql, 'TheChosenOnes', [address])
    await award(database, awardInput(communityId, address, { config: { humanPointsMtaEnabled: false } }))
    await award(database, awardInput(communityId, address, { config: { humanPointsMtaEnabled: true } }))
    expect(await listHumanPointsRows(database.sql, address)).toEqual([row(address, 'SOG'), row(address, 'TCO')])
  })

  it('scoring §13.54: a list holding someone else awards nothing', async () => {
    const communityId = await programCommunity()
    const address = randomAddress()
    await addToAddressList(database.sql, 'SeasonedPassportOGs', [randomAddress()])
    await award(database, awardInput(communityId, address))
    expect(await listHumanPointsRows(database.sql, address)).toEqual([])
  })
})

describe('awardHumanPoints with no address lists at all', () => {
  const bare = useTestDatabase()

  it('scoring §13.53/§13.54: missing MetaMaskOG2, SeasonedPassportOGs and TheChosenOnes lists are skipped without error', async () => {
    const communityId = await programCommunity(bare)
    const address = randomAddress()
    await award(
      bare,
      awardInput(communityId, address, {
        config: { humanPointsMtaEnabled: true },
        stamps: [keptStamp('TrustedCitizen')],
      }),
    )
    expect(await listHumanPointsRows(bare.sql, address)).toEqual([row(address, 'CST')])
    expect(await listQualifiedCommunityIds(bare.sql, address)).toEqual([communityId])
  })
})

describe('MetaMask OG 2 cap of 5000 (scoring §6.2 step 4)', () => {
  const MTA_ON: Partial<Config> = { humanPointsMtaEnabled: true }

  it('scoring §13.53: with 4 999 MM2 rows the 5 000th listed address gets MM2, the 5 001st does not', async () => {
    const db = await createTestDatabase()
    try {
      const communityId = await programCommunity(db)
      const [fifthThousand, next] = [randomAddress(), randomAddress()]
      await addToAddressList(db.sql, 'MetaMaskOG2', [fifthThousand, next])
      await insertBulkMetaMaskOg2(db.sql, 4999)
      await award(db, awardInput(communityId, fifthThousand, { config: MTA_ON }))
      await award(db, awardInput(communityId, next, { config: MTA_ON }))
      await award(db, awardInput(communityId, fifthThousand, { config: MTA_ON }))
      expect(await listHumanPointsRows(db.sql, fifthThousand)).toEqual([row(fifthThousand, 'MM2')])
      expect(await listHumanPointsRows(db.sql, next)).toEqual([])
      expect(await countAction(db.sql, 'MM2')).toBe(5000)
    } finally {
      await db.close()
    }
  })

  it('scoring §13.53: 30 listed addresses racing for the last 10 places → exactly 5000 MM2 rows', async () => {
    const db = await createTestDatabase({ poolSize: 10 })
    try {
      const communityId = await programCommunity(db)
      const racers = Array.from({ length: 30 }, () => randomAddress())
      await addToAddressList(db.sql, 'MetaMaskOG2', racers)
      await insertBulkMetaMaskOg2(db.sql, 4990)
      await Promise.all(
        racers.map((address) =>
          db.sql.begin(async (tx) => {
            await tx.savepoint((sp) => awardHumanPoints(sp, awardInput(communityId, address, { config: MTA_ON })))
            // The rest of a scoring transaction (SCU event, score update) before the commit: widens the
            // window in which an unguarded count would still read 4 990.
            await tx`select pg_sleep(0.05)`
          }),
        ),
      )
      expect(await countAction(db.sql, 'MM2')).toBe(5000)
      const [awarded] = await db.sql<{ count: number }[]>`
        select count(*) as count from registry_humanpoints where action = 'MM2' and address = any(${db.sql.array(racers)}::text[])`
      expect(awarded!.count).toBe(10)
      expect(await listQualifiedCommunityIds(db.sql, racers[0]!)).toEqual([communityId])
    } finally {
      await db.close()
    }
  })
})

describe('loadPointsData (scoring §6.4)', () => {
  const SEED_CONFIG = {
    SCB: 500,
    HKY: 100,
    ISB: 100,
    ISS: 200,
    ISG: 500,
    CSB: 100,
    CSE: 200,
    CST: 500,
    PMT: 300,
    HIM: 1000,
  }

  it('scoring §13.55: totals without the multiplier; multiplier and eligibility reported', async () => {
    const address = randomAddress()
    await insertHumanPoints(database.sql, address, 'HKY', { txHash: 'v1:n', provider: 'Google' })
    await insertHumanPoints(database.sql, address, 'ISB')
    await insertHumanPoints(database.sql, address, 'SCB')
    await setMultiplier(database.sql, address, 2)
    await insertQualifiedCommunityRow(database.sql, address, await programCommunity())
    const { points, possible } = await loadPointsData(database.sql, address)
    expect(points).toEqual({
      totalPoints: 700,
      isEligible: true,
      multiplier: 2,
      breakdown: { HKY: 100, ISB: 100, SCB: 500 },
    })
    expect(possible.multiplier).toBe(2)
  })

  it('scoring §13.56: ACTION_chainid keys for non-zero chains, summed under ACTION', async () => {
    const address = randomAddress()
    const { points } = await inRolledBackTransaction(database.sql, async (tx) => {
      await setPointsConfig(tx, 'PMT', 100)
      for (const chainId of [1, 2, 3])
        await insertHumanPoints(tx, address, 'PMT', { chainId, txHash: `0xmint${chainId}` })
      await insertHumanPoints(tx, address, 'ISB')
      await insertHumanPoints(tx, address, 'SCB')
      return loadPointsData(tx, address)
    })
    expect(points).toEqual({
      totalPoints: 900,
      isEligible: false,
      multiplier: 1,
      breakdown: { PMT: 300, PMT_1: 100, PMT_2: 100, PMT_3: 100, ISB: 100, SCB: 500 },
    })
  })

  it('scoring §13.56: two rows on one chain form one group (points summed)', async () => {
    const address = randomAddress()
    await insertHumanPoints(database.sql, address, 'PMT', { chainId: 10, txHash: '0xa' })
    await insertHumanPoints(database.sql, address, 'PMT', { chainId: 10, txHash: '0xb' })
    expect((await loadPointsData(database.sql, address)).points.breakdown).toEqual({ PMT: 600, PMT_10: 600 })
  })

  it('scoring §13.57: no rows → zeros, not eligible, multiplier 1 even with a multiplier row (quirk)', async () => {
    const address = randomAddress()
    await setMultiplier(database.sql, address, 3)
    const { points, possible } = await loadPointsData(database.sql, address)
    expect(points).toEqual({ totalPoints: 0, isEligible: false, multiplier: 1, breakdown: {} })
    expect(possible.multiplier).toBe(1)
  })

  it('scoring §13.57: an HKY row without a qualified row → 100, not eligible', async () => {
    const address = randomAddress()
    await insertHumanPoints(database.sql, address, 'HKY', { txHash: 'v0:x', provider: 'Ens' })
    expect((await loadPointsData(database.sql, address)).points).toEqual({
      totalPoints: 100,
      isEligible: false,
      multiplier: 1,
      breakdown: { HKY: 100 },
    })
  })

  it('scoring §6.4: actions without an active config row are ignored entirely (INNER JOIN)', async () => {
    const address = randomAddress()
    const { points, possible } = await inRolledBackTransaction(database.sql, async (tx) => {
      await setPointsConfig(tx, 'ISS', 200, false)
      await insertHumanPoints(tx, address, 'ISS')
      await insertHumanPoints(tx, address, 'MM2')
      await insertHumanPoints(tx, address, 'CSB')
      await setMultiplier(tx, address, 4)
      return loadPointsData(tx, address)
    })
    expect(points).toEqual({ totalPoints: 100, isEligible: false, multiplier: 4, breakdown: { CSB: 100 } })
    expect(possible.breakdown).not.toHaveProperty('ISS')
  })

  it('scoring §13.58: points data only with HUMAN_POINTS_ENABLED and the community program', () => {
    expect(isPointsDataShown(testConfig({}, { humanPointsEnabled: true }), true)).toBe(true)
    expect(isPointsDataShown(testConfig({}, { humanPointsEnabled: true }), false)).toBe(false)
    expect(isPointsDataShown(testConfig({}, { humanPointsEnabled: false, humanPointsWriteEnabled: true }), true)).toBe(
      false,
    )
  })

  it('scoring §13.59: HIM excluded from totals and breakdown; possible points list every active config incl. HIM', async () => {
    const address = randomAddress()
    await insertHumanPoints(database.sql, address, 'HIM', { chainId: 10, txHash: '0xhim' })
    await insertHumanPoints(database.sql, address, 'HKY', { txHash: 'v0:h', provider: 'Github' })
    await setMultiplier(database.sql, address, 2)
    const { points, possible } = await loadPointsData(database.sql, address)
    expect(points).toEqual({ totalPoints: 100, isEligible: false, multiplier: 2, breakdown: { HKY: 100 } })
    expect(possible).toEqual({ totalPoints: 0, isEligible: false, multiplier: 2, breakdown: SEED_CONFIG })
    expect(Object.keys(possible.breakdown)).toEqual(Object.keys(SEED_CONFIG))
  })
})

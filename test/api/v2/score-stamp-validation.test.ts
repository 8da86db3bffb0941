import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../../src/app.js'
import { verifyCredentialSignature } from '../../../src/domain/credential-verifier.js'
import { toChecksumAddress } from '../../../src/domain/formats/eth-address.js'
import {
  DEMO_ISSUER_DID,
  demoEd25519IssuerKey,
  generateIssuerKey,
  issueStampCredentials,
  type StampCredential,
} from '../../../src/dev/stamp-issuer.js'
import { scoringTestConfig } from '../../helpers/app.js'
import { randomAddress } from '../../helpers/factories/accounts.js'
import { addCacheStamps, signStamps } from '../../helpers/factories/scoring.js'
import { insertRawCacheRow, listHashLinksOf } from '../../helpers/factories/scoring-rows.js'
import { jsIsoDaysFromNow, pyIsoOfJsIso } from '../../helpers/factories/py-expect.js'
import { doneBody, stampEntry, useV2ScoreApp } from '../../helpers/v2-score.js'

// Which stamps count (scoring §2), with real DIDKit signatures: the domain tests of validateStamps
// stub the signature check, these run it on signed credentials.
const ctx = useV2ScoreApp()
const sql = () => ctx.database.sql

/** Like the file's app, but counts the signature checks by provider. */
let countingApp: FastifyInstance
const verifiedProviders: string[] = []
beforeAll(async () => {
  countingApp = await buildApp({
    config: await scoringTestConfig(),
    sql: ctx.database.sql,
    logger: false,
    signatureVerifier: {
      verify: (credential) => {
        verifiedProviders.push(String((credential as StampCredential).credentialSubject.provider))
        return verifyCredentialSignature(credential)
      },
    },
  })
})
afterAll(async () => {
  await countingApp?.close()
})

/** The body when only Google (weight 1) counted. */
const googleOnly = (address: string, google: StampCredential) => {
  const expiry = pyIsoOfJsIso(google.expirationDate)
  return doneBody(address, {
    score: '1.00000',
    passing: false,
    expiration: expiry,
    stamps: { Google: stampEntry('1.00000', false, expiry) },
  })
}

describe('GET /v2/stamps/{scorer_id}/score/{address}', () => {
  describe('validation (scoring §2)', () => {
    it('scoring §13.6: an expired stamp is dropped before its signature is checked', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1, Ens: 2, Github: 4 } })
      const address = randomAddress()
      const stamps = await signStamps(address, [
        { provider: 'Google', expirationDate: jsIsoDaysFromNow(30) },
        { provider: 'Ens', expirationDate: jsIsoDaysFromNow(30) },
        { provider: 'Github', issuanceDate: jsIsoDaysFromNow(-93), expirationDate: jsIsoDaysFromNow(-3) },
      ])
      await addCacheStamps(sql(), address, stamps)
      verifiedProviders.length = 0

      const call = await ctx.scoreV2(scorer, address, countingApp)
      // D20: stamps are validated, scored and listed in provider order.
      expect(verifiedProviders).toEqual(['Ens', 'Google'])
      expect(Object.keys(call.body.stamps as object)).toEqual(['Ens', 'Google'])
      expect(call.body.score).toBe('3.00000')
      await ctx.expectDoneRows(address, scorer.communityId, call, {
        score: '0',
        rawScore: '3',
        providers: ['Ens', 'Google'],
      })
    })

    it('scoring §13.7: a stamp whose signature fails is dropped', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1, Ens: 2, Github: 4 } })
      const address = randomAddress()
      const [google, ens, github] = await signStamps(address, [
        { provider: 'Google' },
        { provider: 'Ens' },
        { provider: 'Github' },
      ])
      const tampered = { ...github!, issuanceDate: '2020-01-01T00:00:00.000Z' }
      expect(await verifyCredentialSignature(tampered)).not.toEqual([])
      await addCacheStamps(sql(), address, [google!, ens!, tampered])

      const call = await ctx.scoreV2(scorer, address)
      expect(Object.keys(call.body.stamps as object)).toEqual(['Ens', 'Google'])
      expect(call.body).toMatchObject({ score: '3.00000', error: null })
      const rows = await ctx.expectDoneRows(address, scorer.communityId, call, {
        score: '0',
        rawScore: '3',
        providers: ['Ens', 'Google'],
      })
      expect(rows.stamps.map((stamp) => stamp.credential)).toEqual([ens, google])
    })

    it('scoring §13.8: an untrusted issuer (also a case variant of a trusted DID) is dropped without a signature check', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1, Ens: 2, Github: 4 } })
      const address = randomAddress()
      const [google] = await signStamps(address, [{ provider: 'Google' }])
      const [foreign] = await issueStampCredentials(await generateIssuerKey('secp256k1'), [
        { address, provider: 'Ens' },
      ])
      const [github] = await signStamps(address, [{ provider: 'Github' }])
      const caseVariant = { ...github!, issuer: DEMO_ISSUER_DID.toUpperCase().replace('DID:ETHR:0X', 'did:ethr:0x') }
      expect(caseVariant.issuer).not.toBe(DEMO_ISSUER_DID)
      await addCacheStamps(sql(), address, [google!, foreign!, caseVariant])
      verifiedProviders.length = 0

      const call = await ctx.scoreV2(scorer, address, countingApp)
      expect(verifiedProviders).toEqual(['Google'])
      expect(call.body).toEqual(googleOnly(address, google!))
      await ctx.expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
    })

    it('scoring §13.9: the DID compares case-insensitively, but the chain id must be 1', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1, Ens: 2 } })
      const address = randomAddress()
      const [google, ens] = await signStamps(address, [
        { provider: 'Google', subjectId: `did:pkh:eip155:1:${toChecksumAddress(address)}` },
        { provider: 'Ens', subjectId: `did:pkh:eip155:10:${address}` },
      ])
      await addCacheStamps(sql(), address, [google!, ens!])

      const call = await ctx.scoreV2(scorer, address)
      expect(call.body).toEqual(googleOnly(address, google!))
      await ctx.expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
    })

    it('scoring §13.10: a credential with neither hash nor nullifiers is dropped', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1, Ens: 2 } })
      const address = randomAddress()
      const [google, ens] = await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }])
      const { nullifiers: _dropped, ...subject } = ens!.credentialSubject
      await addCacheStamps(sql(), address, [google!, { ...ens!, credentialSubject: subject }])

      const call = await ctx.scoreV2(scorer, address)
      expect(call.body).toEqual(googleOnly(address, google!))
      await ctx.expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
    })

    it('scoring §13.11, overridden by D7: a naive expirationDate skips that stamp; the score is DONE', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1, Ens: 2 } })
      const address = randomAddress()
      const [google, ens] = await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }])
      await addCacheStamps(sql(), address, [google!, { ...ens!, expirationDate: '2099-01-01T00:00:00' }])

      const call = await ctx.scoreV2(scorer, address)
      expect(call.body).toEqual(googleOnly(address, google!))
      await ctx.expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
    })

    it('scoring §13.12, overridden by D7: a missing expirationDate skips that stamp; the score is DONE', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1, Ens: 2 } })
      const address = randomAddress()
      const [google, ens] = await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }])
      const { expirationDate: _dropped, ...withoutExpiry } = ens!
      await addCacheStamps(sql(), address, [google!, withoutExpiry])

      const call = await ctx.scoreV2(scorer, address)
      expect(call.body).toEqual(googleOnly(address, google!))
      await ctx.expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
    })
  })

  describe('validation decisions and proof types', () => {
    it('D6: a credential filed under another (higher-weight) provider than the signed one is not scored', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1, Gitcoin: 50 } })
      const address = randomAddress()
      const [google, ens] = await signStamps(address, [{ provider: 'Google' }, { provider: 'Ens' }])
      await addCacheStamps(sql(), address, [google!, ens!], { providers: ['Google', 'Gitcoin'] })

      const call = await ctx.scoreV2(scorer, address)
      expect(call.body).toEqual(googleOnly(address, google!))
      await ctx.expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
    })

    it('D7: a cache row whose stamp is not a credential object is skipped; the score is DONE', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1, Ens: 1, Github: 1 } })
      const address = randomAddress()
      const [google] = await signStamps(address, [{ provider: 'Google' }])
      await addCacheStamps(sql(), address, [google!])
      await insertRawCacheRow(sql(), { address, provider: 'Ens', stamp: 'not a credential' })
      await insertRawCacheRow(sql(), { address, provider: 'Github', stamp: [1, 2, 3] })

      const call = await ctx.scoreV2(scorer, address)
      expect(call.body).toEqual(googleOnly(address, google!))
      await ctx.expectDoneRows(address, scorer.communityId, call, { score: '0', rawScore: '1', providers: ['Google'] })
    })

    it('scoring §2.1: a legacy Ed25519 credential (did:key issuer, hash) is verified and scored like an EIP-712 one', async () => {
      const scorer = await ctx.createScorer({ weights: { Google: 1, Ens: 2 } })
      const address = randomAddress()
      const [legacy] = await issueStampCredentials(await demoEd25519IssuerKey(), [{ address, provider: 'Ens' }])
      const [current] = await signStamps(address, [{ provider: 'Google' }])
      expect(legacy!.proof.type).toBe('Ed25519Signature2018')
      await addCacheStamps(sql(), address, [legacy!, current!])

      const call = await ctx.scoreV2(scorer, address)
      expect(call.body).toMatchObject({ score: '3.00000', error: null })
      await ctx.expectDoneRows(address, scorer.communityId, call, {
        score: '0',
        rawScore: '3',
        providers: ['Ens', 'Google'],
      })
      expect(await listHashLinksOf(sql(), scorer.communityId, address)).toEqual(
        [legacy!.credentialSubject.hash!, ...current!.credentialSubject.nullifiers!]
          .sort()
          .map((hash) => ({ id: expect.any(Number), hash, address, expires_at: expect.any(String) })),
      )
    })
  })
})

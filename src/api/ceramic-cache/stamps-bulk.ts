import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { requireCeramicJwt } from '../auth/ceramic-jwt.js'
import { DetailError, ValidationErrorList } from '../schemas/common.js'
import { GetStampResponse, GetStampsWithScoreResponse, StampProvider, StoredCredential } from '../schemas/stamps.js'
import { scoringDeps } from '../scoring-deps.js'
import { requestDeadline } from '../request-lifecycle.js'
import {
  addCachedStamps,
  deleteCachedStamps,
  credentialDateIssues,
  listCachedStamps,
  MAX_BULK_CACHE_SIZE,
  patchCachedStamps,
  requireCeramicCacheScorerId,
  rescoreForCommunityOwner,
  tooManyStamps,
  type PatchItem,
  type StampWriteItem,
} from '../../domain/ceramic-cache.js'
import { DomainError, invalidAddress, ValidationFailure } from '../../domain/errors.js'
import { isDatabaseUnavailable } from '../../db/errors.js'
import { normalizeAddress } from '../../domain/formats/eth-address.js'
import type { ScoringOutcome } from '../../domain/score-passport.js'

// `CacheStampPayload` (endpoints Endpoint 5): `address` is ignored, the JWT decides (D8).
const AddItem = Type.Object({
  address: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  provider: StampProvider,
  stamp: StoredCredential,
})
const PatchItemSchema = Type.Object({
  address: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  provider: StampProvider,
  stamp: Type.Optional(Type.Union([StoredCredential, Type.Null()])),
})
const DeleteItem = Type.Object({
  address: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  provider: Type.String(),
})

const errorResponses = {
  400: DetailError,
  401: DetailError,
  404: DetailError,
  422: Type.Union([DetailError, ValidationErrorList]),
  500: DetailError,
}

/** The JWT's address, lower-cased and validated before anything is written (nothing stored under a bad address). */
function authenticatedAddress(request: FastifyRequest): string {
  const address = normalizeAddress(request.ceramicSubject!.address)
  if (address === null) throw invalidAddress()
  return address
}

const KINDS_ANSWERED_AS_IS = new Set(['bad_request', 'unprocessable', 'unavailable'])

function isAnsweredAsIs(error: unknown): boolean {
  return error instanceof DomainError && KINDS_ANSWERED_AS_IS.has(error.kind)
}

function checkDates(items: readonly { stamp?: Record<string, unknown> | null }[]): void {
  const issues = credentialDateIssues(
    items.map((item) => item.stamp),
    (index, field) => ['body', 'payload', index, 'stamp', field],
  )
  if (issues.length > 0) throw new ValidationFailure(issues)
}

// scoring §9: the cache write commits on its own, then the re-score runs in its own transaction,
// as Python's order; a re-score failure does not undo the stored stamps.
export const ceramicCacheStampsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const auth = requireCeramicJwt(app.jwtKeys)
  const rescore = (request: FastifyRequest, address: string): Promise<ScoringOutcome> =>
    rescoreForCommunityOwner(
      scoringDeps(app, request),
      address,
      requireCeramicCacheScorerId(app.config.ceramicCacheScorerId),
      new DomainError('not_found', 'Not Found'),
    )

  app.post(
    '/ceramic-cache/stamps/bulk',
    {
      onRequest: auth,
      schema: {
        tags: ['ceramic-cache'],
        summary: 'Add stamps (Passport app)',
        security: [{ jwt: [] }],
        body: Type.Array(AddItem),
        response: { 201: GetStampsWithScoreResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      // Python counts the items before anything else can fail (scoring §9.1 step 1).
      if (request.body.length > MAX_BULK_CACHE_SIZE) throw tooManyStamps()
      const address = authenticatedAddress(request)
      checkDates(request.body)
      const items: StampWriteItem[] = request.body.map((item) => ({ provider: item.provider, stamp: item.stamp }))
      await addCachedStamps(app.sql, {
        address,
        items,
        sourceApp: 1,
        sourceScorerId: null,
        deadline: requestDeadline(request),
      })
      const stamps = await listCachedStamps(app.sql, address, { type: 1 })
      const outcome = await rescore(request, address)
      return reply.code(201).send({ success: true, stamps, score: outcome.response })
    },
  )

  app.patch(
    '/ceramic-cache/stamps/bulk',
    {
      onRequest: auth,
      schema: {
        tags: ['ceramic-cache'],
        summary: 'Replace or remove stamps per provider (Passport app)',
        security: [{ jwt: [] }],
        body: Type.Array(PatchItemSchema),
        response: { 200: GetStampsWithScoreResponse, ...errorResponses },
      },
    },
    async (request) => {
      const address = authenticatedAddress(request)
      checkDates(request.body)
      const items: PatchItem[] = request.body.map((item) => ({ provider: item.provider, stamp: item.stamp ?? null }))
      try {
        await patchCachedStamps(app.sql, address, items, { deadline: requestDeadline(request) })
        const stamps = await listCachedStamps(app.sql, address, { type: 1 })
        const outcome = await rescore(request, address)
        return { success: true, stamps, score: outcome.response }
      } catch (error) {
        // parity (endpoints §5.2): Django's patch_stamps re-raises every failure of the write and the
        // re-score as one 500 — except what the client sent wrong (too many stamps, a provider twice),
        // which is the 4xx that names it here (D17), and the database being away or busy (503).
        if (isDatabaseUnavailable(error) || isAnsweredAsIs(error)) throw error
        request.log.error({ err: error, address }, 'patch_stamps failed')
        throw new DomainError('internal', 'An internal server error has occurred.')
      }
    },
  )

  app.delete(
    '/ceramic-cache/stamps/bulk',
    {
      onRequest: auth,
      schema: {
        tags: ['ceramic-cache'],
        summary: 'Remove stamps per provider (Passport app)',
        security: [{ jwt: [] }],
        body: Type.Array(DeleteItem),
        response: { 200: GetStampResponse, ...errorResponses },
      },
    },
    async (request) => {
      const address = authenticatedAddress(request)
      await deleteCachedStamps(
        app.sql,
        address,
        request.body.map((item) => item.provider),
        { deadline: requestDeadline(request) },
      )
      const stamps = await listCachedStamps(app.sql, address)
      // parity (endpoints §5.3): the re-score runs for its side effect; the Django body drops it.
      await rescore(request, address)
      return { success: true, stamps }
    },
  )
}

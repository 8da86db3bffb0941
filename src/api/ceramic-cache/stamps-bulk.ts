import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireCeramicJwt } from '../auth/ceramic-jwt.js'
import { DetailError, ValidationErrorList } from '../schemas/common.js'
import {
  formatStamps,
  formatStampsWithScore,
  GetStampResponse,
  GetStampsWithScoreResponse,
  StampProvider,
  StoredCredential,
} from '../schemas/stamps.js'
import { scoringDeps } from '../scoring-deps.js'
import { responses } from '../schemas/responses.js'
import { addStampsAndRescore, deleteStampsAndRescore, patchStampsAndRescore } from '../../domain/stamp-updates.js'

// `CacheStampPayload` (endpoints Endpoint 5): `address` is ignored, the JWT decides (D8).
const AddItem = Type.Object({
  address: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  provider: StampProvider,
  stamp: StoredCredential,
})
const PatchItem = Type.Object({
  address: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  provider: StampProvider,
  stamp: Type.Optional(Type.Union([StoredCredential, Type.Null()])),
})
const DeleteItem = Type.Object({
  address: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  provider: Type.String(),
})

const errorResponses = {
  400: [
    DetailError,
    "The token's address is not an Ethereum address, or a provider appears twice in the payload",
    { example: { detail: 'Invalid address.' } },
  ],
  401: [DetailError, 'The token is missing, not `Bearer`, or not valid', { example: { detail: 'Unauthorized' } }],
  404: [
    DetailError,
    "The Passport app's scorer (CERAMIC_CACHE_SCORER_ID) does not exist; DELETE: no stamp of these providers",
    { example: { detail: 'Unable to find stamp to delete.' } },
  ],
  422: [
    Type.Union([DetailError, ValidationErrorList]),
    'More than 100 items (a `detail` text), or an item that fails validation (a list)',
    { example: { detail: 'You have submitted too many stamps.' } },
  ],
  500: [
    DetailError,
    'CERAMIC_CACHE_SCORER_ID is not set, or (PATCH) any other failure',
    { example: { detail: 'CERAMIC_CACHE_SCORER_ID is not configured' } },
  ],
} as const

/** Where item `index`'s credential is in the body, for the 422 that names a bad date. */
const stampAt = (index: number) => ['body', 'payload', index, 'stamp']

type App = Parameters<FastifyPluginAsyncTypebox>[0]
type Auth = ReturnType<typeof requireCeramicJwt>

// scoring §9: write, list, re-score — one domain operation per method.
export const ceramicCacheStampsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const auth = requireCeramicJwt(app.jwtKeys)
  addStampsRoute(app, auth)
  patchStampsRoute(app, auth)
  deleteStampsRoute(app, auth)
}

function addStampsRoute(app: App, auth: Auth): void {
  app.post(
    '/ceramic-cache/stamps/bulk',
    {
      onRequest: auth,
      schema: {
        tags: ['ceramic-cache'],
        operationId: 'ceramic_cache_add_stamps',
        summary: 'Add stamps (Passport app)',
        description:
          "Stores the stamps for the token's address (replacing those of the same providers), re-scores it " +
          "with the Passport app's scorer and answers its stamps and score. At most 100 items.",
        security: [{ jwt: [] }],
        body: Type.Array(AddItem, { description: 'One item per stamp; `address` is ignored (the token decides)' }),
        response: responses({
          201: [GetStampsWithScoreResponse, 'Stored; the stamps and the new score'],
          ...errorResponses,
        }),
      },
    },
    async (request, reply) => {
      const result = await addStampsAndRescore(scoringDeps(app, request), {
        address: request.ceramicSubject!.address,
        items: request.body.map((item, index) => ({
          provider: item.provider,
          credential: item.stamp,
          location: stampAt(index),
        })),
      })
      return reply.code(201).send(formatStampsWithScore(result))
    },
  )
}

function patchStampsRoute(app: App, auth: Auth): void {
  app.patch(
    '/ceramic-cache/stamps/bulk',
    {
      onRequest: auth,
      schema: {
        tags: ['ceramic-cache'],
        operationId: 'ceramic_cache_patch_stamps',
        summary: 'Replace or remove stamps per provider (Passport app)',
        description:
          "An item with a `stamp` replaces that provider's stamp, an item without one removes it; then the " +
          'address is re-scored. At most 100 items.',
        security: [{ jwt: [] }],
        body: Type.Array(PatchItem, { description: 'One item per provider; `address` is ignored (the token decides)' }),
        response: responses({
          200: [GetStampsWithScoreResponse, 'Changed; the stamps and the new score'],
          ...errorResponses,
        }),
      },
    },
    async (request) => {
      const result = await patchStampsAndRescore(scoringDeps(app, request), {
        address: request.ceramicSubject!.address,
        items: request.body.map((item, index) => ({
          provider: item.provider,
          credential: item.stamp ?? null,
          location: stampAt(index),
        })),
      })
      return formatStampsWithScore(result)
    },
  )
}

function deleteStampsRoute(app: App, auth: Auth): void {
  app.delete(
    '/ceramic-cache/stamps/bulk',
    {
      onRequest: auth,
      schema: {
        tags: ['ceramic-cache'],
        operationId: 'ceramic_cache_delete_stamps',
        summary: 'Remove stamps per provider (Passport app)',
        description:
          "Removes the token's address's stamps of these providers, re-scores the address (not answered) and " +
          'lists the stamps left. At most 100 items.',
        security: [{ jwt: [] }],
        body: Type.Array(DeleteItem, { description: 'One item per provider to remove' }),
        response: responses({ 200: [GetStampResponse, 'Removed; the stamps left'], ...errorResponses }),
      },
    },
    async (request) => {
      const result = await deleteStampsAndRescore(scoringDeps(app, request), {
        address: request.ceramicSubject!.address,
        providers: request.body.map((item) => item.provider),
      })
      return formatStamps(result.stamps)
    },
  )
}

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
  400: DetailError,
  401: DetailError,
  404: DetailError,
  422: Type.Union([DetailError, ValidationErrorList]),
  500: DetailError,
}

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
        summary: 'Add stamps (Passport app)',
        security: [{ jwt: [] }],
        body: Type.Array(AddItem),
        response: { 201: GetStampsWithScoreResponse, ...errorResponses },
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
        summary: 'Replace or remove stamps per provider (Passport app)',
        security: [{ jwt: [] }],
        body: Type.Array(PatchItem),
        response: { 200: GetStampsWithScoreResponse, ...errorResponses },
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
        summary: 'Remove stamps per provider (Passport app)',
        security: [{ jwt: [] }],
        body: Type.Array(DeleteItem),
        response: { 200: GetStampResponse, ...errorResponses },
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

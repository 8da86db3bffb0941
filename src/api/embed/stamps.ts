import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireInternalKey } from '../auth/internal-key.js'
import { DetailError, ValidationErrorList } from '../schemas/common.js'
import { GetStampsWithScoreResponse, StampProvider, StoredCredential } from '../schemas/stamps.js'
import { rowIdOf } from '../row-ids.js'
import { scoringDeps } from '../scoring-deps.js'
import { requestDeadline } from '../request-lifecycle.js'
import {
  addCachedStamps,
  credentialDateIssues,
  listCachedStamps,
  MAX_BULK_CACHE_SIZE,
  requireCommunityOwner,
  rescoreForCommunityOwner,
  tooManyStamps,
  type StampWriteItem,
} from '../../domain/ceramic-cache.js'
import { DomainError, invalidAddress, ValidationFailure } from '../../domain/errors.js'
import { normalizeAddress } from '../../domain/formats/eth-address.js'

// pydantic's lax int (endpoints Endpoint 3): 6, "6", " 6 ", 6.0 and true (→ 1). The body is not
// coerced by AJV (src/app.ts), and a schema union would report one error per branch, so the schema
// only requires the field and parseScorerId gives pydantic's single entry.
const LaxInt = Type.Unknown({ description: 'integer; pydantic lax mode also takes "6", 6.0 and true' })

function parseScorerId(value: unknown): number {
  const failure = (type: string, msg: string) =>
    new ValidationFailure([{ type, loc: ['body', 'payload', 'scorer_id'], msg }])
  if (typeof value === 'boolean') return Number(value)
  if (typeof value === 'number') {
    // JSON's 1e400 parses to Infinity; pydantic refuses inf the same way.
    if (!Number.isFinite(value)) throw failure('finite_number', 'Input should be a finite number')
    if (Number.isInteger(value)) return rowIdOf(value)
    throw failure('int_from_float', 'Input should be a valid integer, got a number with a fractional part')
  }
  if (typeof value === 'string') {
    if (/^\s*[+-]?\d+\s*$/.test(value)) return rowIdOf(value.trim())
    throw failure('int_parsing', 'Input should be a valid integer, unable to parse string as an integer')
  }
  throw failure('int_type', 'Input should be a valid integer')
}

const EmbedCredential = Type.Intersect([
  StoredCredential,
  Type.Object(
    {
      credentialSubject: Type.Object(
        { provider: Type.String({ minLength: 1, maxLength: StampProvider.maxLength }) },
        { additionalProperties: true },
      ),
    },
    { additionalProperties: true },
  ),
])

// endpoints Endpoint 3 (internal key, as the Django baseline): store the credentials (provider from
// the credential, source_app EMBED, source_scorer_id = the scorer), re-score, answer stamps + score.
export const embedStampsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/internal/embed/stamps/:address',
    {
      onRequest: requireInternalKey(app.config),
      schema: {
        tags: ['embed'],
        summary: 'Add stamps for an address and re-score it (embed widget)',
        security: [{ internalKey: [] }],
        params: Type.Object({ address: Type.String() }),
        body: Type.Object({ scorer_id: LaxInt, stamps: Type.Array(EmbedCredential) }),
        response: {
          200: GetStampsWithScoreResponse,
          400: DetailError,
          401: DetailError,
          404: DetailError,
          422: Type.Union([DetailError, ValidationErrorList]),
          500: DetailError,
        },
      },
    },
    async (request) => {
      // Body validation comes before the handler's checks (endpoints §1.2).
      const scorerId = parseScorerId(request.body.scorer_id)
      const address = normalizeAddress(request.params.address)
      if (address === null) throw invalidAddress()
      // Python counts the stamps first (handle_add_stamps_only step 1), before the community is loaded.
      if (request.body.stamps.length > MAX_BULK_CACHE_SIZE) throw tooManyStamps()
      const issues = credentialDateIssues(request.body.stamps, (index, field) => [
        'body',
        'payload',
        'stamps',
        index,
        field,
      ])
      if (issues.length > 0) throw new ValidationFailure(issues)
      // Python writes the stamps and only then fails on an unknown scorer (a 500 with stamps
      // stored); checking first answers the same "Invalid scorer_id" as the embed GET, with nothing written.
      const missingCommunity = new DomainError('bad_request', 'Invalid scorer_id')
      await requireCommunityOwner(app.sql, scorerId, missingCommunity)
      const items: StampWriteItem[] = request.body.stamps.map((stamp) => ({
        provider: stamp.credentialSubject.provider,
        stamp,
      }))
      await addCachedStamps(app.sql, {
        address,
        items,
        sourceApp: 2,
        sourceScorerId: scorerId,
        deadline: requestDeadline(request),
      })
      const stamps = await listCachedStamps(app.sql, address, { type: 1 })
      const outcome = await rescoreForCommunityOwner(scoringDeps(app, request), address, scorerId, missingCommunity)
      return { success: true, stamps, score: outcome.response }
    },
  )
}

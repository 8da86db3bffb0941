import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireInternalKey } from '../auth/internal-key.js'
import { DetailError, ValidationErrorList } from '../schemas/common.js'
import { ValidationFailure } from '../errors.js'
import {
  formatStampsWithScore,
  GetStampsWithScoreResponse,
  StampProvider,
  StoredCredential,
} from '../schemas/stamps.js'
import { rowIdOf } from '../row-ids.js'
import { EXAMPLE_ADDRESS } from '../schemas/examples.js'
import { responses } from '../schemas/responses.js'
import { scoringDeps } from '../scoring-deps.js'
import { addEmbedStampsAndRescore } from '../../domain/stamp-updates.js'

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
        operationId: 'embed_add_stamps',
        summary: 'Add stamps for an address and re-score it (embed widget)',
        description:
          "Stores the credentials as the address's stamps (replacing those of the same providers), re-scores " +
          'the address for the scorer and answers its stamps and score. At most 100 credentials.',
        security: [{ internalKey: [] }],
        params: Type.Object({
          address: Type.String({ description: 'The address the stamps belong to', examples: [EXAMPLE_ADDRESS] }),
        }),
        body: Type.Object({
          scorer_id: LaxInt,
          stamps: Type.Array(EmbedCredential, {
            description: 'Verifiable credentials, each with `credentialSubject.provider` and `proof.proofValue`',
          }),
        }),
        response: responses({
          200: [GetStampsWithScoreResponse, 'The stamps, and the score as stored now'],
          400: [
            DetailError,
            'The address is not an Ethereum address, the scorer does not exist, or a provider appears twice',
            { example: { detail: 'Invalid scorer_id' } },
          ],
          401: [DetailError, 'The internal key is missing or wrong', { example: { detail: 'Unauthorized' } }],
          404: [
            DetailError,
            "No scorer of the community owner's account matches",
            { example: { detail: 'No scorer matches the given criteria.' } },
          ],
          422: [
            Type.Union([DetailError, ValidationErrorList]),
            'More than 100 credentials (a `detail` text), or a body field that fails validation (a list)',
            { example: { detail: 'You have submitted too many stamps.' } },
          ],
          500: [DetailError, 'An unexpected failure', { example: { detail: 'Internal Server Error' } }],
        }),
      },
    },
    async (request) => {
      // Body validation comes before the handler's checks (endpoints §1.2).
      const result = await addEmbedStampsAndRescore(scoringDeps(app, request), {
        scorerId: parseScorerId(request.body.scorer_id),
        address: request.params.address,
        items: request.body.stamps.map((stamp, index) => ({
          provider: stamp.credentialSubject.provider,
          credential: stamp,
          location: ['body', 'payload', 'stamps', index],
        })),
      })
      return formatStampsWithScore(result)
    },
  )
}

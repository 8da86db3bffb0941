import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox'
import { requireInternalKey } from '../auth/internal-key.js'
import { ValidationFailure } from '../errors.js'
import { DetailError, ValidationErrorList } from '../schemas/common.js'
import { responses } from '../schemas/responses.js'
import { checkCredentialsForBans, type BanCheck } from '../../domain/bans.js'
import { formatDjangoJson } from '../../domain/formats/py-datetime.js'

// Not Type.Union: under the app's coerceTypes an anyOf would turn null into "" (string branch first)
// or "" into null (null branch first). AJV never coerces a null into a `nullable` type, and reports
// a wrong type as plain "string", which becomes pydantic's string_type.
const NullableString = Type.Unsafe<string | null>({ type: 'string', nullable: true })

// internal/schema.py Credential: the three keys are required, each may be null; extra keys ignored.
const CredentialRef = Type.Object({
  credentialSubject: Type.Object({ hash: NullableString, provider: NullableString, id: NullableString }),
})

// CheckBanResult, in Python's field order.
const BanCheckWire = Type.Object({
  hash: Type.String(),
  is_banned: Type.Boolean(),
  end_time: NullableString,
  ban_type: Type.Union([Type.Literal('account'), Type.Literal('hash'), Type.Literal('single_stamp'), Type.Null()]),
  reason: NullableString,
})

function toBanCheckWire(check: BanCheck): Static<typeof BanCheckWire> {
  return {
    hash: check.hash,
    is_banned: check.isBanned,
    // The encoder, not the schema, writes this datetime in Python: DjangoJSONEncoder format (endpoints §1.5).
    end_time: check.endTime === null ? null : formatDjangoJson(check.endTime),
    ban_type: check.banType,
    reason: check.reason,
  }
}

type CredentialSubjectRef = Static<typeof CredentialRef>['credentialSubject']

/**
 * D17: with one subject named, Python answers 500 when that subject is null (`None.split`) or when
 * a hash is null (refused by its response model). Both are the caller's input, so they are 422s at
 * the null's location. Several subjects, or none, keep Python's 400s from the domain.
 */
function requireUsableSubjects(subjects: readonly CredentialSubjectRef[]): void {
  if (new Set(subjects.map((subject) => subject.id)).size !== 1) return
  const field = subjects[0]!.id === null ? 'id' : 'hash'
  const index = subjects.findIndex((subject) => subject[field] === null)
  if (index === -1) return
  throw new ValidationFailure([
    {
      type: 'string_type',
      loc: ['body', 'payload', index, 'credentialSubject', field],
      msg: 'Input should be a valid string',
    },
  ])
}

// endpoints Endpoint 9.
export const checkBansRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/internal/check-bans',
    {
      onRequest: requireInternalKey(app.config),
      schema: {
        tags: ['internal'],
        operationId: 'internal_check_bans',
        summary: 'Check credentials against active bans',
        description:
          "One answer per credential, in request order: whether an active ban (of the account, of the stamp's " +
          'hash, or of this one stamp) applies. All credentials must be issued to the same address.',
        security: [{ internalKey: [] }],
        body: Type.Array(CredentialRef, { description: 'The credentials, each with its `credentialSubject`' }),
        response: responses(
          {
            200: [
              Type.Array(BanCheckWire),
              'The ban status of each credential',
              { example: [{ hash: 'v0.0.0:abc=', is_banned: false, end_time: null, ban_type: null, reason: null }] },
            ],
            400: [
              DetailError,
              'No credential, or credentials issued to different addresses',
              { example: { detail: 'All credentials must be issued to the same address' } },
            ],
            401: [DetailError, 'The internal key is missing or wrong', { example: { detail: 'Unauthorized' } }],
            500: [DetailError, 'Reading the bans failed', { example: { detail: 'Failed to check bans' } }],
          },
          {
            422: [
              ValidationErrorList,
              'A credential without the three `credentialSubject` keys, or a null id or hash where one is needed',
            ],
          },
        ),
      },
    },
    async (request) => {
      const subjects = request.body.map((credential) => credential.credentialSubject)
      requireUsableSubjects(subjects)
      const checks = await checkCredentialsForBans(app.sql, subjects)
      return checks.map(toBanCheckWire)
    },
  )
}

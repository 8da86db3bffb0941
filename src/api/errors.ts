import type { IncomingMessage } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import './auth/api-key-analytics.js'
import { UnstorableCredentialDates } from '../domain/cache-stamp-writes.js'
import { DomainError, isDatabaseUnavailable, type DomainErrorKind } from '../domain/errors.js'
import { RequestDeadlineError } from './request-lifecycle.js'
import { allowedMethods } from './allowed-methods.js'
import type { ValidationItem } from './schemas/common.js'

// The ONLY mapping of errors to HTTP (style §5, D2): django-ninja's `{"detail": …}` envelopes.
const STATUS_BY_KIND: Record<DomainErrorKind, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unprocessable: 422,
  internal: 500,
  unavailable: 503,
}

/** A request the schema accepted but a route refuses as ninja's validation would: a 422 list. */
export class ValidationFailure extends Error {
  constructor(readonly items: ValidationItem[]) {
    super(items.map((item) => `${item.loc.join('.')}: ${item.msg}`).join('; '))
    this.name = 'ValidationFailure'
  }
}

// D17: pydantic's entry for a datetime it cannot read, at the credential field.
function unstorableDateItems(error: UnstorableCredentialDates): ValidationItem[] {
  return error.dates.map(({ location, field }) => ({
    type: 'datetime_from_date_parsing',
    loc: [...location, field],
    msg: 'Input should be a valid datetime',
  }))
}

interface AjvError {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string
}

const PARAMETER_SOURCE: Record<string, string> = {
  params: 'path',
  querystring: 'query',
  body: 'body',
  headers: 'header',
}

function pathSegments(instancePath: string): (string | number)[] {
  return instancePath
    .split('/')
    .filter((part) => part !== '')
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part.replace(/~1/g, '/').replace(/~0/g, '~')))
}

// Pydantic's wording for the failures our schemas can produce (endpoints §1.2 family C).
function describeTypeFailure(expected: string, value: unknown): Omit<ValidationItem, 'loc'> {
  const isString = typeof value === 'string'
  switch (expected) {
    case 'integer':
      return isString
        ? { type: 'int_parsing', msg: 'Input should be a valid integer, unable to parse string as an integer' }
        : typeof value === 'number'
          ? { type: 'int_from_float', msg: 'Input should be a valid integer, got a number with a fractional part' }
          : { type: 'int_type', msg: 'Input should be a valid integer' }
    case 'number':
      return isString
        ? { type: 'float_parsing', msg: 'Input should be a valid number, unable to parse string as a number' }
        : { type: 'float_type', msg: 'Input should be a valid number' }
    case 'string':
      return { type: 'string_type', msg: 'Input should be a valid string' }
    case 'array':
      return { type: 'list_type', msg: 'Input should be a valid list' }
    case 'boolean':
      return isString
        ? { type: 'bool_parsing', msg: 'Input should be a valid boolean, unable to interpret input' }
        : { type: 'bool_type', msg: 'Input should be a valid boolean' }
    case 'object':
      return {
        type: 'model_attributes_type',
        msg: 'Input should be a valid dictionary or object to extract fields from',
      }
    default:
      return { type: 'value_error', msg: `Input should be ${expected}` }
  }
}

function valueAt(root: unknown, segments: (string | number)[]): unknown {
  let current = root
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string | number, unknown>)[segment]
  }
  return current
}

/** Turns Fastify/AJV validation errors into ninja's 422 `detail` list. */
function toNinjaValidationDetail(
  errors: AjvError[],
  context: string,
  input: unknown,
  bodyName = 'payload',
): ValidationItem[] {
  const source = PARAMETER_SOURCE[context] ?? context
  const prefix: (string | number)[] = source === 'body' ? ['body', bodyName] : [source]
  const relevant = errors.filter((error) => error.keyword !== 'if' && error.keyword !== 'anyOf')
  // pydantic's Optional[X] is a nullable X, not a union: it lists X's errors only, never the
  // "should be null" of the other branch that AJV reports for `X | null`.
  const withoutNullBranch = relevant.filter((error) => !(error.keyword === 'type' && error.params.type === 'null'))
  return (withoutNullBranch.length > 0 ? withoutNullBranch : relevant).map((error) => ninjaItem(error, prefix, input))
}

function ninjaItem(error: AjvError, prefix: (string | number)[], input: unknown): ValidationItem {
  const segments = pathSegments(error.instancePath)
  if (error.keyword === 'required') {
    const missing = String(error.params.missingProperty)
    return { type: 'missing', loc: [...prefix, ...segments, missing], msg: 'Field required' }
  }
  if (error.keyword === 'type') {
    return {
      ...describeTypeFailure(String(error.params.type), valueAt(input, segments)),
      loc: [...prefix, ...segments],
    }
  }
  if (error.keyword === 'maxLength') {
    const limit = Number(error.params.limit)
    return {
      type: 'string_too_long',
      loc: [...prefix, ...segments],
      msg: `String should have at most ${limit} character${limit === 1 ? '' : 's'}`,
      ctx: { max_length: limit },
    }
  }
  if (error.keyword === 'minLength') {
    const limit = Number(error.params.limit)
    return {
      type: 'string_too_short',
      loc: [...prefix, ...segments],
      msg: `String should have at least ${limit} character${limit === 1 ? '' : 's'}`,
      ctx: { min_length: limit },
    }
  }
  if (error.keyword === 'maxItems') {
    return {
      type: 'too_long',
      loc: [...prefix, ...segments],
      msg: `List should have at most ${String(error.params.limit)} items`,
    }
  }
  return { type: 'value_error', loc: [...prefix, ...segments], msg: error.message ?? 'Invalid value' }
}

// The request stream of a client that hung up mid-upload fails with these, which the database
// driver uses too: the request's own socket tells them apart.
const CLIENT_ABORT_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE'])

function isClientAbort(error: FastifyError, raw: IncomingMessage): boolean {
  return CLIENT_ABORT_CODES.has(error.code) && (raw.aborted || raw.socket?.destroyed === true)
}

type AppError = FastifyError & { validation?: AjvError[]; validationContext?: string }

/** ninja's 422 list, when the error is one: ours (a route's or the domain's) or the schema's. */
function validationItems(error: AppError, request: FastifyRequest): ValidationItem[] | undefined {
  if (error instanceof ValidationFailure) return error.items
  if (error instanceof UnstorableCredentialDates) return unstorableDateItems(error)
  if (!error.validation) return undefined
  const context = error.validationContext ?? 'body'
  const input = context === 'params' ? request.params : context === 'querystring' ? request.query : request.body
  // A missing body is reported on the parameter itself, as ninja does.
  if (context === 'body' && (request.body === undefined || request.body === null))
    return [{ type: 'missing', loc: ['body', 'payload'], msg: 'Field required' }]
  return toNinjaValidationDetail(error.validation, context, input)
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    // D18: a known path with another method is 405 with `Allow`, not 404.
    const allowed = allowedMethods(app, request.url)
    if (allowed.length > 0) {
      void reply.code(405).header('allow', allowed.join(', ')).send({ detail: 'Method Not Allowed' })
      return
    }
    void reply.code(404).send({ detail: 'Not Found' })
  })

  app.setErrorHandler((error: AppError, request, reply) => {
    reply.analyticsError = error instanceof DomainError ? error.detail : error.message
    if (error instanceof DomainError) {
      return reply.code(STATUS_BY_KIND[error.kind]).send({ detail: error.detail, ...error.extraBody })
    }
    const validationDetail = validationItems(error, request)
    if (validationDetail) return reply.code(422).send({ detail: validationDetail })
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (error instanceof SyntaxError && error.statusCode === 400)) {
      return reply.code(400).send({ detail: 'Cannot parse request body' })
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return reply.code(400).send({ detail: 'Cannot parse request body' })
    }
    // Log levels by source, so that an alert on `error` means our fault or the database's: a
    // deadline is a warning, a client that went away is routine.
    if (error instanceof RequestDeadlineError) {
      request.log.warn({ method: request.method, url: request.url }, 'request deadline passed: answered 503')
      return reply.code(503).send({ detail: 'Request timed out' })
    }
    if (isDatabaseUnavailable(error)) {
      request.log.error({ err: error }, 'database unavailable')
      return reply.code(503).send({ detail: 'Service Unavailable' })
    }
    if (isClientAbort(error, request.raw)) {
      request.log.info({ code: error.code }, 'client closed the connection before the answer')
      return reply.code(400).send({ detail: 'Client closed the request' })
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ detail: error.message })
    }
    request.log.error(
      { err: error, method: request.method, url: request.url, params: request.params },
      'unhandled error',
    )
    return reply.code(500).send({ detail: 'Internal Server Error' })
  })
}

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { DomainError } from '../domain/errors.js'
import { ValidationFailure } from './errors.js'
import type { ValidationItem } from './schemas/common.js'

// D17: input that Python passes to PostgreSQL and answers with a 500 is refused here, before any
// handler runs, so nothing is written. PostgreSQL text and jsonb cannot hold U+0000 (SQLSTATE 22021 /
// 22P05), and a lone UTF-16 surrogate has no UTF-8 form (22P02 in jsonb).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

const NUL_ISSUE = { type: 'string_nul', msg: 'String should not contain the NUL character (\\u0000)' }
// pydantic's own wording for text that is not valid Unicode.
const SURROGATE_ISSUE = {
  type: 'string_unicode',
  msg: 'Input should be a valid string, unable to parse raw data as a unicode string',
}

/** A ninja 422 entry, keys in ninja's order. */
const issueAt = (issue: Omit<ValidationItem, 'loc'>, loc: (string | number)[]): ValidationItem => ({
  type: issue.type,
  loc,
  msg: issue.msg,
})

/**
 * Credentials nest about five levels. A body nested thousands deep overflows the stack of
 * JSON.stringify (the jsonb write) or of PostgreSQL's JSON parser (54001); 64 is far above any
 * real payload and far below either limit.
 */
const MAX_BODY_DEPTH = 64

/** Python's `int()` of text as pydantic reads it: surrounding blanks, a sign, digits, an all-zero fraction. */
const PY_INT_TEXT = /^\s*[+-]?\d+(?:\.0*)?\s*$/

function textIssue(text: string): Omit<ValidationItem, 'loc'> | undefined {
  if (text.includes('\u0000')) return NUL_ISSUE
  if (LONE_SURROGATE.test(text)) return SURROGATE_ISSUE
  return undefined
}

/**
 * The first string (value or key) of a parsed JSON body that PostgreSQL cannot store, walked with an
 * explicit stack so a deeply nested body cannot overflow ours.
 */
function findBodyIssue(body: unknown, prefix: (string | number)[]): ValidationItem | DomainError | undefined {
  const pending: { value: unknown; loc: (string | number)[] }[] = [{ value: body, loc: prefix }]
  while (pending.length > 0) {
    const { value, loc } = pending.pop()!
    if (typeof value === 'string') {
      const issue = textIssue(value)
      if (issue) return issueAt(issue, loc)
      continue
    }
    if (value === null || typeof value !== 'object') continue
    if (loc.length - prefix.length >= MAX_BODY_DEPTH) {
      return new DomainError('bad_request', `Request body is nested deeper than ${MAX_BODY_DEPTH} levels`)
    }
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((item, index) => [index, item])
      : Object.entries(value)
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, item] = entries[index]!
      const keyIssue = typeof key === 'string' ? textIssue(key) : undefined
      if (keyIssue) return issueAt(keyIssue, [...loc, key])
      pending.push({ value: item, loc: [...loc, key] })
    }
  }
  return undefined
}

interface PropertySchema {
  type?: unknown
}

function declaredProperties(schema: unknown): Record<string, PropertySchema> {
  const properties = (schema as { properties?: Record<string, PropertySchema> } | undefined)?.properties
  return properties ?? {}
}

/**
 * AJV turns any text JavaScript reads as a number into an integer ("Infinity", "1e308", "0x10");
 * pydantic accepts only decimal digits. Checked on the raw text, before AJV coerces it.
 */
function integerTextIssues(
  values: Record<string, unknown>,
  schema: unknown,
  source: 'path' | 'query',
): ValidationItem[] {
  return Object.entries(declaredProperties(schema))
    .filter(
      ([name, property]) =>
        property.type === 'integer' && typeof values[name] === 'string' && !PY_INT_TEXT.test(values[name]),
    )
    .map(([name]) => ({
      type: 'int_parsing',
      loc: [source, name],
      msg: 'Input should be a valid integer, unable to parse string as an integer',
    }))
}

/** Path parameters and the query parameters a route declares (unknown ones are ignored, endpoints §1.1). */
function parameterTextIssues(
  values: Record<string, unknown>,
  names: string[],
  source: 'path' | 'query',
): ValidationItem[] {
  const issues: ValidationItem[] = []
  for (const name of names) {
    const value = values[name]
    for (const text of Array.isArray(value) ? value : [value]) {
      const issue = typeof text === 'string' ? textIssue(text) : undefined
      if (issue) issues.push(issueAt(issue, [source, name]))
    }
  }
  return issues
}

function checkRequest(request: FastifyRequest): void {
  const schema = request.routeOptions.schema
  const params = (request.params ?? {}) as Record<string, unknown>
  const query = (request.query ?? {}) as Record<string, unknown>
  const issues = [
    ...parameterTextIssues(params, Object.keys(params), 'path'),
    ...parameterTextIssues(query, Object.keys(declaredProperties(schema?.querystring)), 'query'),
    ...integerTextIssues(params, schema?.params, 'path'),
    ...integerTextIssues(query, schema?.querystring, 'query'),
  ]
  if (issues.length > 0) throw new ValidationFailure(issues)
  const bodyIssue = request.body === undefined ? undefined : findBodyIssue(request.body, ['body', 'payload'])
  if (bodyIssue instanceof DomainError) throw bodyIssue
  if (bodyIssue) throw new ValidationFailure([bodyIssue])
}

/**
 * One `preValidation` hook for every route: after authentication (`onRequest`), before the schema
 * (endpoints §1.2 precedence), so a bad key still answers 401 and nothing reaches a handler.
 */
export function installInputGuards(app: FastifyInstance): void {
  // Callback style (issue 16): no promise per request; a failed check goes to the error handler.
  app.addHook('preValidation', (request, _reply, done) => {
    // Unknown paths go to the not-found handler, which reads no input.
    if (request.routeOptions.url === undefined) return done()
    try {
      checkRequest(request)
    } catch (error) {
      return done(error as Error)
    }
    done()
  })
}

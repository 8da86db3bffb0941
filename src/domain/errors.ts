// Domain errors carry no HTTP meaning: `kind` says what went wrong, `detail` is the exact text the
// Python API answers with. src/api/errors.ts is the only place that turns a kind into a status.
export type DomainErrorKind =
  'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'unprocessable' | 'internal' | 'unavailable'

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly detail: string,
  ) {
    super(detail)
    this.name = 'DomainError'
  }
}

export const invalidAddress = (): DomainError => new DomainError('bad_request', 'Invalid address.')

/** One entry of a ninja 422 `detail` list (endpoints §1.2 family C). */
export interface ValidationIssue {
  type: string
  loc: (string | number)[]
  msg: string
}

/** A request the schema accepted but the domain cannot: answered like ninja's validation errors. */
export class ValidationFailure extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(issues.map((issue) => `${issue.loc.join('.')}: ${issue.msg}`).join('; '))
    this.name = 'ValidationFailure'
  }
}

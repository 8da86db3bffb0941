import { isDatabaseUnavailable } from '../db/errors.js'

// The API's 503 asks the domain whether the database is away; the domain classifies database
// errors with src/db/errors.ts (style §5).
export { isDatabaseUnavailable }

// Domain errors carry no HTTP meaning: `kind` says what went wrong, `detail` is the exact text the
// Python API answers with. src/api/errors.ts is the only place that turns a kind into a status.
export type DomainErrorKind =
  'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'unprocessable' | 'internal' | 'unavailable'

export class DomainError extends Error {
  /** Keys Python's handler adds beside `detail` (the score history's 404 adds `address`). */
  readonly extraBody?: Readonly<Record<string, string>>

  constructor(
    readonly kind: DomainErrorKind,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(detail, options)
    this.name = 'DomainError'
  }
}

export const invalidAddress = (): DomainError => new DomainError('bad_request', 'Invalid address.')

/**
 * Python's `try: … except Exception:` around a step: whatever the step throws goes to `onFailure`,
 * which throws the step's own error (or returns a fallback) — except the database being unreachable,
 * which stays itself, so the caller answers 503 (issue 10) instead of the step's text.
 */
export async function translateFailure<T>(
  step: () => Promise<T>,
  onFailure: (error: unknown) => T | Promise<T>,
): Promise<T> {
  try {
    return await step()
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw error
    return onFailure(error)
  }
}

/** The usual `onFailure`: Python's text, with what failed kept as `cause` for the log. */
export function failWith(kind: DomainErrorKind, detail: string): (cause: unknown) => never {
  return (cause) => {
    throw new DomainError(kind, detail, { cause })
  }
}

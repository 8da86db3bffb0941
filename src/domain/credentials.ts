import { isPlainObject, isPyTruthy } from './formats/py-values.js'
import { comparePyDateTime, type PyDateTime } from './formats/py-datetime.js'
import { parsePyIsoDateTime } from './formats/py-fromisoformat.js'

/** A stamp as loaded from the ceramic cache: `provider` is the cache row's column (scoring §1). */
export interface CachedStamp {
  provider: string
  credential: Credential
  /** The ceramic-cache row it was read from: registry_stamp copies that row's JSON as is. */
  cacheId?: number
}

/** The credential fields scoring reads; everything else is carried along untouched. */
export interface Credential {
  issuer?: unknown
  expirationDate?: unknown
  credentialSubject?: {
    id?: unknown
    provider?: unknown
    hash?: unknown
    nullifiers?: unknown
    [key: string]: unknown
  }
  [key: string]: unknown
}

interface RejectedStamp {
  provider: string
  reasons: string[]
  isExpired: boolean
  isIssuerTrusted: boolean
}

interface ValidationContext {
  /** Lower-case address being scored. */
  address: string
  trustedIssuers: ReadonlySet<string>
  now: PyDateTime
  /** DIDKit's `errors` list for the credential's signature (empty = valid). */
  verifySignature: (credential: unknown) => Promise<string[]>
  /**
   * The verdict already known for this credential (a stored stamp seen before), answered without a
   * promise; undefined sends it to `verifySignature`.
   */
  knownSignatureErrors?: (credential: unknown) => readonly string[] | undefined
}

type ExpirationCheck = { kind: 'ok'; isExpired: boolean } | { kind: 'invalid'; reason: string }

// scoring §2 step 2 with D7: a missing, unparseable or naive date makes only this stamp invalid
// (Python fails the whole run with the same texts: Q2.1–Q2.3).
function checkExpiration(credential: Credential, now: PyDateTime): ExpirationCheck {
  if (!('expirationDate' in credential)) return { kind: 'invalid', reason: "'expirationDate'" }
  const raw = credential.expirationDate
  if (typeof raw !== 'string') return { kind: 'invalid', reason: 'fromisoformat: argument must be str' }
  let expiresAt: PyDateTime
  try {
    expiresAt = parsePyIsoDateTime(raw)
  } catch (error) {
    return { kind: 'invalid', reason: (error as Error).message }
  }
  try {
    return { kind: 'ok', isExpired: comparePyDateTime(expiresAt, now) < 0 }
  } catch (error) {
    return { kind: 'invalid', reason: (error as Error).message }
  }
}

/** scoring §2 step 4 a–f: the structural checks, in Python's order and wording. */
export function structuralErrors(credential: Credential, did: string): string[] {
  const errors: string[] = []
  if (!isPyTruthy(credential)) errors.push('Missing or invalid attribute: credential')
  const subject = credential.credentialSubject
  if (!isPyTruthy(subject) || !isPlainObject(subject)) {
    errors.push('Missing attribute: credentialSubject')
    return errors
  }
  if (!isPyTruthy(subject.hash) && !isPyTruthy(subject.nullifiers)) {
    errors.push('Missing attribute: hash and nullifiers (either one must be present)')
  } else if (
    'hash' in subject
      ? typeof subject.hash !== 'string'
      : !(Array.isArray(subject.nullifiers) && subject.nullifiers.every((n) => typeof n === 'string'))
  ) {
    // D7: nullifier shapes Python would crash on later (LIFO) make the stamp invalid here; when
    // both are missing, check c's error is the only one (scoring §13.10).
    errors.push('Error validating credential: malformed hash or nullifiers')
  }
  if (subject.id !== undefined && subject.id !== null && typeof subject.id !== 'string') {
    errors.push("Error validating credential: 'credentialSubject.id' is not a string")
    return errors
  }
  const subjectId = typeof subject.id === 'string' ? subject.id.toLowerCase() : ''
  if (!subjectId) errors.push('Missing attribute: id')
  if (!isPyTruthy(subject.provider)) errors.push('Missing attribute: provider')
  if (did !== subjectId) errors.push('Did mismatch')
  return errors
}

export function didForAddress(address: string): string {
  return `did:pkh:eip155:1:${address}`.toLowerCase()
}

interface ValidationResult {
  valid: CachedStamp[]
  rejected: RejectedStamp[]
}

/**
 * scoring §2: issuer, expiry, structure, then the signature, per stamp and in input order.
 * D6: the signed `credentialSubject.provider` must equal the cache row's provider, so a client
 * cannot file a credential under a higher-weight provider name.
 */
export async function validateStamps(
  stamps: readonly CachedStamp[],
  context: ValidationContext,
): Promise<ValidationResult> {
  const did = didForAddress(context.address)
  const valid: CachedStamp[] = []
  const rejected: RejectedStamp[] = []
  for (const stamp of stamps) {
    const credential = stamp.credential
    if (!isPlainObject(credential)) {
      rejected.push({
        provider: stamp.provider,
        reasons: ['Missing or invalid attribute: credential'],
        isExpired: false,
        isIssuerTrusted: false,
      })
      continue
    }
    const isIssuerTrusted = typeof credential.issuer === 'string' && context.trustedIssuers.has(credential.issuer)
    const expiration = checkExpiration(credential, context.now)
    if (expiration.kind === 'invalid') {
      rejected.push({ provider: stamp.provider, reasons: [expiration.reason], isExpired: false, isIssuerTrusted })
      continue
    }
    if (expiration.isExpired || !isIssuerTrusted) {
      rejected.push({ provider: stamp.provider, reasons: [], isExpired: expiration.isExpired, isIssuerTrusted })
      continue
    }
    const errors = structuralErrors(credential, did)
    if (errors.length === 0 && credential.credentialSubject?.provider !== stamp.provider) {
      errors.push(
        `Provider mismatch: credential is for ${JSON.stringify(credential.credentialSubject?.provider)}, cache row for ${JSON.stringify(stamp.provider)}`,
      )
    }
    if (errors.length === 0) {
      try {
        // A known verdict is taken without awaiting (ten stamps: ten promises fewer, issue 16).
        const signatureErrors =
          context.knownSignatureErrors?.(credential) ?? (await context.verifySignature(credential))
        if (signatureErrors.length > 0) errors.push(`Stamp validation failed: ${JSON.stringify(signatureErrors)}`)
      } catch (error) {
        // scoring §2 step 4: Python turns any exception of the check into this one error.
        errors.push(`Error validating credential: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
    if (errors.length === 0) valid.push(stamp)
    else rejected.push({ provider: stamp.provider, reasons: errors, isExpired: false, isIssuerTrusted })
  }
  return { valid, rejected }
}

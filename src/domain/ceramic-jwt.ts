import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto'
import { errors as joseErrors, jwtVerify, SignJWT, decodeProtectedHeader, type JWTPayload } from 'jose'
import { randomUUID } from 'node:crypto'
import { DomainError } from './errors.js'
import { isPyTruthy, pyRepr } from './formats/py-values.js'

// scoring §8 / endpoints §1.3.3: two token kinds, tried in this order whatever the header's `alg`
// says — RS256 SIWE tokens (only when a public key is configured), then legacy HS256 ninja-jwt
// access tokens signed with Django's SECRET_KEY. Leeway 0 for both.

const SIWE_ISSUER = 'passport-scorer'
const SIWE_LIFETIME_SECONDS = 7 * 86_400

export interface JwtKeys {
  siwePublicKey: KeyObject | undefined
  secretKey: KeyObject | undefined
  /** Signs the tokens of endpoints §5.6; without it no login succeeds. */
  siwePrivateKey: KeyObject | undefined
}

export function jwtKeysFrom(config: {
  siweJwtPublicKey: string | undefined
  siweJwtPrivateKey?: string | undefined
  secretKey: string
}): JwtKeys {
  return {
    siwePublicKey: config.siweJwtPublicKey ? createPublicKey(config.siweJwtPublicKey) : undefined,
    siwePrivateKey: config.siweJwtPrivateKey ? createPrivateKey(config.siweJwtPrivateKey) : undefined,
    // PyJWT/ninja-jwt sign with the raw SECRET_KEY bytes; an empty key verifies nothing useful but
    // is still what Django would use.
    secretKey: createSecretKey(Buffer.from(config.secretKey, 'utf8')),
  }
}

/** The failure of one token kind, with PyJWT's / ninja-jwt's message. */
class TokenRejected extends Error {}

// PyJWT's texts for the failures jose reports (endpoints §1.3.3: the message appears in the 401 body).
function pyJwtMessage(error: unknown): string {
  if (error instanceof TokenRejected) return error.message
  if (error instanceof joseErrors.JWTExpired) return 'Signature has expired'
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'Signature verification failed'
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'The specified alg value is not allowed'
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return error.reason === 'missing' ? 'Token is missing the "iss" claim' : 'Invalid issuer'
    if (error.claim === 'nbf') return 'The token is not yet valid (nbf)'
    if (error.claim === 'iat') return 'The token is not yet valid (iat)'
    return error.message
  }
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) {
    return 'Not enough segments'
  }
  return error instanceof Error ? error.message : String(error)
}

// `rejectAudience`: PyJWT's default on the SIWE kind; ninja-jwt decodes with verify_aud=False
// when no AUDIENCE is set, so the legacy kind accepts any `aud`.
// PyJWT lets an empty `aud` ("", [], null) through when no audience is configured (Python truthiness).
function checkOptionalClaims(payload: JWTPayload, nowSeconds: number, options: { rejectAudience: boolean }): void {
  if (options.rejectAudience && isPyTruthy(payload.aud)) throw new TokenRejected('Invalid audience')
  if (payload.iat !== undefined) {
    if (typeof payload.iat !== 'number' || !Number.isInteger(payload.iat))
      throw new TokenRejected('Issued At claim (iat) must be an integer.')
    if (payload.iat > nowSeconds) throw new TokenRejected('The token is not yet valid (iat)')
  }
  if (payload.sub !== undefined && typeof payload.sub !== 'string') throw new TokenRejected('Subject must be a string')
  if (payload.jti !== undefined && typeof payload.jti !== 'string') throw new TokenRejected('JWT ID must be a string')
}

async function verifySiweToken(token: string, key: KeyObject, nowSeconds: number): Promise<JWTPayload> {
  // PyJWT checks the segment count before anything else.
  if (token.split('.').length !== 3) throw new TokenRejected('Not enough segments')
  const { payload } = await jwtVerify(token, key, {
    algorithms: ['RS256'],
    issuer: SIWE_ISSUER,
    clockTolerance: 0,
    currentDate: new Date(nowSeconds * 1000),
  })
  if (payload.iss === undefined) throw new TokenRejected('Token is missing the "iss" claim')
  checkOptionalClaims(payload, nowSeconds, { rejectAudience: true })
  return payload
}

async function verifyLegacyAccessToken(token: string, key: KeyObject, nowSeconds: number): Promise<JWTPayload> {
  let payload: JWTPayload
  try {
    decodeProtectedHeader(token)
    ;({ payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      clockTolerance: 0,
      currentDate: new Date(nowSeconds * 1000),
    }))
    checkOptionalClaims(payload, nowSeconds, { rejectAudience: false })
  } catch {
    throw new TokenRejected('Token is invalid or expired')
  }
  // ninja-jwt's Token.verify order: check_exp (PyJWT decoded without requiring exp), jti, token_type.
  if (payload.exp === undefined) throw new TokenRejected("Token has no 'exp' claim")
  if (payload.jti === undefined) throw new TokenRejected('Token has no id')
  if (payload.token_type === undefined) throw new TokenRejected('Token has no type')
  if (payload.token_type !== 'access') throw new TokenRejected('Token has wrong type')
  return payload
}

const errorDetail = (text: string): string => `ErrorDetail(string=${pyRepr(text)}, code='token_not_valid')`

/** The family A′ body text of ninja-jwt's InvalidToken (endpoints §1.3.3). */
export function invalidTokenDetail(messages: { tokenClass: string; message: string }[]): string {
  const entries = messages.map(
    ({ tokenClass, message }) =>
      `{'token_class': ${errorDetail(tokenClass)}, 'token_type': ${errorDetail('access')}, 'message': ${errorDetail(message)}}`,
  )
  return `{'detail': ${errorDetail('Given token not valid for any token type')}, 'code': ${errorDetail('token_not_valid')}, 'messages': [${entries.join(', ')}]}`
}

export interface AuthenticatedSubject {
  /** The part of the `did` claim after its last ':' (not lower-cased, as in Python). */
  address: string
  did: string
}

// ninja's HttpBearer: split on ' ', scheme = first part, token = the rest joined by ' ' — so a bare
// "Bearer" is the empty token, which is then validated (and rejected with the A′ body).
export function parseBearer(header: string | undefined): string | undefined {
  if (!header) return undefined
  const space = header.indexOf(' ')
  const scheme = space < 0 ? header : header.slice(0, space)
  if (scheme.toLowerCase() !== 'bearer') return undefined
  return space < 0 ? '' : header.slice(space + 1)
}

/** Both token kinds in Python's order; 401 with the ninja-jwt body when neither accepts it. */
export async function authenticateCeramicToken(
  token: string,
  keys: JwtKeys,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<AuthenticatedSubject> {
  const failures: { tokenClass: string; message: string }[] = []
  let payload: JWTPayload | undefined
  if (keys.siwePublicKey) {
    try {
      payload = await verifySiweToken(token, keys.siwePublicKey, nowSeconds)
    } catch (error) {
      failures.push({ tokenClass: 'SIWE_RS256', message: pyJwtMessage(error) })
    }
  }
  if (!payload && keys.secretKey) {
    try {
      payload = await verifyLegacyAccessToken(token, keys.secretKey, nowSeconds)
    } catch (error) {
      failures.push({ tokenClass: 'AccessToken', message: pyJwtMessage(error) })
    }
  }
  if (!payload) throw new DomainError('unauthorized', invalidTokenDetail(failures))
  // Python raises KeyError (HTTP 500) for a valid token without `did`; the issue asks for a 401.
  if (typeof payload.did !== 'string' || payload.did === '') throw new DomainError('unauthorized', 'Unauthorized')
  return { did: payload.did, address: payload.did.slice(payload.did.lastIndexOf(':') + 1) }
}

/** The token `POST /ceramic-cache/authenticate/v2` issues (endpoints §5.6), for the CLI and tests. */
export async function mintSiweToken(
  address: string,
  privateKey: KeyObject,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string> {
  return new SignJWT({ did: `did:pkh:eip155:1:${address.toLowerCase()}`, token_type: 'access' })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + SIWE_LIFETIME_SECONDS)
    .setJti(randomUUID())
    .setIssuer(SIWE_ISSUER)
    .sign(privateKey)
}

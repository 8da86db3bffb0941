import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto'
import { SignJWT, UnsecuredJWT, type JWTPayload } from 'jose'
import type { Db } from '../../src/db/pool.js'
import { mintSiweToken } from '../../src/domain/ceramic-jwt.js'
import { createAccount, createCommunity, type CommunityOptions } from './factories/accounts.js'

// The JWT side of the Passport app endpoints (/ceramic-cache/…, scoring §8), in one place: the key
// pair a test file's app trusts, access tokens as `/ceramic-cache/authenticate/v2` issues them, the
// legacy HS256 ninja-jwt tokens, and the bad variants the tests need.

export interface SiweKeyPair {
  privateKey: KeyObject
  /** What SIWE_JWT_PUBLIC_KEY holds (PEM). */
  publicKeyPem: string
}

/** A fresh RSA pair per test file: nothing signed by one file verifies in another. */
export function generateSiweKeyPair(): SiweKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000)

export const didOf = (address: string): string => `did:pkh:eip155:1:${address}`

/** The claims `generate_siwe_access_token` writes (endpoints §5.6), each overridable or removable (undefined). */
export function siweClaims(address: string, overrides: Record<string, unknown> = {}): JWTPayload {
  const now = nowSeconds()
  const claims: Record<string, unknown> = {
    did: didOf(address.toLowerCase()),
    iat: now,
    exp: now + 7 * 86_400,
    jti: randomUUID(),
    iss: 'passport-scorer',
    token_type: 'access',
    ...overrides,
  }
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined)) as JWTPayload
}

/** A legacy ninja-jwt access token's claims (scoring §8: `DbCacheToken(...).access_token`). */
export function legacyClaims(address: string, overrides: Record<string, unknown> = {}): JWTPayload {
  const now = nowSeconds()
  const claims: Record<string, unknown> = {
    token_type: 'access',
    exp: now + 86_400,
    iat: now,
    jti: randomBytes(16).toString('hex'),
    did: didOf(address.toLowerCase()),
    ...overrides,
  }
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined)) as JWTPayload
}

/** Signs exactly the given claims (no defaults added by jose). */
export function signRs256(claims: JWTPayload, privateKey: KeyObject): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(privateKey)
}

/** HS256 with a text secret: SECRET_KEY for legacy tokens, or the public PEM for the key-confusion attack. */
export function signHs256(claims: JWTPayload, secret: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret))
}

/** `alg: none`, empty signature segment. */
export function unsignedToken(claims: JWTPayload): string {
  return new UnsecuredJWT(claims).encode()
}

export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` })

/** An access token for the address, minted as `/ceramic-cache/authenticate/v2` does (endpoints §5.6). */
export function siweToken(keys: SiweKeyPair, address: string): Promise<string> {
  return mintSiweToken(address, keys.privateKey)
}

export interface CeramicCacheSetup {
  keys: SiweKeyPair
  /** The account owning the community (its API keys reach the other endpoints). */
  accountId: number
  /** The community of CERAMIC_CACHE_SCORER_ID. */
  communityId: number
  /** SIWE_JWT_PUBLIC_KEY and CERAMIC_CACHE_SCORER_ID, for the app's config. */
  env: { SIWE_JWT_PUBLIC_KEY: string; CERAMIC_CACHE_SCORER_ID: string }
  /** `Authorization: Bearer <access token of the address>`. */
  bearer(address: string): Promise<{ authorization: string }>
}

/** What an app serving the Passport app endpoints needs: a fresh key pair and the community they score in. */
export async function setUpCeramicCache(
  db: Db,
  community: Omit<CommunityOptions, 'accountId'> = {},
): Promise<CeramicCacheSetup> {
  const keys = generateSiweKeyPair()
  const { accountId } = await createAccount(db)
  const { communityId } = await createCommunity(db, { accountId, ...community })
  return {
    keys,
    accountId,
    communityId,
    env: { SIWE_JWT_PUBLIC_KEY: keys.publicKeyPem, CERAMIC_CACHE_SCORER_ID: String(communityId) },
    bearer: async (address) => bearer(await siweToken(keys, address)),
  }
}

// The A′ body of a rejected token (endpoints §1.3.3) written out by hand from the spec, so the tests
// do not check src/domain/ceramic-jwt.ts's invalidTokenDetail against itself.

/** One `messages` entry; Python's repr switches to double quotes when the text holds a single quote. */
export function invalidTokenEntry(tokenClass: string, message: string): string {
  const quoted = message.includes("'") && !message.includes('"') ? `"${message}"` : `'${message}'`
  return `{'token_class': ErrorDetail(string='${tokenClass}', code='token_not_valid'), 'token_type': ErrorDetail(string='access', code='token_not_valid'), 'message': ErrorDetail(string=${quoted}, code='token_not_valid')}`
}

/** The `detail` text around the entries, one per token kind tried. */
export const invalidTokenText = (...entries: string[]): string =>
  `{'detail': ErrorDetail(string='Given token not valid for any token type', code='token_not_valid'), 'code': ErrorDetail(string='token_not_valid', code='token_not_valid'), 'messages': [${entries.join(', ')}]}`

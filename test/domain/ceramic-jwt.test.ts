import { execFile } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import {
  authenticateCeramicToken,
  invalidTokenDetail,
  jwtKeysFrom,
  mintSiweToken,
  parseBearer,
  type JwtKeys,
} from '../../src/domain/ceramic-jwt.js'
import { DomainError } from '../../src/domain/errors.js'
import {
  generateSiweKeyPair,
  invalidTokenEntry,
  invalidTokenText,
  legacyClaims,
  nowSeconds,
  signHs256,
  signRs256,
  siweClaims,
  unsignedToken,
  type SiweKeyPair,
} from '../helpers/jwt.js'
import { randomAddress } from '../helpers/factories/accounts.js'

const SECRET_KEY = 'domain-test-secret-key'

let pair: SiweKeyPair
let withSiwe: JwtKeys
let legacyOnly: JwtKeys

beforeAll(() => {
  pair = generateSiweKeyPair()
  withSiwe = jwtKeysFrom({ siweJwtPublicKey: pair.publicKeyPem, secretKey: SECRET_KEY })
  legacyOnly = jwtKeysFrom({ siweJwtPublicKey: undefined, secretKey: SECRET_KEY })
})

async function rejection(token: string, keys: JwtKeys): Promise<DomainError> {
  const error = await authenticateCeramicToken(token, keys).then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(error).toBeInstanceOf(DomainError)
  expect((error as DomainError).kind).toBe('unauthorized')
  return error as DomainError
}

describe('invalidTokenDetail', () => {
  it('endpoints §1.3.3: the garbage-token text with the SIWE key configured, byte for byte', () => {
    const spec =
      "{'detail': ErrorDetail(string='Given token not valid for any token type', code='token_not_valid'), 'code': ErrorDetail(string='token_not_valid', code='token_not_valid'), 'messages': [{'token_class': ErrorDetail(string='SIWE_RS256', code='token_not_valid'), 'token_type': ErrorDetail(string='access', code='token_not_valid'), 'message': ErrorDetail(string='Not enough segments', code='token_not_valid')}, {'token_class': ErrorDetail(string='AccessToken', code='token_not_valid'), 'token_type': ErrorDetail(string='access', code='token_not_valid'), 'message': ErrorDetail(string='Token is invalid or expired', code='token_not_valid')}]}"
    expect(
      invalidTokenDetail([
        { tokenClass: 'SIWE_RS256', message: 'Not enough segments' },
        { tokenClass: 'AccessToken', message: 'Token is invalid or expired' },
      ]),
    ).toBe(spec)
  })

  it('endpoints §1.3.3: Python repr quoting — double quotes when the text holds a single quote', () => {
    expect(invalidTokenDetail([{ tokenClass: 'AccessToken', message: "Token has no 'exp' claim" }])).toContain(
      `'message': ErrorDetail(string="Token has no 'exp' claim", code='token_not_valid')`,
    )
    expect(invalidTokenDetail([{ tokenClass: 'SIWE_RS256', message: 'Token is missing the "iss" claim' }])).toContain(
      `'message': ErrorDetail(string='Token is missing the "iss" claim', code='token_not_valid')`,
    )
  })
})

describe('parseBearer', () => {
  it('endpoints §1.3.3: scheme compared case-insensitively; the token is everything after the first space', () => {
    expect(parseBearer('Bearer abc')).toBe('abc')
    expect(parseBearer('bearer abc')).toBe('abc')
    expect(parseBearer('BEARER abc')).toBe('abc')
    expect(parseBearer('Bearer  abc')).toBe(' abc')
    expect(parseBearer('Bearer a b')).toBe('a b')
  })

  it('endpoints §1.3.3: missing/empty header or another scheme → no token (401 "Unauthorized")', () => {
    expect(parseBearer(undefined)).toBeUndefined()
    expect(parseBearer('')).toBeUndefined()
    expect(parseBearer('Token abc')).toBeUndefined()
    expect(parseBearer('Basic abc')).toBeUndefined()
    expect(parseBearer('abc')).toBeUndefined()
  })

  it('endpoints §1.3.3: a bare "Bearer" is the empty token (ninja joins no parts), so it is validated and rejected', () => {
    expect(parseBearer('Bearer')).toBe('')
    expect(parseBearer('bearer')).toBe('')
  })
})

describe('authenticateCeramicToken', () => {
  it('scoring §13.69: the minted RS256 SIWE token carries did, iat, exp (7 days), jti, iss, token_type and is accepted', async () => {
    const address = randomAddress()
    const now = nowSeconds()
    const token = await mintSiweToken(address.toUpperCase().replace(/^0X/, '0x'), pair.privateKey, now)
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'JWT' })
    const claims = decodeJwt(token)
    expect(claims).toEqual({
      did: `did:pkh:eip155:1:${address}`,
      iat: now,
      exp: now + 7 * 86_400,
      jti: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      iss: 'passport-scorer',
      token_type: 'access',
    })
    expect(await authenticateCeramicToken(token, withSiwe)).toEqual({ did: `did:pkh:eip155:1:${address}`, address })
  })

  it('scoring §8: the address is the part of did after its last ":", not lower-cased', async () => {
    const mixed = '0xAbCdEf0123456789aBcDeF0123456789AbCdEf01'
    const token = await signRs256(siweClaims(mixed, { did: `did:pkh:eip155:1:${mixed}` }), pair.privateKey)
    expect(await authenticateCeramicToken(token, withSiwe)).toEqual({
      did: `did:pkh:eip155:1:${mixed}`,
      address: mixed,
    })
  })

  it('scoring §8: the SIWE kind checks neither token_type nor jti', async () => {
    const address = randomAddress()
    const token = await signRs256(siweClaims(address, { token_type: 'refresh', jti: undefined }), pair.privateKey)
    expect((await authenticateCeramicToken(token, withSiwe)).address).toBe(address)
  })

  it('scoring §8: exp is optional on the SIWE kind (PyJWT does not require it)', async () => {
    const address = randomAddress()
    const token = await signRs256(siweClaims(address, { exp: undefined }), pair.privateKey)
    expect((await authenticateCeramicToken(token, withSiwe)).address).toBe(address)
  })

  it('scoring §13.70: a legacy HS256 access token (SECRET_KEY, token_type access, jti, future exp, did) is accepted with or without the SIWE key', async () => {
    const address = randomAddress()
    const token = await signHs256(legacyClaims(address), SECRET_KEY)
    expect(await authenticateCeramicToken(token, withSiwe)).toEqual({ did: `did:pkh:eip155:1:${address}`, address })
    expect(await authenticateCeramicToken(token, legacyOnly)).toEqual({ did: `did:pkh:eip155:1:${address}`, address })
  })

  it('scoring §13.70: legacy token_type "refresh" → 401 "Token has wrong type"', async () => {
    const token = await signHs256(legacyClaims(randomAddress(), { token_type: 'refresh' }), SECRET_KEY)
    expect((await rejection(token, withSiwe)).detail).toBe(
      invalidTokenText(
        invalidTokenEntry('SIWE_RS256', 'The specified alg value is not allowed'),
        invalidTokenEntry('AccessToken', 'Token has wrong type'),
      ),
    )
  })

  it('scoring §13.70: legacy token without jti → 401 "Token has no id"; without token_type → "Token has no type"', async () => {
    const noJti = await signHs256(legacyClaims(randomAddress(), { jti: undefined }), SECRET_KEY)
    expect((await rejection(noJti, legacyOnly)).detail).toBe(
      invalidTokenText(invalidTokenEntry('AccessToken', 'Token has no id')),
    )
    const noType = await signHs256(legacyClaims(randomAddress(), { token_type: undefined }), SECRET_KEY)
    expect((await rejection(noType, legacyOnly)).detail).toBe(
      invalidTokenText(invalidTokenEntry('AccessToken', 'Token has no type')),
    )
  })

  it('scoring §13.70: an expired legacy token (leeway 0) → 401 "Token is invalid or expired"', async () => {
    const now = nowSeconds()
    const token = await signHs256(legacyClaims(randomAddress(), { iat: now - 7200, exp: now - 1 }), SECRET_KEY)
    expect((await rejection(token, legacyOnly)).detail).toBe(
      invalidTokenText(invalidTokenEntry('AccessToken', 'Token is invalid or expired')),
    )
  })

  it("scoring §8: a legacy token without exp → 401 with ninja-jwt's \"Token has no 'exp' claim\"", async () => {
    const token = await signHs256(legacyClaims(randomAddress(), { exp: undefined }), SECRET_KEY)
    expect((await rejection(token, legacyOnly)).detail).toBe(
      invalidTokenText(invalidTokenEntry('AccessToken', "Token has no 'exp' claim")),
    )
  })

  it('scoring §8: a legacy token signed with another secret → 401 "Token is invalid or expired"', async () => {
    const token = await signHs256(legacyClaims(randomAddress()), 'not-the-secret-key')
    expect((await rejection(token, legacyOnly)).detail).toBe(
      invalidTokenText(invalidTokenEntry('AccessToken', 'Token is invalid or expired')),
    )
  })

  it('scoring §8: the legacy kind does not verify aud (ninja-jwt passes verify_aud=False without AUDIENCE)', async () => {
    const address = randomAddress()
    const token = await signHs256(legacyClaims(address, { aud: 'someone' }), SECRET_KEY)
    expect((await authenticateCeramicToken(token, legacyOnly)).address).toBe(address)
  })

  it('scoring §13.71: RS256 with iss "other" → 401 "Invalid issuer"', async () => {
    const token = await signRs256(siweClaims(randomAddress(), { iss: 'other' }), pair.privateKey)
    expect((await rejection(token, withSiwe)).detail).toBe(
      invalidTokenText(
        invalidTokenEntry('SIWE_RS256', 'Invalid issuer'),
        invalidTokenEntry('AccessToken', 'Token is invalid or expired'),
      ),
    )
  })

  it('scoring §13.71: RS256 signed by another key → 401 "Signature verification failed"', async () => {
    const token = await signRs256(siweClaims(randomAddress()), generateSiweKeyPair().privateKey)
    expect((await rejection(token, withSiwe)).detail).toBe(
      invalidTokenText(
        invalidTokenEntry('SIWE_RS256', 'Signature verification failed'),
        invalidTokenEntry('AccessToken', 'Token is invalid or expired'),
      ),
    )
  })

  it('scoring §13.71: garbage → 401 "Not enough segments"; without SIWE_JWT_PUBLIC_KEY only the AccessToken entry', async () => {
    expect((await rejection('garbage', withSiwe)).detail).toBe(
      invalidTokenText(
        invalidTokenEntry('SIWE_RS256', 'Not enough segments'),
        invalidTokenEntry('AccessToken', 'Token is invalid or expired'),
      ),
    )
    expect((await rejection('garbage', legacyOnly)).detail).toBe(
      invalidTokenText(invalidTokenEntry('AccessToken', 'Token is invalid or expired')),
    )
  })

  it('scoring §8: RS256 variants — missing iss, expired, aud present, nbf/iat in the future — each with its PyJWT text', async () => {
    const now = nowSeconds()
    const address = randomAddress()
    const cases: [Record<string, unknown>, string][] = [
      [{ iss: undefined }, 'Token is missing the "iss" claim'],
      [{ iat: now - 7200, exp: now - 1 }, 'Signature has expired'],
      [{ aud: 'passport' }, 'Invalid audience'],
      [{ nbf: now + 3600 }, 'The token is not yet valid (nbf)'],
      [{ iat: now + 3600 }, 'The token is not yet valid (iat)'],
    ]
    for (const [overrides, message] of cases) {
      const token = await signRs256(siweClaims(address, overrides), pair.privateKey)
      expect((await rejection(token, withSiwe)).detail, message).toBe(
        invalidTokenText(
          invalidTokenEntry('SIWE_RS256', message),
          invalidTokenEntry('AccessToken', 'Token is invalid or expired'),
        ),
      )
    }
  })

  it('scoring §8: an empty aud is not an audience (PyJWT: `not payload["aud"]`) → accepted', async () => {
    const address = randomAddress()
    for (const aud of ['', []]) {
      const token = await signRs256(siweClaims(address, { aud }), pair.privateKey)
      expect((await authenticateCeramicToken(token, withSiwe)).address).toBe(address)
    }
  })

  it('scoring §8: alg "none" → 401 "The specified alg value is not allowed"', async () => {
    const token = unsignedToken(siweClaims(randomAddress()))
    expect((await rejection(token, withSiwe)).detail).toBe(
      invalidTokenText(
        invalidTokenEntry('SIWE_RS256', 'The specified alg value is not allowed'),
        invalidTokenEntry('AccessToken', 'Token is invalid or expired'),
      ),
    )
  })

  it('scoring §8: HS256 signed with the public PEM (key confusion) → 401 on both kinds', async () => {
    const token = await signHs256(siweClaims(randomAddress()), pair.publicKeyPem)
    expect((await rejection(token, withSiwe)).detail).toBe(
      invalidTokenText(
        invalidTokenEntry('SIWE_RS256', 'The specified alg value is not allowed'),
        invalidTokenEntry('AccessToken', 'Token is invalid or expired'),
      ),
    )
  })

  it('scoring §8: an RS256 token is never accepted as a legacy token when no SIWE key is configured', async () => {
    const token = await signRs256(siweClaims(randomAddress()), pair.privateKey)
    expect((await rejection(token, legacyOnly)).detail).toBe(
      invalidTokenText(invalidTokenEntry('AccessToken', 'Token is invalid or expired')),
    )
  })

  it('scoring §8 (issue 4): a valid token without did → 401 "Unauthorized" (Python: KeyError, 500)', async () => {
    const siwe = await signRs256(siweClaims(randomAddress(), { did: undefined }), pair.privateKey)
    expect((await rejection(siwe, withSiwe)).detail).toBe('Unauthorized')
    const legacy = await signHs256(legacyClaims(randomAddress(), { did: undefined }), SECRET_KEY)
    expect((await rejection(legacy, legacyOnly)).detail).toBe('Unauthorized')
  })

  it('scoring §8: an unset SECRET_KEY (empty) never validates a token HMAC-signed with the empty secret', async () => {
    const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
    const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(legacyClaims(randomAddress()))}`
    const token = `${input}.${createHmac('sha256', Buffer.alloc(0)).update(input).digest('base64url')}`
    const keys = jwtKeysFrom({ siweJwtPublicKey: undefined, secretKey: '' })
    expect((await rejection(token, keys)).detail).toBe(
      invalidTokenText(invalidTokenEntry('AccessToken', 'Token is invalid or expired')),
    )
  })
})

// `npm run issue-token -- <address>` (src/cli/issue-token.ts), run as a process.
describe('issue-token CLI', () => {
  const run = promisify(execFile)
  const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx')
  const cli = (args: string[], env: Record<string, string>) =>
    run(tsx, ['src/cli/issue-token.ts', ...args], { env: { PATH: process.env.PATH ?? '', ...env } })

  it('endpoints §5.6: prints an RS256 token signed with SIWE_JWT_PRIVATE_KEY that the service accepts', async () => {
    const address = randomAddress()
    const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const { stdout } = await cli([address], { SIWE_JWT_PRIVATE_KEY: privatePem })
    const token = stdout.trim()
    expect(decodeJwt(token)).toMatchObject({
      did: `did:pkh:eip155:1:${address}`,
      iss: 'passport-scorer',
      token_type: 'access',
    })
    expect(await authenticateCeramicToken(token, withSiwe)).toEqual({ did: `did:pkh:eip155:1:${address}`, address })
  }, 30_000)

  it("issue 4: without SIWE_JWT_PRIVATE_KEY, signs with the local pair in the embedded data directory's parent", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'issue-token-'))
    try {
      const address = randomAddress()
      const { stdout } = await cli([address], { EMBEDDED_DATA_DIR: join(dir, 'pglite') })
      const publicPem = await readFile(join(dir, 'siwe-jwt-public.pem'), 'utf8')
      const keys = jwtKeysFrom({ siweJwtPublicKey: publicPem, secretKey: SECRET_KEY })
      expect((await authenticateCeramicToken(stdout.trim(), keys)).address).toBe(address)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 30_000)

  it('issue 4: a non-address argument → exit code 2, nothing printed', async () => {
    const failure = await cli(['not-an-address'], { SIWE_JWT_PRIVATE_KEY: 'unused' }).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(failure).toMatchObject({ code: 2, stdout: '' })
  }, 30_000)
})

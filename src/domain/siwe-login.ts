import { randomBytes } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import type { Hex } from 'viem'
import { isStrictHex, loadViem, recoverMessageSigner } from './eth-signatures.js'
import type { Db } from '../db/pool.js'
import { consumeNonce, insertNonce } from '../db/queries/nonces.js'
import { mintSiweToken } from './ceramic-jwt.js'
import { DomainError, isDatabaseUnavailable } from './errors.js'
import { toChecksumAddress } from './formats/eth-address.js'
import { addMicros, comparePyDateTime, nowUtc, toPgTimestamp } from './formats/py-datetime.js'
import { parsePyIsoDateTime } from './formats/py-fromisoformat.js'
import { isPyTruthy } from './formats/py-values.js'

// endpoints §5.6 (login) and §5.7 (nonce): Python's account.Nonce and ceramic_cache.authenticate_v2.

const LOGIN_NONCE_LIFETIME_MS = 300_000
// Python's Web3.HTTPProvider(request_kwargs={"timeout": 5}).
const RPC_TIMEOUT_MS = 5_000

/** A nonce row as Python writes it: 30 random bytes in lower-case hex (60 characters). */
export async function issueNonce(db: Db, lifetimeMs: number | null): Promise<string> {
  const nonce = randomBytes(30).toString('hex')
  const now = nowUtc()
  await insertNonce(db, {
    nonce,
    createdOn: toPgTimestamp(now),
    expiresOn: lifetimeMs === null ? null : toPgTimestamp(addMicros(now, BigInt(lifetimeMs) * 1000n)),
  })
  return nonce
}

/** endpoints §5.7: `GET /account/nonce`. */
export const issueLoginNonce = (db: Db): Promise<string> => issueNonce(db, LOGIN_NONCE_LIFETIME_MS)

/** Nonce.use_nonce: NonceField lower-cases what it looks up (`str(value).lower()`). */
export const useNonce = (db: Db, nonce: unknown): Promise<boolean> =>
  consumeNonce(db, pyStr(nonce).toLowerCase(), toPgTimestamp(nowUtc()))

const pyStr = (value: unknown): string =>
  typeof value === 'string' ? value : value === null || value === undefined ? 'None' : JSON.stringify(value)

export interface LoginDeps {
  db: Db
  allowedDomains: readonly string[]
  /** Mainnet JSON-RPC endpoint for the smart-wallet check (step 6). */
  rpcUrl: string
  privateKey: KeyObject | undefined
  log: { info: (obj: object, msg: string) => void; warn: (obj: object, msg: string) => void }
}

export interface LoginRequest {
  message: Record<string, unknown>
  signature: string
}

const refused = (detail: string): DomainError => new DomainError('bad_request', detail)

/** Why a field cannot be part of a SIWE message: siwe-py refuses to build it (“Authentication failed!”). */
class MalformedSiweMessage extends Error {}

/** validate_siwe_expiration: absent is fine, empty or unreadable or past is not. */
function isUnexpired(expirationTime: unknown): boolean {
  if (expirationTime === undefined || expirationTime === null) return true
  if (!isPyTruthy(expirationTime) || typeof expirationTime !== 'string') return false
  try {
    const expires = parsePyIsoDateTime(expirationTime)
    // A naive datetime cannot be compared with an aware one: TypeError, caught, refused.
    if (expires.offsetMinutes === null) return false
    return comparePyDateTime(nowUtc(), expires) < 0
  } catch {
    return false
  }
}

/** validate_siwe_domain: compared without regard to case; a missing domain is refused. */
function isAllowedDomain(domain: unknown, allowed: readonly string[]): boolean {
  if (!isPyTruthy(domain)) return false
  if (typeof domain !== 'string') throw new MalformedSiweMessage('domain is not a string')
  return allowed.some((candidate) => candidate.toLowerCase() === domain.toLowerCase())
}

// siwe-py's field rules, as far as they decide whether the message can be built at all.
const DOMAIN = /^[^\s/?#]+$/
const NONCE = /^[a-zA-Z0-9]{8,}$/
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
const URI = /^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$/

function requireText(value: unknown, pattern: RegExp, field: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new MalformedSiweMessage(`bad ${field}`)
  return value
}

function chainIdOf(value: unknown): number {
  const id = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw new MalformedSiweMessage('bad chainId')
  return id
}

/**
 * The EIP-4361 text siwe-py's `prepare_message` writes from the JSON fields: the client's strings as
 * sent (its `issuedAt` is not re-formatted), the address in its checksum form, optional lines only
 * when the field is truthy, and two blank lines where the statement is absent.
 */
export function prepareSiweMessage(message: Record<string, unknown>, checksumAddress: string): string {
  const domain = requireText(message.domain, DOMAIN, 'domain')
  const uri = requireText(message.uri, URI, 'uri')
  if (message.version !== '1') throw new MalformedSiweMessage('bad version')
  const chainId = chainIdOf(message.chainId ?? 1)
  const nonce = requireText(message.nonce, NONCE, 'nonce')
  const issuedAt = requireText(message.issuedAt, RFC3339, 'issuedAt')
  const statement = message.statement
  if (statement !== undefined && statement !== null && (typeof statement !== 'string' || statement.includes('\n')))
    throw new MalformedSiweMessage('bad statement')
  const lines = [`URI: ${uri}`, `Version: 1`, `Chain ID: ${chainId}`, `Nonce: ${nonce}`, `Issued At: ${issuedAt}`]
  if (isPyTruthy(message.expirationTime))
    lines.push(`Expiration Time: ${requireText(message.expirationTime, RFC3339, 'expirationTime')}`)
  if (isPyTruthy(message.notBefore)) lines.push(`Not Before: ${requireText(message.notBefore, RFC3339, 'notBefore')}`)
  if (isPyTruthy(message.requestId))
    lines.push(`Request ID: ${requireText(message.requestId, /^[^\n]*$/, 'requestId')}`)
  if (isPyTruthy(message.resources)) {
    if (!Array.isArray(message.resources)) throw new MalformedSiweMessage('bad resources')
    lines.push(
      ['Resources:', ...message.resources.map((resource) => `- ${requireText(resource, URI, 'resource')}`)].join('\n'),
    )
  }
  const header = `${domain} wants you to sign in with your Ethereum account:\n${checksumAddress}`
  const prefix = statement ? `${header}\n\n${statement}` : `${header}\n`
  return `${prefix}\n\n${lines.join('\n')}`
}

const asHexSignature = (signature: string): Hex | undefined => {
  const prefixed = signature.startsWith('0x') ? signature : `0x${signature}`
  return isStrictHex(prefixed) ? prefixed : undefined
}

/** An EOA's signature, recovered locally (eth_account's recover_message). */
async function isEoaSignature(address: string, message: string, signature: Hex): Promise<boolean> {
  try {
    return (await recoverMessageSigner(message, signature)).toLowerCase() === address.toLowerCase()
  } catch {
    return false
  }
}

/**
 * ERC-6492 universal validation as Python runs it: one mainnet `eth_call` of the deployless validator
 * (no `to`, so no chain's deployed verifier), which covers deployed ERC-1271 wallets and counterfactual
 * ones. Any RPC failure or timeout is a refusal, as in Python.
 */
async function isContractSignature(
  deps: LoginDeps,
  address: `0x${string}`,
  message: string,
  signature: Hex,
): Promise<boolean> {
  const { createPublicClient, http } = await loadViem()
  const client = createPublicClient({ transport: http(deps.rpcUrl, { timeout: RPC_TIMEOUT_MS, retryCount: 0 }) })
  try {
    return await client.verifyMessage({ address, message, signature })
  } catch (error) {
    deps.log.warn({ err: error, address }, 'ERC-6492 verification failed')
    return false
  }
}

/** endpoints §5.6: every check in Python's order, then the RS256 access token. */
export async function loginWithSiwe(deps: LoginDeps, request: LoginRequest): Promise<string> {
  try {
    return await checkAndIssue(deps, request)
  } catch (error) {
    if (error instanceof DomainError) throw error
    // Python's `except Exception` around the whole handler; the database being away stays a 503.
    if (isDatabaseUnavailable(error)) throw error
    deps.log.warn({ err: error }, 'authenticate/v2 failed')
    throw refused('Authentication failed!')
  }
}

async function checkAndIssue(deps: LoginDeps, { message, signature }: LoginRequest): Promise<string> {
  const rawAddress = message.address ?? ''
  const nonce = message.nonce
  // 1
  if (!isPyTruthy(rawAddress) || !isPyTruthy(nonce)) throw refused('Missing address or nonce!')
  // 2: Web3.to_checksum_address takes 40 hex digits, with or without 0x, in any case.
  if (typeof rawAddress !== 'string') throw new MalformedSiweMessage('address is not a string')
  if (!/^(0x)?[0-9a-fA-F]{40}$/.test(rawAddress)) throw refused('Invalid address format!')
  const address = toChecksumAddress(rawAddress.startsWith('0x') ? rawAddress : `0x${rawAddress}`) as `0x${string}`
  // 3, 4
  if (!isAllowedDomain(message.domain, deps.allowedDomains)) throw refused('Verification failed!')
  if (!isUnexpired(message.expirationTime)) throw refused('Verification failed!')
  // 5: consumed before the signature is looked at, so a failed attempt spends it.
  if (!(await useNonce(deps.db, nonce))) throw refused('Invalid nonce!')
  // 6
  const text = prepareSiweMessage(message, address)
  const hexSignature = asHexSignature(signature)
  const valid =
    hexSignature !== undefined &&
    ((await isEoaSignature(address, text, hexSignature)) ||
      (await isContractSignature(deps, address, text, hexSignature)))
  if (!valid) throw refused('Invalid signature!')
  // jwt.encode with no key raises: Python answers the generic text.
  if (!deps.privateKey) throw new MalformedSiweMessage('SIWE_JWT_PRIVATE_KEY is not configured')
  deps.log.info({ address: address.toLowerCase() }, 'SIWE login')
  return mintSiweToken(address.toLowerCase(), deps.privateKey)
}

/** Where Python sends the ERC-6492 call: Alchemy's mainnet with ALCHEMY_API_KEY, unless ETH_RPC_URL says otherwise. */
export function mainnetRpcUrl(config: { alchemyApiKey: string; ethRpcUrl: string | undefined }): string {
  return config.ethRpcUrl ?? `https://eth-mainnet.g.alchemy.com/v2/${config.alchemyApiKey}`
}

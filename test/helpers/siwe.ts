import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { createSiweMessage } from 'viem/siwe'

// SIWE login material as the Passport app produces it (endpoints §5.6): the message as JSON fields
// (camelCase) and the signature of its EIP-4361 text, written by viem's own formatter so that the
// service's re-construction is checked against an independent one.

export const SIWE_DOMAIN = 'app.passport.xyz'

export interface SiweFields {
  domain: string
  address: string
  statement?: string
  uri: string
  version: string
  chainId: number
  nonce: string
  issuedAt: string
  expirationTime?: string
  notBefore?: string
  requestId?: string
  resources?: string[]
}

export const newWallet = (): PrivateKeyAccount => privateKeyToAccount(generatePrivateKey())

export function siweFields(address: string, nonce: string, overrides: Partial<SiweFields> = {}): SiweFields {
  return {
    domain: SIWE_DOMAIN,
    address,
    statement: 'Sign in to Passport',
    uri: `https://${SIWE_DOMAIN}`,
    version: '1',
    chainId: 1,
    nonce,
    issuedAt: new Date().toISOString(),
    ...overrides,
  }
}

/** The EIP-4361 text of the fields, by viem. */
export function siweText(fields: SiweFields): string {
  return createSiweMessage({
    domain: fields.domain,
    address: fields.address as `0x${string}`,
    statement: fields.statement,
    uri: fields.uri,
    version: fields.version as '1',
    chainId: fields.chainId,
    nonce: fields.nonce,
    issuedAt: new Date(fields.issuedAt),
    expirationTime: fields.expirationTime ? new Date(fields.expirationTime) : undefined,
    notBefore: fields.notBefore ? new Date(fields.notBefore) : undefined,
    requestId: fields.requestId,
    resources: fields.resources,
  })
}

/** The body of POST /ceramic-cache/authenticate/v2, signed by the wallet. */
export async function signedLogin(
  wallet: PrivateKeyAccount,
  nonce: string,
  overrides: Partial<SiweFields> = {},
): Promise<{ message: SiweFields; signature: string }> {
  const message = siweFields(wallet.address, nonce, overrides)
  return { message, signature: await wallet.signMessage({ message: siweText(message) }) }
}

// Issues stamp credentials in the formats the Passport IAM produces (scoring §2.1), for seeding,
// benchmarks and tests. Production stamps are signed by the IAM; nothing here is on a request path.
import { createECDH, createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import * as DIDKit from '@spruceid/didkit-wasm-node'

export type IssuerKeyKind = 'secp256k1' | 'ed25519'

export interface IssuerKey {
  /** secp256k1 → did:ethr + EthereumEip712Signature2021; ed25519 → did:key + Ed25519Signature2018. */
  readonly kind: IssuerKeyKind
  /** The private JWK as JSON text, the form didkit takes. */
  readonly jwk: string
  readonly did: string
  readonly verificationMethod: string
}

export interface Secp256k1Jwk {
  kty: 'EC'
  crv: 'secp256k1'
  x: string
  y: string
  d: string
}
export interface Ed25519Jwk {
  kty: 'OKP'
  crv: 'Ed25519'
  x: string
  d: string
}

// Fixed demo keys, committed on purpose so the demo issuer DIDs never change between runs and
// machines (put them in TRUSTED_IAM_ISSUERS). They are derived from public seeds and guard nothing:
//   secp256k1 d = sha256("passport-scorer-ts demo IAM issuer (secp256k1)")
//   Ed25519 seed = sha256("passport-scorer-ts demo IAM issuer (Ed25519)")
// test/dev/stamp-issuer.test.ts re-derives both and checks the DIDs.
export const DEMO_ISSUER_JWK: Readonly<Secp256k1Jwk> = Object.freeze({
  kty: 'EC',
  crv: 'secp256k1',
  x: 'YPJLHn7QLyX8vdMxfggrwQD26w-xylbEI_uvnKvSubQ',
  y: '71YSTiCZ29OdUPtatr4ekaxH5tBCF2Mj5u4Z9qidvEE',
  d: '7sRAEWRG935dMRA1l9Da7Hhpli7iIbime6rGigBKMW4',
})
export const DEMO_ISSUER_DID = 'did:ethr:0xfd0eb20d9c0f253417d988b3968b79a8515e6884'

export const DEMO_ED25519_ISSUER_JWK: Readonly<Ed25519Jwk> = Object.freeze({
  kty: 'OKP',
  crv: 'Ed25519',
  x: '5QMnP7XY2ulz7fGcaa_KWuRX17o_oUGsc8JbaE0SJJI',
  d: 'OxeMeRYYc3dc3bVMG1zKw1XoafQERw7cXvIbY-_7M2I',
})
export const DEMO_ED25519_ISSUER_DID = 'did:key:z6MkusECPDRgYXHwp8NdMFU6SjUiqVwDAEA2Xh7Np3dQBdJh'

/** The IAM's CREDENTIAL_EXPIRES_AFTER_SECONDS (identity/src/credentials.ts): 90 days. */
export const DEFAULT_STAMP_LIFETIME_SECONDS = 90 * 86_400

function describeJwkProblem(jwk: unknown): string | undefined {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return 'a JWK must be a JSON object'
  const { kty, crv, x, y, d } = jwk as Record<string, unknown>
  const isText = (value: unknown): boolean => typeof value === 'string' && value.length > 0
  if (kty === 'EC' && crv === 'secp256k1')
    return isText(x) && isText(y) && isText(d) ? undefined : 'a secp256k1 JWK needs x, y and the private d'
  if (kty === 'OKP' && crv === 'Ed25519')
    return isText(x) && isText(d) ? undefined : 'an Ed25519 JWK needs x and the private d'
  return `unsupported key ${JSON.stringify({ kty, crv })}: expected EC/secp256k1 or OKP/Ed25519`
}

export async function issuerKeyFromJwk(jwk: unknown): Promise<IssuerKey> {
  const problem = describeJwkProblem(jwk)
  if (problem !== undefined) throw new Error(`invalid issuer key: ${problem}`)
  const { kty, crv, x, y, d } = jwk as Record<string, string>
  const kind: IssuerKeyKind = kty === 'EC' ? 'secp256k1' : 'ed25519'
  // Only the key members: a key file may also carry kid/alg/use, which are not part of the key.
  const text = JSON.stringify(kind === 'secp256k1' ? { kty, crv, x, y, d } : { kty, crv, x, d })
  const method = kind === 'secp256k1' ? 'ethr' : 'key'
  const did = DIDKit.keyToDID(method, text)
  const verificationMethod = String(await DIDKit.keyToVerificationMethod(method, text))
  return Object.freeze({ kind, jwk: text, did, verificationMethod })
}

export async function loadIssuerKey(path: string): Promise<IssuerKey> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new Error(`cannot read issuer key ${path}: ${err instanceof Error ? err.message : String(err)}`)
  }
  return issuerKeyFromJwk(parsed)
}

export async function generateIssuerKey(kind: IssuerKeyKind): Promise<IssuerKey> {
  if (kind === 'ed25519') return issuerKeyFromJwk(JSON.parse(DIDKit.generateEd25519Key()))
  return issuerKeyFromJwk(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ format: 'jwk' }))
}

let demoKeys: Promise<readonly [IssuerKey, IssuerKey]> | undefined

function loadDemoKeys(): Promise<readonly [IssuerKey, IssuerKey]> {
  demoKeys ??= Promise.all([issuerKeyFromJwk(DEMO_ISSUER_JWK), issuerKeyFromJwk(DEMO_ED25519_ISSUER_JWK)] as const)
  return demoKeys
}

export async function demoIssuerKey(): Promise<IssuerKey> {
  return (await loadDemoKeys())[0]
}

export async function demoEd25519IssuerKey(): Promise<IssuerKey> {
  return (await loadDemoKeys())[1]
}

// How the DEMO_* keys were made; also handy for other fixed test keys.
export function secp256k1JwkFromSeed(seed: string): Secp256k1Jwk {
  const d = createHash('sha256').update(seed).digest()
  const ecdh = createECDH('secp256k1')
  ecdh.setPrivateKey(d)
  const publicKey = ecdh.getPublicKey() // 0x04 || x || y
  return {
    kty: 'EC',
    crv: 'secp256k1',
    x: publicKey.subarray(1, 33).toString('base64url'),
    y: publicKey.subarray(33).toString('base64url'),
    d: d.toString('base64url'),
  }
}

// PKCS#8 prefix of a raw 32-byte Ed25519 private key (RFC 8410), so node:crypto computes x from the seed.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

export function ed25519JwkFromSeed(seed: string): Ed25519Jwk {
  const d = createHash('sha256').update(seed).digest()
  const jwk = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, d]), format: 'der', type: 'pkcs8' }).export({
    format: 'jwk',
  })
  return { kty: 'OKP', crv: 'Ed25519', x: String(jwk.x), d: d.toString('base64url') }
}

export interface StampCredentialSubject {
  '@context': unknown
  id: string
  provider: string
  nullifiers?: string[]
  hash?: string
}

export interface StampCredential {
  '@context': string[]
  type: string[]
  issuer: string
  issuanceDate: string
  expirationDate: string
  credentialSubject: StampCredentialSubject
  proof: {
    type: string
    proofPurpose: string
    verificationMethod: string
    created: string
    /** EIP-712: 0x-hex secp256k1 signature. */
    proofValue?: string
    /** Ed25519: detached JWS. */
    jws?: string
    '@context'?: string
    eip712Domain?: unknown
  }
}

export interface StampToIssue {
  address: string
  provider: string
  /** At most one of `nullifiers` / `hash`. Neither: a value derived from (address, provider), nullifiers for EIP-712, hash for Ed25519 or `legacyHash`. */
  nullifiers?: readonly string[]
  hash?: string
  /** EIP-712 legacy-hash variant (scoring §2.1) with a derived hash; implied by `hash` and by Ed25519 keys. */
  legacyHash?: boolean
  /** A Date is written with toISOString() as the IAM does; a string is signed verbatim (tests of odd date formats). Default now. */
  issuanceDate?: Date | string
  /** Default: issuance + 90 days. */
  expirationDate?: Date | string
  /** Overrides `did:pkh:eip155:1:<lower address>` (tests of the DID check, scoring §2 step 4f). */
  subjectId?: string
}

export const ETH_ADDRESS = /^0x[0-9a-fA-F]{40}$/

// Deterministic, so re-signing the same (address, provider) reproduces the nullifier the way a
// real provider would (the IAM derives it from the user's account, not from the wallet).
export function deriveDemoNullifier(address: string, provider: string): string {
  return `v0:${createHash('sha256').update(`nullifier\0${provider}\0${address.toLowerCase()}`).digest('base64')}`
}

export function deriveDemoHash(address: string, provider: string): string {
  return `v0.0.0:${createHash('sha256').update(`hash\0${provider}\0${address.toLowerCase()}`).digest('base64')}`
}

const STAMP_CONTEXTS = ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/vc/status-list/2021/v1']
const SCHEMA_TEXT = 'https://schema.org/Text'

// EIP-712 type sets of the IAM's stampCredentialDocument (scoring §2.1). didkit hashes the document
// with exactly these types, so a field added to the subject must be added here too.
const field = (name: string, type: string): { name: string; type: string } => ({ name, type })
const COMMON_EIP712_TYPES = {
  EIP712Domain: [field('name', 'string')],
  Document: [
    field('@context', 'string[]'),
    field('credentialSubject', 'CredentialSubject'),
    field('expirationDate', 'string'),
    field('issuanceDate', 'string'),
    field('issuer', 'string'),
    field('proof', 'Proof'),
    field('type', 'string[]'),
  ],
  Proof: [
    field('@context', 'string'),
    field('created', 'string'),
    field('proofPurpose', 'string'),
    field('type', 'string'),
    field('verificationMethod', 'string'),
  ],
}
export const EIP712_NULLIFIER_TYPES = {
  ...COMMON_EIP712_TYPES,
  NullifiersContext: [field('@container', 'string'), field('@type', 'string')],
  '@context': [field('nullifiers', 'NullifiersContext'), field('provider', 'string')],
  CredentialSubject: [
    field('@context', '@context'),
    field('nullifiers', 'string[]'),
    field('id', 'string'),
    field('provider', 'string'),
  ],
}
export const EIP712_LEGACY_HASH_TYPES = {
  ...COMMON_EIP712_TYPES,
  '@context': [field('hash', 'string'), field('provider', 'string')],
  CredentialSubject: [
    field('@context', '@context'),
    field('hash', 'string'),
    field('id', 'string'),
    field('provider', 'string'),
  ],
}

function eip712ProofOptions(key: IssuerKey, types: object): string {
  return JSON.stringify({
    type: 'EthereumEip712Signature2021',
    proofPurpose: 'assertionMethod',
    verificationMethod: key.verificationMethod,
    eip712Domain: { domain: { name: 'VerifiableCredential' }, primaryType: 'Document', types },
  })
}

function formatDate(value: Date | string, name: string): string {
  if (typeof value === 'string') return value
  if (Number.isNaN(value.getTime())) throw new Error(`${name} is an invalid Date`)
  return value.toISOString()
}

function resolveDates(stamp: StampToIssue): { issuanceDate: string; expirationDate: string } {
  const issued = stamp.issuanceDate ?? new Date()
  const issuanceDate = formatDate(issued, 'issuanceDate')
  if (stamp.expirationDate !== undefined)
    return { issuanceDate, expirationDate: formatDate(stamp.expirationDate, 'expirationDate') }
  const issuedAt = new Date(issued)
  if (Number.isNaN(issuedAt.getTime()))
    throw new Error(`cannot derive expirationDate from issuanceDate ${JSON.stringify(issued)}: pass expirationDate`)
  return {
    issuanceDate,
    expirationDate: new Date(issuedAt.getTime() + DEFAULT_STAMP_LIFETIME_SECONDS * 1000).toISOString(),
  }
}

type SubjectVariant = { nullifiers: string[] } | { hash: string }

function resolveVariant(key: IssuerKey, stamp: StampToIssue): SubjectVariant {
  if (stamp.nullifiers !== undefined && stamp.hash !== undefined)
    throw new Error('pass either nullifiers or hash, not both')
  if (stamp.nullifiers !== undefined) {
    if (key.kind === 'ed25519' || stamp.legacyHash === true)
      throw new Error('nullifiers cannot be signed in the hash variant (Ed25519 or legacyHash)')
    if (stamp.nullifiers.length === 0) throw new Error('nullifiers must not be empty')
    return { nullifiers: [...stamp.nullifiers] }
  }
  if (stamp.hash !== undefined) return { hash: stamp.hash }
  const isHashVariant = key.kind === 'ed25519' || stamp.legacyHash === true
  return isHashVariant
    ? { hash: deriveDemoHash(stamp.address, stamp.provider) }
    : { nullifiers: [deriveDemoNullifier(stamp.address, stamp.provider)] }
}

function buildSubject(key: IssuerKey, stamp: StampToIssue, variant: SubjectVariant): StampCredentialSubject {
  const id = stamp.subjectId ?? `did:pkh:eip155:1:${stamp.address.toLowerCase()}`
  // Seeds gotcha: the nested JSON-LD context goes in credentialSubject, never the top-level @context.
  if ('nullifiers' in variant) {
    return {
      '@context': { nullifiers: { '@container': '@list', '@type': SCHEMA_TEXT }, provider: SCHEMA_TEXT },
      id,
      provider: stamp.provider,
      nullifiers: variant.nullifiers,
    }
  }
  // The Ed25519-era IAM wrapped the subject context in an array; its EIP-712 branch does not.
  const context = { hash: SCHEMA_TEXT, provider: SCHEMA_TEXT }
  return { '@context': key.kind === 'ed25519' ? [context] : context, id, provider: stamp.provider, hash: variant.hash }
}

async function signCredential(key: IssuerKey, unsigned: object, variant: SubjectVariant): Promise<StampCredential> {
  const options =
    key.kind === 'ed25519'
      ? JSON.stringify({
          type: 'Ed25519Signature2018',
          proofPurpose: 'assertionMethod',
          verificationMethod: key.verificationMethod,
        })
      : eip712ProofOptions(key, 'nullifiers' in variant ? EIP712_NULLIFIER_TYPES : EIP712_LEGACY_HASH_TYPES)
  try {
    return JSON.parse(
      String(await DIDKit.issueCredential(JSON.stringify(unsigned), options, key.jwk)),
    ) as StampCredential
  } catch (err) {
    // didkit-wasm rejects with a bare string, not an Error.
    throw new Error(`didkit could not sign the credential: ${err instanceof Error ? err.message : String(err)}`)
  }
}

export async function issueStampCredential(key: IssuerKey, stamp: StampToIssue): Promise<StampCredential> {
  if (stamp.subjectId === undefined && !ETH_ADDRESS.test(stamp.address))
    throw new Error(`invalid address ${JSON.stringify(stamp.address)}`)
  if (stamp.provider === '') throw new Error('provider must not be empty')
  const variant = resolveVariant(key, stamp)
  const { issuanceDate, expirationDate } = resolveDates(stamp)
  const unsigned = {
    '@context': key.kind === 'ed25519' ? STAMP_CONTEXTS.slice(0, 1) : STAMP_CONTEXTS,
    type: ['VerifiableCredential'],
    issuer: key.did,
    issuanceDate,
    expirationDate,
    credentialSubject: buildSubject(key, stamp, variant),
  }
  return signCredential(key, unsigned, variant)
}

/** In sequence: didkit-wasm signs on the one JS thread anyway, and order stays the input order. */
export async function issueStampCredentials(
  key: IssuerKey,
  stamps: readonly StampToIssue[],
): Promise<StampCredential[]> {
  const credentials: StampCredential[] = []
  for (const stamp of stamps) credentials.push(await issueStampCredential(key, stamp))
  return credentials
}

// The signature check of scoring §2 step 4g, and a cache of its results. Only the signature:
// issuer, expiry and DID checks depend on settings and on the clock, so the scoring code runs
// them every time and never caches them.
import { createHash } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { withSpan } from './tracing.js'
import { loadDidKit } from './didkit.js'

// Python passes exactly this (scoring §2 step 4g); a proof with another purpose is "No applicable proof".
const PROOF_OPTIONS = JSON.stringify({ proofPurpose: 'assertionMethod' })

/**
 * didkit could not read the credential at all (not JSON, or not shaped like a VC). Python catches
 * the same failure and reports "Error validating credential: <message>" (scoring §2 step 4).
 */
export class CredentialFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CredentialFormatError'
  }
}

interface VerificationResult {
  errors?: unknown
}

/** `errors` of didkit's verifyCredential for this exact JSON text: empty = valid signature. */
export function verifyCredentialJson(credentialJson: string): Promise<string[]> {
  return withSpan('didkit.verifyCredential', {}, () => runDidkit(credentialJson))
}

async function runDidkit(credentialJson: string): Promise<string[]> {
  const { verifyCredential } = await loadDidKit()
  let output: unknown
  try {
    output = await verifyCredential(credentialJson, PROOF_OPTIONS)
  } catch (err) {
    // didkit-wasm rejects with a bare string (a serde message such as "missing field `@context`").
    throw new CredentialFormatError(err instanceof Error ? err.message : String(err))
  }
  const result = JSON.parse(String(output)) as VerificationResult
  return Array.isArray(result.errors) ? result.errors.map(String) : []
}

export function verifyCredentialSignature(credential: unknown): Promise<string[]> {
  return verifyCredentialJson(stringifyCredential(credential))
}

function stringifyCredential(credential: unknown): string {
  // JSON.stringify(undefined) is undefined, not text; didkit gets "null" and reports it as malformed.
  return JSON.stringify(credential) ?? 'null'
}

export interface SignatureVerifier {
  verify(credential: unknown): Promise<string[]>
}

interface SignatureCacheOptions {
  /** Bound on remembered results; the least recently used one goes first. */
  maxEntries: number
  /** The uncached check; tests substitute a counting wrapper. */
  verifyJson?: (credentialJson: string) => Promise<string[]>
}

interface SignatureCache extends SignatureVerifier {
  readonly hits: number
  readonly misses: number
  readonly size: number
  clear(): void
}

/**
 * Remembers signature results by SHA-256 of the exact credential JSON, so re-scoring an unchanged
 * stamp costs a hash instead of an EIP-712 recovery. Any byte of difference is a different key,
 * which is safe: a tampered credential can never hit the entry of the genuine one. `fetch` shares
 * one didkit call between concurrent checks of the same stamp; a rejected check (malformed
 * credential) is forgotten rather than remembered.
 */
export function createSignatureCache(options: SignatureCacheOptions): SignatureCache {
  if (!Number.isSafeInteger(options.maxEntries) || options.maxEntries < 1)
    throw new RangeError(`maxEntries must be a positive integer, got ${options.maxEntries}`)
  const verifyJson = options.verifyJson ?? verifyCredentialJson
  const entries = new LRUCache<string, readonly string[], string>({
    max: options.maxEntries,
    fetchMethod: async (_key, _stale, { context: json }) => Object.freeze([...(await verifyJson(json))]),
    // DIDKit cannot be cancelled: a check whose entry was evicted meanwhile still answers its callers.
    ignoreFetchAbort: true,
  })
  let hits = 0
  let misses = 0

  return {
    get hits() {
      return hits
    },
    get misses() {
      return misses
    },
    get size() {
      return entries.size
    },
    clear() {
      entries.clear()
    },
    async verify(credential) {
      const json = stringifyCredential(credential)
      const key = createHash('sha256').update(json).digest('base64')
      const status: LRUCache.Status<string, readonly string[], string> = {}
      const errors = entries.fetch(key, { context: json, status })
      if (status.fetch === 'miss') misses++
      else hits++
      // Never undefined: the fetch method always returns a list or throws.
      return [...((await errors) ?? [])]
    },
  }
}

// The signature check of scoring §2 step 4g, and a cache of its results. Only the signature:
// issuer, expiry and DID checks depend on settings and on the clock, so the scoring code runs
// them every time and never caches them.
import { createHash } from 'node:crypto'
import * as DIDKit from '@spruceid/didkit-wasm-node'

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
export async function verifyCredentialJson(credentialJson: string): Promise<string[]> {
  let output: unknown
  try {
    output = await DIDKit.verifyCredential(credentialJson, PROOF_OPTIONS)
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

export interface SignatureCacheOptions {
  /** Bound on remembered results; the least recently used one goes first. */
  maxEntries: number
  /** The uncached check; tests substitute a counting wrapper. */
  verifyJson?: (credentialJson: string) => Promise<string[]>
}

export interface SignatureCache extends SignatureVerifier {
  readonly hits: number
  readonly misses: number
  readonly size: number
  clear(): void
}

/**
 * Remembers signature results by SHA-256 of the exact credential JSON, so re-scoring an unchanged
 * stamp costs a hash instead of an EIP-712 recovery. Any byte of difference is a different key,
 * which is safe: a tampered credential can never hit the entry of the genuine one. The promise is
 * cached, so concurrent scorings of the same stamp share one didkit call; a rejected check
 * (malformed credential) is forgotten rather than remembered.
 */
export function createSignatureCache(options: SignatureCacheOptions): SignatureCache {
  if (!Number.isSafeInteger(options.maxEntries) || options.maxEntries < 1)
    throw new RangeError(`maxEntries must be a positive integer, got ${options.maxEntries}`)
  const verifyJson = options.verifyJson ?? verifyCredentialJson
  // A Map iterates in insertion order; re-inserting on every hit makes the first key the least recently used.
  const entries = new Map<string, Promise<readonly string[]>>()
  let hits = 0
  let misses = 0

  function remember(key: string, result: Promise<readonly string[]>): void {
    entries.set(key, result)
    while (entries.size > options.maxEntries) {
      const oldest = entries.keys().next()
      if (oldest.done === true) break
      entries.delete(oldest.value)
    }
  }

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
      const cached = entries.get(key)
      if (cached !== undefined) {
        hits++
        entries.delete(key)
        entries.set(key, cached)
        return [...(await cached)]
      }
      misses++
      const result = verifyJson(json).then((errors) => Object.freeze([...errors]))
      remember(key, result)
      result.catch(() => {
        if (entries.get(key) === result) entries.delete(key)
      })
      return [...(await result)]
    },
  }
}

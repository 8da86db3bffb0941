import { LRUCache } from 'lru-cache'
import type { Credential } from './credentials.js'

/**
 * What scoring needs of a stored stamp after its signature was checked once: the fields the rules
 * read (issuer, expiry, subject) and DIDKit's verdict. Keyed by the cache row's id and row version
 * (`xmin`): a rescore reads two numbers instead of transferring, hashing or parsing every credential
 * again, and any UPDATE of the row — one byte of its JSON or a rewrite of the same JSON — gives
 * another key, so the stamp is checked again. Expiry, issuer and DID checks still run on every
 * rescore — only the signature verdict is reused.
 */
interface StoredStampEntry {
  credential: Credential
  signatureErrors: readonly string[]
}

export type StoredStampCache = LRUCache<string, StoredStampEntry>

/** Counts its lookups, for the metrics' cache hit ratio (docs/observability.md). */
class CountingCache extends LRUCache<string, StoredStampEntry> {
  hits = 0
  misses = 0
  override get(key: string, options?: LRUCache.GetOptions<string, StoredStampEntry, unknown>) {
    const entry = super.get(key, options)
    if (entry === undefined) this.misses++
    else this.hits++
    return entry
  }
}

/** One exact stored JSON: the row and its version (an UPDATE of the row, of any byte, changes it). */
export function storedStampKey(id: number, version: string): string {
  return `${id}:${version}`
}

/** A row just written whose stored JSON text is exactly that of a row it replaced (`InsertedCacheStamp`). */
export interface ReplacedWithSameJson {
  replaced: { id: number; version: string }
  inserted: { id: number; version: string }
}

/**
 * A stamp re-added with the same JSON is a new row (issue 16): its entry is the replaced row's —
 * the same stored text, so the same credential read back and the same JSON verified — moved to the
 * new row version, so the rescore that follows neither reads nor hashes it. Only for rows of a
 * committed write; nothing is carried when the replaced version was not remembered.
 */
export function carryOverStoredStamps(cache: StoredStampCache, rows: readonly ReplacedWithSameJson[]): void {
  for (const { replaced, inserted } of rows) {
    const replacedKey = storedStampKey(replaced.id, replaced.version)
    const entry = cache.peek(replacedKey)
    if (entry === undefined) continue
    cache.set(storedStampKey(inserted.id, inserted.version), entry)
    // The replaced version is soft-deleted: no rescore reads it again.
    cache.delete(replacedKey)
  }
}

/** Bounded by entries; the least recently used one goes first. */
export function createStoredStampCache(maxEntries: number): StoredStampCache {
  return new CountingCache({ max: maxEntries })
}

/** The part of a credential the scoring rules read; the proof and contexts are left behind. */
export function slimCredential(credential: Credential): Credential {
  if (typeof credential !== 'object' || credential === null || Array.isArray(credential)) return credential
  const slim: Credential = {}
  if ('issuer' in credential) slim.issuer = credential.issuer
  if ('expirationDate' in credential) slim.expirationDate = credential.expirationDate
  const subject = credential.credentialSubject
  if ('credentialSubject' in credential) {
    if (typeof subject !== 'object' || subject === null || Array.isArray(subject)) {
      slim.credentialSubject = subject
    } else {
      const slimSubject: NonNullable<Credential['credentialSubject']> = {}
      for (const key of ['id', 'provider', 'hash', 'nullifiers'] as const)
        if (key in subject) slimSubject[key] = subject[key]
      slim.credentialSubject = slimSubject
    }
  }
  return slim
}

import { DomainError } from './errors.js'
import { pyUrlJoin } from './formats/py-urljoin.js'
import { isPlainObject } from './formats/py-values.js'

// endpoints §18: the Passport app's public stampMetadata.json, read through a cache of an hour as
// Python's `fetch_all_stamp_metadata` does. Unlike Python, an expired copy is still served while
// the file cannot be fetched (Python answers 500 then): the metadata changes with app releases,
// and a stale list is better for a partner than an error.

export interface StampMetadataStamp {
  name: string
  description: string
  hash: string
}

export interface StampMetadataPlatform {
  id: string
  /** Resolved against PASSPORT_PUBLIC_URL, as Python's urljoin does. */
  icon: string
  name: string
  description: string
  connectMessage: string
  groups: { name: string; stamps: StampMetadataStamp[] }[]
}

/** What `GET /v2/stamps/{address}?include_metadata=true` attaches to a stamp of this provider. */
export interface ProviderMetadata {
  group: string
  platform: Omit<StampMetadataPlatform, 'groups'>
  name: string
  description: string
  hash: string
}

/** Python caches the file for 60 × 60 s. */
const METADATA_TTL_MS = 3_600_000
/** After a failed refresh the stale copy is served this long before the source is tried again. */
const RETRY_AFTER_FAILURE_MS = 60_000

const FETCH_FAILED = 'Error fetching external stamp metadata'

class InvalidMetadata extends Error {}

function text(value: unknown, what: string): string {
  // pydantic's `str` takes strings only (no number → text coercion).
  if (typeof value !== 'string') throw new InvalidMetadata(`${what} is not a string`)
  return value
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidMetadata(`${what} is not a list`)
  return value
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new InvalidMetadata(`${what} is not an object`)
  return value
}

/** Python's `StampDisplayResponse(**{**platform, "icon": urljoin(base, platform["icon"])})`: one bad platform fails the file. */
function toPlatform(raw: unknown, publicUrl: string): StampMetadataPlatform {
  const platform = record(raw, 'platform')
  if (!('icon' in platform)) throw new InvalidMetadata('platform without icon')
  const icon = platform.icon
  // urljoin returns the base for a falsy url (None, ""), and fails on any other non-text.
  const iconUrl =
    icon === null || icon === '' || icon === false || icon === 0 ? publicUrl : pyUrlJoin(publicUrl, text(icon, 'icon'))
  return {
    id: text(platform.id, 'id'),
    icon: iconUrl,
    name: text(platform.name, 'name'),
    description: text(platform.description, 'description'),
    connectMessage: text(platform.connectMessage, 'connectMessage'),
    groups: list(platform.groups, 'groups').map((rawGroup) => {
      const group = record(rawGroup, 'group')
      return {
        name: text(group.name, 'group name'),
        stamps: list(group.stamps, 'stamps').map((rawStamp) => {
          const stamp = record(rawStamp, 'stamp')
          return {
            name: text(stamp.name, 'stamp name'),
            description: text(stamp.description, 'stamp description'),
            hash: text(stamp.hash, 'stamp hash'),
          }
        }),
      }
    }),
  }
}

/** Python's dict comprehension over platforms, groups and stamps: a later stamp of the same name wins. */
function indexByProvider(platforms: StampMetadataPlatform[]): Map<string, ProviderMetadata> {
  const byProvider = new Map<string, ProviderMetadata>()
  for (const { groups, ...platform } of platforms) {
    for (const group of groups) {
      for (const stamp of group.stamps) {
        byProvider.set(stamp.name, { group: group.name, platform, ...stamp })
      }
    }
  }
  return byProvider
}

interface CachedMetadata {
  platforms: StampMetadataPlatform[]
  byProvider: Map<string, ProviderMetadata>
  fetchedAtMs: number
}

export interface StampMetadataOptions {
  /** PASSPORT_PUBLIC_URL. */
  publicUrl: string
  timeoutMs: number
  /** Reports a failed fetch (the answer is then the stale copy or the 500). */
  onFetchError?: (error: unknown) => void
  nowMs?: () => number
}

/** One per app: the cached file, refreshed at most once at a time. */
export class StampMetadataSource {
  private cached: CachedMetadata | undefined
  private inFlight: Promise<CachedMetadata | undefined> | undefined
  private nextAttemptMs = 0
  private readonly nowMs: () => number

  constructor(private readonly options: StampMetadataOptions) {
    this.nowMs = options.nowMs ?? Date.now
  }

  /** The URL Python reads: urljoin(PASSPORT_PUBLIC_URL, "stampMetadata.json"). */
  get metadataUrl(): string {
    return pyUrlJoin(this.options.publicUrl, 'stampMetadata.json')
  }

  async listPlatforms(): Promise<StampMetadataPlatform[]> {
    const metadata = await this.current()
    if (!metadata) throw new DomainError('internal', FETCH_FAILED)
    return metadata.platforms
  }

  /** null when no stamp has this name; the 500 names the provider when the file was never read. */
  async metadataForProvider(provider: string): Promise<ProviderMetadata | null> {
    const metadata = await this.current()
    if (!metadata) throw new DomainError('internal', `${FETCH_FAILED} for provider ${provider}`)
    return metadata.byProvider.get(provider) ?? null
  }

  private async current(): Promise<CachedMetadata | undefined> {
    const now = this.nowMs()
    const isFresh = this.cached !== undefined && now - this.cached.fetchedAtMs < METADATA_TTL_MS
    if (isFresh || (this.cached !== undefined && now < this.nextAttemptMs)) return this.cached
    this.inFlight ??= this.refresh().finally(() => (this.inFlight = undefined))
    return this.inFlight
  }

  private async refresh(): Promise<CachedMetadata | undefined> {
    try {
      const response = await fetch(this.metadataUrl, { signal: AbortSignal.timeout(this.options.timeoutMs) })
      // requests' raise_for_status: any 4xx or 5xx fails the fetch.
      if (response.status >= 400) throw new Error(`stampMetadata.json answered ${response.status}`)
      const body: unknown = await response.json()
      const platforms = list(body, 'stampMetadata.json').map((raw) => toPlatform(raw, this.options.publicUrl))
      this.cached = { platforms, byProvider: indexByProvider(platforms), fetchedAtMs: this.nowMs() }
    } catch (error) {
      this.nextAttemptMs = this.nowMs() + RETRY_AFTER_FAILURE_MS
      this.options.onFetchError?.(error)
    }
    return this.cached
  }
}

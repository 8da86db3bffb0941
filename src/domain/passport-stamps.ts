import type { Db } from '../db/pool.js'
import { findCacheStampNeighbours, listCacheStampPage, type PageDirection } from '../db/queries/ceramic-cache-pages.js'
import { DomainError, invalidAddress } from './errors.js'
import { normalizeAddress } from './formats/eth-address.js'
import { pyJsonDumps } from './formats/py-json.js'
import { isPlainObject } from './formats/py-values.js'
import type { ProviderMetadata, StampMetadataSource } from './stamp-metadata.js'

// endpoints §19: a partner's view of an address's stamps, newest first, paged with Python's cursor.

export const MAX_STAMP_PAGE = 1000
const INVALID_LIMIT = 'Invalid limit.'
// D17: Python answers a token it cannot decode with a 500; ours is the client's 400.
const INVALID_TOKEN = 'Invalid token.'

const INT8_MIN = -(2n ** 63n)
const INT8_MAX = 2n ** 63n - 1n

export interface StampPageItem {
  version: '1.0.0'
  credential: Record<string, unknown>
  /** Present only when asked for; null for a provider the metadata file does not list. */
  metadata?: ProviderMetadata | null
}

export interface StampPage {
  /** The cursor tokens and limit of the neighbouring pages; the API turns them into Python's URLs. */
  next: { token: string; limit: number } | null
  prev: { token: string; limit: number } | null
  address: string
  items: StampPageItem[]
}

/** Python's encode_cursor: unpadded urlsafe base64 of json.dumps({"d": …, "id": …}) (", " and ": "). */
export function encodeStampCursor(direction: PageDirection, id: number): string {
  return Buffer.from(pyJsonDumps({ d: direction, id }), 'utf8').toString('base64url')
}

// Python int() of text, as Django's IntegerField reads a lookup value: blanks, a sign, underscores.
const PY_INT_TEXT = /^\s*[+-]?\d+(?:_\d+)*\s*$/

/**
 * The cursor id as Django's `id__lt` / `id__gt` lookups take it: an int, int() of text or of a bool,
 * and a float rounded up for `lt` and truncated for `gt` (Django 4.2's IntegerFieldFloatRounding).
 */
function cursorId(value: unknown, direction: PageDirection): bigint {
  if (typeof value === 'boolean') return value ? 1n : 0n
  if (typeof value === 'string' && PY_INT_TEXT.test(value)) return BigInt(value.trim().replace(/_/g, ''))
  if (typeof value === 'number' && Number.isFinite(value)) {
    return BigInt(direction === 'next' ? Math.ceil(value) : Math.trunc(value))
  }
  throw new DomainError('bad_request', INVALID_TOKEN)
}

/** Python's decode_cursor and its reading of `d` and `id`; any other direction is the first page. */
export function decodeStampCursor(token: string): { direction: PageDirection; id: bigint } | undefined {
  if (token === '') return undefined
  let cursor: unknown
  try {
    // Python pads the token back and base64-decodes it; a length of 4k+1 can never be valid base64.
    if (token.length % 4 === 1) throw new Error('base64 text of 4k+1 characters')
    const bytes = Buffer.from(token.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
    cursor = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new DomainError('bad_request', INVALID_TOKEN)
  }
  if (!isPlainObject(cursor)) throw new DomainError('bad_request', INVALID_TOKEN)
  const direction = cursor.d
  if (direction !== 'next' && direction !== 'prev') return undefined
  const id = cursorId(cursor.id, direction)
  // Past PostgreSQL's bigint every id is on one side of the cursor: the nearest bigint says the same.
  return { direction, id: id < INT8_MIN ? INT8_MIN : id > INT8_MAX ? INT8_MAX : id }
}

export interface StampPageRequest {
  address: string
  token: string
  limit: number
  includeMetadata: boolean
}

/** `limit` first, then the address (as Python), then the page and whether pages lie either side of it. */
export async function listPassportStamps(
  db: Db,
  metadata: StampMetadataSource,
  request: StampPageRequest,
): Promise<StampPage> {
  // Python checks only `limit > 1000`; a negative slice is its 500, a 400 here (D17).
  if (request.limit > MAX_STAMP_PAGE || request.limit < 0) throw new DomainError('bad_request', INVALID_LIMIT)
  const address = normalizeAddress(request.address)
  if (address === null) throw invalidAddress()
  const cursor = decodeStampCursor(request.token)
  const rows = await listCacheStampPage(db, address, cursor, request.limit)
  const neighbours =
    rows.length === 0 ? undefined : await findCacheStampNeighbours(db, address, rows.at(-1)!.id, rows[0]!.id)
  const items: StampPageItem[] = []
  for (const row of rows) {
    // pydantic's `credential: dict`: a stored stamp that is not an object is Python's 500 as well.
    if (!isPlainObject(row.stamp)) throw new Error(`ceramic cache row ${row.id} holds a stamp that is not an object`)
    items.push(
      request.includeMetadata
        ? { version: '1.0.0', credential: row.stamp, metadata: await metadata.metadataForProvider(row.provider) }
        : { version: '1.0.0', credential: row.stamp },
    )
  }
  const page = (direction: PageDirection, id: number) => ({
    token: encodeStampCursor(direction, id),
    limit: request.limit,
  })
  return {
    address,
    items,
    next: neighbours?.has_next ? page('next', rows.at(-1)!.id) : null,
    prev: neighbours?.has_prev ? page('prev', rows[0]!.id) : null,
  }
}

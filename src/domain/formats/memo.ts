import { LRUCache } from 'lru-cache'

// A warm rescore converts the same texts and numbers every time: the cache rows' `updated_at`, the
// credentials' expiry dates, the scorer's weights and threshold. The conversions are pure, so their
// results are remembered by input (issue 16). Values are frozen or immutable and shared between
// callers, so one caller cannot change what another gets. A failure is not remembered: the next
// call computes it again and throws the same error.

// Enough for the distinct expiry texts and timestamps of ~1,000 recently scored passports.
export const MEMO_ENTRIES = 16_384

/** `compute`, remembering its last `maxEntries` results by input (least recently used goes first). */
export function memoizeByInput<K extends string | number, V extends object | string>(
  compute: (input: K) => V,
  maxEntries = MEMO_ENTRIES,
): (input: K) => V {
  const remembered = new LRUCache<K, V>({ max: maxEntries })
  return (input) => {
    let value = remembered.get(input)
    if (value === undefined) {
      value = compute(input)
      remembered.set(input, value)
    }
    return value
  }
}

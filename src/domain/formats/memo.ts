import { LRUCache } from 'lru-cache'

// A warm rescore converts the same texts and numbers every time: the cache rows' `updated_at`, the
// credentials' expiry dates, the scorer's weights and threshold. The conversions are pure, so their
// results are remembered by input (issue 16). Values are frozen or immutable and shared between
// callers, so one caller cannot change what another gets. A failure is not remembered: the next
// call computes it again and throws the same error.

// A 10-stamp passport brings ~11 timestamps and 10 expiry texts, so this holds those of the ~550
// passports scored last (the bench rotates 400). A parsed date with its formatted texts takes ~590
// bytes, so a full date memo ~3.6 MB. At 16,384 the two date memos took 18.4 MB once full, and the
// bench's default run, its stamps dated as real ones are, reads more distinct dates than that: its
// peak RSS passed issue 12's 150 MB (154 MB, 2026-12-02).
export const MEMO_ENTRIES = 6_144

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

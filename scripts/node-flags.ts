// How the production server's node process is started: `node <flags> dist/server.js` with the
// environment below, in the Dockerfile (ENV and CMD), in README "Production" and in the bench's
// bundle runtime (test/build/server.test.ts checks that the three agree).
//
// Issue 12 asks for RSS ≤ 150 MB under the bench's load. Left to their defaults, V8 and glibc size
// memory for speed on a machine with memory to spare, and the built server peaked at 199–217 MB
// under `npm run bench -- --quick --runtime bundle` (2026-11-30, 2 cores shared with other work):
//
// - V8's heap was 107–121 MB for ~30 MB of live objects: each of the young generation's two
//   semi-spaces grows to 16 MB, and the old generation is collected only once it has grown to up to
//   4 × what survived the last collection.
// - Outside the heap, glibc kept memory it had freed: once a large block (DIDKit's 9 MB of
//   WebAssembly, read twice while it loads) is freed, glibc raises its mmap threshold to that size,
//   so later blocks of up to 9 MB come from arenas that are rarely given back; and every thread that
//   allocates may get an arena of its own.
//
// With both settings the peak was 122 MB; req/s stayed within 10 % (the write-heavy scenarios
// spend ~10 % more CPU per request in the more frequent collections). bench/README.md, "Memory",
// has the runs.
//
// Any V8 heap flag on node's command line costs every start 10–15 ms: node then rejects the code
// cache of its own built-in modules and compiles them from source. The semi-space bound can only be
// given there (V8 sizes the young generation when the process starts); without it the peak of
// `--quick` was 139 MB instead of 127 (2026-12-01), too close to 150. The old generation's bound is
// read at every collection, so the server sets it itself once warm (src/server.ts).
export const PRODUCTION_NODE_FLAGS = [
  // Semi-spaces of at most 8 MB instead of 16: a young generation of 16 MB instead of 32.
  '--max-semi-space-size=8',
  // ... and of 8 MB from the start, instead of 1 MB doubled as the heap grows: loading the service
  // and its first score collected the young generation 7 times (~9 ms) and promoted more to the old
  // one. The server's CPU to its first score fell by ~20 ms (310 vs 330, 11 interleaved spawns each
  // on a loaded machine; 2 and 4 MB gave the same). The load reaches 8 MB anyway: the peak is unchanged.
  '--min-semi-space-size=8',
] as const

export const PRODUCTION_MALLOC_ENV = {
  // Two malloc arenas shared by all threads instead of up to 8 per core.
  MALLOC_ARENA_MAX: '2',
  // Blocks of 128 kB and more are mapped on their own and given back when freed (a fixed
  // threshold also turns off glibc's raising of it).
  MALLOC_MMAP_THRESHOLD_: '131072',
} as const

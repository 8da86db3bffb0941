// Loading DIDKit (the WebAssembly engine of credential signatures) without paying for it at start
// or on the first score (issue 12: cold start ≤ 300 ms).
import { readFile as readFileWithCallback } from 'node:fs'
import { promisify } from 'node:util'
import { createRequire } from 'node:module'
import { setFlagsFromString } from 'node:v8'
import type * as DidKitModule from '@spruceid/didkit-wasm-node'

export type DidKit = typeof DidKitModule

const DIDKIT_PACKAGE = '@spruceid/didkit-wasm-node'
// DIDKit is CommonJS: require() runs it without the ES-module wrapper and lexer that import()
// puts around a CommonJS file (measured: 60 → 35 ms of main-thread time on its own).
const requireHere = createRequire(import.meta.url)
// node:fs's callback form: node:fs/promises is a built-in of its own, which nothing else of a
// deployment's start loads (with the production node flags each built-in is compiled from source).
const readFile = promisify(readFileWithCallback)

// Node's WebAssembly global: the ES2023 library this project compiles against does not declare it.
const { WebAssembly: wasmEngine } = globalThis as unknown as {
  WebAssembly: { compile(bytes: Uint8Array): Promise<object> }
}

let compiling: Promise<object | undefined> | undefined
let loading: Promise<DidKit> | undefined

/**
 * Compiles DIDKit's 9 MB of WebAssembly (lazily: `compileLazily`) off the main thread, while the
 * process does other things (connecting, listening). DIDKit's own loader compiles the same bytes
 * synchronously with `new WebAssembly.Module`; V8 keeps one compiled module per process for
 * identical bytes (its native module cache), so that call then finds the code ready (~5 ms instead
 * of ~20 ms, and none of the compile on the first score). The promise holds the module, which keeps
 * the cache entry alive. A failure here is ignored: the synchronous compile reports it.
 */
export function startDidKitCompile(): void {
  if (compiling) return
  compileLazily()
  compiling = readFile(requireHere.resolve(`${DIDKIT_PACKAGE}/didkit_wasm_bg.wasm`))
    .then((bytes) => wasmEngine.compile(bytes))
    .catch(() => undefined)
}

/**
 * V8 validates and compiles every function of a WebAssembly module when the module is compiled:
 * 17–22 ms of two cores for DIDKit's 9 MB, of which a verification calls a small part. Lazily, each
 * function is validated and compiled when first called (then tiered up as before when hot): the
 * module compiles in ~6 ms. Set here rather than on node's command line, where any V8 heap or wasm
 * flag makes node reject the code cache of its own built-in modules (+10–15 ms of every start,
 * measured 2026-12-01); set before the first WebAssembly compile, they apply to every module after.
 * An invalid function would now fail at its first call instead of at load: the bytes are DIDKit's
 * published package, and test/domain/didkit.test.ts checks a genuine and a forged stamp.
 */
function compileLazily(): void {
  setFlagsFromString('--wasm-lazy-compilation')
  setFlagsFromString('--wasm-lazy-validation')
}

/**
 * DIDKit, loaded on the first call (by the first verification, or by `prepareDidKit` in the
 * background): a process that never verifies a credential never loads it. Starts the compile, or
 * waits for the one `startDidKitCompile` began, so the load never compiles a second time beside it.
 */
export function loadDidKit(): Promise<DidKit> {
  loading ??= (async () => {
    startDidKitCompile()
    await compiling
    return requireHere(DIDKIT_PACKAGE) as DidKit
  })()
  return loading
}

/**
 * The whole load in the background: compile off the main thread, then DIDKit's own start-up
 * (instantiation, ~10 ms on the main thread) in a task of its own, so a request that comes
 * meanwhile waits at most for that task and finds DIDKit ready. The server calls it once it
 * listens; a failure is left for the first verification to report.
 */
export async function prepareDidKit(): Promise<void> {
  startDidKitCompile()
  await compiling
  await new Promise((resolve) => setImmediate(resolve))
  await loadDidKit().catch(() => undefined)
}

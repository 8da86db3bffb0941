// Applied by `npm install` / `npm ci` (the root package's postinstall). Carries the connection-loss
// guards that postgres.js 3.4.9 lacks upstream (porsager/postgres#1154, #1208, #1192, #1223; fix PRs
// #1168, #1209 unreleased), so that a database crash can neither end the process nor leave a pooled
// connection unable to write again. Idempotent, edit by edit; refuses any other postgres.js version so
// that an upgrade is a conscious step (check whether upstream released the fix, then drop or re-target this file).
import { readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const PATCHED_VERSION = '3.4.9'
const MARKER = '/* passport-scorer-ts: connection-loss guards */'

// Each edit: the exact upstream text and its replacement. `count` is how often the text occurs.
const EDITS = [
  {
    // A small write is flushed from a setImmediate; the socket can close (and be nulled) before it
    // runs. Throwing there escapes every await and ends the process: settle the pending queries
    // with CONNECTION_CLOSED instead, as a close seen on the socket does.
    from: '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)\n',
    to:
      '  function nextWrite(fn) {\n' +
      `    ${MARKER}\n` +
      '    if (!socket) {\n' +
      '      chunk = nextWriteTimer = null\n' +
      "      error(Errors.connection('CONNECTION_CLOSED', options))\n" +
      '      return false\n' +
      '    }\n' +
      '    const x = socket.write(chunk, fn)\n',
    count: 1,
  },
  {
    // terminate() and closed() cancel the scheduled flush but kept the timer id and the buffered
    // bytes: `write` then never schedules a flush again, and a reconnect would send the stale bytes
    // before its startup message. Forget both.
    from: '    clearImmediate(nextWriteTimer)\n',
    to: '    clearImmediate(nextWriteTimer)\n    nextWriteTimer = null\n    chunk = null\n',
    count: 2,
  },
  {
    // After a socket error, the pool still holds the connection until its 'close' event: a query
    // issued in between (a retry in the caller's catch) is queued on the dying socket, and a close
    // with an error settled only the queries that were already rejected by the error — the new one
    // waited forever. Settle whatever is still queued on every close.
    from: "    !hadError && (query || sent.length) && error(Errors.connection('CONNECTION_CLOSED', options, socket))\n",
    to: "    ;(query || sent.length) && error(Errors.connection('CONNECTION_CLOSED', options, socket))\n",
    count: 1,
  },
  {
    // A new connection first reads pg_type (array types) and drops that read's promise: a reset
    // during it was an unhandled rejection that ended the process (porsager/postgres#1192,
    // #1223). The failure already reaches the queries the connection was opened for, through the
    // connection's error path; the dropped promise only has to be caught.
    from: '        return fetchArrayTypes()\n',
    to: '        return fetchArrayTypes().catch(() => undefined)\n',
    count: 1,
  },
]

// The package's exports map hides package.json: resolve its CommonJS entry and walk up to it.
async function findPackage(name) {
  let dir = dirname(createRequire(import.meta.url).resolve(name))
  for (;;) {
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8').catch(() => '{}'))
    if (manifest.name === name) return { dir, version: manifest.version }
    if (dirname(dir) === dir) throw new Error(`no package.json of ${name} above its entry point`)
    dir = dirname(dir)
  }
}

const { dir: packageDir, version } = await findPackage('postgres')
if (version !== PATCHED_VERSION) {
  console.error(
    `patches/postgres-js.mjs: postgres.js ${version} is installed, the guards were written for ${PATCHED_VERSION}.`,
  )
  console.error(
    'Check whether the upstream fix (porsager/postgres#1209) is released, then update or remove this patch.',
  )
  process.exit(1)
}

// The pool keeps its connections in queues it does not expose; the metrics (src/db/pool.ts
// `poolUsage`) read their lengths through one added function. Not a guard: no upstream fix to wait for.
const INDEX_EDITS = [
  {
    from: '    options,\n    reserve,\n',
    to:
      '    options,\n' +
      '    /* passport-scorer-ts: pool usage */ usage: () => ({ max: options.max, idle: open.length, busy: busy.length + full.length,\n' +
      '      reserved: reserved.length, connecting: connecting.length, unopened: closed.length, waiting: queries.length }),\n' +
      '    reserve,\n',
    count: 1,
  },
]

const FILES = [
  ...['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js'].map((file) => [file, EDITS]),
  ...['src/index.js', 'cjs/src/index.js', 'cf/src/index.js'].map((file) => [file, INDEX_EDITS]),
]

for (const [file, edits] of FILES) {
  const path = join(packageDir, file)
  let text = await readFile(path, 'utf8')
  for (const edit of edits) {
    // Applied already (a re-run, or an install patched by an earlier version of this file).
    if (text.includes(edit.to)) continue
    const found = text.split(edit.from).length - 1
    if (found !== edit.count) {
      console.error(
        `patches/postgres-js.mjs: expected ${edit.count} × ${JSON.stringify(edit.from)} in ${file}, found ${found}`,
      )
      process.exit(1)
    }
    text = text.split(edit.from).join(edit.to)
  }
  await writeFile(path, text)
}

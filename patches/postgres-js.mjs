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
  {
    // Not a guard: a speed edit (issue 16). Queries written in one turn of the event loop are sent
    // in one socket write at the end of the turn, unless they reach 1024 bytes first: then at once,
    // and the rest of the turn's queries in another write. A pipelined transaction (BEGIN, a few
    // statements, COMMIT) is ~2 kB, so it took two or three writes where one does — and on loopback a
    // write costs the sender the receiver's wake-up too (a third of the service's CPU on a warm
    // rescore went to them). 64 kB still bounds what one turn buffers.
    from: '    if (fn || chunk.length >= 1024)\n',
    to: '    if (fn || chunk.length >= 65536)\n',
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
// The reserve() guards below are guards (src/db/pipeline.ts reserves a connection per round trip).
const INDEX_EDITS = [
  {
    // A reserved connection can close while reserved (crash, cut). Upstream, releasing it then put a
    // closed connection — or one the pool had meanwhile reconnected for another query — into the idle
    // queue, and a query sent on it moved it into the busy queue where nothing reconnects it: the pool
    // lost a connection at each fault. Now a reservation ends at the connection's close: its queries
    // are refused with CONNECTION_CLOSED and its release does nothing.
    from:
      '    move(c, reserved)\n' +
      '    c.reserved = () => queue.length\n' +
      '      ? c.execute(queue.shift())\n' +
      '      : move(c, reserved)\n' +
      '    c.reserved.release = true\n' +
      '\n' +
      '    const sql = Sql(handler)\n' +
      '    sql.release = () => {\n' +
      '      c.reserved = null\n' +
      '      onopen(c)\n' +
      '    }\n' +
      '\n' +
      '    return sql\n' +
      '\n' +
      '    function handler(q) {\n' +
      '      c.queue === full\n',
    to:
      '    move(c, reserved)\n' +
      '    const reservation = c.reserved = () => queue.length\n' +
      '      ? c.execute(queue.shift())\n' +
      '      : move(c, reserved)\n' +
      '    c.reserved.release = true\n' +
      '    /* passport-scorer-ts: reservation ends at close */\n' +
      '    reservation.abandon = e => { while (queue.length) queue.shift().reject(e) }\n' +
      '\n' +
      '    const sql = Sql(handler)\n' +
      '    sql.release = () => {\n' +
      '      if (c.reserved !== reservation)\n' +
      '        return\n' +
      '      c.reserved = null\n' +
      '      onopen(c)\n' +
      '    }\n' +
      '\n' +
      '    return sql\n' +
      '\n' +
      '    function handler(q) {\n' +
      '      if (c.reserved !== reservation)\n' +
      "        return q.reject(Errors.connection('CONNECTION_CLOSED', options))\n" +
      '      c.queue === full\n',
    count: 1,
  },
  {
    // The same for a transaction (sql.begin): after its connection closed, the pool reconnects that
    // connection for other queries while the transaction's callback may still be running. Upstream,
    // its next statements then ran on the reconnected connection — outside any transaction, so
    // autocommitted, or inside another request's transaction. Now they are refused.
    from: '    let savepoints = 0\n      , connection\n      , prepare = null\n',
    to: '    let savepoints = 0\n      , connection\n      , prepare = null\n      , reservation = null\n',
    count: 1,
  },
  {
    from:
      '      function handler(q) {\n' +
      '        q.catch(e => uncaughtError || (uncaughtError = e))\n' +
      '        c.queue === full\n',
    to:
      '      function handler(q) {\n' +
      '        q.catch(e => uncaughtError || (uncaughtError = e))\n' +
      '        /* passport-scorer-ts: transaction ends at close */\n' +
      '        if (c.reserved !== reservation)\n' +
      "          return q.reject(Errors.connection('CONNECTION_CLOSED', options))\n" +
      '        c.queue === full\n',
    count: 1,
  },
  {
    from:
      '      move(c, reserved)\n' +
      '      c.reserved = () => queries.length\n' +
      '        ? c.execute(queries.shift())\n' +
      '        : move(c, reserved)\n' +
      '    }\n',
    to:
      '      move(c, reserved)\n' +
      '      reservation = c.reserved = () => queries.length\n' +
      '        ? c.execute(queries.shift())\n' +
      '        : move(c, reserved)\n' +
      '      reservation.abandon = e => { while (queries.length) queries.shift().reject(e) }\n' +
      '    }\n',
    count: 1,
  },
  {
    // ... and the queries waiting behind a full pipeline of a reservation or transaction are settled
    // at the close.
    from: '    move(c, closed)\n    c.reserved = null\n',
    to: '    move(c, closed)\n    c.reserved && c.reserved.abandon && c.reserved.abandon(e)\n    c.reserved = null\n',
    count: 1,
  },
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

// Query#cancel() sends a CancelRequest over a new connection and dropped that promise: with the server
// down, the refused connection was an unhandled rejection that ended the process. Caught here (the
// cancelled query itself still settles through its connection).
const QUERY_EDITS = [
  {
    from: '    return this.canceller && (this.canceller(this), this.canceller = null)\n',
    to:
      '    /* passport-scorer-ts: cancel request caught */\n' +
      '    const canceller = this.canceller\n' +
      '    this.canceller = null\n' +
      '    return canceller ? canceller(this).catch(() => undefined) : undefined\n',
    count: 1,
  },
  {
    // Not a guard: a GC edit (issue 16). Each query had its own `resolve`/`reject` arrow functions.
    // With them, V8's young-generation collections kept every settled query, its result rows and
    // what its caller held alive until the next full collection (a full collection finds them
    // dead: most likely the connection's call sites remember the last closures they called, and
    // young collections treat that memory as strong). ~20 % of what a warm rescore allocates went
    // to the old generation and a full collection ran every ~300 requests. As methods over the
    // executor's functions they die young (test/db/driver-gc.test.ts: 23 % → 1.6 % moved).
    from:
      '    this.resolve = x => (this.active = false, resolve(x))\n' +
      '    this.reject = x => (this.active = false, reject(x))\n',
    to:
      '    /* passport-scorer-ts: settled by methods */\n' +
      '    this.settleResolve = resolve\n' +
      '    this.settleReject = reject\n',
    count: 1,
  },
  {
    from: '  get origin() {\n',
    to:
      '  /* passport-scorer-ts: settle methods */\n' +
      '  resolve(x) {\n' +
      '    this.active = false\n' +
      '    this.settleResolve(x)\n' +
      '  }\n' +
      '\n' +
      '  reject(x) {\n' +
      '    this.active = false\n' +
      '    this.settleReject(x)\n' +
      '  }\n' +
      '\n' +
      '  get origin() {\n',
    count: 1,
  },
]

// Not a guard: a speed edit (issue 16). Every statement's result array defined its five fields with
// Object.defineProperties (a dictionary-mode property per field on an Array): ~1.1 us each, about
// ten per warm rescore. Accessors on the class over private fields are not own properties either
// (so a result still equals a plain array of its rows) and cost ~0.25 us.
const RESULT_EDITS = [
  {
    from:
      '  constructor() {\n' +
      '    super()\n' +
      '    Object.defineProperties(this, {\n' +
      '      count: { value: null, writable: true },\n' +
      '      state: { value: null, writable: true },\n' +
      '      command: { value: null, writable: true },\n' +
      '      columns: { value: null, writable: true },\n' +
      '      statement: { value: null, writable: true }\n' +
      '    })\n' +
      '  }\n',
    to:
      '  /* passport-scorer-ts: result fields without defineProperties */\n' +
      '  #count = null\n' +
      '  #state = null\n' +
      '  #command = null\n' +
      '  #columns = null\n' +
      '  #statement = null\n' +
      '  get count() { return this.#count }\n' +
      '  set count(x) { this.#count = x }\n' +
      '  get state() { return this.#state }\n' +
      '  set state(x) { this.#state = x }\n' +
      '  get command() { return this.#command }\n' +
      '  set command(x) { this.#command = x }\n' +
      '  get columns() { return this.#columns }\n' +
      '  set columns(x) { this.#columns = x }\n' +
      '  get statement() { return this.#statement }\n' +
      '  set statement(x) { this.#statement = x }\n',
    count: 1,
  },
]

// Not a guard: a leak (issue 16). The pool keeps its connections in these queues. `shift` leaves an
// empty slot behind and frees the array only once the queue is empty, which the idle queue never is
// while some connections stay idle: every reservation added a slot for good. `remove` (called each time
// a connection changes queue) then scanned all those slots. Measured on a pool of 5: a reserve/release
// took 22 µs at first and 152 µs after 300,000 of them, and the array grew by 8 bytes a reservation.
// Now `remove` searches only the live part and `shift` drops the dead part once it is half the array.
const QUEUE_EDITS = [
  {
    from:
      '    remove: (x) => {\n' +
      '      const index = xs.indexOf(x)\n' +
      '      return index === -1\n' +
      '        ? null\n' +
      '        : (xs.splice(index, 1), x)\n' +
      '    },\n',
    to:
      '    /* passport-scorer-ts: queue without dead slots */\n' +
      '    remove: (x) => {\n' +
      '      const at = xs.indexOf(x, index)\n' +
      '      return at === -1\n' +
      '        ? null\n' +
      '        : (xs.splice(at, 1), x)\n' +
      '    },\n',
    count: 1,
  },
  {
    from: '      if (index === xs.length) {\n' + '        index = 0\n' + '        xs = []\n' + '      } else {\n',
    to:
      '      if (index === xs.length) {\n' +
      '        index = 0\n' +
      '        xs = []\n' +
      '      } else if (index >= 64 && index * 2 >= xs.length) {\n' +
      '        xs = xs.slice(index)\n' +
      '        index = 0\n' +
      '      } else {\n',
    count: 1,
  },
]

// Not a guard: a speed edit (issue 16). A tagged query's text was concatenated again at every call,
// and its prepared-statement key (`types + text`, several kB for the score's statement) built and
// hashed again too: ~14 kB of strings per warm rescore. When every argument is a value or a fragment
// of such a template (no helper, identifier or unsafe fragment), the text is fixed by the call
// sites' strings — `$1`, `$2`, … in order — so it is remembered per template (and per template of
// each fragment in it), and its key per parameter-type list. The parameters are still read from
// each call.
const TYPES_EDITS = [
  {
    from:
      '  for (let i = 1; i < q.strings.length; i++) {\n' +
      '    string += (stringifyValue(string, value, parameters, types, options)) + q.strings[i]\n' +
      '    value = q.args[i]\n' +
      '  }\n' +
      '\n' +
      '  return string\n' +
      '}\n',
    to:
      '  /* passport-scorer-ts: statement text per call site */\n' +
      '  const rememberable = q.tagged && types.length === 0 && isRememberable(q.args)\n' +
      '  const remembered = rememberable && findRemembered(q)\n' +
      '  if (remembered) {\n' +
      '    pushParameters(q.args, parameters, types, options)\n' +
      '    q.remembered = remembered\n' +
      '    return remembered.text\n' +
      '  }\n' +
      '\n' +
      '  for (let i = 1; i < q.strings.length; i++) {\n' +
      '    string += (stringifyValue(string, value, parameters, types, options)) + q.strings[i]\n' +
      '    value = q.args[i]\n' +
      '  }\n' +
      '\n' +
      '  rememberable && remember(q, string)\n' +
      '  return string\n' +
      '}\n' +
      '\n' +
      '// A template whose arguments are values, or fragments of such templates, always gives the same\n' +
      '// text ($1, $2, … in order): remembered per call site and per call site of each fragment in it.\n' +
      'const rememberedTexts = new WeakMap()\n' +
      '\n' +
      'function isRememberable(args) {\n' +
      '  for (const x of args) {\n' +
      '    if (x instanceof Query ? !(x.tagged && isRememberable(x.args)) : x instanceof Builder || x instanceof Identifier || (x && x[0] instanceof Query))\n' +
      '      return false\n' +
      '  }\n' +
      '  return true\n' +
      '}\n' +
      '\n' +
      'function shapeOf(args) {\n' +
      '  return args.map(x => x instanceof Query ? { strings: x.strings, shape: shapeOf(x.args) } : null)\n' +
      '}\n' +
      '\n' +
      'function sameShape(args, shape) {\n' +
      '  for (let i = 0; i < args.length; i++) {\n' +
      '    const x = args[i]\n' +
      '        , s = shape[i]\n' +
      '    if (x instanceof Query ? !(s && s.strings === x.strings && sameShape(x.args, s.shape)) : s)\n' +
      '      return false\n' +
      '  }\n' +
      '  return true\n' +
      '}\n' +
      '\n' +
      'function findRemembered(q) {\n' +
      '  const entries = rememberedTexts.get(q.strings)\n' +
      '  if (entries) {\n' +
      '    for (const entry of entries) {\n' +
      '      if (sameShape(q.args, entry.shape))\n' +
      '        return entry\n' +
      '    }\n' +
      '  }\n' +
      '}\n' +
      '\n' +
      'function remember(q, text) {\n' +
      '  const entries = rememberedTexts.get(q.strings) || []\n' +
      '  entries.length < 8 && entries.push({ shape: shapeOf(q.args), text, signatures: new Map() })\n' +
      '  rememberedTexts.set(q.strings, entries)\n' +
      '}\n' +
      '\n' +
      '// The parameters in the order the text numbers them: depth first, left to right, as stringify.\n' +
      'function pushParameters(args, parameters, types, options) {\n' +
      '  for (const x of args) {\n' +
      '    x instanceof Query\n' +
      '      ? (x.fragment = true, pushParameters(x.args, parameters, types, options))\n' +
      '      : handleValue(x, parameters, types, options)\n' +
      '  }\n' +
      '}\n',
    count: 1,
  },
]

const SIGNATURE_EDITS = [
  {
    from: '    q.signature = q.prepare && types + string\n',
    to:
      '    /* passport-scorer-ts: statement key per call site */\n' +
      '    q.signature = q.prepare && (q.remembered ? rememberedSignature(q.remembered, types, string) : types + string)\n',
    count: 1,
  },
  {
    from: '  function build(q) {\n',
    to:
      '  function rememberedSignature(remembered, types, string) {\n' +
      "    const key = types + ''\n" +
      '    let signature = remembered.signatures.get(key)\n' +
      '    signature === undefined && remembered.signatures.set(key, signature = key + string)\n' +
      '    return signature\n' +
      '  }\n' +
      '\n' +
      '  function build(q) {\n',
    count: 1,
  },
]

// Not a guard: a speed edit (issue 16). Every statement ends with its own Sync upstream, and
// PostgreSQL flushes its answer at every Sync: a round trip of five pipelined statements came back in
// five socket writes, each a wake-up and a read for this process. A reserved connection whose
// `oneSyncPerWrite` is set (src/db/pool.ts `sendWithOneSync`) sends the statements written in one
// loop turn as one group: Bind/Execute each, one Sync after the last. Each statement is settled at its
// CommandComplete (or EmptyQueryResponse); the group's Sync is a placeholder in `sent`, settled by the
// ReadyForQuery. A flush always ends the open group, so its Sync is in the same write. After a
// failure PostgreSQL skips the rest of the group up to the Sync: those statements are rejected with the
// same error (they did not run). Statements that must wait for an answer (never prepared with
// parameters: Parse/Describe first; cursors; simple queries) close the open group before they are
// written and run as upstream. No retry of a stale prepared statement inside a group (the skipped
// statements would have to be resent behind it): its cached statement is forgotten, the error is
// marked `staleInGroup` and reaches the caller, which may send the group again without grouping
// (src/db/pipeline.ts).
const ONE_SYNC_EDITS = [
  {
    // An empty statement is answered EmptyQueryResponse instead of CommandComplete.
    from: '  function EmptyQueryResponse() {\n    /* noop */\n  }\n',
    to: '  function EmptyQueryResponse() {\n    query && query.group && settleGroupMember()\n  }\n',
    count: 1,
  },
  {
    from: '    , ExecuteUnnamed = Buffer.concat([b().E().str(b.N).i32(0).end(), Sync])\n',
    to:
      '    , ExecuteUnnamed = Buffer.concat([b().E().str(b.N).i32(0).end(), Sync])\n' +
      '    /* passport-scorer-ts: one Sync per write */\n' +
      '    , ExecuteInGroup = b().E().str(b.N).i32(0).end()\n',
    count: 1,
  },
  {
    from: '    , query = null\n',
    to: '    , query = null\n    , openGroup = null\n',
    count: 1,
  },
  {
    from: '      build(q)\n      return write(toBuffer(q))\n',
    to:
      '      build(q)\n' +
      '      q.oneSyncPerWrite && !q.options.simple && !q.cursorFn && !q.describeFirst\n' +
      "        ? q.group = openGroup || (openGroup = { resolve: noop, reject: noop, options: {}, origin: '' })\n" +
      '        : openGroup && closeGroupBefore(q)\n' +
      '      return write(toBuffer(q))\n',
    count: 1,
  },
  {
    from: "        ? Execute('', q.cursorRows)\n        : ExecuteUnnamed\n",
    to: "        ? Execute('', q.cursorRows)\n        : q.group ? ExecuteInGroup : ExecuteUnnamed\n",
    count: 1,
  },
  {
    from: '  function prepared(q) {\n',
    to:
      '  function endGroupAndWrite(fn) {\n' +
      '    if (openGroup) {\n' +
      '      sent.push(openGroup)\n' +
      '      openGroup = null\n' +
      '      chunk = chunk ? Buffer.concat([chunk, Sync]) : Sync\n' +
      '    }\n' +
      '    return nextWrite(fn)\n' +
      '  }\n' +
      '\n' +
      '  function settleGroupMember() {\n' +
      "    // Its Sync is further on: the next statement's answer follows at once.\n" +
      '    query.resolve(result)\n' +
      '    result = new Result()\n' +
      '    query = sent.shift()\n' +
      '    query.active = true\n' +
      '  }\n' +
      '\n' +
      '  function closeGroupBefore(q) {\n' +
      "    // q was queued last; the open group's Sync goes on the wire, and in `sent`, before it.\n" +
      '    const group = openGroup\n' +
      '    openGroup = null\n' +
      '    sent.remove(q)\n' +
      '    sent.push(group)\n' +
      '    sent.push(q)\n' +
      '    write(Sync)\n' +
      '  }\n' +
      '\n' +
      '  function prepared(q) {\n',
    count: 1,
  },
  {
    // Every flush ends the open group: its Sync goes last in the write.
    from: '      return nextWrite(fn)\n    nextWriteTimer === null && (nextWriteTimer = setImmediate(nextWrite))\n',
    to:
      '      return endGroupAndWrite(fn)\n' +
      '    nextWriteTimer === null && (nextWriteTimer = setImmediate(endGroupAndWrite))\n',
    count: 1,
  },
  {
    from: '    clearImmediate(nextWriteTimer)\n    nextWriteTimer = null\n    chunk = null\n',
    to: '    clearImmediate(nextWriteTimer)\n    nextWriteTimer = null\n    chunk = null\n    openGroup = null\n',
    count: 2,
  },
  {
    from: '  function ReadyForQuery(x) {\n    if (query) {\n      if (errorResponse) {\n',
    to:
      '  function ReadyForQuery(x) {\n' +
      '    if (query) {\n' +
      '      if (errorResponse && query.group) {\n' +
      '        query.prepared && retryRoutines.has(errorResponse.routine) && (\n' +
      '          delete statements[query.signature],\n' +
      '          errorResponse.staleInGroup = true\n' +
      '        )\n' +
      '        errored(errorResponse)\n' +
      '        for (let next = sent.shift(); next && next !== query.group; next = sent.shift())\n' +
      '          queryError(next, errorResponse)\n' +
      '      } else if (errorResponse) {\n',
    count: 1,
  },
  {
    from: '    if (query.options.simple)\n      return BindComplete()\n',
    to:
      '    if (query.options.simple)\n' +
      '      return BindComplete()\n' +
      '\n' +
      '    if (query.group)\n' +
      '      return settleGroupMember()\n',
    count: 1,
  },
]

// The reserved connection's `oneSyncPerWrite` marks each query it sends (see ONE_SYNC_EDITS).
const ONE_SYNC_INDEX_EDITS = [
  {
    // Queries that wait behind a full pipeline (`queue`) are sent later, one per answer: not grouped.
    from: '        ? queue.push(q)\n        : c.execute(q) || move(c, full)\n    }\n  }\n\n  async function begin(',
    to:
      '        ? queue.push(q)\n' +
      '        : (q.oneSyncPerWrite = sql.oneSyncPerWrite === true, c.execute(q)) || move(c, full)\n' +
      '    }\n' +
      '  }\n' +
      '\n' +
      '  async function begin(',
    count: 1,
  },
]

const FILES = [
  ...['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js'].map((file) => [
    file,
    [...EDITS, ...SIGNATURE_EDITS, ...ONE_SYNC_EDITS],
  ]),
  ...['src/index.js', 'cjs/src/index.js', 'cf/src/index.js'].map((file) => [
    file,
    [...INDEX_EDITS, ...ONE_SYNC_INDEX_EDITS],
  ]),
  ...['src/query.js', 'cjs/src/query.js', 'cf/src/query.js'].map((file) => [file, QUERY_EDITS]),
  ...['src/result.js', 'cjs/src/result.js', 'cf/src/result.js'].map((file) => [file, RESULT_EDITS]),
  ...['src/queue.js', 'cjs/src/queue.js', 'cf/src/queue.js'].map((file) => [file, QUEUE_EDITS]),
  ...['src/types.js', 'cjs/src/types.js', 'cf/src/types.js'].map((file) => [file, TYPES_EDITS]),
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

import { connect } from 'node:net'

// Raw HTTP/1.1 over a TCP socket, for what `inject` cannot send: bytes Node's parser refuses.

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
  /** The server closed the connection after answering. */
  closed: boolean
}

/** The body of a chunked message, or undefined until its last chunk has arrived. */
function dechunk(text: string): string | undefined {
  let body = ''
  let at = 0
  for (;;) {
    const lineEnd = text.indexOf('\r\n', at)
    if (lineEnd === -1) return undefined
    const size = parseInt(text.slice(at, lineEnd), 16)
    if (size === 0) return body
    if (text.length < lineEnd + 2 + size + 2) return undefined
    body += text.slice(lineEnd + 2, lineEnd + 2 + size)
    at = lineEnd + 2 + size + 2
  }
}

function parseResponse(text: string, closed: boolean): RawResponse | undefined {
  const end = text.indexOf('\r\n\r\n')
  if (end === -1) return undefined
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n')
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1])
  // An interim 1xx (100 Continue) precedes the real answer.
  if (status >= 100 && status < 200) return parseResponse(text.slice(end + 4), closed)
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  )
  const rest = text.slice(end + 4)
  let body: string | undefined
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(rest)
  else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length'])
    body = Buffer.byteLength(rest, 'latin1') < length ? undefined : rest.slice(0, length)
  } else body = closed ? rest : undefined
  return body === undefined ? undefined : { status, headers, body, closed }
}

/**
 * Sends `bytes` and reads one response; resolves once it is complete, or with `untilClosed` once the
 * server has also closed the connection.
 */
export function sendRaw(
  port: number,
  bytes: string | Buffer,
  { untilClosed = false, timeoutMs = 3000 } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    let settled = false
    const finish = (closed: boolean): void => {
      const response = parseResponse(received, closed)
      if (settled || (!closed && (!response || untilClosed))) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      if (response) resolve(response)
      else reject(new Error(`connection closed without a response: ${JSON.stringify(received.slice(0, 200))}`))
    }
    const timer = setTimeout(() => {
      settled = true
      socket.destroy()
      reject(new Error(`no complete response within ${timeoutMs} ms: ${JSON.stringify(received.slice(0, 200))}`))
    }, timeoutMs)
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1')
      finish(false)
    })
    socket.on('close', () => finish(true))
    socket.on('error', () => finish(true))
    socket.write(bytes)
  })
}

const request = (head: string, body = ''): string => `${head}\r\n\r\n${body}`

/** Requests Node's HTTP parser or Fastify's router refuse, each named. */
export const MALFORMED_REQUESTS: { name: string; bytes: string }[] = [
  { name: 'NUL in a header value', bytes: request('GET /health/ HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b') },
  { name: 'NUL in the request target', bytes: request('GET /health/\u0000 HTTP/1.1\r\nHost: x') },
  { name: 'CR inside a header value', bytes: request('GET /health/ HTTP/1.1\r\nHost: x\r\nX-A: a\rb') },
  { name: 'header without a colon', bytes: request('GET /health/ HTTP/1.1\r\nHost: x\r\nbroken') },
  { name: 'space before the colon', bytes: request('GET /health/ HTTP/1.1\r\nHost : x') },
  {
    name: 'Content-Length with Transfer-Encoding',
    bytes: request(
      'POST /internal/check-bans HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked',
      '0\r\n\r\n',
    ),
  },
  {
    name: 'two different Content-Lengths',
    bytes: request('POST /internal/check-bans HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3', '[]'),
  },
  {
    name: 'bad chunk size',
    bytes: request(
      'POST /internal/check-bans HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json',
      'zz\r\n[]\r\n0\r\n\r\n',
    ),
  },
  {
    name: 'chunk longer than declared',
    bytes: request(
      'POST /internal/check-bans HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json',
      '1\r\n[]\r\n0\r\n\r\n',
    ),
  },
  {
    name: 'unknown transfer coding',
    bytes: request(
      'POST /internal/check-bans HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked, zork',
      '0\r\n\r\n',
    ),
  },
  {
    name: 'negative Content-Length',
    bytes: request('POST /internal/check-bans HTTP/1.1\r\nHost: x\r\nContent-Length: -1'),
  },
  { name: 'headers over 16 KiB', bytes: request(`GET /health/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}`) },
  { name: 'request line over 16 KiB', bytes: request(`GET /health/?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x`) },
  { name: 'unknown method token', bytes: request('BREW /health/ HTTP/1.1\r\nHost: x') },
  { name: 'lower-case method', bytes: request('get /health/ HTTP/1.1\r\nHost: x') },
  { name: 'HTTP/9.9', bytes: request('GET /health/ HTTP/9.9\r\nHost: x') },
  {
    name: 'garbage instead of a request',
    bytes: '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n',
  },
  { name: 'obsolete line folding', bytes: request('GET /health/ HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b') },
  {
    name: 'bad percent-encoding in the path',
    bytes: request('GET /internal/customization/credential/%zz HTTP/1.1\r\nHost: x\r\nConnection: close'),
  },
  {
    name: 'truncated percent-encoding',
    bytes: request('GET /internal/allow-list/a%/b HTTP/1.1\r\nHost: x\r\nConnection: close'),
  },
  {
    name: 'path segment over the cap',
    bytes: request(`GET /internal/allow-list/${'a'.repeat(1200)}/b HTTP/1.1\r\nHost: x\r\nConnection: close`),
  },
  { name: 'absolute-form target', bytes: request('GET http://x/health/ HTTP/1.1\r\nHost: x\r\nConnection: close') },
  { name: 'asterisk-form target', bytes: request('OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close') },
  {
    name: 'Upgrade to websocket',
    bytes: request('GET /health/ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket'),
  },
  {
    name: 'Upgrade on an unknown path',
    bytes: request('GET /nope HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c'),
  },
  { name: 'CONNECT', bytes: request('CONNECT x:443 HTTP/1.1\r\nHost: x:443') },
  {
    name: 'Expect: 100-continue without a body',
    bytes: request(
      'POST /internal/check-bans HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 0\r\nConnection: close',
    ),
  },
  {
    name: 'Expect with an unknown expectation',
    bytes: request(
      'POST /internal/check-bans HTTP/1.1\r\nHost: x\r\nExpect: fly\r\nContent-Length: 0\r\nConnection: close',
    ),
  },
]

import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

// Errors raised before a request reaches a route: the HTTP parser's (no request exists yet, only a
// socket) and the router's (the URL cannot be matched at all). src/api/errors.ts maps everything
// that happens once a route, or the not-found handler, has the request. D24: all of them answer in
// the `{"detail": …}` envelope, never Fastify's `{"error", "code", "message"}` shapes.

/**
 * The router refuses longer path segments. Fastify's default (100) cut a long list name or provider
 * id off with a 414 before the route could answer its own 404; addresses are 42 characters, and
 * api-key analytics store the whole path in varchar(1000), so nothing longer is meaningful.
 */
export const MAX_PATH_SEGMENT_LENGTH = 1000

function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_BAD_URL') {
    void reply.code(400).send({ detail: 'Invalid percent-encoding in the URL path' })
  } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.code(414).send({ detail: `A path segment is longer than ${MAX_PATH_SEGMENT_LENGTH} characters` })
  } else {
    void reply.code(400).send({ detail: 'Bad Request' })
  }
}

interface ParserError extends Error {
  code?: string
  /** llhttp's fixed description, e.g. "Invalid header value char". */
  reason?: string
}

function describeParserError(error: ParserError): { status: number; detail: string } {
  if (error.code === 'HPE_HEADER_OVERFLOW') return { status: 431, detail: 'Request Header Fields Too Large' }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, detail: 'Request Timeout' }
  return {
    status: 400,
    detail: typeof error.reason === 'string' ? `Malformed HTTP request: ${error.reason}` : 'Malformed HTTP request',
  }
}

/**
 * Node's `clientError`: the bytes on the socket are not an HTTP/1.1 request Node will parse (NUL or
 * CR in a header, bad chunking, Content-Length with Transfer-Encoding, headers over 16 KiB). The
 * answer is written on the raw socket and the connection is closed, since the rest of its byte
 * stream cannot be trusted.
 */
function clientErrorHandler(this: FastifyInstance, error: ParserError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  this.log.debug({ err: error }, 'malformed HTTP request')
  // As Node's own handler: never write into a response that has already started on this socket.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy()
    return
  }
  const { status, detail } = describeParserError(error)
  writeAndClose(socket, status, detail)
}

function writeAndClose(socket: Socket, status: number, detail: string): void {
  const body = JSON.stringify({ detail })
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
  ].join('\r\n')
  socket.end(`${head}\r\n\r\n${body}`, () => socket.destroy())
}

/** Fastify constructor options (src/app.ts). */
export const transportErrorOptions = { frameworkErrors, clientErrorHandler }

/**
 * Requests Node answers itself, bypassing Fastify: CONNECT (no listener: the socket is dropped
 * without a word) and an `Expect` other than 100-continue (an empty 417). Both answer the envelope.
 */
export function installTransportListeners(app: FastifyInstance): void {
  app.server.on('connect', (_request: IncomingMessage, socket: Socket) => {
    writeAndClose(socket, 400, 'CONNECT is not supported')
  })
  app.server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
    const body = JSON.stringify({ detail: 'Expectation Failed' })
    response.writeHead(417, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    })
    response.end(body)
  })
}

import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { useTestApp } from '../helpers/app.js'

/** A pino stream into memory: `lines` holds every line the app wrote, parsed. */
function memoryLog(level: string): { logger: { level: string; stream: Writable }; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line))
      done()
    },
  })
  return { logger: { level, stream }, lines }
}

describe('one log line per request', () => {
  const info = memoryLog('info')
  const ctx = useTestApp({ logger: info.logger })

  it('an answered request writes one line at info: method, URL, client, status and time', async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/health/',
      headers: { 'x-request-id': 'req-health' },
    })
    expect(response.statusCode).toBe(200)
    const mine = info.lines.filter((line) => line.reqId === 'req-health')
    expect(mine).toHaveLength(1)
    expect(mine[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { method: 'GET', url: '/health/', remoteAddress: '127.0.0.1' },
      res: { statusCode: 200 },
    })
    expect(mine[0]!.responseTime).toBeTypeOf('number')
    expect(info.lines.some((line) => line.msg === 'incoming request')).toBe(false)
  })

  it('a refused request is one line too, without the API key it carried', async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/v2/stamps/1/score/0x96db2c6d93a8a12089f7a6eda5464e967308aded',
      headers: { 'x-request-id': 'req-refused', 'x-api-key': 'not.a-real-key-value' },
    })
    expect(response.statusCode).toBe(401)
    const mine = info.lines.filter((line) => line.reqId === 'req-refused')
    expect(mine.map((line) => line.msg)).toEqual(['request completed'])
    expect(mine[0]).toMatchObject({
      res: { statusCode: 401 },
      req: { url: '/v2/stamps/1/score/0x96db2c6d93a8a12089f7a6eda5464e967308aded' },
    })
    expect(JSON.stringify(info.lines)).not.toContain('not.a-real-key-value')
  })
})

describe('above info', () => {
  const warn = memoryLog('warn')
  const ctx = useTestApp({ logger: warn.logger })

  it('an answered request writes nothing at LOG_LEVEL=warn', async () => {
    const response = await ctx.app.inject({ method: 'GET', url: '/health/' })
    expect(response.statusCode).toBe(200)
    expect(warn.lines).toEqual([])
  })
})

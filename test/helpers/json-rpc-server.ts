import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

// A mainnet JSON-RPC endpoint on loopback for the smart-wallet login (endpoints §5.6 step 6): the
// deployless ERC-6492 validator's eth_call answers 0x01 (valid) or 0x00 (invalid) as the test says;
// the test cannot run the EVM, so it decides the validator's verdict and checks what was asked.

export interface RpcCall {
  method: string
  params: unknown[]
}

export interface TestRpcServer {
  url: string
  calls: RpcCall[]
  /** What eth_call returns from now on: a validator verdict, or no answer within `stallMs`. */
  answer(verdict: 'valid' | 'invalid' | { stallMs: number }): void
  close(): Promise<void>
}

export async function startTestRpcServer(): Promise<TestRpcServer> {
  const calls: RpcCall[] = []
  let verdict: 'valid' | 'invalid' | { stallMs: number } = 'invalid'
  const server: Server = createServer((request, response) => {
    let text = ''
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
    request.on('end', () => {
      const body = JSON.parse(text) as { id: number; method: string; params: unknown[] }
      calls.push({ method: body.method, params: body.params })
      const reply = (result: string) => {
        response.setHeader('content-type', 'application/json')
        response.end(JSON.stringify({ jsonrpc: '2.0', id: body.id, result }))
      }
      if (body.method === 'eth_chainId') return reply('0x1')
      if (body.method === 'eth_blockNumber') return reply('0x10')
      if (body.method !== 'eth_call') {
        response.setHeader('content-type', 'application/json')
        response.end(JSON.stringify({ jsonrpc: '2.0', id: body.id, error: { code: -32601, message: 'not here' } }))
        return
      }
      if (typeof verdict === 'object') {
        setTimeout(() => reply('0x01'), verdict.stallMs).unref()
        return
      }
      reply(verdict === 'valid' ? '0x01' : '0x00')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    answer: (next) => {
      verdict = next
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

import net from 'node:net'
import { errorCode, openDriver, type Variant } from './drivers.js'

// One targeted fault, in its own process per variant (faults.ts runs it): the connection is reset
// at the first statement a new connection sends after its startup. For postgres.js that statement
// is its own pg_type query (fetch_types, on by default), whose promise 3.4.9 discards
// (porsager/postgres#1192, #1223): a reset there is an unhandled rejection and ends the process.
// For pg it is the caller's first query. Exits 0 when the process survived and a second query
// succeeded; prints one JSON line either way.
// Usage: startup-probe.ts <variant> <host> <port> <database>

const [variant, host, port, database] = process.argv.slice(2) as [Variant, string, string, string]

let hasFired = false
const proxy = net.createServer((client) => {
  const upstream = net.connect(Number(port), host)
  let chunks = 0
  client.on('data', (data) => {
    // The first chunk is the startup message (trust auth: nothing else before the first statement).
    if (!hasFired && chunks++ === 1) {
      hasFired = true
      client.resetAndDestroy()
      upstream.resetAndDestroy()
      return
    }
    if (!upstream.destroyed) upstream.write(data)
  })
  upstream.on('data', (data) => void (!client.destroyed && client.write(data)))
  for (const socket of [client, upstream]) {
    socket.on('error', () => {})
    socket.on('close', () => (client.destroy(), upstream.destroy()))
  }
})
await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
const url = `postgres://postgres@127.0.0.1:${(proxy.address() as net.AddressInfo).port}/${database}`

const driver = openDriver(variant, { url, max: 1, prepare: true })
const outcome: { first?: string; second?: string } = {}
process.on('exit', (code) => {
  if (code !== 0) process.stdout.write(`${JSON.stringify({ ...outcome, exit: code })}\n`)
})
try {
  outcome.first = JSON.stringify(await driver.query({ text: 'select 1 as x', params: [] }))
} catch (error) {
  outcome.first = `rejected: ${errorCode(error)}`
}
// Give a discarded rejection time to surface before the process counts as having survived.
await new Promise((resolve) => setTimeout(resolve, 200))
outcome.second = JSON.stringify(await driver.query({ text: 'select 2 as x', params: [] }))
await driver.end()
proxy.close()
process.stdout.write(`${JSON.stringify({ ...outcome, exit: 0 })}\n`)

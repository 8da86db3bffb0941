import { parentPort } from 'node:worker_threads'
import {
  demoIssuerKey,
  issueStampCredentials,
  type StampCredential,
  type StampToIssue,
} from '../src/dev/stamp-issuer.js'

// One signing thread of signing.ts: DIDKit's wasm signs on the thread that calls it, so the
// cohorts are signed by one worker per core.

export interface SignJob {
  id: number
  stamps: StampToIssue[]
}

export interface SignResult {
  id: number
  credentials?: StampCredential[]
  error?: string
}

const port = parentPort
if (!port) throw new Error('sign-worker.ts runs as a worker thread of signing.ts')
const key = await demoIssuerKey()
port.on('message', (job: SignJob) => {
  issueStampCredentials(key, job.stamps).then(
    (credentials) => port.postMessage({ id: job.id, credentials } satisfies SignResult),
    (error: unknown) =>
      port.postMessage({
        id: job.id,
        error: error instanceof Error ? error.message : String(error),
      } satisfies SignResult),
  )
})
port.postMessage('ready')

import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { StampCredential, StampToIssue } from '../src/dev/stamp-issuer.js'
import { issuanceOffsetFor, type PassportPlan } from './population.js'
import type { SignJob, SignResult } from './sign-worker.js'

// Passports per job: small enough to keep both workers busy to the end, big enough that
// message passing (~2 KB per credential) stays negligible next to ~2.4 ms of signing per stamp.
const PASSPORTS_PER_JOB = 20
const DAY_MS = 86_400_000
// The IAM's lifetime (stamp-issuer DEFAULT_STAMP_LIFETIME_SECONDS); a run never gets near it.
const LIFETIME_MS = 90 * DAY_MS
// The IAM issues each stamp when its holder verifies it, so in real data no two passports share an
// issuance or expiry text. With one issuance time for the whole run, every text the warm path
// parses was one of a handful, and src/domain/formats/memo.ts hit on every rescore of every passport
// (seen 2026-12-02: 5 distinct cache-row timestamps and 1 expiry text in 220,000 parses).
const ISSUANCE_SPREAD_MS = 30 * DAY_MS

export interface SignedPassport {
  plan: PassportPlan
  credentials: StampCredential[]
}

// Workers load TypeScript through tsx's API: a plain `new Worker(file.ts)` does not inherit the
// loader that `tsx` installed in this process (Node 20).
function startWorker(): Promise<Worker> {
  const url = new URL('./sign-worker.ts', import.meta.url).href
  const worker = new Worker(
    `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(url)}, ${JSON.stringify(import.meta.url)}))`,
    { eval: true },
  )
  return new Promise((resolve, reject) => {
    worker.once('error', reject)
    worker.once('message', (message) =>
      message === 'ready' ? resolve(worker) : reject(new Error(`sign worker: unexpected ${String(message)}`)),
    )
  })
}

function request(worker: Worker, job: SignJob): Promise<SignResult> {
  return new Promise((resolve, reject) => {
    const onMessage = (result: SignResult): void => {
      worker.off('error', onError)
      resolve(result)
    }
    const onError = (error: Error): void => {
      worker.off('message', onMessage)
      reject(error)
    }
    worker.once('message', onMessage)
    worker.once('error', onError)
    worker.postMessage(job)
  })
}

export function stampsOf(plans: readonly PassportPlan[], latestIssuance: Date): StampToIssue[] {
  return plans.flatMap((plan) =>
    plan.stamps.map((stamp) => {
      const issuedAt = new Date(
        latestIssuance.getTime() - issuanceOffsetFor(plan.address, stamp.provider, ISSUANCE_SPREAD_MS),
      )
      return {
        address: plan.address,
        provider: stamp.provider,
        nullifiers: stamp.nullifiers,
        issuanceDate: issuedAt,
        expirationDate: new Date(issuedAt.getTime() + LIFETIME_MS),
      }
    }),
  )
}

/**
 * Every stamp signed individually with the demo issuer's EIP-712 key: the subject's DID is part of
 * the signed document, so no signature can be shared between two addresses.
 */
export async function signPassports(
  plans: readonly PassportPlan[],
  options: { latestIssuance: Date; onProgress?: (done: number) => void },
): Promise<SignedPassport[]> {
  if (plans.length === 0) return []
  const jobs: PassportPlan[][] = []
  for (let i = 0; i < plans.length; i += PASSPORTS_PER_JOB) jobs.push(plans.slice(i, i + PASSPORTS_PER_JOB))
  const workers = await Promise.all(Array.from({ length: Math.min(availableParallelism(), jobs.length) }, startWorker))
  const results: StampCredential[][] = new Array(jobs.length)
  let nextJob = 0
  let done = 0
  try {
    await Promise.all(
      workers.map(async (worker) => {
        while (nextJob < jobs.length) {
          const id = nextJob++
          const job: SignJob = { id, stamps: stampsOf(jobs[id]!, options.latestIssuance) }
          const result = await request(worker, job)
          if (result.error !== undefined || !result.credentials)
            throw new Error(`signing failed: ${result.error ?? 'no credentials'}`)
          results[id] = result.credentials
          done += jobs[id]!.length
          options.onProgress?.(done)
        }
      }),
    )
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()))
  }
  const credentials = results.flat()
  let cursor = 0
  return plans.map((plan) => {
    const own = credentials.slice(cursor, cursor + plan.stamps.length)
    cursor += plan.stamps.length
    return { plan, credentials: own }
  })
}

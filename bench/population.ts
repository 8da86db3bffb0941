import { createHash } from 'node:crypto'
import { REFERENCE_WEIGHTS } from '../src/dev/demo-seed.js'
import { CONTENDED_GROUP_SIZE, cohortTotal, type CohortSizes } from './options.js'

// Who is in the bench population, as pure functions of a global passport index, so the SQL that
// generates the background (seeding.ts) and the JS that signs the cohorts agree on every address,
// provider and nullifier without a lookup table. seeding.ts repeats ADDRESS_SEED / nullifierFor in SQL.

export const PROVIDERS: readonly string[] = Object.keys(REFERENCE_WEIGHTS)
export const MIN_STAMPS = 10
export const MAX_STAMPS = 30
/** Contended groups share the nullifiers of their first providers: the rest stay their own. */
export const CONTENDED_SHARED_PROVIDERS = 4

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest()

export function addressFor(index: number): string {
  return `0x${sha256(`bench:${index}`).toString('hex').slice(0, 40)}`
}

/** Same shape as the IAM's v0 nullifiers: "v0:" + base64 of 32 bytes. */
export function nullifierFor(address: string, provider: string): string {
  return `v0:${sha256(`bench-nullifier:${address}:${provider}`).toString('base64')}`
}

/** How long before the run's latest issuance this stamp was issued: under `spreadMs`, to the millisecond. */
export function issuanceOffsetFor(address: string, provider: string, spreadMs: number): number {
  return sha256(`bench-issuance:${address}:${provider}`).readUIntBE(0, 6) % spreadMs
}

function contendedNullifier(group: number, provider: string): string {
  return `v0:${sha256(`bench-contended:${group}:${provider}`).toString('base64')}`
}

/** 10..30 by index; 21 is coprime with the provider rotation, so counts and providers mix. */
export function stampCountFor(index: number): number {
  return MIN_STAMPS + (index % (MAX_STAMPS - MIN_STAMPS + 1))
}

/** A run of distinct providers starting at a rotation that depends on the index. */
export function providersFor(index: number, count: number): string[] {
  const offset = (index * 7) % PROVIDERS.length
  return Array.from({ length: count }, (_, k) => PROVIDERS[(offset + k) % PROVIDERS.length]!)
}

export interface StampPlan {
  provider: string
  nullifiers: string[]
}

export interface PassportPlan {
  index: number
  address: string
  stamps: StampPlan[]
}

export type CohortName = 'warm' | 'embed' | 'cold' | 'contended'

export interface CohortLayout {
  warm: PassportPlan[]
  embed: PassportPlan[]
  cold: PassportPlan[]
  /** In group order, so concurrent connections race within a group. */
  contended: PassportPlan[]
  /** First global index of the background (generated in SQL, never scored). */
  backgroundStart: number
}

function ownStamps(address: string, providers: readonly string[]): StampPlan[] {
  return providers.map((provider) => ({ provider, nullifiers: [nullifierFor(address, provider)] }))
}

/**
 * Every fifth cold passport starts with the two providers of a background passport and carries
 * that passport's nullifiers for them: the background already owns those hash links, so the cold
 * score dedups two stamps (LDP events), as a real wallet re-using an account would.
 */
function coldPassport(index: number, backgroundStart: number, backgroundSize: number): PassportPlan {
  const address = addressFor(index)
  const count = stampCountFor(index)
  if (index % 5 !== 0 || backgroundSize === 0)
    return { index, address, stamps: ownStamps(address, providersFor(index, count)) }
  const owner = backgroundStart + (index % backgroundSize)
  const ownerAddress = addressFor(owner)
  const ownerProviders = providersFor(owner, stampCountFor(owner))
  const providers = providersFor(owner, Math.min(count, ownerProviders.length))
  return {
    index,
    address,
    stamps: providers.map((provider, k) => ({
      provider,
      nullifiers: [nullifierFor(k < 2 ? ownerAddress : address, provider)],
    })),
  }
}

export function planCohorts(cohorts: CohortSizes, backgroundSize: number): CohortLayout {
  let next = 0
  const take = (count: number, build: (index: number) => PassportPlan): PassportPlan[] =>
    Array.from({ length: count }, () => build(next++))
  const tenStamps = (index: number): PassportPlan => {
    const address = addressFor(index)
    return { index, address, stamps: ownStamps(address, providersFor(index, MIN_STAMPS)) }
  }
  const backgroundStart = cohortTotal(cohorts)
  const warm = take(cohorts.warm, tenStamps)
  const embed = take(cohorts.embed, tenStamps)
  const cold = take(cohorts.cold, (index) => coldPassport(index, backgroundStart, backgroundSize))
  const contended: PassportPlan[] = []
  for (let group = 0; group < cohorts.contendedGroups; group++) {
    const providers = providersFor(group, MIN_STAMPS)
    contended.push(
      ...take(CONTENDED_GROUP_SIZE, (index) => {
        const address = addressFor(index)
        return {
          index,
          address,
          stamps: providers.map((provider, k) => ({
            provider,
            nullifiers: [
              k < CONTENDED_SHARED_PROVIDERS ? contendedNullifier(group, provider) : nullifierFor(address, provider),
            ],
          })),
        }
      }),
    )
  }
  return { warm, embed, cold, contended, backgroundStart }
}

/** Background passports in [start, end) as plans, for `--sign-all` (otherwise SQL builds them). */
export function planBackground(start: number, end: number): PassportPlan[] {
  return Array.from({ length: Math.max(0, end - start) }, (_, k) => {
    const index = start + k
    const address = addressFor(index)
    return { index, address, stamps: ownStamps(address, providersFor(index, stampCountFor(index))) }
  })
}

import type { TransactionSql } from '../db/pool.js'
import { isUniqueViolation } from '../db/errors.js'
import {
  countHashLinksOwnedBy,
  insertHashLinks,
  listHashLinks,
  updateHashLinks,
  type HashLinkRow,
  type HashLinkUpdate,
  type NewHashLink,
} from '../db/queries/hash-links.js'
import { insertEvents, type NewEvent } from '../db/queries/events.js'
import type { CachedStamp } from './credentials.js'
import { comparePyDateTime, parsePgTimestamp, toPgTimestamp, type PyDateTime } from './formats/py-datetime.js'
import { parsePyIsoDateTime } from './formats/py-fromisoformat.js'
import { pyJsonDumps } from './formats/py-json.js'
import { withSpan } from './tracing.js'

/** Python retries a LIFO run 5 times in total (scoring §3.3; the Rust port's 6 is a divergence). */
export const LIFO_MAX_ATTEMPTS = 5

export class LifoIntegrityError extends Error {
  constructor(message: 'Failed to save HashScorerLinks' | 'Unexpected number of HashScorerLinks') {
    super(message)
    this.name = 'LifoIntegrityError'
  }
}

/** scoring §3.1: `hash` wins when the key exists; without FF_MULTI_NULLIFIER only "v0…" survive. */
export function extractNullifiers(stamp: CachedStamp, multiNullifierEnabled: boolean): string[] {
  const subject = stamp.credential.credentialSubject ?? {}
  const all = 'hash' in subject ? [subject.hash as string] : (subject.nullifiers as string[])
  return multiNullifierEnabled ? [...all] : all.filter((nullifier) => nullifier.startsWith('v0'))
}

function signedProvider(stamp: CachedStamp): string {
  return String(stamp.credential.credentialSubject?.provider)
}

interface PlannedUpdate {
  link: HashLinkRow
  address: string
  /** Raw credential `expirationDate` written into the link. */
  expiresAt: string
}

/** A stamp the rule dropped, and the clash that decided it. */
interface DeduplicatedStamp {
  stamp: CachedStamp
  /** The first of its nullifiers that another address holds (scoring §3.2 step 5). */
  hash: string
  /** That address: the owner of the hash link the stamp clashed with. */
  owner: string
}

interface LifoPlan {
  kept: CachedStamp[]
  /** Keyed by the signed provider; a later clash with the same provider replaces the earlier one. */
  clashing: Map<string, CachedStamp>
  /** Every dropped stamp, in stamp order (duplicates of a signed provider included). */
  deduplicated: DeduplicatedStamp[]
  creates: NewHashLink[]
  /** In Python's list order, duplicates included: the verification count depends on them. */
  updates: PlannedUpdate[]
}

/** scoring §3.2 step 4: ours, another address's live claim, or an expired claim anyone may take over. */
function classifyLinks(links: readonly HashLinkRow[], address: string, now: PyDateTime) {
  const owned = new Map<string, HashLinkRow>()
  const clashingLinks = new Map<string, HashLinkRow>()
  const forfeited = new Map<string, HashLinkRow>()
  for (const link of links) {
    if (link.address === address) owned.set(link.hash, link)
    else if (comparePyDateTime(parsePgTimestamp(link.expires_at), now) > 0) clashingLinks.set(link.hash, link)
    else forfeited.set(link.hash, link)
  }
  return { owned, clashingLinks, forfeited }
}

/** One attempt's decisions (scoring §3.2 steps 4–5), pure. */
export function planLifoAttempt(
  stamps: readonly CachedStamp[],
  links: readonly HashLinkRow[],
  address: string,
  now: PyDateTime,
  multiNullifierEnabled: boolean,
): LifoPlan {
  const { owned, clashingLinks, forfeited } = classifyLinks(links, address, now)
  const plan: LifoPlan = { kept: [], clashing: new Map(), deduplicated: [], creates: [], updates: [] }
  // Python mutates the owned link objects; the first comparison is datetime vs string (never
  // equal, quirk Q3.2), later ones compare the strings it assigned.
  const assignedExpiry = new Map<string, string>()
  for (const stamp of stamps) {
    const nullifiers = extractNullifiers(stamp, multiNullifierEnabled)
    const expiresAt = stamp.credential.expirationDate as string
    const clashes = nullifiers.filter((nullifier) => clashingLinks.has(nullifier))
    if (clashes.length === 0) {
      plan.kept.push(stamp)
      for (const nullifier of nullifiers) {
        const ownedLink = owned.get(nullifier)
        if (ownedLink) {
          if (assignedExpiry.get(nullifier) !== expiresAt) {
            assignedExpiry.set(nullifier, expiresAt)
            plan.updates.push({ link: ownedLink, address, expiresAt })
          }
          continue
        }
        const forfeitedLink = forfeited.get(nullifier)
        if (forfeitedLink) {
          plan.updates.push({ link: forfeitedLink, address, expiresAt })
          continue
        }
        plan.creates.push({ hash: nullifier, address, expiresAt: toPgTimestamp(parsePyIsoDateTime(expiresAt)) })
      }
    } else {
      // Backfill the non-clashing nullifiers for the owner of the first clash. Python does not skip
      // nullifiers that are owned, forfeited or already queued (quirk Q3.3): neither do we.
      const owner = clashingLinks.get(clashes[0]!)!
      plan.clashing.set(signedProvider(stamp), stamp)
      plan.deduplicated.push({ stamp, hash: owner.hash, owner: owner.address })
      for (const nullifier of nullifiers) {
        if (!clashingLinks.has(nullifier))
          plan.creates.push({ hash: nullifier, address: owner.address, expiresAt: owner.expires_at })
      }
    }
  }
  return plan
}

// An update that leaves the row as it is changes nothing PostgreSQL can observe; skipping it
// saves a write per owned link on every rescore without changing the committed rows.
function effectiveUpdates(updates: readonly PlannedUpdate[]): HashLinkUpdate[] {
  // The last planned value per row is the one written (duplicates come from Python's list quirks).
  const byId = new Map<number, { link: HashLinkRow; address: string; expiresAt: PyDateTime }>()
  for (const { link, address, expiresAt } of updates)
    byId.set(link.id, { link, address, expiresAt: parsePyIsoDateTime(expiresAt) })
  return [...byId.values()]
    .filter(
      ({ link, address, expiresAt }) =>
        link.address !== address || comparePyDateTime(parsePgTimestamp(link.expires_at), expiresAt) !== 0,
    )
    .map(({ link, address, expiresAt }) => ({ id: link.id, address, expiresAt: toPgTimestamp(expiresAt) }))
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

type AttemptOutcome = { saved: true } | { saved: false; error: LifoIntegrityError }

// scoring §3.2 step 6d: a concurrent request may have claimed a hash in between; duplicates in
// Python's lists make the count short too (they are counted once by `hash IN`).
function verificationHashes(plan: LifoPlan): { hashes: string[]; expected: number } {
  return {
    hashes: [...plan.updates.map((u) => u.link.hash), ...plan.creates.map((c) => c.hash)],
    expected: plan.updates.length + plan.creates.length,
  }
}

async function saveHashLinks(
  sp: TransactionSql,
  communityId: number,
  address: string,
  plan: LifoPlan,
  writes: HashLinkUpdate[],
): Promise<AttemptOutcome> {
  try {
    // One lock order for every run: concurrent runs inserting the same hashes in different orders
    // (stamps filed in another order) would otherwise deadlock each other. Row ids are the only
    // thing the order changes.
    await insertHashLinks(
      sp,
      communityId,
      [...plan.creates].sort((a, b) => compareText(a.hash, b.hash)),
    )
    await updateHashLinks(
      sp,
      [...writes].sort((a, b) => a.id - b.id),
    )
  } catch (error) {
    if (isUniqueViolation(error)) throw new LifoIntegrityError('Failed to save HashScorerLinks')
    throw error
  }
  const { hashes, expected } = verificationHashes(plan)
  const actual = await countHashLinksOwnedBy(sp, communityId, address, hashes)
  return actual === expected
    ? { saved: true }
    : { saved: false, error: new LifoIntegrityError('Unexpected number of HashScorerLinks') }
}

/**
 * One attempt. When nothing needs writing (every link already ours and unchanged — the usual
 * rescore) no savepoint is opened and the count is known without a query: each hash was read as
 * ours in this transaction, so it equals the number of distinct hashes.
 */
async function runAttempt(
  tx: TransactionSql,
  input: LifoInput,
  links: HashLinkRow[],
): Promise<{ plan: LifoPlan; outcome: AttemptOutcome }> {
  const plan = planLifoAttempt(input.stamps, links, input.address, input.clock(), input.multiNullifierEnabled)
  const writes = effectiveUpdates(plan.updates)
  if (plan.creates.length === 0 && writes.length === 0) {
    const { hashes, expected } = verificationHashes(plan)
    const saved = new Set(hashes).size === expected
    return {
      plan,
      outcome: saved
        ? { saved: true }
        : { saved: false, error: new LifoIntegrityError('Unexpected number of HashScorerLinks') },
    }
  }
  const outcome = await tx.savepoint((sp) => saveHashLinks(sp, input.communityId, input.address, plan, writes))
  return { plan, outcome }
}

export interface LifoInput {
  communityId: number
  address: string
  stamps: readonly CachedStamp[]
  multiNullifierEnabled: boolean
  clock: () => PyDateTime
  /** Called before each attempt after the first (counted in /metrics). */
  onRetry?: () => void
}

export interface LifoResult {
  kept: CachedStamp[]
  clashing: Map<string, CachedStamp>
  deduplicated: DeduplicatedStamp[]
}

/** The distinct nullifiers of the stamps: the hash links an attempt reads. */
function lifoHashes(input: Pick<LifoInput, 'stamps' | 'multiNullifierEnabled'>): string[] {
  return [...new Set(input.stamps.flatMap((stamp) => extractNullifiers(stamp, input.multiNullifierEnabled)))]
}

interface LifoDedup {
  finish(): Promise<LifoResult>
}

/**
 * scoring §3 inside the scoring transaction, begun now: the first attempt uses `readLinks` when the
 * caller read them already (before the transaction, a superset of the stamps' nullifiers is fine:
 * only the stamps' own hashes are looked up), else its hash-link read is sent at once, so it shares
 * a round trip with whatever the caller sends next on `tx`; `finish` runs the attempts. Attempts that write run in a savepoint (D4): a
 * unique-key clash with a concurrent request rolls back that attempt only. A failed verification
 * count keeps the attempt's rows, as Python's autocommit does, so the retry sees the backfilled links.
 */
export function beginLifoDedup(tx: TransactionSql, input: LifoInput, readLinks?: readonly HashLinkRow[]): LifoDedup {
  const firstLinks = readLinks
    ? Promise.resolve([...readLinks])
    : listHashLinks(tx, input.communityId, lifoHashes(input))
  // Read by `finish` only; a run that fails before it must not leave the promise unhandled.
  firstLinks.catch(() => undefined)
  return {
    finish: () =>
      withSpan(
        'applyLifoDedup',
        { address: input.address, 'scorer.id': input.communityId, 'stamp.count': input.stamps.length },
        () => runLifoAttempts(tx, input, firstLinks),
      ),
  }
}

/**
 * scoring §3.2 from links read before the transaction, for the usual rescore: when the attempt has
 * nothing to write (every link already ours and unchanged) its outcome is known without another
 * statement — the same outcome `runAttempt` reaches without a query. Undefined when the attempt has
 * writes (or fails its count): the caller then runs the full dedup inside its transaction.
 */
export function decideLifoWithoutWrites(
  input: LifoInput,
  links: readonly HashLinkRow[],
): { result: LifoResult; ldpEvents: NewEvent[] } | undefined {
  const plan = planLifoAttempt(input.stamps, links, input.address, input.clock(), input.multiNullifierEnabled)
  if (plan.creates.length > 0 || effectiveUpdates(plan.updates).length > 0) return undefined
  const { hashes, expected } = verificationHashes(plan)
  if (new Set(hashes).size !== expected) return undefined
  return {
    result: { kept: plan.kept, clashing: plan.clashing, deduplicated: plan.deduplicated },
    ldpEvents: ldpEvents(plan, input),
  }
}

/** `beginLifoDedup` and `finish` at once, for a caller with nothing to send in between. */
export function applyLifoDedup(tx: TransactionSql, input: LifoInput): Promise<LifoResult> {
  return beginLifoDedup(tx, input).finish()
}

function ldpEvents(plan: LifoPlan, input: LifoInput): NewEvent[] {
  return [...plan.clashing.values()].map((stamp) => ({
    action: 'LDP',
    address: input.address,
    communityId: input.communityId,
    dataJson: pyJsonDumps({
      nullifiers: extractNullifiers(stamp, input.multiNullifierEnabled),
      provider: signedProvider(stamp),
      community_id: input.communityId,
    }),
  }))
}

async function runLifoAttempts(
  tx: TransactionSql,
  input: LifoInput,
  firstLinks: Promise<HashLinkRow[]>,
): Promise<LifoResult> {
  const allHashes = lifoHashes(input)
  let lastError: LifoIntegrityError | undefined
  for (let attempt = 1; attempt <= LIFO_MAX_ATTEMPTS; attempt++) {
    if (attempt > 1) input.onRetry?.()
    try {
      const links = attempt === 1 ? await firstLinks : await listHashLinks(tx, input.communityId, allHashes)
      const { plan, outcome } = await runAttempt(tx, input, links)
      if (!outcome.saved) {
        lastError = outcome.error
        continue
      }
      if (plan.clashing.size > 0) await insertEvents(tx, ldpEvents(plan, input))
      return { kept: plan.kept, clashing: plan.clashing, deduplicated: plan.deduplicated }
    } catch (error) {
      if (!(error instanceof LifoIntegrityError)) throw error
      lastError = error
    }
  }
  throw lastError ?? new LifoIntegrityError('Failed to save HashScorerLinks')
}

import type { Db } from '../db/pool.js'
import { listActiveBans, type BanRow } from '../db/queries/bans.js'
import { DomainError, failWith, translateFailure } from './errors.js'
import { parsePgTimestamp, type PyDateTime } from './formats/py-datetime.js'

type BanType = 'account' | 'hash' | 'single_stamp'

/** `credentialSubject` of one posted credential; every key is required but nullable (endpoints §9). */
export interface CredentialRef {
  hash: string | null
  provider: string | null
  id: string | null
}

interface BanSubject {
  address: string
  hash: string | null
  provider: string | null
}

interface BanMatch {
  banType: BanType
  ban: BanRow
}

export interface BanCheck {
  hash: string
  isBanned: boolean
  endTime: PyDateTime | null
  banType: BanType | null
  reason: string | null
}

const FAILED_TO_CHECK_BANS = 'Failed to check bans'

/**
 * endpoints §9 step 5: the first ban in query order that applies wins. An account ban must carry
 * no provider; a single-stamp ban needs the same address and provider; a hash ban the same hash.
 */
export function decideBan(bans: readonly BanRow[], subject: BanSubject): BanMatch | null {
  const address = subject.address.toLowerCase()
  for (const ban of bans) {
    const sameAddress = ban.address.toLowerCase() === address
    if (ban.type === 'account' && sameAddress && ban.provider === '') return { banType: 'account', ban }
    if (ban.type === 'hash' && ban.hash === subject.hash) return { banType: 'hash', ban }
    if (ban.type === 'single_stamp' && sameAddress && ban.provider === subject.provider)
      return { banType: 'single_stamp', ban }
  }
  return null
}

/**
 * endpoints §9 steps 1–2: all credentials must name one subject (null counts as a value), and the
 * address is the DID's text after its last `:`.
 */
export function singleSubjectAddress(credentials: readonly CredentialRef[]): string {
  const ids = new Set(credentials.map((credential) => credential.id))
  if (ids.size < 1) throw new DomainError('bad_request', 'Must provide valid credential(s)')
  if (ids.size > 1) throw new DomainError('bad_request', 'All credentials must be issued to the same address')
  const [id] = ids
  // parity (endpoints §9 step 1): Python calls `None.split` here, an unhandled error (D2 body).
  if (id === null || id === undefined) throw new DomainError('internal', 'Internal Server Error')
  return id.slice(id.lastIndexOf(':') + 1)
}

/** Distinct non-empty hashes, as Python's `if c.credentialSubject.hash` filter keeps them. */
export function distinctHashes(credentials: readonly CredentialRef[]): string[] {
  return [
    ...new Set(
      credentials
        .map((credential) => credential.hash)
        .filter((hash): hash is string => typeof hash === 'string' && hash !== ''),
    ),
  ]
}

export async function checkCredentialsForBans(db: Db, credentials: readonly CredentialRef[]): Promise<BanCheck[]> {
  const address = singleSubjectAddress(credentials)
  // parity (endpoints §9 step 6): a null hash cannot go into the non-nullable result field, which
  // Python reports with the same 500 as a database failure. Checked before the query: same answer.
  if (credentials.some((credential) => credential.hash === null))
    throw new DomainError('internal', FAILED_TO_CHECK_BANS)
  // Python's try covers the query and the building of the results (an unreadable end_time too).
  return translateFailure(
    async () => {
      const bans = await listActiveBans(db, address.toLowerCase(), distinctHashes(credentials))
      return credentials.map((credential) =>
        toBanCheck(credential, decideBan(bans, { address, hash: credential.hash, provider: credential.provider })),
      )
    },
    failWith('internal', FAILED_TO_CHECK_BANS),
  )
}

function toBanCheck(credential: CredentialRef, match: BanMatch | null): BanCheck {
  return {
    hash: credential.hash ?? '', // never null here: null hashes were refused before the query
    isBanned: match !== null,
    endTime: match?.ban.end_time ? parsePgTimestamp(match.ban.end_time) : null,
    banType: match?.banType ?? null,
    reason: match?.ban.reason ?? null,
  }
}

import { isStrictHex, recoverMessageSigner } from './eth-signatures.js'
import { currentTimestamp, type Sql } from '../db/pool.js'
import { findActiveFinalTos, hasAcceptedTos, insertTosAcceptance } from '../db/queries/tos.js'
import { DomainError } from './errors.js'
import { issueNonce, useNonce } from './siwe-login.js'

// endpoints §5.10–§5.12: Python's tos app (terms of service the Passport app asks users to sign).

const FAILED_PROOF = 'Failed to process the tos acceptance proof'

/** Tos.get_message_for_nonce. */
const messageFor = (content: string, nonce: string): string => `${content}\n\nNonce: ${nonce}`

/** §5.10: whether the address accepted the active terms of that type. */
export function isTosAccepted(sql: Sql, address: string, type: string): Promise<boolean> {
  return hasAcceptedTos(sql, address.toLowerCase(), type)
}

/** §5.11: the active, final terms of that type with a new nonce (no expiry) appended. */
export async function tosToSign(sql: Sql, type: string): Promise<{ text: string; nonce: string }> {
  const tos = await findActiveFinalTos(sql, type)
  // Python's Tos.DoesNotExist escapes as a 500; a type nobody published is the client's 404 (D17).
  if (!tos) throw new DomainError('not_found', 'Not Found')
  const nonce = await issueNonce(sql, null)
  return { text: messageFor(tos.content, nonce), nonce }
}

/**
 * §5.12 Tos.accept: the nonce is spent first; the signer is whoever signed the message of the
 * active terms with that nonce (neither the path's nor the token's address is compared), and the
 * proof is stored once per (terms, signer).
 */
export async function acceptTos(sql: Sql, proof: { type: string; nonce: string; signature: string }): Promise<void> {
  if (!(await useNonce(sql, proof.nonce))) throw new DomainError('bad_request', FAILED_PROOF)
  const tos = await findActiveFinalTos(sql, proof.type)
  // Python: DoesNotExist and an unrecoverable signature are 500s; here the request's 400 (D17).
  if (!tos) throw new DomainError('bad_request', FAILED_PROOF)
  const signature = proof.signature.startsWith('0x') ? proof.signature : `0x${proof.signature}`
  if (!isStrictHex(signature)) throw new DomainError('bad_request', FAILED_PROOF)
  let signer: string
  try {
    signer = await recoverMessageSigner(messageFor(tos.content, proof.nonce), signature)
  } catch (error) {
    throw new DomainError('bad_request', FAILED_PROOF, { cause: error })
  }
  await insertTosAcceptance(sql, {
    tosId: tos.id,
    address: signer.toLowerCase(),
    signature: proof.signature.toLowerCase(),
    nonce: proof.nonce.toLowerCase(),
    createdAt: currentTimestamp(),
  })
}

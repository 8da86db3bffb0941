import type { Hex } from 'viem'

// viem is loaded on the first signature check, not at start: importing it costs ~0.5 s of a cold
// start (issue 12) that a process answering scores never needs.
export const loadViem = () => import('viem')

/** viem's `isHex(value, { strict: true })`, without loading viem. */
export const isStrictHex = (value: string): value is Hex => /^0x[0-9a-fA-F]*$/.test(value)

/** The address that signed `message` (EIP-191 personal_sign), as eth_account's recover_message. */
export async function recoverMessageSigner(message: string, signature: Hex): Promise<string> {
  const { recoverMessageAddress } = await loadViem()
  return recoverMessageAddress({ message, signature })
}

import type { CreatedApiKey } from '../src/domain/api-keys.js'

/**
 * Scores each address once through the service, a few at a time: afterwards their passports,
 * scores and hash links exist and the service's signature cache holds their stamps, which is what
 * "warm" means in the scenarios. Throws on the first score that is not a clean 200.
 */
export async function scoreEach(input: {
  baseUrl: string
  communityId: number
  addresses: readonly string[]
  keys: readonly CreatedApiKey[]
  concurrency: number
}): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < input.addresses.length) {
      const i = next++
      const address = input.addresses[i]!
      const key = input.keys[i % input.keys.length]!
      const response = await fetch(`${input.baseUrl}/v2/stamps/${input.communityId}/score/${address}`, {
        headers: { 'x-api-key': key.key },
      })
      const body = await response.text()
      if (response.status !== 200 || !body.includes('"error":null'))
        throw new Error(`warming ${address}: ${response.status} ${body.slice(0, 300)}`)
    }
  }
  await Promise.all(Array.from({ length: input.concurrency }, worker))
}

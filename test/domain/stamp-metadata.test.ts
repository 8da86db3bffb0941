import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StampMetadataSource } from '../../src/domain/stamp-metadata.js'
import { answerJson, startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js'
import { expectedPlatforms, METADATA_FILE } from '../helpers/stamp-metadata-file.js'

// endpoints §18.3: the hour-long cache, the stale copy while the source fails, the retry a minute
// later, one fetch for concurrent callers and the timeout, on a loopback source and a fake clock.

let mode: 'ok' | 'unavailable' | 'hang' = 'ok'
let source: LoopbackServer
beforeAll(async () => {
  source = await startLoopbackServer((_, response) => {
    if (mode === 'hang') return
    if (mode === 'unavailable') return answerJson(response, 'down', 503, 'text/plain')
    answerJson(response, METADATA_FILE)
  })
})
afterAll(async () => {
  await source?.close()
})

function sourceWithClock(path: string, timeoutMs = 2000) {
  const clock = { nowMs: 1_000_000 }
  const errors: unknown[] = []
  const metadata = new StampMetadataSource({
    publicUrl: `${source.url}${path}`,
    timeoutMs,
    nowMs: () => clock.nowMs,
    onFetchError: (error) => errors.push(error),
  })
  const fetches = () => source.requests.filter((request) => request.path === `${path}stampMetadata.json`).length
  return { clock, metadata, fetches, errors }
}

const MINUTE = 60_000

describe('StampMetadataSource (endpoints §18.3)', () => {
  it('keeps the file an hour, then fetches it again', async () => {
    mode = 'ok'
    const { clock, metadata, fetches } = sourceWithClock('/ttl/')
    expect(await metadata.listPlatforms()).toEqual(expectedPlatforms(`${source.url}/ttl/`))
    clock.nowMs += 59 * MINUTE
    await metadata.listPlatforms()
    expect(fetches()).toBe(1)
    clock.nowMs += 2 * MINUTE
    await metadata.listPlatforms()
    expect(fetches()).toBe(2)
  })

  it('serves the expired copy while the source fails, and tries again a minute later', async () => {
    mode = 'ok'
    const { clock, metadata, fetches, errors } = sourceWithClock('/stale/')
    const platforms = await metadata.listPlatforms()
    mode = 'unavailable'
    clock.nowMs += 61 * MINUTE
    expect(await metadata.listPlatforms()).toBe(platforms)
    expect(await metadata.metadataForProvider('Ens')).toEqual({
      group: 'Account Name',
      platform: {
        id: 'Ens',
        icon: 'https://cdn.example.org/ens.svg',
        name: 'ENS',
        description: 'Purchase an .eth name',
        connectMessage: 'Connect Wallet',
      },
      name: 'Ens',
      description: 'Holds an ENS name',
      hash: '0xens',
    })
    expect({ fetches: fetches(), errors: errors.map(String) }).toEqual({
      fetches: 2,
      errors: ['Error: stampMetadata.json answered 503'],
    })
    clock.nowMs += MINUTE
    mode = 'ok'
    await metadata.listPlatforms()
    expect(fetches()).toBe(3)
  })

  it('shares one fetch between concurrent callers', async () => {
    mode = 'ok'
    const { metadata, fetches } = sourceWithClock('/concurrent/')
    const answers = await Promise.all([metadata.listPlatforms(), metadata.listPlatforms(), metadata.listPlatforms()])
    expect(answers[1]).toBe(answers[0])
    expect(fetches()).toBe(1)
  })

  it('gives a silent source up after the timeout: never fetched → the 500 texts', async () => {
    mode = 'hang'
    const { metadata, errors } = sourceWithClock('/timeout/', 200)
    const started = Date.now()
    await expect(metadata.listPlatforms()).rejects.toMatchObject({
      kind: 'internal',
      detail: 'Error fetching external stamp metadata',
    })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(String(errors[0])).toContain('TimeoutError')
    await expect(metadata.metadataForProvider('Google')).rejects.toMatchObject({
      detail: 'Error fetching external stamp metadata for provider Google',
    })
    mode = 'ok'
  })

  it('a later stamp of the same name wins; an unknown provider → null', async () => {
    mode = 'ok'
    const { metadata } = sourceWithClock('/providers/')
    expect(await metadata.metadataForProvider('Google')).toMatchObject({ group: 'Later', hash: '0xlater' })
    expect(await metadata.metadataForProvider('Nope')).toBeNull()
  })
})

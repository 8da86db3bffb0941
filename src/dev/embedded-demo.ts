import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from '../config.js'
import type { Sql } from '../db/pool.js'
import { seedDemoData } from './demo-seed.js'
import { loadOrCreateLocalJwtKeys, localKeysDir } from './local-jwt-keys.js'

export interface EmbeddedDemo {
  /** The config the server runs with: the demo issuer trusted, the demo scorer as the app's scorer. */
  config: Config
  /** Lines printed after start; `{base}` is replaced by the server's URL. */
  banner: string[]
}

interface DemoCredentials {
  apiKey: string
  communityId: number
}

// The embedded database is a local sandbox, so the demo key is kept next to it: every start can
// print a curl line that works. Against a real database the key is printed once by `npm run seed`.
const CREDENTIALS_FILE = 'demo-credentials.json'

async function readCredentials(dataDir: string): Promise<DemoCredentials | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, CREDENTIALS_FILE), 'utf8')) as DemoCredentials
  } catch {
    return undefined
  }
}

export async function prepareEmbeddedDemo(sql: Sql, config: Config): Promise<EmbeddedDemo> {
  const seed = await seedDemoData(sql)
  const dataDir = localKeysDir(config.embeddedDataDir)
  let credentials = await readCredentials(dataDir)
  if (seed.apiKey) {
    credentials = { apiKey: seed.apiKey, communityId: seed.communityId }
    await writeFile(join(dataDir, CREDENTIALS_FILE), `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 })
  }
  const jwtKeys = config.siweJwtPublicKey ? undefined : await loadOrCreateLocalJwtKeys(dataDir)
  const demoConfig: Config = Object.freeze({
    ...config,
    siweJwtPublicKey: config.siweJwtPublicKey ?? jwtKeys?.publicKeyPem,
    trustedIamIssuers: config.trustedIamIssuers.includes(seed.issuerDid)
      ? config.trustedIamIssuers
      : [...config.trustedIamIssuers, seed.issuerDid],
    ceramicCacheScorerId: config.ceramicCacheScorerId ?? seed.communityId,
  })
  const banner = [
    `demo data: scorer ${seed.communityId} ("Demo"), address ${seed.address}, issuer ${seed.issuerDid} (trusted here)`,
  ]
  if (credentials) {
    banner.push(
      `  curl -s -H 'X-API-Key: ${credentials.apiKey}' {base}/v2/stamps/${credentials.communityId}/score/${seed.address}`,
      `  curl -s -H 'Authorization: ${config.cgrantsApiToken}' {base}/internal/score/v2/${credentials.communityId}/${seed.address}`,
      `  TOKEN=$(npm run -s issue-token -- ${seed.address}) && curl -s -H "Authorization: Bearer $TOKEN" {base}/ceramic-cache/score/${seed.address}`,
    )
  } else {
    banner.push(
      `  (the demo API key is not in ${join(dataDir, CREDENTIALS_FILE)}; run \`npm run seed\` on a fresh .data/ to get one)`,
    )
  }
  return { config: demoConfig, banner }
}

import { generateKeyPairSync } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

// For local use only (the embedded mode and `npm run issue-token`): an RS256 key pair kept in
// `.data/`, standing in for SIWE_JWT_PRIVATE_KEY / SIWE_JWT_PUBLIC_KEY, which production sets.

export interface PemKeyPair {
  privateKeyPem: string
  publicKeyPem: string
  privatePath: string
}

/** `.data/` when the embedded data directory is `.data/pglite`. */
export function localKeysDir(embeddedDataDir: string): string {
  return dirname(embeddedDataDir)
}

export async function loadOrCreateLocalJwtKeys(dir: string): Promise<PemKeyPair> {
  const privatePath = join(dir, 'siwe-jwt-private.pem')
  const publicPath = join(dir, 'siwe-jwt-public.pem')
  try {
    return {
      privateKeyPem: await readFile(privatePath, 'utf8'),
      publicKeyPem: await readFile(publicPath, 'utf8'),
      privatePath,
    }
  } catch {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pair = {
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privatePath,
    }
    await mkdir(dir, { recursive: true })
    await writeFile(privatePath, pair.privateKeyPem, { mode: 0o600 })
    await writeFile(publicPath, pair.publicKeyPem)
    return pair
  }
}

import { createPrivateKey } from 'node:crypto'
import { parseArgs } from 'node:util'
import { loadConfig, ConfigError } from '../config.js'
import { mintSiweToken } from '../domain/ceramic-jwt.js'
import { isValidEthAddress } from '../domain/formats/eth-address.js'
import { loadOrCreateLocalJwtKeys, localKeysDir } from '../dev/local-jwt-keys.js'

// `npm run issue-token -- <address>`: an RS256 ceramic-cache token with the claims
// `/ceramic-cache/authenticate/v2` issues (endpoints §5.6), signed with SIWE_JWT_PRIVATE_KEY or,
// when unset, with the local key pair in .data/ that the embedded server trusts.
async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' } },
  })
  const address = positionals[0]
  if (values.help || !address) {
    console.error('usage: npm run issue-token -- <0x address>')
    process.exit(values.help ? 0 : 2)
  }
  if (!isValidEthAddress(address)) {
    console.error(`issue-token: not an Ethereum address: ${address}`)
    process.exit(2)
  }
  const config = loadConfig(process.env)
  const privateKeyPem =
    config.siweJwtPrivateKey ?? (await loadOrCreateLocalJwtKeys(localKeysDir(config.embeddedDataDir))).privateKeyPem
  process.stdout.write(`${await mintSiweToken(address, createPrivateKey(privateKeyPem))}\n`)
}

main().catch((error: unknown) => {
  console.error(
    `issue-token: ${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}`,
  )
  process.exit(1)
})

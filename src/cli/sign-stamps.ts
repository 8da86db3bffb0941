import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { loadConfig, ConfigError } from '../config.js'
import { createSql, currentTimestamp } from '../db/pool.js'
import { describeConnectionError } from '../db/errors.js'
import { insertCeramicCacheStamps, softDeleteLiveStamps } from '../db/queries/ceramic-cache.js'
import {
  demoEd25519IssuerKey,
  ETH_ADDRESS,
  demoIssuerKey,
  generateIssuerKey,
  issueStampCredentials,
  loadIssuerKey,
  type IssuerKey,
  type StampCredential,
} from '../dev/stamp-issuer.js'

const USAGE = `Usage: npm run sign-stamps -- --address 0x… --providers Google,Ens [options]

Signs stamp credentials in the Passport IAM's format and prints them as a JSON array, or
inserts them into ceramic_cache_ceramiccache as the app's add-stamps call does (scoring §9.1).

  --address 0x…            wallet the stamps are for (credentialSubject.id did:pkh:eip155:1:<lower address>)
  --providers A,B          provider names, one credential each
  --nullifiers v0:x,v1:y   nullifiers put in every credential (default: derived from address and provider)
  --legacy-hash            sign the older hash variant instead of nullifiers
  --hash v0.0.0:…          the hash to put in every credential (implies --legacy-hash)
  --ed25519                legacy Ed25519Signature2018 / did:key issuer (always the hash variant)
  --expires-in-days N      default 90; may be negative (--expires-in-days=-3) for an expired stamp
  --key key.json           sign with this JWK (secp256k1, or Ed25519 with --ed25519)
  --generate-key out.json  create a new key, save its JWK there (never overwrites) and sign with it
                           default: the fixed demo key of src/dev/stamp-issuer.ts
  --insert                 write the stamps to the database (soft-deleting the live ones of these providers)
  --database-url URL       database for --insert (default: DATABASE_URL)
  --help`

class UsageError extends Error {}

// scoring §9.1: Passport-app adds; source_scorer_id stays NULL for them (D9).
const SOURCE_APP_PASSPORT = 1

interface SignStampsArgs {
  address: string
  providers: string[]
  nullifiers: string[] | undefined
  hash: string | undefined
  legacyHash: boolean
  ed25519: boolean
  expiresInDays: number
  keyPath: string | undefined
  generateKeyPath: string | undefined
  insert: boolean
  databaseUrl: string | undefined
}

function splitList(value: string | undefined, name: string): string[] | undefined {
  if (value === undefined) return undefined
  const items = value.split(',').map((item) => item.trim())
  if (items.some((item) => item === '')) throw new UsageError(`--${name}: empty item in ${JSON.stringify(value)}`)
  return items
}

function parseSignStampsArgs(argv: string[]): SignStampsArgs | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      address: { type: 'string' },
      providers: { type: 'string' },
      nullifiers: { type: 'string' },
      hash: { type: 'string' },
      'legacy-hash': { type: 'boolean', default: false },
      ed25519: { type: 'boolean', default: false },
      'expires-in-days': { type: 'string', default: '90' },
      key: { type: 'string' },
      'generate-key': { type: 'string' },
      insert: { type: 'boolean', default: false },
      'database-url': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) return 'help'
  if (values.address === undefined || !ETH_ADDRESS.test(values.address))
    throw new UsageError(`--address must be 0x followed by 40 hex digits, got ${JSON.stringify(values.address ?? '')}`)
  const providers = splitList(values.providers, 'providers')
  if (providers === undefined) throw new UsageError('--providers is required (e.g. --providers Google,Ens)')
  const duplicate = providers.find((provider, index) => providers.indexOf(provider) !== index)
  // The live-row unique index allows one row per provider; Python would fail the whole add (scoring §9.1 step 4).
  if (duplicate !== undefined) throw new UsageError(`--providers lists ${duplicate} twice`)
  const nullifiers = splitList(values.nullifiers, 'nullifiers')
  const legacyHash = values['legacy-hash'] || values.hash !== undefined || values.ed25519
  if (nullifiers !== undefined && legacyHash)
    throw new UsageError('--nullifiers cannot be combined with --legacy-hash, --hash or --ed25519 (those sign a hash)')
  const expiresInDays = Number(values['expires-in-days'])
  if (values['expires-in-days'].trim() === '' || !Number.isFinite(expiresInDays))
    throw new UsageError(`--expires-in-days must be a number, got ${JSON.stringify(values['expires-in-days'])}`)
  if (values.key !== undefined && values['generate-key'] !== undefined)
    throw new UsageError('use either --key or --generate-key')
  if (values['database-url'] !== undefined && !values.insert)
    throw new UsageError('--database-url only applies with --insert')
  return {
    address: values.address,
    providers,
    nullifiers,
    hash: values.hash,
    legacyHash,
    ed25519: values.ed25519,
    expiresInDays,
    keyPath: values.key,
    generateKeyPath: values['generate-key'],
    insert: values.insert,
    databaseUrl: values['database-url'],
  }
}

async function resolveKey(args: SignStampsArgs): Promise<IssuerKey> {
  const kind = args.ed25519 ? 'ed25519' : 'secp256k1'
  let key: IssuerKey
  if (args.keyPath !== undefined) key = await loadIssuerKey(args.keyPath)
  else if (args.generateKeyPath !== undefined) {
    key = await generateIssuerKey(kind)
    await writeFile(args.generateKeyPath, `${key.jwk}\n`, { flag: 'wx', mode: 0o600 }).catch((error: unknown) => {
      if ((error as { code?: unknown }).code === 'EEXIST')
        throw new UsageError(`--generate-key: ${args.generateKeyPath} already exists (it is never overwritten)`)
      throw error
    })
    console.error(`wrote the new ${kind} key to ${args.generateKeyPath}`)
  } else key = args.ed25519 ? await demoEd25519IssuerKey() : await demoIssuerKey()
  if (key.kind !== kind)
    throw new UsageError(
      `the key is ${key.kind} but ${args.ed25519 ? '--ed25519 needs an Ed25519 key' : 'EIP-712 stamps need a secp256k1 key (or pass --ed25519)'}`,
    )
  return key
}

async function signStamps(args: SignStampsArgs, key: IssuerKey): Promise<StampCredential[]> {
  const issuanceDate = new Date()
  const expirationDate = new Date(issuanceDate.getTime() + args.expiresInDays * 86_400_000)
  return issueStampCredentials(
    key,
    args.providers.map((provider) => ({
      address: args.address,
      provider,
      legacyHash: args.legacyHash,
      ...(args.nullifiers === undefined ? {} : { nullifiers: args.nullifiers }),
      ...(args.hash === undefined ? {} : { hash: args.hash }),
      issuanceDate,
      expirationDate,
    })),
  )
}

async function insertStamps(
  databaseUrl: string,
  args: SignStampsArgs,
  credentials: StampCredential[],
): Promise<{ ids: number[]; softDeleted: number }> {
  const config = loadConfig(process.env)
  const sql = createSql({ url: databaseUrl, max: 1, prepare: config.dbPrepareStatements })
  try {
    return await sql.begin(async (tx) => {
      const now = currentTimestamp() // D21: microseconds, as Django writes them
      const softDeleted = await softDeleteLiveStamps(tx, args.address, args.providers, { type: 1, now })
      const ids = await insertCeramicCacheStamps(
        tx,
        credentials.map((credential) => ({
          address: args.address,
          provider: credential.credentialSubject.provider,
          stamp: credential,
          // Ed25519-era stamps carry a detached `jws` instead of `proofValue`; Python's add path would
          // reject them (scoring §9.1 step 4), so the jws stands in for the NOT NULL column.
          proof_value: credential.proof.proofValue ?? credential.proof.jws ?? '',
          issuance_date: credential.issuanceDate,
          expiration_date: credential.expirationDate,
          source_app: SOURCE_APP_PASSPORT,
          source_scorer_id: null,
        })),
        { now },
      )
      return { ids, softDeleted }
    })
  } finally {
    await sql.end({ timeout: 5 })
  }
}

async function main(argv: string[]): Promise<number> {
  const args = parseSignStampsArgs(argv)
  if (args === 'help') {
    console.log(USAGE)
    return 0
  }
  const databaseUrl = args.insert ? (args.databaseUrl ?? loadConfig(process.env).databaseUrl) : undefined
  if (args.insert && databaseUrl === undefined) throw new UsageError('--insert needs --database-url or DATABASE_URL')
  const key = await resolveKey(args)
  const credentials = await signStamps(args, key)
  console.error(`issuer: ${key.did}  (trust it with TRUSTED_IAM_ISSUERS='${JSON.stringify([key.did])}')`)
  if (databaseUrl === undefined) {
    console.log(JSON.stringify(credentials, null, 2))
    return 0
  }
  const { ids, softDeleted } = await insertStamps(databaseUrl, args, credentials)
  const inserted = ids.map((id, index) => ({ id, provider: credentials[index]?.credentialSubject.provider }))
  console.log(
    JSON.stringify(
      { issuer: key.did, address: args.address.toLowerCase(), inserted, soft_deleted: softDeleted },
      null,
      2,
    ),
  )
  return 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      console.error(`sign-stamps: ${error.message} (see --help)`)
      process.exit(2)
    }
    if (error instanceof ConfigError) console.error(`sign-stamps: ${error.message}`)
    else if (typeof error === 'object' && error !== null && 'code' in error)
      console.error(`sign-stamps: ${describeConnectionError(error)}`)
    else console.error(`sign-stamps: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  },
)

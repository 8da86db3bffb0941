import awsLambdaFastify from '@fastify/aws-lambda'
import { loadServiceConfig } from './config.js'
import { createSql } from './db/pool.js'
import { buildApp } from './app.js'
import { flushingTraces, startTracing } from './telemetry.js'
import { startDidKitCompile } from './domain/didkit.js'

// AWS Lambda entry point: the same app behind @fastify/aws-lambda. A Lambda always has a real
// database (DATABASE_URL, typically RDS Proxy: keep the pool small and prepared statements off
// in transaction-pooling mode). The pool and app live as long as the execution environment.
// Issue 12: DIDKit's WebAssembly compiles during INIT (lazily: src/domain/didkit.ts); the first
// verification then finds the module ready.
startDidKitCompile()
const config = loadServiceConfig(process.env)
const tracing = await startTracing(config)
if (!config.databaseUrl)
  throw new Error('DATABASE_URL: required in AWS Lambda (the embedded database is for local use)')
const sql = createSql({
  url: config.databaseUrl,
  max: config.dbPoolSize,
  prepare: config.dbPrepareStatements,
  statementTimeoutMs: config.dbStatementTimeoutMs,
  connectTimeoutMs: config.dbConnectTimeoutMs,
  poolTimeoutMs: config.dbPoolTimeoutMs,
})
const app = await buildApp({ config, sql, logger: { level: config.logLevel } })
const proxy = awsLambdaFastify(app, { decorateRequest: false })
await app.ready()

export const handler = flushingTraces(proxy, tracing)

import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import type { ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, testConfig, useTestApp } from '../../helpers/app.js'
import { createAccount } from '../../helpers/factories/accounts.js'
import { createTestApiKey } from '../../helpers/factories/scoring.js'
import { answerJson, startLoopbackServer, type LoopbackServer } from '../../helpers/loopback-server.js'

// endpoints §20: GET /v2/models/score/{address}, against stand-in model services on loopback.

// Python's own test address; its EIP-55 form is what the services must receive.
const CHECKSUMMED = '0x06e3c221011767FE816D0B8f5B16253E43e4Af7D'
const LOWER = CHECKSUMMED.toLowerCase()

const PATHS = {
  ETHEREUM_MODEL_ENDPOINT: '/eth-stamp-predict',
  NFT_MODEL_ENDPOINT: '/nft-model-predict',
  ZKSYNC_MODEL_ENDPOINT: '/zksync-model-predict',
  POLYGON_MODEL_ENDPOINT: '/polygon-model-predict',
  ARBITRUM_MODEL_ENDPOINT: '/arbitrum-model-predict',
  OPTIMISM_MODEL_ENDPOINT: '/op-model-predict',
  BASE_MODEL_ENDPOINT: '/base-model-predict',
  AGGREGATE_MODEL_ENDPOINT: '/aggregate-model-predict',
}

// Each input model's answer as JSON text, so "30.0" keeps its spelling on the way to the aggregate.
const INPUT_ANSWERS: Record<string, string> = {
  '/zksync-model-predict': '{"data": {"human_probability": 10, "n_transactions": 1}}',
  '/polygon-model-predict': '{"data": {"human_probability": 20.5, "n_transactions": 2}}',
  '/eth-stamp-predict': '{"data": {"human_probability": 30.0, "n_transactions": 3}}',
  '/arbitrum-model-predict': '{"data": {"human_probability": 40, "n_transactions": 4}}',
  '/op-model-predict': '{"data": {"human_probability": 50}}',
  '/base-model-predict': '{"data": {"human_probability": 60, "n_transactions": 6, "extra": true}}',
  '/nft-model-predict': '{"data": {"human_probability": 0.93, "n_transactions": 9}}',
  '/aggregate-model-predict': '{"data": {"human_probability": 75, "n_transactions": 0}}',
}

type Behaviour = (response: ServerResponse) => void
let overrides: Record<string, Behaviour> = {}
let services: LoopbackServer
let key: string
let keyId: string
const extraApps: FastifyInstance[] = []

const ctx = useTestApp({
  config: async ({ sql }) => {
    services = await startLoopbackServer((request, response) => {
      const override = overrides[request.path]
      if (override) return override(response)
      answerJson(response, INPUT_ANSWERS[request.path] ?? '{}')
    })
    const { accountId } = await createAccount(sql)
    const created = await createTestApiKey(sql, accountId, { withSha256: true })
    key = created.key
    keyId = created.id
    return testConfig(modelEnv({ FF_API_ANALYTICS: 'on' }))
  },
})
afterAll(async () => {
  for (const app of extraApps) await app.close()
  await services?.close()
})
beforeEach(() => {
  overrides = {}
  services.requests.length = 0
})

function modelEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...Object.fromEntries(Object.entries(PATHS).map(([name, path]) => [name, services.url + path])), ...extra }
}

async function modelScore(address: string, query = '', app = ctx.app) {
  const response = await app.inject({
    method: 'GET',
    url: `/v2/models/score/${address}${query}`,
    headers: { 'x-api-key': key },
  })
  return { status: response.statusCode, type: response.headers['content-type'], body: response.body }
}

const inputRequest = (path: string) => ({
  method: 'POST',
  path,
  contentType: 'application/json',
  body: `{"address": "${CHECKSUMMED}"}`,
})

describe('GET /v2/models/score/{address}', () => {
  it('endpoints §20.3, §20.5: aggregate (the default) asks the six chain models, then itself', async () => {
    expect(await modelScore(LOWER)).toEqual({
      status: 200,
      type: 'application/json; charset=utf-8',
      body: `{"address": "${LOWER}", "details": {"models": {"aggregate": {"score": 75.0}}}}`,
    })
    const byPath = (path: string) => services.requests.filter((request) => request.path === path)
    for (const path of ['/zksync-model-predict', '/polygon-model-predict', '/eth-stamp-predict']) {
      expect(byPath(path)).toEqual([inputRequest(path)])
    }
    for (const path of ['/arbitrum-model-predict', '/op-model-predict', '/base-model-predict']) {
      expect(byPath(path)).toEqual([inputRequest(path)])
    }
    expect(byPath('/nft-model-predict')).toEqual([])
    expect(byPath('/aggregate-model-predict')).toEqual([
      {
        method: 'POST',
        path: '/aggregate-model-predict',
        contentType: 'application/json',
        body:
          `{"address": "${CHECKSUMMED}", "data": {"score_zk": 10, "txs_zk": 1, "score_polygon": 20.5, "txs_polygon": 2, ` +
          '"score_eth": 30.0, "txs_eth": 3, "score_arb": 40, "txs_arb": 4, "score_op": 50, "txs_op": 0, ' +
          '"score_base": 60, "txs_base": 6}}',
      },
    ])
  })

  it('endpoints §20.1, §20.5: one named model, stripped and deduplicated; the address echoed as given', async () => {
    expect(await modelScore(CHECKSUMMED, '?model=%20nft%20,nft')).toEqual({
      status: 200,
      type: 'application/json; charset=utf-8',
      body: `{"address": "${CHECKSUMMED}", "details": {"models": {"nft": {"score": 0.93}}}}`,
    })
    expect(services.requests).toEqual([inputRequest('/nft-model-predict')])
  })

  it('endpoints §20.5: a human_probability written as text is read as a float', async () => {
    overrides['/nft-model-predict'] = (response) => answerJson(response, '{"data": {"human_probability": "12"}}')
    expect((await modelScore(LOWER, '?model=nft')).body).toBe(
      `{"address": "${LOWER}", "details": {"models": {"nft": {"score": 12.0}}}}`,
    )
  })

  it.each([
    ['an invalid address', '0x123', '?model=nope', 'Invalid address.'],
    ['a wrong checksum', `${CHECKSUMMED.slice(0, -1)}d`, '', 'Invalid address.'],
    ['two models', LOWER, '?model=nft,base', 'Currently, only one model name can be provided at a time'],
    ['an empty name', LOWER, '?model=,', 'No model names provided'],
    [
      'an unknown model',
      LOWER,
      '?model=nope',
      'Invalid model name(s): nope. Must be one of ethereum_activity, nft, zksync, polygon, arbitrum, optimism, base, aggregate',
    ],
  ])('endpoints §20.1: %s → 400', async (_, address, query, detail) => {
    expect(await modelScore(address, query)).toEqual({
      status: 400,
      type: 'application/json; charset=utf-8',
      body: JSON.stringify({ detail }),
    })
    expect(services.requests).toEqual([])
  })

  it('endpoints §20.4: a failing aggregate input → 500 listing the six inputs and their statuses', async () => {
    overrides['/polygon-model-predict'] = (response) => answerJson(response, '{"error": "busy"}', 503)
    const { status, body } = await modelScore(LOWER)
    expect({ status, detail: JSON.parse(body).detail }).toEqual({
      status: 500,
      detail:
        'Error retrieving Passport analysis: [{"model": "zksync", "status": 200}, {"model": "polygon", "status": 503}, ' +
        '{"model": "ethereum_activity", "status": 200}, {"model": "arbitrum", "status": 200}, ' +
        '{"model": "optimism", "status": 200}, {"model": "base", "status": 200}]',
    })
    expect(services.requests.map((request) => request.path)).not.toContain('/aggregate-model-predict')
  })

  it.each([
    ['answers 500', (response: ServerResponse) => answerJson(response, '{}', 500), 500],
    ['answers HTML', (response: ServerResponse) => answerJson(response, '<html></html>', 200, 'text/html'), 500],
    ['answers a JSON list', (response: ServerResponse) => answerJson(response, '[1]'), 500],
    ['answers an empty body', (response: ServerResponse) => answerJson(response, ''), 500],
    ['answers 404 in JSON', (response: ServerResponse) => answerJson(response, '{"data": null}', 404), 404],
  ])('endpoints §20.2, §20.4: a model service that %s → 500 with its status', async (_, behaviour, shownStatus) => {
    overrides['/nft-model-predict'] = behaviour
    expect(await modelScore(LOWER, '?model=nft')).toEqual({
      status: 500,
      type: 'application/json; charset=utf-8',
      body: JSON.stringify({
        detail: `Error retrieving Passport analysis: [{"model": "nft", "status": ${shownStatus}}]`,
      }),
    })
  })

  it('endpoints §20.4: the aggregate model itself failing → its own entry', async () => {
    overrides['/aggregate-model-predict'] = (response) => answerJson(response, '{}', 502)
    expect(JSON.parse((await modelScore(LOWER, '?model=aggregate')).body)).toEqual({
      detail: 'Error retrieving Passport analysis: [{"model": "aggregate", "status": 502}]',
    })
  })

  it('endpoints §20.4: a 200 without data, or with a probability that is no number → the bare text', async () => {
    overrides['/nft-model-predict'] = (response) => answerJson(response, '{"result": 1}')
    expect(await modelScore(LOWER, '?model=nft')).toMatchObject({
      status: 500,
      body: JSON.stringify({ detail: 'Error retrieving Passport analysis' }),
    })
    overrides['/nft-model-predict'] = (response) => answerJson(response, '{"data": {"human_probability": null}}')
    expect((await modelScore(LOWER, '?model=nft')).body).toBe(
      JSON.stringify({ detail: 'Error retrieving Passport analysis' }),
    )
  })

  it('endpoints §20.2: a service that does not answer within MODEL_ENDPOINT_TIMEOUT_MS counts as 500', async () => {
    const app = await buildTestApp(ctx.database.sql, testConfig(modelEnv({ MODEL_ENDPOINT_TIMEOUT_MS: '300' })))
    extraApps.push(app)
    overrides['/nft-model-predict'] = () => undefined
    const started = Date.now()
    expect(JSON.parse((await modelScore(LOWER, '?model=nft', app)).body)).toEqual({
      detail: 'Error retrieving Passport analysis: [{"model": "nft", "status": 500}]',
    })
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('endpoints §1.9: no analytics row (Python does not track this view); 401 without a key', async () => {
    expect((await modelScore(LOWER, '?model=nft')).status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(await ctx.database.sql`select id from account_accountapikeyanalytics where api_key_id = ${keyId}`).toEqual(
      [],
    )
    const response = await ctx.app.inject({ method: 'GET', url: `/v2/models/score/${LOWER}` })
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 401,
      body: { detail: 'Invalid API Key.' },
    })
  })
})

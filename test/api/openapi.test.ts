import { describe, expect, it } from 'vitest'
import SwaggerParser from '@apidevtools/swagger-parser'
import { Ajv } from 'ajv'
import { scoringTestConfig, useTestApp } from '../helpers/app.js'
import { buildDocsServer } from '../../src/api/openapi/documents.js'
import { DetailError } from '../../src/api/schemas/common.js'
import { DEMO_ADDRESS, seedDemoData } from '../../src/dev/demo-seed.js'
import {
  EXAMPLE_ADDRESS,
  EXAMPLE_SCORER_ID,
  EXAMPLE_V2_SCORE,
  EXAMPLE_VALIDATION_ERROR,
  EXAMPLE_WEIGHTS,
} from '../../src/api/schemas/examples.js'

// endpoints Appendix F: the documents at /docs/json and /v2/openapi.json, their pages, and the
// demo-data examples they carry.

type Json = Record<string, unknown>
interface Operation {
  operationId?: string
  summary?: string
  description?: string
  tags?: string[]
  security?: Record<string, string[]>[]
  parameters?: { name: string; in: string; description?: string; schema: Json; example?: unknown }[]
  responses: Record<string, { description: string; content?: Record<string, { schema: Json; example?: unknown }> }>
}
interface Document {
  openapi: string
  info: { title: string; version: string }
  servers?: unknown[]
  tags: { name: string; description?: string }[]
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Json & { example?: unknown }>; securitySchemes: Record<string, Json> }
}

let demo = { apiKey: '', communityId: 0 }
const ctx = useTestApp({
  config: async (database) => {
    const seed = await seedDemoData(database.sql)
    demo = { apiKey: seed.apiKey!, communityId: seed.communityId }
    return scoringTestConfig()
  },
})

async function getJson(url: string, headers: Record<string, string> = {}) {
  const response = await ctx.app.inject({ method: 'GET', url, headers })
  expect(response.statusCode, url).toBe(200)
  return response.json()
}

const operationsOf = (document: Document) =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ where: `${method.toUpperCase()} ${path}`, path, operation })),
  )

/** Every example in the document with the JSON pointer of the schema it must match. */
function examplesOf(document: Document): { where: string; schemaPointer: string; example: unknown }[] {
  const escape = (part: string) => part.replaceAll('~', '~0').replaceAll('/', '~1')
  const found = Object.entries(document.components.schemas)
    .filter(([, schema]) => schema.example !== undefined)
    .map(([name, schema]) => ({
      where: `component ${name}`,
      schemaPointer: `/components/schemas/${escape(name)}`,
      example: schema.example,
    }))
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const base = `/paths/${escape(path)}/${method}`
      for (const [index, parameter] of (operation.parameters ?? []).entries()) {
        if (parameter.example === undefined) continue
        const where = `${method} ${path} parameter ${parameter.name}`
        found.push({ where, schemaPointer: `${base}/parameters/${index}/schema`, example: parameter.example })
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [mediaType, media] of Object.entries(response.content ?? {})) {
          if (media.example === undefined) continue
          const pointer = `${base}/responses/${status}/content/${escape(mediaType)}/schema`
          found.push({ where: `${method} ${path} ${status}`, schemaPointer: pointer, example: media.example })
        }
      }
    }
  }
  return found
}

describe('GET /docs/json: the document of every route', () => {
  it('is a valid OpenAPI 3 document (swagger-parser), every $ref resolving', async () => {
    const document = (await getJson('/docs/json')) as Document
    expect(document.openapi).toMatch(/^3\.0\./)
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeTruthy()
  })

  it('gives every operation a unique operationId, a summary, a description and a family tag', async () => {
    const document = (await getJson('/docs/json')) as Document
    const operations = operationsOf(document)
    expect(operations.length).toBeGreaterThanOrEqual(21)
    const undocumented = operations
      .filter(({ operation }) => !operation.operationId || !operation.summary || !operation.description)
      .map(({ where }) => where)
    expect(undocumented).toEqual([])
    const ids = operations.map(({ operation }) => operation.operationId)
    expect(new Set(ids).size).toBe(ids.length)
    expect(document.paths['/v2/stamps/{scorer_id}/score/{address}']!.get!.operationId).toBe(
      'v2_api_api_stamps_a_submit_passport',
    )
    const declaredTags = document.tags.map((tag) => tag.name)
    expect(declaredTags).toEqual(['v2', 'embed', 'internal', 'ceramic-cache', 'account', 'health'])
    expect(document.tags.every((tag) => Boolean(tag.description))).toBe(true)
    for (const { where, path, operation } of operations) {
      expect(operation.tags, where).toHaveLength(1)
      const tag = operation.tags![0]!
      expect(declaredTags, where).toContain(tag)
      if (path.startsWith('/v2/')) expect(tag, where).toBe('v2')
      if (path.startsWith('/ceramic-cache/')) expect(tag, where).toBe('ceramic-cache')
      if (path.startsWith('/health')) expect(tag, where).toBe('health')
    }
  })

  it('describes every parameter and every response (no "Default Response")', async () => {
    const document = (await getJson('/docs/json')) as Document
    const missing: string[] = []
    for (const { where, operation } of operationsOf(document)) {
      for (const parameter of operation.parameters ?? []) {
        if (!parameter.description) missing.push(`${where} parameter ${parameter.name}`)
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!response.description || response.description === 'Default Response') missing.push(`${where} ${status}`)
      }
    }
    expect(missing).toEqual([])
  })

  it('refuses a route whose response map was not declared with responses() (it would have no description)', async () => {
    const undocumented = { method: 'GET', url: '/x', handler: () => null, schema: { response: { 200: DetailError } } }
    await expect(buildDocsServer([undocumented])).rejects.toThrow(
      "200 response without a description: declare the route's responses with responses()",
    )
  })

  it('documents the 503 {"detail": …} on every route, and each auth as a described security scheme', async () => {
    const document = (await getJson('/docs/json')) as Document
    for (const { where, operation } of operationsOf(document)) {
      const unavailable = operation.responses['503']
      expect(unavailable?.content?.['application/json']?.schema, where).toEqual({
        $ref: '#/components/schemas/DetailError',
      })
      for (const requirement of operation.security ?? []) {
        for (const scheme of Object.keys(requirement))
          expect(document.components.securitySchemes, where).toHaveProperty(scheme)
      }
    }
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['apiKey', 'internalKey', 'jwt'])
    for (const scheme of Object.values(document.components.securitySchemes)) expect(scheme.description).toBeTruthy()
    expect(document.paths['/v2/stamps/{scorer_id}/score/{address}']!.get!.security).toEqual([{ apiKey: [] }])
    expect(document.paths['/ceramic-cache/stamps/bulk']!.post!.security).toEqual([{ jwt: [] }])
    expect(document.paths['/internal/check-bans']!.post!.security).toEqual([{ internalKey: [] }])
  })

  it('names its component schemas after the wire types, never def-N', async () => {
    const document = (await getJson('/docs/json')) as Document
    const names = Object.keys(document.components.schemas)
    expect(names.filter((name) => name.startsWith('def-'))).toEqual([])
    expect(JSON.stringify(document)).not.toContain('#/components/schemas/def-')
    expect(names).toEqual(
      expect.arrayContaining([
        'DetailError',
        'ValidationErrorList',
        'V2ScoreResponse',
        'V2StampScoreResponse',
        'PointsData',
        'GetStampResponse',
        'GetStampsWithV2ScoreResponse',
        'CachedStampResponse',
        'ScorerWeights',
      ]),
    )
    expect(document.paths['/v2/stamps/{scorer_id}/score/{address}']!.get!.responses['200']!.content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/V2ScoreResponse' } },
    })
  })

  it('carries examples that match their schemas (AJV, OpenAPI 3.0 nullable)', async () => {
    const document = (await getJson('/docs/json')) as Document
    const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true })
    ajv.addSchema(document, 'openapi.json')
    const examples = examplesOf(document)
    expect(examples.length).toBeGreaterThan(40)
    const failures = examples.flatMap(({ where, schemaPointer, example }) => {
      const validate = ajv.compile({ $ref: `openapi.json#${schemaPointer}` })
      return validate(example) ? [] : [`${where}: ${ajv.errorsText(validate.errors)}`]
    })
    expect(failures).toEqual([])
    // A wrong example is caught (the check can fail).
    const validateScore = ajv.compile({ $ref: 'openapi.json#/components/schemas/V2ScoreResponse' })
    expect(validateScore({ ...EXAMPLE_V2_SCORE, passing_score: 'yes' })).toBe(false)
  })
})

describe('the examples are the demo data', () => {
  it('the demo scorer and address are the parameter examples', async () => {
    expect(demo.communityId).toBe(EXAMPLE_SCORER_ID)
    expect(EXAMPLE_ADDRESS).toBe(DEMO_ADDRESS)
    const document = (await getJson('/docs/json')) as Document
    const parameters = document.paths['/v2/stamps/{scorer_id}/score/{address}']!.get!.parameters!
    expect(parameters.map((parameter) => [parameter.name, parameter.example])).toEqual([
      ['scorer_id', EXAMPLE_SCORER_ID],
      ['address', DEMO_ADDRESS],
    ])
  })

  it('the V2ScoreResponse example is what the demo passport scores, up to the times it was scored', async () => {
    const live = await getJson(`/v2/stamps/${demo.communityId}/score/${DEMO_ADDRESS}`, { 'x-api-key': demo.apiKey })
    const withoutTimes = (body: typeof EXAMPLE_V2_SCORE) => ({
      ...body,
      last_score_timestamp: 'T',
      expiration_timestamp: 'T',
      stamps: Object.fromEntries(
        Object.entries(body.stamps).map(([provider, stamp]) => [provider, { ...stamp, expiration_date: 'T' }]),
      ),
    })
    expect(withoutTimes(live)).toEqual(withoutTimes(EXAMPLE_V2_SCORE))
    expect(Object.keys(live.stamps)).toEqual(Object.keys(EXAMPLE_V2_SCORE.stamps))
    const pythonIso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/
    expect(live.last_score_timestamp).toMatch(pythonIso)
    expect(EXAMPLE_V2_SCORE.last_score_timestamp).toMatch(pythonIso)
    expect(EXAMPLE_V2_SCORE.expiration_timestamp).toMatch(pythonIso)
  })

  it('the 422 and weights examples are what the routes answer for the demo data', async () => {
    const invalid = await ctx.app.inject({
      method: 'GET',
      url: `/v2/stamps/abc/score/${DEMO_ADDRESS}`,
      headers: { 'x-api-key': demo.apiKey },
    })
    expect(invalid.statusCode).toBe(422)
    expect(invalid.json()).toEqual(EXAMPLE_VALIDATION_ERROR)
    const weights = await ctx.app.inject({
      method: 'GET',
      url: `/internal/embed/weights?community_id=${demo.communityId}`,
    })
    expect(weights.statusCode).toBe(200)
    expect(JSON.parse(weights.body)).toEqual(EXAMPLE_WEIGHTS)
    expect(Object.keys(JSON.parse(weights.body))).toEqual(Object.keys(EXAMPLE_WEIGHTS))
    const key = await getJson('/internal/embed/validate-api-key', { 'x-api-key': demo.apiKey })
    const document = (await getJson('/docs/json')) as Document
    const keyExample =
      document.paths['/internal/embed/validate-api-key']!.get!.responses['200']!.content!['application/json']!.example
    expect(key).toEqual(keyExample)
  })
})

describe('GET /v2/openapi.json: the public v2 API alone, as Python publishes it', () => {
  it('is valid, holds exactly the /v2/ paths of the full document, with Python title and version and no servers', async () => {
    const v2 = (await getJson('/v2/openapi.json')) as Document
    const full = (await getJson('/docs/json')) as Document
    await expect(SwaggerParser.validate(structuredClone(v2) as never)).resolves.toBeTruthy()
    expect(v2.info.title).toBe('Passport Developer Platform')
    expect(v2.info.version).toBe('2.0.0')
    expect(v2.servers).toBeUndefined()
    const v2Paths = Object.keys(full.paths).filter((path) => path.startsWith('/v2/'))
    expect(v2Paths).toContain('/v2/stamps/{scorer_id}/score/{address}')
    expect(Object.keys(v2.paths)).toEqual(v2Paths)
    for (const path of v2Paths) expect(v2.paths[path]).toEqual(full.paths[path])
    expect(v2.tags.map((tag) => tag.name)).toEqual(['v2'])
    expect(Object.keys(v2.components.securitySchemes)).toEqual(['apiKey'])
    expect(Object.keys(v2.components.schemas)).not.toContain('GetStampResponse')
    expect(await getJson('/v2/docs/json')).toEqual(v2)
  })
})

describe('the Swagger UI pages', () => {
  it.each(['/docs', '/v2/docs'])(
    '%s answers the HTML page, and its script and the document it loads',
    async (prefix) => {
      const page = await ctx.app.inject({ method: 'GET', url: prefix })
      expect(page.statusCode).toBe(200)
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(page.body).toContain('<div id="swagger-ui"></div>')
      expect(page.body).toContain(`${prefix}/static/swagger-ui-bundle.js`)
      const bundle = await ctx.app.inject({ method: 'GET', url: `${prefix}/static/swagger-ui-bundle.js` })
      expect(bundle.statusCode).toBe(200)
      expect(bundle.headers['content-type']).toContain('javascript')
      expect(bundle.rawPayload.length).toBeGreaterThan(500_000)
      const initializer = await ctx.app.inject({ method: 'GET', url: `${prefix}/static/swagger-initializer.js` })
      expect(initializer.body).toContain("resolveUrl('./json')")
    },
  )

  it('an unknown page under /docs is the JSON 404 of every route', async () => {
    const response = await ctx.app.inject({ method: 'GET', url: '/docs/no-such-page' })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toEqual({ detail: 'Not Found' })
  })
})

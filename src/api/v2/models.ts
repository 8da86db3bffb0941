import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireApiKey } from '../auth/api-key.js'
import { DetailError, ValidationErrorList } from '../schemas/common.js'
import { API_KEY_MISSING_OR_INVALID, responses } from '../schemas/responses.js'
import { analyseAddress, type ModelServiceOptions } from '../../domain/model-analysis.js'
import { pyJsonDumps } from '../../domain/formats/py-json.js'

/** The documented shape; the handler sends the JSON text itself (Python's float spelling). */
const ModelAnalysisWire = Type.Unsafe<string>(
  Type.Object({
    address: Type.String({ description: 'The address of the path, as written there' }),
    details: Type.Object({
      models: Type.Record(Type.String(), Type.Object({ score: Type.Number({ description: 'Written as a float' }) })),
    }),
  }),
)

// endpoints §20: the score of a Passport model service for an address.
export const v2ModelScoreRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app
  const services: ModelServiceOptions = {
    endpoints: {
      ethereum_activity: config.ethereumModelEndpoint,
      nft: config.nftModelEndpoint,
      zksync: config.zksyncModelEndpoint,
      polygon: config.polygonModelEndpoint,
      arbitrum: config.arbitrumModelEndpoint,
      optimism: config.optimismModelEndpoint,
      base: config.baseModelEndpoint,
      aggregate: config.aggregateModelEndpoint,
    },
    timeoutMs: config.modelEndpointTimeoutMs,
    onServiceError: (model, err) => app.log.warn({ err, model }, 'model service failed'),
  }
  app.get(
    '/v2/models/score/:address',
    {
      // The async `aapi_key` (endpoints §1.3.1); Python's view records no analytics row (endpoints §1.9).
      onRequest: requireApiKey(config, app.sql, { aliasBothHeaders: false, trackUsage: false }),
      schema: {
        operationId: 'v2_api_api_models_get_analysis',
        tags: ['v2'],
        summary: 'Retrieve Passport analysis for an Ethereum address',
        description:
          'The humanity score (0–100, higher is more likely human) of one Passport model for an address. ' +
          '`model` names the model (default `aggregate`, which combines the six chain models).',
        security: [{ apiKey: [] }],
        params: Type.Object({ address: Type.String({ description: 'The Ethereum address to analyse' }) }),
        querystring: Type.Object({
          model: Type.String({
            default: '',
            description: 'One of ethereum_activity, nft, zksync, polygon, arbitrum, optimism, base, aggregate',
          }),
        }),
        response: responses({
          200: [ModelAnalysisWire, "The model's score for the address"],
          400: [
            DetailError,
            '"Invalid address.", "Invalid model name(s): …", "No model names provided" or one model only',
          ],
          401: API_KEY_MISSING_OR_INVALID,
          422: [ValidationErrorList, 'A query parameter of the wrong type'],
          500: [
            DetailError,
            'A model service failed: "Error retrieving Passport analysis: [{"model": …, "status": …}]"',
          ],
        }),
      },
    },
    async (request, reply) => {
      const analysis = await analyseAddress(services, request.params.address, request.query.model)
      // pydantic writes the float score as a float ("75.0"), which JSON.stringify would not.
      const body = pyJsonDumps({ address: analysis.address, details: { models: analysis.models } })
      return reply.type('application/json; charset=utf-8').send(body)
    },
  )
}

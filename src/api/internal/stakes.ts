import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox'
import { requireInternalKey } from '../auth/internal-key.js'
import { DetailError } from '../schemas/common.js'
import { EXAMPLE_ADDRESS } from '../schemas/examples.js'
import { responses } from '../schemas/responses.js'
import { requireDigitSegment, requireStrSegments } from '../path-converters.js'
import {
  loadGtcStakes,
  loadLegacyGtcStakeEvents,
  type GtcStake,
  type LegacyGtcStakeEvent,
} from '../../domain/stakes.js'
import { pyJsonDumps } from '../../domain/formats/py-json.js'

// stake/schema.py StakeSchema, for the OpenAPI document only: the body is written by pyJsonDumps
// so that the uint256 block number goes out as a JSON integer without passing through a double.
export const StakeWire = Type.Object({
  chain: Type.Integer(),
  staker: Type.String(),
  stakee: Type.String(),
  amount: Type.String(),
  unlock_time: Type.String(),
  lock_time: Type.String(),
  last_updated_in_block: Type.Integer(),
})

const LegacyStakeWire = Type.Object({
  id: Type.Integer(),
  event_type: Type.String(),
  round_id: Type.Integer(),
  staker: Type.Union([Type.String(), Type.Null()]),
  address: Type.Union([Type.String(), Type.Null()]),
  amount: Type.String(),
  staked: Type.Boolean(),
  block_number: Type.Integer(),
  tx_hash: Type.String(),
})

export function stakeJson(stake: GtcStake): string {
  return pyJsonDumps({
    chain: stake.chain,
    staker: stake.staker,
    stakee: stake.stakee,
    amount: stake.amount,
    unlock_time: stake.unlockTime,
    lock_time: stake.lockTime,
    last_updated_in_block: BigInt(stake.lastUpdatedInBlock),
  })
}

function toLegacyStakeWire(event: LegacyGtcStakeEvent): Static<typeof LegacyStakeWire> {
  return {
    id: event.id,
    event_type: event.eventType,
    round_id: event.roundId,
    staker: event.staker,
    address: event.address,
    amount: event.amount,
    staked: event.staked,
    block_number: event.blockNumber,
    tx_hash: event.txHash,
  }
}

// endpoints Endpoints 13 and 14.
export const stakeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/internal/stake/gtc/:address',
    {
      onRequest: [requireStrSegments('address'), requireInternalKey(app.config)],
      schema: {
        tags: ['internal'],
        operationId: 'internal_gtc_stakes',
        summary: 'GTC stakes where the address is staker or stakee',
        description: 'The GTC staking rows in which the address stakes or is staked on, amounts with 18 decimals.',
        security: [{ internalKey: [] }],
        params: Type.Object({
          address: Type.String({
            description: 'The address (a mixed-case one needs a correct checksum)',
            examples: [EXAMPLE_ADDRESS],
          }),
        }),
        response: responses({
          200: [
            Type.Unsafe<string>(Type.Object({ items: Type.Array(StakeWire) })),
            'The stakes',
            { example: { items: [] } },
          ],
          400: [
            DetailError,
            'The address is not an Ethereum address, or reading the stakes failed',
            { example: { detail: 'Invalid address.' } },
          ],
          401: [DetailError, 'The internal key is missing or wrong', { example: { detail: 'Unauthorized' } }],
          404: [DetailError, 'An empty `address` segment is no route', { example: { detail: 'Not Found' } }],
        }),
      },
    },
    async (request, reply) => {
      const stakes = await loadGtcStakes(app.sql, request.params.address)
      return reply.type('application/json; charset=utf-8').send(`{"items": [${stakes.map(stakeJson).join(', ')}]}`)
    },
  )

  app.get(
    '/internal/stake/legacy-gtc/:address/:round_id',
    {
      // `{int:round_id}`: a non-digit segment is no route at all (404), before authentication.
      onRequest: [requireStrSegments('address'), requireDigitSegment('round_id'), requireInternalKey(app.config)],
      schema: {
        tags: ['internal'],
        operationId: 'internal_legacy_gtc_stake_events',
        summary: 'Legacy GTC staking events of an address in a round',
        description: 'The legacy GTC staking events of a round in which the address is the staker or the stakee.',
        security: [{ internalKey: [] }],
        params: Type.Object({
          address: Type.String({ description: 'The address (any case)', examples: [EXAMPLE_ADDRESS] }),
          round_id: Type.String({ description: 'The round number (digits only; else no route, 404)', examples: ['1'] }),
        }),
        response: responses({
          200: [
            Type.Object({ results: Type.Array(LegacyStakeWire) }),
            'The staking events',
            { example: { results: [] } },
          ],
          400: [
            DetailError,
            'The address is not an Ethereum address, or reading the events failed',
            { example: { detail: 'Error pulling GTC staking data' } },
          ],
          401: [DetailError, 'The internal key is missing or wrong', { example: { detail: 'Unauthorized' } }],
          404: [
            DetailError,
            '`round_id` is not all digits, or a segment is empty',
            { example: { detail: 'Not Found' } },
          ],
        }),
      },
    },
    async (request) => {
      const events = await loadLegacyGtcStakeEvents(app.sql, request.params.address, request.params.round_id)
      return { results: events.map(toLegacyStakeWire) }
    },
  )
}

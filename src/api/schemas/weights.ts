import { Type } from '@sinclair/typebox'
import { PyFloat, pyJsonDumps } from '../../domain/formats/py-json.js'

/** The documented shape; the handler sends the JSON text itself (Python float spelling). */
export const WeightsResponse = Type.Unsafe<string>(
  Type.Record(Type.String(), Type.Number(), { title: 'ScorerWeights', description: 'Weight per stamp provider' }),
)

/** The weights body: Python floats keep their spelling ("1.0", not "1"; endpoints §1.5). */
export function formatWeightsJson(weights: readonly [string, number][]): string {
  return pyJsonDumps(Object.fromEntries(weights.map(([provider, weight]) => [provider, new PyFloat(weight)])))
}

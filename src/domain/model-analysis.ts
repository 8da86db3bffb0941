import { parse as parseLosslessJson } from 'lossless-json'
import { DomainError, invalidAddress } from './errors.js'
import { isValidEthAddress, toChecksumAddress } from './formats/eth-address.js'
import { PyFloat, pyJsonDumps } from './formats/py-json.js'
import { isPlainObject } from './formats/py-values.js'

// endpoints §20: Python's `handle_get_analysis` (passport/api.py): one model service per model,
// asked with the checksummed address; the "aggregate" model first asks the six chain models and
// then sends their scores to its own service. Nothing is stored or cached (Python neither).

/** Python's MODEL_ENDPOINTS keys, in its order (the order of the "Must be one of" text). */
export const MODEL_NAMES = [
  'ethereum_activity',
  'nft',
  'zksync',
  'polygon',
  'arbitrum',
  'optimism',
  'base',
  'aggregate',
] as const
export type ModelName = (typeof MODEL_NAMES)[number]
export type ModelEndpoints = Readonly<Record<ModelName, string>>

const AGGREGATE_MODEL: ModelName = 'aggregate'
/** Python's MODEL_ENDPOINTS_DEFAULT. */
const DEFAULT_MODEL_LIST = AGGREGATE_MODEL
/** The aggregate model's inputs and their key in its payload (MODEL_AGGREGATION_NAMES, in Python's order). */
const AGGREGATION_KEYS: readonly (readonly [ModelName, string])[] = [
  ['zksync', 'zk'],
  ['polygon', 'polygon'],
  ['ethereum_activity', 'eth'],
  ['arbitrum', 'arb'],
  ['optimism', 'op'],
  ['base', 'base'],
]

const ANALYSIS_FAILED = 'Error retrieving Passport analysis'

/** What Python's `fetch` keeps of an answer: the status, and `data` of the JSON body (500 on any failure). */
interface ModelAnswer {
  status: number
  data: unknown
}

// Numbers keep Python's int/float distinction, so the aggregate payload repeats them as Python would.
const pythonNumber = (text: string): bigint | PyFloat =>
  /^-?\d+$/.test(text) ? BigInt(text) : new PyFloat(Number(text))

// aiohttp's response.json() accepts application/json and any application/…+json type.
const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+?\+)?json/

export interface ModelServiceOptions {
  endpoints: ModelEndpoints
  timeoutMs: number
  /** A model service that failed or could not be read (the answer is then a 500 entry). */
  onServiceError?: (model: ModelName, error: unknown) => void
}

async function askModel(options: ModelServiceOptions, model: ModelName, payload: unknown): Promise<ModelAnswer> {
  try {
    const response = await fetch(options.endpoints[model], {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: pyJsonDumps(payload),
      signal: AbortSignal.timeout(options.timeoutMs),
    })
    const type = response.headers.get('content-type') ?? ''
    if (!JSON_CONTENT_TYPE.test(type)) throw new Error(`model ${model} answered ${type || 'no content type'}`)
    const text = (await response.text()).trim()
    // aiohttp reads an empty body as None, whose `.get` then fails.
    const body = text === '' ? null : parseLosslessJson(text, null, pythonNumber)
    if (!isPlainObject(body)) throw new Error(`model ${model} answered a body that is not an object`)
    return { status: response.status, data: body.data ?? null }
  } catch (error) {
    options.onServiceError?.(model, error)
    return { status: 500, data: { human_probability: -1, n_transactions: -1, error: String(error) } }
  }
}

/** `data.get(key, 0)`; `data` of None has no `.get` in Python either (a plain 500). */
function dataField(model: ModelName, data: unknown, key: string): unknown {
  if (!isPlainObject(data)) throw new Error(`model ${model} answered without a data object`)
  return key in data ? data[key] : 0n
}

const PY_FLOAT_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/

/** pydantic's `score: float` of whatever the model sent. */
function toScore(model: ModelName, value: unknown): PyFloat {
  if (value instanceof PyFloat) return value
  if (typeof value === 'bigint') return new PyFloat(Number(value))
  if (typeof value === 'boolean') return new PyFloat(value ? 1 : 0)
  if (typeof value === 'string' && PY_FLOAT_TEXT.test(value)) return new PyFloat(Number(value))
  throw new Error(`model ${model} answered a human_probability that is not a number`)
}

function failedAnalysis(answers: readonly (readonly [ModelName, ModelAnswer])[]): DomainError {
  const details = answers.map(([model, answer]) => ({ model, status: answer.status }))
  return new DomainError('internal', `${ANALYSIS_FAILED}: ${pyJsonDumps(details)}`)
}

/** The aggregate model: its six inputs (a failed one fails the analysis), then its own service. */
async function askAggregate(options: ModelServiceOptions, address: string): Promise<ModelAnswer> {
  const inputs = await Promise.all(
    AGGREGATION_KEYS.map(async ([model]) => [model, await askModel(options, model, { address })] as const),
  )
  if (!inputs.every(([, answer]) => answer.status === 200)) throw failedAnalysis(inputs)
  const data: Record<string, unknown> = {}
  for (const [model, answer] of inputs) {
    const key = AGGREGATION_KEYS.find(([name]) => name === model)![1]
    data[`score_${key}`] = dataField(model, answer.data, 'human_probability')
    data[`txs_${key}`] = dataField(model, answer.data, 'n_transactions')
  }
  return askModel(options, AGGREGATE_MODEL, { address, data })
}

/** Python's checks in its order; ONLY_ONE_MODEL is on in Python's settings. */
function chooseModel(address: string, modelList: string): ModelName {
  const list = modelList.trim() === '' ? DEFAULT_MODEL_LIST : modelList
  const models = [...new Set(list.split(',').map((name) => name.trim()))]
  if (!isValidEthAddress(address)) throw invalidAddress()
  if (models.length > 1)
    throw new DomainError('bad_request', 'Currently, only one model name can be provided at a time')
  const model = models[0]!
  if (model === '') throw new DomainError('bad_request', 'No model names provided')
  if (!(MODEL_NAMES as readonly string[]).includes(model))
    throw new DomainError('bad_request', `Invalid model name(s): ${model}. Must be one of ${MODEL_NAMES.join(', ')}`)
  return model as ModelName
}

export interface ModelAnalysis {
  /** As given in the path (not lower-cased, not checksummed). */
  address: string
  models: Record<string, { score: PyFloat }>
}

/** endpoints §20: the analysis of one model for an address. */
export async function analyseAddress(
  options: ModelServiceOptions,
  address: string,
  modelList: string,
): Promise<ModelAnalysis> {
  const model = chooseModel(address, modelList)
  // Python passes the checksummed address on: the model services' caches are keyed by it.
  const checksummed = toChecksumAddress(address)
  try {
    const answer =
      model === AGGREGATE_MODEL
        ? await askAggregate(options, checksummed)
        : await askModel(options, model, { address: checksummed })
    if (answer.status !== 200) throw failedAnalysis([[model, answer]])
    return {
      address,
      models: { [model]: { score: toScore(model, dataField(model, answer.data, 'human_probability')) } },
    }
  } catch (error) {
    // Python's `except Exception`: anything but its own analysis error becomes the bare text.
    if (error instanceof DomainError) throw error
    throw new DomainError('internal', ANALYSIS_FAILED, { cause: error })
  }
}

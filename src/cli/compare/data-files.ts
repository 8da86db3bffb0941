import { readFile } from 'node:fs/promises'
import { Type, type TSchema } from '@sinclair/typebox'
import { Ajv } from 'ajv'
import { parse, stringify } from 'lossless-json'
import type { FixtureState } from './fixtures.js'
import { parseDataFile, plainJson } from './json-values.js'
import type { KnownDifference } from './known-differences.js'
import type { Rules } from './run.js'

// The data files of the compare tool, checked when read so a typo fails with the file and field.

const RuleSchema = Type.Object(
  {
    path: Type.String(),
    as: Type.Union(
      ['mask', 'timestamp', 'instant', 'id', 'ref', 'json-text', 'unordered'].map((kind) => Type.Literal(kind)),
    ),
    table: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)
const RulesSchema = Type.Object(
  { tables: Type.Array(Type.String()), body: Type.Array(RuleSchema), rows: Type.Array(RuleSchema) },
  { additionalProperties: false },
)
const MatchField = Type.Optional(Type.String())
const KnownSchema = Type.Array(
  Type.Object(
    {
      id: Type.String(),
      reason: Type.String(),
      match: Type.Object(
        {
          step: MatchField,
          route: MatchField,
          baselineStatus: MatchField,
          candidateStatus: MatchField,
          where: MatchField,
          kind: MatchField,
          op: MatchField,
          path: MatchField,
          baseline: MatchField,
          candidate: MatchField,
        },
        { additionalProperties: false, minProperties: 1 },
      ),
    },
    { additionalProperties: false },
  ),
)

const ajv = new Ajv({ strict: false })

async function readChecked<T>(path: string, schema: TSchema): Promise<T> {
  const value = plainJson(parseDataFile(path, await readFile(path, 'utf8')))
  const check = ajv.compile(schema)
  if (!check(value)) {
    const [error] = check.errors ?? []
    throw new Error(`${path}: ${error?.instancePath || '(top)'} ${error?.message ?? 'is invalid'}`)
  }
  return value as T
}

export function loadRules(path: string): Promise<Rules> {
  return readChecked<Rules>(path, RulesSchema)
}

export function loadKnownDifferences(path: string): Promise<KnownDifference[]> {
  return readChecked<KnownDifference[]>(path, KnownSchema)
}

export function serialiseState(state: FixtureState): string {
  return `${stringify(state, null, 2)}\n`
}

export async function loadState(path: string): Promise<FixtureState> {
  // Lossless, so the ids and numbers in `vars` keep their spelling; `version` is then a LosslessNumber.
  const state = parse(await readFile(path, 'utf8')) as Omit<FixtureState, 'version'> & { version: unknown }
  if (String(state.version) !== '1' || typeof state.vars !== 'object')
    throw new Error(`${path} is not a state file written by compare --setup`)
  return { ...state, version: 1 }
}

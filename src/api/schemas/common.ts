import { Type, type Static } from '@sinclair/typebox'
import { EXAMPLE_VALIDATION_ERROR } from './examples.js'

// A wire type's `title` (or `$id`) names its component in the OpenAPI document (src/api/openapi).
// New names use `title`: an `$id` may appear only once in a schema AJV compiles, and PointsData,
// for one, appears twice in V2ScoreResponse.

/** django-ninja's error envelope for string details (endpoints §1.2 families A/B). */
export const DetailError = Type.Object(
  { detail: Type.String({ description: "What went wrong, in Python's words" }) },
  { $id: 'DetailError', description: 'Error envelope of every failure except validation lists' },
)

/** One entry of a ninja 422 `detail` list (endpoints §1.2 family C), keys in ninja's order. */
export const ValidationItem = Type.Object(
  {
    type: Type.String({ description: "pydantic's error type, e.g. `int_parsing`" }),
    loc: Type.Array(Type.Union([Type.String(), Type.Integer()]), {
      description: 'Where: `path`, `query` or `body`, then the field names and list indexes',
    }),
    msg: Type.String({ description: "pydantic's message" }),
    ctx: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "The message's parameters" })),
  },
  { title: 'ValidationErrorItem' },
)
export type ValidationItem = Static<typeof ValidationItem>

/** A 422 whose `detail` is ninja's list, or a handler's own text ("You have submitted too many stamps."). */
export const ValidationListOrText = Type.Object({ detail: Type.Union([Type.Array(ValidationItem), Type.String()]) })

export const ValidationErrorList = Type.Object(
  { detail: Type.Array(ValidationItem) },
  {
    title: 'ValidationErrorList',
    description: "A request parameter or body field failed validation (django-ninja's 422 list)",
    examples: [EXAMPLE_VALIDATION_ERROR],
  },
)

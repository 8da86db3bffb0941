import { Type, type Static } from '@sinclair/typebox'

/** django-ninja's error envelope for string details (endpoints §1.2 families A/B). */
export const DetailError = Type.Object({ detail: Type.String() }, { $id: 'DetailError' })

/** One entry of a ninja 422 `detail` list (endpoints §1.2 family C), keys in ninja's order. */
export const ValidationItem = Type.Object({
  type: Type.String(),
  loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
  msg: Type.String(),
  ctx: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
})
export type ValidationItem = Static<typeof ValidationItem>

export const ValidationErrorList = Type.Object({ detail: Type.Array(ValidationItem) })

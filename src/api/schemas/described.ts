import { Type, type TObject } from '@sinclair/typebox'
import { ValidationItem } from './common.js'

// Response schemas that carry their OpenAPI description (a response needs one; the shared
// DetailError has an $id and cannot be copied with another description).

/** `{"detail": "<text>"}` (endpoints §1.2 families A, A′, B). */
export const detailResponse = (description: string): TObject => Type.Object({ detail: Type.String() }, { description })

/** ninja's 422 list (endpoints §1.2 family C), or a handler's 422 text ("You have submitted too many stamps."). */
export const validationResponse = (description = 'A path, query or body value failed validation'): TObject =>
  Type.Object({ detail: Type.Union([Type.Array(ValidationItem), Type.String()]) }, { description })

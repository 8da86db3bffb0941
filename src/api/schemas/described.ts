import { Type, type TObject } from '@sinclair/typebox'
import { DetailError, ValidationItem } from './common.js'

// Response schemas that carry their OpenAPI description (a response needs one). The document shows a
// restated DetailError as the shared component with the response's description (src/api/openapi).

/** `{"detail": "<text>"}` (endpoints §1.2 families A, A′, B). */
export const detailResponse = (description: string): TObject => ({ ...DetailError, description })

/** ninja's 422 list (endpoints §1.2 family C), or a handler's 422 text ("You have submitted too many stamps."). */
export const validationResponse = (description = 'A path, query or body value failed validation'): TObject =>
  Type.Object({ detail: Type.Union([Type.Array(ValidationItem), Type.String()]) }, { description })

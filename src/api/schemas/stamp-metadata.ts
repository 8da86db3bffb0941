import { Type } from '@sinclair/typebox'

// endpoints §18 and §19: the wire shapes of the stamp metadata, keys in pydantic's field order.
// `connectMessage` is the one camelCase key of the public API.

const PlatformFields = {
  id: Type.String(),
  icon: Type.String({ description: 'Absolute URL, resolved against PASSPORT_PUBLIC_URL' }),
  name: Type.String(),
  description: Type.String(),
  connectMessage: Type.String(),
}

const StampWire = Type.Object({ name: Type.String(), description: Type.String(), hash: Type.String() })

export const StampMetadataPlatformWire = Type.Object({
  ...PlatformFields,
  groups: Type.Array(Type.Object({ name: Type.String(), stamps: Type.Array(StampWire) })),
})

/** One stamp's metadata in the stamp list (`include_metadata=true`). */
export const ProviderMetadataWire = Type.Object({
  group: Type.String(),
  platform: Type.Object(PlatformFields),
  name: Type.String(),
  description: Type.String(),
  hash: Type.String(),
})

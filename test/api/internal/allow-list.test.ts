import { describe, expect, it } from 'vitest'
import { useTestApp } from '../../helpers/app.js'
import { randomAddress } from '../../helpers/factories/accounts.js'
import { createAddressList, randomHex } from '../../helpers/factories/internal.js'
import { toChecksumAddress } from '../../../src/domain/formats/eth-address.js'

const ctx = useTestApp()

const isMember = (list: string, address: string) =>
  ctx.app.inject({
    method: 'GET',
    url: `/internal/allow-list/${list}/${address}`,
    headers: { authorization: 'internal-test-token' },
  })

describe('GET /internal/allow-list/{list}/{address}', () => {
  it('endpoints §11: a member, given in checksum case, → {"is_member": true}', async () => {
    const list = `List${randomHex(6)}`
    const address = randomAddress()
    await createAddressList(ctx.database.sql, list, [address])
    const response = await isMember(list, toChecksumAddress(address))
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ is_member: true })
  })

  it('endpoints §11: not on the list, an unknown list, or the list name in another case → false', async () => {
    const list = `List${randomHex(6)}`
    const address = randomAddress()
    await createAddressList(ctx.database.sql, list, [address])
    expect((await isMember(list, randomAddress())).json()).toEqual({ is_member: false })
    expect((await isMember(`Unknown${randomHex(6)}`, address)).json()).toEqual({ is_member: false })
    expect((await isMember(list.toUpperCase(), address)).json()).toEqual({ is_member: false })
  })

  it('endpoints §11: the address is not validated: "0x123" → 200 false', async () => {
    const response = await isMember(`List${randomHex(6)}`, '0x123')
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ is_member: false })
  })
})

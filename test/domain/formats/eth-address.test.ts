import { describe, expect, it } from 'vitest'
import { isValidEthAddress, normalizeAddress, toChecksumAddress } from '../../../src/domain/formats/eth-address.js'

const CHECKSUMMED = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'

describe('Ethereum addresses (scoring §0 P5, endpoints §1.4)', () => {
  it('endpoints §1.4: EIP-55 vectors', () => {
    for (const address of [
      CHECKSUMMED,
      '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
      '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
      '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
    ]) {
      expect(toChecksumAddress(address.toLowerCase())).toBe(address)
      expect(isValidEthAddress(address)).toBe(true)
    }
  })

  it('endpoints §1.4: a mixed-case address with one flipped letter is invalid', () => {
    expect(isValidEthAddress('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD')).toBe(false)
    expect(isValidEthAddress('0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed')).toBe(false)
  })

  it('endpoints §1.4: all lower-case and all upper-case hex are accepted without a checksum', () => {
    expect(isValidEthAddress(CHECKSUMMED.toLowerCase())).toBe(true)
    expect(isValidEthAddress(`0x${CHECKSUMMED.slice(2).toUpperCase()}`)).toBe(true)
    expect(isValidEthAddress(`0X${CHECKSUMMED.slice(2).toLowerCase()}`)).toBe(true)
    expect(isValidEthAddress('0x0000000000000000000000000000000000000000')).toBe(true)
  })

  it('P5 quirk: an address without 0x is accepted', () => {
    expect(isValidEthAddress(CHECKSUMMED.slice(2).toLowerCase())).toBe(true)
    expect(isValidEthAddress(CHECKSUMMED.slice(2).toUpperCase())).toBe(true)
  })

  it('endpoints §1.4, parity with eth_utils: a mixed-case address needs the exact "0x" prefix to pass the checksum', () => {
    expect(isValidEthAddress(CHECKSUMMED.slice(2))).toBe(false)
    expect(isValidEthAddress(`0X${CHECKSUMMED.slice(2)}`)).toBe(false)
  })

  it('endpoints §1.4: wrong length, non-hex, whitespace or a bare "0x" are invalid', () => {
    for (const raw of [
      '',
      '0x',
      `${CHECKSUMMED}0`,
      CHECKSUMMED.slice(0, -1),
      `${CHECKSUMMED.slice(0, -1)}g`,
      ` ${CHECKSUMMED}`,
      `${CHECKSUMMED}\n`,
      `0x${'0'.repeat(38)}`,
      `0x0x${'0'.repeat(38)}`,
    ]) {
      expect(isValidEthAddress(raw), JSON.stringify(raw)).toBe(false)
    }
  })

  it('P5: normalizeAddress lower-cases first, so any-case 40-hex input is valid', () => {
    expect(normalizeAddress(CHECKSUMMED)).toBe(CHECKSUMMED.toLowerCase())
    expect(normalizeAddress('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD')).toBe(CHECKSUMMED.toLowerCase())
    expect(normalizeAddress(`0X${CHECKSUMMED.slice(2)}`)).toBe(CHECKSUMMED.toLowerCase())
    expect(normalizeAddress(CHECKSUMMED.slice(2))).toBe(CHECKSUMMED.slice(2).toLowerCase())
    expect(normalizeAddress('0x123')).toBeNull()
  })
})

// A stampMetadata.json for the tests of endpoints §18 and §19, and the platforms the API makes of it.

/** The file as the Passport app publishes it (extra keys included, which the answer drops). */
export const METADATA_FILE = [
  {
    id: 'Google',
    icon: './assets/googleStampIcon.svg',
    name: 'Google',
    description: 'Connect your Google account',
    connectMessage: 'Connect Account',
    isEVM: false,
    groups: [
      {
        name: 'Account Name',
        stamps: [{ name: 'Google', description: 'Encrypted', hash: '0xgoogle', isDeprecated: false }],
      },
    ],
  },
  {
    id: 'Ens',
    icon: 'https://cdn.example.org/ens.svg',
    name: 'ENS',
    description: 'Purchase an .eth name',
    connectMessage: 'Connect Wallet',
    groups: [
      { name: 'Account Name', stamps: [{ name: 'Ens', description: 'Holds an ENS name', hash: '0xens' }] },
      { name: 'Later', stamps: [{ name: 'Google', description: 'Same name, later platform', hash: '0xlater' }] },
    ],
  },
]

export const expectedPlatforms = (publicUrl: string) => [
  {
    id: 'Google',
    icon: `${publicUrl}assets/googleStampIcon.svg`,
    name: 'Google',
    description: 'Connect your Google account',
    connectMessage: 'Connect Account',
    groups: [{ name: 'Account Name', stamps: [{ name: 'Google', description: 'Encrypted', hash: '0xgoogle' }] }],
  },
  {
    id: 'Ens',
    icon: 'https://cdn.example.org/ens.svg',
    name: 'ENS',
    description: 'Purchase an .eth name',
    connectMessage: 'Connect Wallet',
    groups: [
      { name: 'Account Name', stamps: [{ name: 'Ens', description: 'Holds an ENS name', hash: '0xens' }] },
      { name: 'Later', stamps: [{ name: 'Google', description: 'Same name, later platform', hash: '0xlater' }] },
    ],
  },
]
